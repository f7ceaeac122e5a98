import Foundation
import Testing
import Training

/// The default thread count follows the processors a run may use, not only those the machine has.
@Suite struct ThreadCountTests {
    typealias Affinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32

    /// Restricted to one processor (as `taskset -c 0` restricts a process), the calling thread
    /// counts one: Foundation's count, which ignores the restriction, said every online processor.
    @Test(.enabled(if: ProcessInfo.processInfo.activeProcessorCount > 1))
    func aProcessorRestrictionIsCounted() throws {
        let get = unsafeBitCast(try #require(dlsym(nil, "sched_getaffinity")), to: Affinity.self)
        let set = unsafeBitCast(try #require(dlsym(nil, "sched_setaffinity")), to: Affinity.self)
        var original = [UInt8](repeating: 0, count: 128)
        try #require(original.withUnsafeMutableBytes { get(0, $0.count, $0.baseAddress!) } == 0)
        defer { _ = original.withUnsafeMutableBytes { set(0, $0.count, $0.baseAddress!) } }
        // The first processor this thread may run on, alone.
        let byte = try #require(original.firstIndex { $0 != 0 })
        var single = [UInt8](repeating: 0, count: 128)
        single[byte] = 1 << original[byte].trailingZeroBitCount
        try #require(single.withUnsafeMutableBytes { set(0, $0.count, $0.baseAddress!) } == 0)
        #expect(ThreadCount.availableProcessors == 1)
    }
}
