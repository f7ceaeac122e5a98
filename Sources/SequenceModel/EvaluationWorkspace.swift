import Linalg

/// One set of forward/backward buffers shared by every evaluation that does not have to keep its
/// state between calls: the gradient batch, backtracking, the line search and the test set. Each
/// of them visits its sub-batches through this one evaluator, so peak memory is that of one sub-batch
/// however large the batches or the test set are (only the curvature batch, which CG reuses
/// hundreds of times, keeps evaluators of its own).
///
/// The buffers grow to the largest sub-batch seen so far. Users get an owner id from `makeOwner()` and
/// name each sub-batch by (owner, index), which lets a repeated request for the sub-batch already loaded
/// skip the copy of its data. With several `threads` each thread has its own evaluator, so peak
/// memory is that of one sub-batch per thread.
public final class EvaluationWorkspace<Scalar: BLASScalar> {
    public let network: RecurrentNetwork
    /// The threads evaluations through this workspace may use; each has its own evaluator.
    public let threads: ComputeThreads
    private let perThread: [ThreadEvaluator]
    private var owners = 0

    /// One thread's evaluator and what it holds; touched only by that thread.
    private final class ThreadEvaluator {
        var evaluator: BatchEvaluator<Scalar>?
        var loaded: (owner: Int, subBatch: Int)?
    }

    public init(network: RecurrentNetwork, threads: ComputeThreads = .single) {
        self.network = network
        self.threads = threads
        perThread = (0..<threads.count).map { _ in ThreadEvaluator() }
    }

    /// A fresh id for a user of the workspace (never reused, unlike object addresses).
    public func makeOwner() -> Int {
        owners += 1
        return owners
    }

    /// Thread `thread`'s evaluator, holding `batch`, which its owner calls sub-batch `subBatch`.
    public func evaluator(owner: Int, subBatch: Int, batch makeBatch: @autoclosure () -> SequenceBatch<Scalar>,
                          thread: Int = 0) -> BatchEvaluator<Scalar> {
        let own = perThread[thread]
        if let shared = own.evaluator, let loaded = own.loaded, loaded.owner == owner, loaded.subBatch == subBatch { return shared }
        own.loaded = (owner, subBatch)
        // Made only when loaded: a remade sub-batch (`SubBatch`) exists while it is evaluated.
        let batch = makeBatch()
        if let shared = own.evaluator, shared.canHold(batch) {
            shared.replaceBatch(batch)
            return shared
        }
        let capacity = (sequences: max(batch.sequenceCount, own.evaluator?.capacity.sequences ?? 0),
                        steps: max(batch.steps, own.evaluator?.capacity.steps ?? 0))
        own.evaluator = nil  // release the old buffers before allocating bigger ones
        let grown = BatchEvaluator(network: network, batch: batch, capacity: capacity)
        own.evaluator = grown
        return grown
    }
}
