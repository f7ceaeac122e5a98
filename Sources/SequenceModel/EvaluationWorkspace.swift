import Linalg

/// One set of forward/backward buffers shared by every evaluation that does not have to keep its
/// state between calls: the gradient batch, backtracking, the line search and the test set. Each
/// of them visits its chunks through this one evaluator, so peak memory is that of one chunk
/// however large the batches or the test set are (only the curvature batch, which CG reuses
/// hundreds of times, keeps evaluators of its own).
///
/// The buffers grow to the largest chunk seen so far. Users get an owner id from `makeOwner()` and
/// name each chunk by (owner, index), which lets a repeated request for the chunk already loaded
/// skip the copy of its data.
public final class EvaluationWorkspace<Scalar: BLASScalar> {
    public let network: RecurrentNetwork
    private var shared: BatchEvaluator<Scalar>?
    private var loaded: (owner: Int, chunk: Int)?
    private var owners = 0

    public init(network: RecurrentNetwork) {
        self.network = network
    }

    /// A fresh id for a user of the workspace (never reused, unlike object addresses).
    public func makeOwner() -> Int {
        owners += 1
        return owners
    }

    /// The shared evaluator, holding `batch`, which its owner calls chunk `chunk`.
    public func evaluator(owner: Int, chunk: Int, batch: SequenceBatch<Scalar>) -> BatchEvaluator<Scalar> {
        if let shared, let loaded, loaded.owner == owner, loaded.chunk == chunk { return shared }
        loaded = (owner, chunk)
        if let shared, shared.canHold(batch) {
            shared.replaceBatch(batch)
            return shared
        }
        let capacity = (sequences: max(batch.sequenceCount, shared?.capacity.sequences ?? 0),
                        steps: max(batch.steps, shared?.capacity.steps ?? 0))
        shared = nil  // release the old buffers before allocating bigger ones
        let grown = BatchEvaluator(network: network, batch: batch, capacity: capacity)
        shared = grown
        return grown
    }
}
