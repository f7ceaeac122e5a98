import HessianFree
import Linalg
import SequenceModel

/// A run's fixed test set and the shared evaluation workspace it is evaluated through: every method
/// evaluates it the same way (sub-batches of `TrainingConfig.testSubBatchSize`, `SubBatchTotals` totalled in
/// sub-batch order, as `EvaluationWorkspace.evaluateSet` does), and their
/// minibatch objectives share the workspace's buffers. In a group of several workers each one
/// holds and evaluates only its sub-batches, and the sub-batches' totals are exchanged and summed in order.
final class FixedTestSet<Scalar: BLASScalar> {
    let workspace: EvaluationWorkspace<Scalar>
    private let subBatches: [SubBatch<Scalar>?]
    private let owner: Int
    private let criterion: ErrorCriterion
    private let group: any WorkerGroup
    private let schedule: SubBatchSchedule
    private var results: [Double] = []

    /// The test loss of the best constant prediction (`OutputLoss.constantPredictionLoss` of the
    /// test targets): the relative loss's yardstick. Computed at its first use, not in `init`: it
    /// is an exchange among the workers, and a worker whose set-up failed never reaches one.
    var constantPredictionLoss: Double {
        if let cachedConstantPredictionLoss { return cachedConstantPredictionLoss }
        let value = Self.constantPredictionLoss(subBatches: subBatches, schedule: schedule, group: group,
                                                outputs: workspace.network.shape.outputs, loss: workspace.network.outputLoss)
        cachedConstantPredictionLoss = value
        return value
    }
    private var cachedConstantPredictionLoss: Double?

    init(network: RecurrentNetwork, source: any SequenceSource<Scalar>, subBatchSize: Int,
         group: any WorkerGroup = SingleWorker(), threads: ComputeThreads = .single) throws {
        workspace = EvaluationWorkspace(network: network, threads: threads)
        let count = (source.testSetSize + subBatchSize - 1) / subBatchSize
        let schedule = SubBatchSchedule(count: count, workers: group.size,
                                        resultBytes: SubBatchTotals.width * MemoryLayout<Double>.stride)
        subBatches = try source.testSubBatches(subBatchSize: subBatchSize, keep: { schedule.isOwned($0, by: group.rank) })
        precondition(subBatches.count == count, "the source made \(subBatches.count) test subBatches, expected \(count)")
        self.schedule = schedule
        self.group = group
        owner = workspace.makeOwner()
        criterion = source.errorCriterion
    }

    /// Σ m·y (per output), Σ m·‖y‖² and Σ m over every sub-batch, summed in sub-batch order by every
    /// worker, turned into the constant prediction's mean loss.
    private static func constantPredictionLoss(subBatches: [SubBatch<Scalar>?], schedule: SubBatchSchedule,
                                               group: any WorkerGroup, outputs: Int, loss: OutputLoss) -> Double {
        var targetSums = [Double](repeating: 0, count: outputs)
        var squaredNorms = 0.0, weights = 0.0
        var buffer: [Double] = []
        let sumsSchedule = SubBatchSchedule(count: schedule.count, workers: group.size,
                                            resultBytes: (outputs + 2) * MemoryLayout<Double>.stride)
        group.forEachSubBatch(sumsSchedule, width: outputs + 2, buffer: &buffer, compute: { index, result in
            let subBatch = subBatches[index]!.batch
            for o in 0..<(outputs + 2) { result[o] = 0 }
            for row in 0..<(subBatch.steps * subBatch.sequenceCount) where subBatch.mask[row] != 0 {
                let m = Double(subBatch.mask[row])
                for o in 0..<outputs {
                    let y = Double(subBatch.targets[row * outputs + o])
                    result[o] += m * y
                    result[outputs] += m * y * y
                }
                result[outputs + 1] += m
            }
        }, fold: { _, result in
            for o in 0..<outputs { targetSums[o] += result[o] }
            squaredNorms += result[outputs]
            weights += result[outputs + 1]
        })
        guard weights > 0 else { return .nan }
        return loss.constantPredictionLoss(meanTarget: targetSums.map { $0 / weights },
                                           meanSquaredNorm: squaredNorms / weights)
    }

    /// Mean loss, error rates and counts at `parameters`: each sub-batch's `SubBatchTotals`, exchanged among
    /// the workers and totalled in sub-batch order.
    func evaluate(at parameters: [Scalar]) -> SetEvaluation {
        var totals: [SubBatchTotals] = []
        group.forEachSubBatch(schedule, width: SubBatchTotals.width, buffer: &results, threads: workspace.threads,
                             compute: { index, thread, result in
            let evaluator = workspace.evaluator(owner: owner, subBatch: index, batch: subBatches[index]!.batch, thread: thread)
            evaluator.forward(parameters)
            SubBatchTotals(evaluator, subBatch: evaluator.batch, criterion: criterion).write(to: result)
        }, fold: { _, result in
            totals.append(SubBatchTotals(result: result))
        })
        return SetEvaluation(totalling: totals)
    }
}
