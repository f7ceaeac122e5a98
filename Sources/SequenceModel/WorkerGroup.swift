/// The processes that evaluate a batch together (one, or an MPI job's ranks). The math core only
/// sees this protocol: it splits every batch into fixed sub-batches, each worker evaluates the
/// sub-batches the `SubBatchSchedule` gives it, and every worker then has every sub-batch's
/// result and sums them itself in sub-batch order. The sums are therefore the same bits whatever
/// the number of workers, and the same as one process evaluating every sub-batch in turn.
public protocol WorkerGroup: AnyObject {
    /// Number of workers (≥ 1).
    var size: Int { get }
    /// This worker's index in 0..<size.
    var rank: Int { get }
    /// In-place all-gather: `buffer` is every worker's block one after the other, worker r's block
    /// `byteCounts[r]` bytes long. On entry this worker's block holds its data; on return every
    /// block holds its worker's data. Every worker must call it with the same `byteCounts`.
    func allGather(_ buffer: UnsafeMutableRawBufferPointer, byteCounts: [Int])
}

/// One process on its own: every sub-batch is its own, and there is nothing to exchange.
public final class SingleWorker: WorkerGroup {
    public init() {}
    public var size: Int { 1 }
    public var rank: Int { 0 }
    public func allGather(_ buffer: UnsafeMutableRawBufferPointer, byteCounts: [Int]) {
        precondition(byteCounts.count == 1 && byteCounts[0] <= buffer.count, "one worker, one block")
    }
}

/// Which sub-batches of a batch each worker evaluates. The sub-batches are taken in rounds of at
/// most `roundSize` consecutive ones; each round is split into `workers` contiguous blocks of
/// near-equal size, block r for worker r. After each round the workers exchange the round's
/// sub-batch results and fold them in order, so a round's buffer is all the memory sub-batch results need.
/// The schedule only decides who computes what: it never changes the numbers.
public struct SubBatchSchedule: Sendable, Equatable {
    public let count: Int
    public let workers: Int
    public let roundSize: Int

    /// Bytes the sub-batch results of one round may take (per worker, since every worker holds the round).
    public static let roundBudgetBytes = 64 << 20

    /// The schedule of `count` sub-batches over `workers`, whose sub-batch results take up to `resultBytes`
    /// bytes each. Each round takes as many sub-batches as the budget allows, at least one per
    /// worker, so that a batch that fits costs one exchange and a worker's threads have a block of
    /// sub-batches to share.
    public init(count: Int, workers: Int, resultBytes: Int) {
        precondition(count >= 0 && workers >= 1 && resultBytes >= 1)
        self.count = count
        self.workers = workers
        let perWorker = max(1, Self.roundBudgetBytes / resultBytes / workers)
        roundSize = min(max(count, 1), perWorker * workers)
    }

    /// The sub-batches of each round, in order.
    public var rounds: [Range<Int>] {
        stride(from: 0, to: count, by: roundSize).map { $0..<min($0 + roundSize, count) }
    }

    /// Worker `worker`'s block of `round`: the first `round.count % workers` workers take one more.
    public func block(of worker: Int, in round: Range<Int>) -> Range<Int> {
        let base = round.count / workers, extra = round.count % workers
        let start = round.lowerBound + worker * base + min(worker, extra)
        return start..<(start + base + (worker < extra ? 1 : 0))
    }

    /// Sizes of every worker's block of `round`, in worker order.
    public func blockSizes(in round: Range<Int>) -> [Int] {
        (0..<workers).map { block(of: $0, in: round).count }
    }

    /// Whether `worker` evaluates sub-batch `index`.
    public func isOwned(_ index: Int, by worker: Int) -> Bool {
        guard index >= 0 && index < count else { return false }
        let round = (index / roundSize * roundSize)..<min(index / roundSize * roundSize + roundSize, count)
        return block(of: worker, in: round).contains(index)
    }
}

extension WorkerGroup {
    /// Runs `schedule` with `width` scalars of result per sub-batch: `compute(index, result)`
    /// fills the result of each sub-batch this worker owns; `fold(index, result)` then sees every
    /// sub-batch's result, in sub-batch order, on every worker. `buffer` is reused between calls.
    public func forEachSubBatch<Scalar: Numeric>(
        _ schedule: SubBatchSchedule, width: Int, buffer: inout [Scalar],
        compute: (Int, UnsafeMutableBufferPointer<Scalar>) -> Void,
        fold: (Int, UnsafeBufferPointer<Scalar>) -> Void) {
        forEachSubBatch(schedule, width: width, buffer: &buffer, threads: .single,
                       compute: { index, _, result in compute(index, result) }, fold: fold)
    }

    /// `forEachSubBatch` with this worker's block of each round computed on `threads`:
    /// `compute(index, thread, result)` runs concurrently for different sub-batches, each on one
    /// thread's buffers; the exchange and the fold are as before, in sub-batch order.
    public func forEachSubBatch<Scalar: Numeric>(
        _ schedule: SubBatchSchedule, width: Int, buffer: inout [Scalar], threads: ComputeThreads,
        compute: (Int, Int, UnsafeMutableBufferPointer<Scalar>) -> Void,
        fold: (Int, UnsafeBufferPointer<Scalar>) -> Void) {
        precondition(schedule.workers == size, "schedule for \(schedule.workers) workers, group of \(size)")
        let needed = schedule.roundSize * width
        if buffer.count < needed { buffer = [Scalar](repeating: 0, count: needed) }
        let stride = MemoryLayout<Scalar>.stride
        buffer.withUnsafeMutableBufferPointer { results in
            for round in schedule.rounds {
                threads.forEach(schedule.block(of: rank, in: round)) { index, thread in
                    let start = (index - round.lowerBound) * width
                    compute(index, thread, UnsafeMutableBufferPointer(rebasing: results[start..<(start + width)]))
                }
                if size > 1 {
                    let bytes = schedule.blockSizes(in: round).map { $0 * width * stride }
                    allGather(UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(results)[0..<(round.count * width * stride)]),
                              byteCounts: bytes)
                }
                for index in round {
                    let start = (index - round.lowerBound) * width
                    fold(index, UnsafeBufferPointer(rebasing: results[start..<(start + width)]))
                }
            }
        }
    }

    /// Every worker's `value`, in worker order.
    public func gather<Value: Numeric>(_ value: Value) -> [Value] {
        var values = [Value](repeating: 0, count: size)
        values[rank] = value
        if size > 1 {
            values.withUnsafeMutableBytes {
                allGather($0, byteCounts: Array(repeating: MemoryLayout<Value>.stride, count: size))
            }
        }
        return values
    }
}
