import Linalg

/// One set of forward/backward buffers shared by every evaluation that does not have to keep its
/// state between calls: the gradient batch, backtracking, the line search and the test set. Each
/// of them visits its chunks through this one evaluator, so peak memory is that of one chunk
/// however large the batches or the test set are (only the curvature batch, which CG reuses
/// hundreds of times, keeps evaluators of its own).
///
/// The buffers grow to the largest chunk seen so far. Users get an owner id from `makeOwner()` and
/// name each chunk by (owner, index), which lets a repeated request for the chunk already loaded
/// skip the copy of its data. With several `threads` each thread has its own evaluator, so peak
/// memory is that of one chunk per thread.
public final class EvaluationWorkspace<Scalar: BLASScalar> {
    public let network: RecurrentNetwork
    /// The threads evaluations through this workspace may use; each has its own evaluator.
    public let threads: ComputeThreads
    private let slots: [Slot]
    private var owners = 0

    /// One thread's evaluator and what it holds; touched only by that thread.
    private final class Slot {
        var evaluator: BatchEvaluator<Scalar>?
        var loaded: (owner: Int, chunk: Int)?
    }

    public init(network: RecurrentNetwork, threads: ComputeThreads = .single) {
        self.network = network
        self.threads = threads
        slots = (0..<threads.count).map { _ in Slot() }
    }

    /// A fresh id for a user of the workspace (never reused, unlike object addresses).
    public func makeOwner() -> Int {
        owners += 1
        return owners
    }

    /// Thread `thread`'s evaluator, holding `batch`, which its owner calls chunk `chunk`.
    public func evaluator(owner: Int, chunk: Int, batch: SequenceBatch<Scalar>, thread: Int = 0) -> BatchEvaluator<Scalar> {
        let slot = slots[thread]
        if let shared = slot.evaluator, let loaded = slot.loaded, loaded.owner == owner, loaded.chunk == chunk { return shared }
        slot.loaded = (owner, chunk)
        if let shared = slot.evaluator, shared.canHold(batch) {
            shared.replaceBatch(batch)
            return shared
        }
        let capacity = (sequences: max(batch.sequenceCount, slot.evaluator?.capacity.sequences ?? 0),
                        steps: max(batch.steps, slot.evaluator?.capacity.steps ?? 0))
        slot.evaluator = nil  // release the old buffers before allocating bigger ones
        let grown = BatchEvaluator(network: network, batch: batch, capacity: capacity)
        slot.evaluator = grown
        return grown
    }
}
