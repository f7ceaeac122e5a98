import Foundation

/// Processor time (user + system, all threads) of this process: the measure of a run's budget that
/// other work on the machine barely moves.
enum ProcessorClock {
    static func seconds() -> Double {
        var time = timespec()
        guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time) == 0 else { return 0 }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
