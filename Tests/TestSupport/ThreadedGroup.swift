import Foundation
import SequenceModel

/// `size` workers of one process, each on its own thread, exchanging partial results through
/// memory: the MPI job's arithmetic without MPI, so that tests can check that results do not
/// depend on how sub-batches are shared.
public final class ThreadedGroup: @unchecked Sendable {
    public let size: Int
    private let condition = NSCondition()
    private var arrived = 0
    private var generation = 0
    private var blocks: [[UInt8]]

    public init(size: Int) {
        precondition(size >= 1)
        self.size = size
        blocks = Array(repeating: [], count: size)
    }

    /// Runs `body(worker)` for every worker at once, each on its own thread (not a pool: every
    /// worker must be running for an exchange to complete), and returns the results in worker order.
    public func run<T>(_ body: @escaping (ThreadedWorker) throws -> T) throws -> [T] {
        let results = ResultBox<T>(count: size)
        let work = UncheckedBox(body)
        let done = DispatchGroup()
        for rank in 0..<size {
            done.enter()
            let worker = ThreadedWorker(group: self, rank: rank)
            let thread = Thread {
                results.set(rank, Result { try work.value(worker) })
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return try results.values()
    }

    fileprivate func exchange(_ buffer: UnsafeMutableRawBufferPointer, byteCounts: [Int], rank: Int) {
        let offsets = byteCounts.indices.map { byteCounts[0..<$0].reduce(0, +) }
        condition.lock()
        blocks[rank] = Array(buffer[offsets[rank]..<(offsets[rank] + byteCounts[rank])])
        condition.unlock()
        barrier()
        condition.lock()
        for other in 0..<size where other != rank {
            precondition(blocks[other].count == byteCounts[other], "workers disagree on the block sizes")
            blocks[other].withUnsafeBytes { buffer.baseAddress!.advanced(by: offsets[other]).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        condition.unlock()
        barrier()  // nobody overwrites a block before every worker has copied it
    }

    private func barrier() {
        condition.lock()
        let current = generation
        arrived += 1
        if arrived == size {
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == current { condition.wait() }
        }
        condition.unlock()
    }
}

/// One worker of a `ThreadedGroup`.
public final class ThreadedWorker: WorkerGroup, @unchecked Sendable {
    private let group: ThreadedGroup
    public let rank: Int
    public var size: Int { group.size }

    init(group: ThreadedGroup, rank: Int) {
        self.group = group
        self.rank = rank
    }

    public func allGather(_ buffer: UnsafeMutableRawBufferPointer, byteCounts: [Int]) {
        group.exchange(buffer, byteCounts: byteCounts, rank: rank)
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<T, any Error>?]
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ result: Result<T, any Error>) { lock.withLock { results[index] = result } }
    func values() throws -> [T] { try lock.withLock { try results.map { try $0!.get() } } }
}

/// A value handed to the worker threads, which the caller promises to use safely.
private final class UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
