import Dispatch

/// The threads one process evaluates its sub-batches on. Each thread computes whole sub-batches
/// in its own buffers and the sub-batch results are folded afterwards in sub-batch order, so the
/// numbers are the same bits for any thread count; only the time changes.
public final class ComputeThreads: Sendable {
    /// Threads used (≥ 1).
    public let count: Int

    public init(count: Int) {
        precondition(count >= 1, "at least one thread")
        self.count = count
    }

    /// One thread: everything runs on the caller's thread.
    public static let single = ComputeThreads(count: 1)

    /// Runs `body(item, thread)` for every item of `items`, thread t taking the items t, t + count,
    /// t + 2·count, … in order, and returns when all are done. `body` must only touch what belongs
    /// to its item and to its thread.
    public func forEach(_ items: Range<Int>, _ body: (_ item: Int, _ thread: Int) -> Void) {
        let width = min(count, items.count)
        guard width > 1 else {
            for item in items { body(item, 0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let work = UncheckedWork(escapable)
            DispatchQueue.concurrentPerform(iterations: width) { thread in
                for item in stride(from: items.lowerBound + thread, to: items.upperBound, by: width) {
                    work.body(item, thread)
                }
            }
        }
    }
}

/// A closure handed to the worker threads; `ComputeThreads.forEach`'s contract makes it safe.
private final class UncheckedWork: @unchecked Sendable {
    let body: (Int, Int) -> Void
    init(_ body: @escaping (Int, Int) -> Void) { self.body = body }
}
