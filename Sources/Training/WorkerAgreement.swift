import SequenceModel

/// Another worker of the group failed and reported why; this one stops without a message of its
/// own, so that a job prints the failure once.
public struct PeerFailure: Error, CustomStringConvertible, Sendable {
    /// The worker that reported the failure.
    public let rank: Int
    public var description: String { "worker \(rank) failed" }
}

extension WorkerGroup {
    /// Whether this worker is the one that writes files and prints (worker 0).
    public var isPrimary: Bool { rank == 0 }

    /// Runs `body` on every worker and makes them agree on whether it failed: if it threw on any
    /// worker, it throws on all of them — its own error on the first worker that failed (which
    /// reports it), `PeerFailure` on the others. Every worker must reach the same calls in the same
    /// order; with one worker it is `try body()`.
    public func agreeing<T>(_ body: () throws -> T) throws -> T {
        let outcome = Result(catching: body)
        if size == 1 { return try outcome.get() }
        var failed = false
        if case .failure = outcome { failed = true }
        let flags = gather(failed ? 1 : 0)
        guard let first = flags.firstIndex(of: 1) else { return try outcome.get() }
        if first == rank { _ = try outcome.get() }
        throw PeerFailure(rank: first)
    }

    /// Worker 0's `value` on every worker.
    public func primaryValue(_ value: Int) -> Int {
        size == 1 ? value : gather(value)[0]
    }
}
