import HessianFree
import Linalg
import SequenceModel

/// A run's fixed test set and the shared evaluation workspace it is evaluated through: every method
/// evaluates it the same way (chunks of `TrainingConfig.testChunkSize`, `ChunkTotals` totalled in
/// chunk order, as `EvaluationWorkspace.evaluateSet` does), and their
/// minibatch objectives share the workspace's buffers. In a group of several workers each one
/// holds and evaluates only its chunks, and the chunks' totals are exchanged and summed in order.
final class FixedTestSet<Scalar: BLASScalar> {
    let workspace: EvaluationWorkspace<Scalar>
    private let chunks: [SequenceBatch<Scalar>?]
    private let owner: Int
    private let criterion: ErrorCriterion
    private let group: any WorkerGroup
    private let schedule: SubBatchSchedule
    private var partials: [Double] = []

    /// The test loss of the best constant prediction (`OutputLoss.constantPredictionLoss` of the
    /// test targets): the relative loss's yardstick. Computed at its first use, not in `init`: it
    /// is an exchange among the workers, and a worker whose set-up failed never reaches one.
    var constantPredictionLoss: Double {
        if let cachedConstantPredictionLoss { return cachedConstantPredictionLoss }
        let value = Self.constantPredictionLoss(chunks: chunks, schedule: schedule, group: group,
                                                outputs: workspace.network.shape.outputs, loss: workspace.network.outputLoss)
        cachedConstantPredictionLoss = value
        return value
    }
    private var cachedConstantPredictionLoss: Double?

    init(network: RecurrentNetwork, source: any SequenceSource<Scalar>, chunkSize: Int,
         group: any WorkerGroup = SingleWorker(), threads: ComputeThreads = .single) throws {
        workspace = EvaluationWorkspace(network: network, threads: threads)
        let count = (source.testSetSize + chunkSize - 1) / chunkSize
        let schedule = SubBatchSchedule(count: count, workers: group.size,
                                        slotBytes: ChunkTotals.width * MemoryLayout<Double>.stride)
        chunks = try source.testChunks(chunkSize: chunkSize, keep: { schedule.isOwned($0, by: group.rank) })
        precondition(chunks.count == count, "the source made \(chunks.count) test chunks, expected \(count)")
        self.schedule = schedule
        self.group = group
        owner = workspace.makeOwner()
        criterion = source.errorCriterion
    }

    /// Σ m·y (per output), Σ m·‖y‖² and Σ m over every chunk, summed in chunk order by every
    /// worker, turned into the constant prediction's mean loss.
    private static func constantPredictionLoss(chunks: [SequenceBatch<Scalar>?], schedule: SubBatchSchedule,
                                               group: any WorkerGroup, outputs: Int, loss: OutputLoss) -> Double {
        var targetSums = [Double](repeating: 0, count: outputs)
        var squaredNorms = 0.0, weights = 0.0
        var buffer: [Double] = []
        let sumsSchedule = SubBatchSchedule(count: schedule.count, workers: group.size,
                                            slotBytes: (outputs + 2) * MemoryLayout<Double>.stride)
        group.forEachPartial(sumsSchedule, width: outputs + 2, buffer: &buffer, compute: { index, slot in
            let chunk = chunks[index]!
            for o in 0..<(outputs + 2) { slot[o] = 0 }
            for row in 0..<(chunk.steps * chunk.sequenceCount) where chunk.mask[row] != 0 {
                let m = Double(chunk.mask[row])
                for o in 0..<outputs {
                    let y = Double(chunk.targets[row * outputs + o])
                    slot[o] += m * y
                    slot[outputs] += m * y * y
                }
                slot[outputs + 1] += m
            }
        }, fold: { _, slot in
            for o in 0..<outputs { targetSums[o] += slot[o] }
            squaredNorms += slot[outputs]
            weights += slot[outputs + 1]
        })
        guard weights > 0 else { return .nan }
        return loss.constantPredictionLoss(meanTarget: targetSums.map { $0 / weights },
                                           meanSquaredNorm: squaredNorms / weights)
    }

    /// Mean loss, error rates and counts at `parameters`: each chunk's `ChunkTotals`, exchanged among
    /// the workers and totalled in chunk order.
    func evaluate(at parameters: [Scalar]) -> SetEvaluation {
        var totals: [ChunkTotals] = []
        group.forEachPartial(schedule, width: ChunkTotals.width, buffer: &partials, threads: workspace.threads,
                             compute: { index, thread, slot in
            let chunk = chunks[index]!
            let evaluator = workspace.evaluator(owner: owner, chunk: index, batch: chunk, thread: thread)
            evaluator.forward(parameters)
            ChunkTotals(evaluator, chunk: chunk, criterion: criterion).write(to: slot)
        }, fold: { _, slot in
            totals.append(ChunkTotals(slot: slot))
        })
        return SetEvaluation(totalling: totals)
    }
}
