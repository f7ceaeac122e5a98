import HessianFree
import Linalg
import SequenceModel

/// A run's fixed test set and the shared evaluation workspace it is evaluated through: HF and
/// first-order trainers evaluate it the same way (chunks of `TrainingConfig.testChunkSize`, loss
/// summed in Double in chunk order, as `EvaluationWorkspace.evaluateSet` does), and their
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

    /// Per chunk: Σ mask·L, Σ mask, sequences, judged sequences, wrong ones.
    private static var slotWidth: Int { 5 }

    init(network: RecurrentNetwork, source: any SequenceSource<Scalar>, chunkSize: Int,
         group: any WorkerGroup = SingleWorker()) throws {
        workspace = EvaluationWorkspace(network: network)
        let count = (source.testSetSize + chunkSize - 1) / chunkSize
        let schedule = SubBatchSchedule(count: count, workers: group.size,
                                        slotBytes: Self.slotWidth * MemoryLayout<Double>.stride)
        chunks = try source.testChunks(chunkSize: chunkSize, keep: { schedule.isOwned($0, by: group.rank) })
        precondition(chunks.count == count, "the source made \(chunks.count) test chunks, expected \(count)")
        self.schedule = schedule
        self.group = group
        owner = workspace.makeOwner()
        criterion = source.errorCriterion
    }

    /// Mean loss and error rate at `parameters`.
    func evaluate(at parameters: [Scalar]) -> (loss: Double, error: Double) {
        var result = SetEvaluation()
        var lossSum = 0.0
        group.forEachPartial(schedule, width: Self.slotWidth, buffer: &partials, compute: { index, slot in
            let chunk = chunks[index]!
            let evaluator = workspace.evaluator(owner: owner, chunk: index, batch: chunk)
            evaluator.forward(parameters)
            let errors = evaluator.sequenceErrors(criterion: criterion)
            slot[0] = evaluator.scoredLossSum
            slot[1] = Double(chunk.scoredOutputCount)
            slot[2] = Double(chunk.sequenceCount)
            slot[3] = Double(errors.judged)
            slot[4] = Double(errors.wrong)
        }, fold: { _, slot in
            lossSum += slot[0]
            result.scoredOutputs += slot[1]
            result.sequences += Int(slot[2])
            result.judged += Int(slot[3])
            result.wrong += Int(slot[4])
        })
        result.loss = result.scoredOutputs > 0 ? lossSum / result.scoredOutputs : 0
        return (result.loss, result.errorRate)
    }
}
