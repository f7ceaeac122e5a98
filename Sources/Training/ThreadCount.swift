import Foundation
import SequenceModel

/// How many threads a training process evaluates its sub-batches on.
public enum ThreadCount {
    /// The largest `--threads` accepted.
    public static let maximum = 1024

    /// `requested`, or else every processor this process may run on when it works alone, and one
    /// per process in an MPI job (whose ranks already share the machine). The count never changes
    /// a run's numbers.
    public static func resolved(requested: Int?, workers: Int) -> ComputeThreads {
        if let requested { return ComputeThreads(count: min(max(requested, 1), maximum)) }
        return ComputeThreads(count: workers > 1 ? 1 : availableProcessors)
    }

    /// Processors this thread may run on: the online ones, fewer when its CPU affinity allows fewer
    /// (`taskset`, a batch scheduler's CPU set), which Foundation's count does not see.
    public static var availableProcessors: Int {
        let online = max(1, ProcessInfo.processInfo.activeProcessorCount)
        guard let allowed = affinityCount(), allowed > 0 else { return online }
        return min(online, allowed)
    }

    /// The processors in this thread's affinity mask, or nil where it cannot be read.
    /// sched_getaffinity is looked up at run time: Swift's Glibc module leaves out the GNU
    /// extensions of <sched.h>.
    static func affinityCount() -> Int? {
        #if os(Linux)
        typealias GetAffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
        guard let symbol = dlsym(nil, "sched_getaffinity") else { return nil }
        var mask = [UInt8](repeating: 0, count: 128)  // cpu_set_t: 1,024 processors
        let status = mask.withUnsafeMutableBytes { unsafeBitCast(symbol, to: GetAffinity.self)(0, $0.count, $0.baseAddress!) }
        return status == 0 ? mask.reduce(0) { $0 + $1.nonzeroBitCount } : nil
        #else
        return nil
        #endif
    }
}
