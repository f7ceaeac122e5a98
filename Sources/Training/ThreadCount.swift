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

    /// Processors this process may use.
    public static var availableProcessors: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
