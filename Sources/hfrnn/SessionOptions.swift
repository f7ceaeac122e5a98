import ArgumentParser
import Training

/// The options of `train` that limit how long its session runs (`resume` declares its own, in its words).
struct StopOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: """
        Stop after this many HF iterations (first-order: updates) (default: no limit). For this \
        session only: a later resume has the limits given to it.
        """)
    var maxIterations: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("""
        Stop after this much training wall time, e.g. 90s, 30m, 2h or 1h30m (default: no limit). For this \
        session only, like --max-iterations.
        """, valueName: "duration"))
    var timeLimit: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("""
        Stop after this much processor time (user + system) in this session, e.g. 30m: fair on a \
        shared machine, where wall time depends on what else runs. Per session like --time-limit.
        """, valueName: "duration"))
    var processorTimeLimit: String?

    func validate() throws { _ = try limits() }

    func limits() throws -> SessionLimits {
        try sessionLimits(maxIterations: maxIterations, timeLimit: timeLimit, processorTimeLimit: processorTimeLimit)
    }
}

/// The stop limits given to one session (nil: none).
struct SessionLimits {
    var maxIterations: Int?
    var timeLimitSeconds: Double?
    var processorTimeLimitSeconds: Double?
}

/// The limits of `train`'s and `resume`'s flags, checked the same way for both: a negative count
/// or a duration that does not parse is a usage error naming its flag.
func sessionLimits(maxIterations: Int?, timeLimit: String?, processorTimeLimit: String?) throws -> SessionLimits {
    if let maxIterations, maxIterations < 0 { throw ValidationError("--max-iterations: must be non-negative, got \(maxIterations)") }
    return SessionLimits(maxIterations: maxIterations,
                         timeLimitSeconds: try timeLimit.map { try parseDuration($0, flag: "--time-limit") },
                         processorTimeLimitSeconds: try processorTimeLimit.map { try parseDuration($0, flag: "--processor-time-limit") })
}

/// `--threads` of `train` and `resume`.
struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "HF runs: threads that evaluate the sub-batches (default: every processor it may run on, as taskset or a CPU set allows; 1 per process under mpirun). The count never changes the numbers. Not for first-order runs, which use one.",
        valueName: "n"))
    var threads: Int?

    func validate() throws {
        if let threads, !(1...ThreadCount.maximum).contains(threads) {
            throw ValidationError("--threads: must be in 1...\(ThreadCount.maximum), got \(threads)")
        }
    }
}

/// `90`, `90s`, `30m`, `2h`, `1h30m` → seconds; errors name `flag`.
func parseDuration(_ text: String, flag: String) throws -> Double {
    let seconds = singleUnitDuration(text) ?? compoundDuration(text)
    guard let seconds, seconds > 0, seconds <= TrainingConfig.longestDurationSeconds else {
        throw ValidationError("\(flag) '\(text)' is not a positive duration of at most a year, like 90s, 30m, 2h or "
                              + "1h30m (a bare number is seconds)")
    }
    return seconds
}

/// A number with at most one unit: `90`, `1.5h`, `1e3s`.
private func singleUnitDuration(_ text: String) -> Double? {
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
    guard let last = text.last else { return nil }
    guard let unit = units[last] else { return Double(text) }
    return Double(text.dropLast()).map { $0 * unit }
}

/// Whole or decimal numbers of hours, minutes and seconds in that order, each at most once: `1h30m`, `2m30s`.
private func compoundDuration(_ text: String) -> Double? {
    guard let match = text.wholeMatch(of: /(?:([0-9]+(?:\.[0-9]+)?)h)?(?:([0-9]+(?:\.[0-9]+)?)m)?(?:([0-9]+(?:\.[0-9]+)?)s)?/),
          !text.isEmpty else { return nil }
    let parts = [(match.output.1, 3600.0), (match.output.2, 60.0), (match.output.3, 1.0)]
    return parts.reduce(0) { total, part in total + (part.0.flatMap { Double($0) } ?? 0) * part.1 }
}
