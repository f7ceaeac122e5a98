import HessianFree
import Linalg
import SequenceModel

/// A run's fixed test set and the shared evaluation workspace it is evaluated through: HF and
/// first-order trainers evaluate it the same way (chunks of the curvature batch size, loss summed
/// in Double), and their minibatch objectives share the workspace's buffers.
final class FixedTestSet<Scalar: BLASScalar> {
    let workspace: EvaluationWorkspace<Scalar>
    private let chunks: [SequenceBatch<Scalar>]
    private let owner: Int
    private let criterion: ErrorCriterion

    init(network: RecurrentNetwork, source: any SequenceSource<Scalar>, chunkSize: Int) throws {
        workspace = EvaluationWorkspace(network: network)
        chunks = try source.testChunks(chunkSize: chunkSize)
        owner = workspace.makeOwner()
        criterion = source.errorCriterion
    }

    /// Mean loss and error rate at `parameters`.
    func evaluate(at parameters: [Scalar]) -> (loss: Double, error: Double) {
        let result = workspace.evaluateSet(parameters: parameters, chunks: chunks, criterion: criterion, owner: owner)
        return (result.loss, result.errorRate)
    }
}
