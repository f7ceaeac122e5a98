import ArgumentParser
import Foundation
import RunStore
import Training

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue a run from its checkpoint, exactly as if it had never stopped.",
        discussion: """
            The data, network, precision and every setting come from the checkpoint, and the run \
            continues bit for bit. --max-iterations and --time-limit limit this session only: \
            --max-iterations 50 runs up to 50 more HF iterations, --time-limit 30m up to 30 more \
            minutes; without them the session runs until the run is solved, can make no progress, or \
            is stopped with Ctrl-C. A solved run continues when --success-threshold is below its test \
            error; the new threshold is stored in the run. A dataset run whose files have moved \
            since training continues with --dataset-moved-to (and --test-dataset-moved-to); the new \
            paths are stored in the run.

            Examples:
              hfrnn resume checkpoints/addition-T100-seed1
              hfrnn resume checkpoints/addition-T100-seed1 --time-limit 30m
              hfrnn resume checkpoints/xor-T50-seed1 --success-threshold 0.001
            """)

    @Argument(help: ArgumentHelp("A run folder (its latest.h5) or a checkpoint file.", valueName: "run-or-checkpoint"))
    var checkpoint: String

    @Option(parsing: .unconditional, help: """
        Stop after this many more HF iterations (first-order: updates) (default: no limit; limits \
        of earlier sessions do not apply).
        """)
    var maxIterations: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Stop after this much more training wall time, e.g. 90s, 30m, 2h or 1h30m (default: no limit).",
        valueName: "duration"))
    var timeLimit: String?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Stop after this much more processor time (user + system), e.g. 30m (default: no limit).",
        valueName: "duration"))
    var processorTimeLimit: String?

    @Option(parsing: .unconditional, help: "Stop when the test error is below this fraction; stored in the run (default: the run's).")
    var successThreshold: Double?

    @OptionGroup var movedDataset: MovedDatasetOptions

    @OptionGroup var threadOptions: ThreadOptions
    var threads: Int? { threadOptions.threads }

    func validate() throws {
        _ = try limits()
        if let successThreshold, !(successThreshold > 0 && successThreshold <= 1) {
            throw ValidationError("--success-threshold: must be in (0, 1], got \(successThreshold)")
        }
    }

    private func limits() throws -> SessionLimits {
        try sessionLimits(maxIterations: maxIterations, timeLimit: timeLimit, processorTimeLimit: processorTimeLimit)
    }

    func run() throws {
        let given = try limits()
        try runGuarded {
            let (path, note) = try resumableCheckpoint(checkpoint)
            if let note, try Workers.group().isPrimary { print(note) }
            switch try checkpointPrecision(path) {
            case .float: try resumeTraining(path, Float.self, limits: given, successThreshold: successThreshold,
                                            moved: movedDataset.moved, threads: threads)
            case .double: try resumeTraining(path, Double.self, limits: given, successThreshold: successThreshold,
                                             moved: movedDataset.moved, threads: threads)
            }
        }
    }
}
