import ArgumentParser
import DataFiles
import Foundation
import HDF5IO
import HessianFree
import Linalg
import RunFiles
import SequenceModel
import Tasks
import Training

/// Options shared by `train` and `resume` that limit how long a session runs.
struct StopOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: """
        Stop after this many HF iterations (first-order: updates) in this session: in total for train, \
        more for resume (default: no limit; resume: the run's stored limit).
        """)
    var maxIterations: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("""
        Stop after this much training wall time in this session, e.g. 90s, 30m, 2h: in total for \
        train, more time for resume (default: no limit; resume: the run's stored limit).
        """, valueName: "duration"))
    var timeLimit: String?

    func validate() throws {
        if let maxIterations, maxIterations < 0 { throw ValidationError("--max-iterations must be non-negative, got \(maxIterations)") }
        if let timeLimit { _ = try parseDuration(timeLimit) }
    }

    /// `90`, `90s`, `30m`, `2h` → seconds.
    func seconds() throws -> Double? { try timeLimit.map(parseDuration) }
}

func parseDuration(_ text: String) throws -> Double {
    let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
    var number = Substring(text), factor = 1.0
    if let last = text.last, let unit = units[last] {
        number = text.dropLast()
        factor = unit
    }
    guard let value = Double(number), value > 0, value.isFinite else {
        throw ValidationError("--time-limit '\(text)' is not a positive duration like 90s, 30m or 2h")
    }
    return value * factor
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train an RNN with Hessian-free optimization and structural damping, or a first-order baseline.",
        discussion: """
            On a task (--task), every HF iteration draws fresh sequences and the test set is a fixed \
            generated set, as in Martens & Sutskever (2011). On a dataset (--dataset), minibatches are \
            drawn from the file. Prints one line per HF iteration and writes checkpoints to \
            <checkpoint-dir>/<run-name>/latest.h5 and best.h5. Ctrl-C saves and exits.
            """)

    @Option(help: ArgumentHelp("Pathological task: \(taskNames).", valueName: "task"), transform: choice())
    var task: PathologicalTask?

    @Option(name: [.customShort("T"), .long], parsing: .unconditional, help: "Minimum sequence length T of the task.")
    var length: Int = 100

    @Option(help: "Train on this HDF5 dataset instead of a task (see datasets/README.md).")
    var dataset: String?

    @Option(help: "Test set for --dataset (default: the training file).")
    var testDataset: String?

    @Option(parsing: .unconditional, help: "Hidden tanh units.")
    var hiddenUnits: Int = 100

    @Option(help: "Numeric precision: float or double.", transform: choice())
    var precision: Precision = .float

    @Option(parsing: .unconditional, help: "Seed for initialisation, data and the test set.")
    var seed: UInt64 = 1

    @OptionGroup var stop: StopOptions

    @Option(parsing: .unconditional, help: "Write the latest checkpoint every this many iterations.")
    var checkpointEvery: Int = 1

    @Option(help: "Run name: checkpoints go to <checkpoint-dir>/<run-name>/ (default: <task>-T<length>-seed<seed>).")
    var runName: String?

    @Option(help: "Folder for run folders.")
    var checkpointDir: String = "checkpoints"

    @Flag(help: "Turn structural damping off (μ = 0).")
    var noStructuralDamping = false

    @Option(parsing: .unconditional, help: "Structural damping weight μ (default 0.03, M&S'11).")
    var mu: Double?

    @Option(parsing: .unconditional, help: "Initial Levenberg–Marquardt λ (default: 0.01 × scored steps per sequence of the task; 0.01 for a dataset).")
    var initialLambda: Double?

    @Option(parsing: .unconditional, help: "Sequences per HF iteration for the gradient (default 10000).")
    var gradientBatch: Int?

    @Option(parsing: .unconditional, help: "Sequences for curvature products (default 1000).")
    var curvatureBatch: Int?

    @Option(parsing: .unconditional, help: "Sequences for CG backtracking and for the line search (default 1000 each).")
    var evaluationBatch: Int?

    @Option(parsing: .unconditional, help: "Maximum CG iterations per HF iteration (default 250).")
    var maxCg: Int?

    @Flag(help: "Use the diagonal (empirical Fisher + λ)^0.75 preconditioner.")
    var preconditioner = false

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "OpenBLAS threads. Stored in the run and used again on resume; the count changes the rounding, so it overrides OPENBLAS_NUM_THREADS.",
        valueName: "n"))
    var blasThreads: Int = 1

    @Option(parsing: .unconditional, help: "Fixed test set size (default 10000).")
    var testSequences: Int = 10_000

    @Option(parsing: .unconditional, help: "Stop when the test error is below this fraction (default: the task's 0.01).")
    var successThreshold: Double?

    @OptionGroup var firstOrder: FirstOrderOptions

    func validate() throws {
        guard (task == nil) != (dataset == nil) else { throw ValidationError("give exactly one of --task and --dataset") }
        if testDataset != nil && dataset == nil { throw ValidationError("--test-dataset needs --dataset") }
        if noStructuralDamping && mu != nil { throw ValidationError("--no-structural-damping and --mu contradict each other") }
        _ = try makeConfig()
    }

    /// The run's configuration from the flags; every bad value is a ValidationError.
    func makeConfig() throws -> TrainingConfig {
        let data: DataSourceConfig
        if let task {
            data = .task(try makeTaskSpec(task, length: length))
        } else {
            data = .dataset(path: dataset ?? "", testPath: testDataset)
        }
        var config = TrainingConfig(data: data)
        config.hiddenUnits = hiddenUnits
        config.precision = precision
        config.seed = seed
        config.maxIterations = stop.maxIterations
        config.timeLimitSeconds = try stop.seconds()
        config.checkpointEvery = checkpointEvery
        config.runName = runName ?? "\(task?.rawValue ?? URL(fileURLWithPath: dataset ?? "data").deletingPathExtension().lastPathComponent)"
            + (task != nil ? "-T\(length)" : "") + "-seed\(seed)"
        config.checkpointDirectory = checkpointDir
        config.testSequences = testSequences
        config.blasThreads = blasThreads
        config.successThreshold = successThreshold
        var hf = config.optimizer
        if let initialLambda { hf.initialLambda = initialLambda }
        if noStructuralDamping { hf.structuralDampingWeight = 0 }
        if let mu { hf.structuralDampingWeight = mu }
        if let gradientBatch { hf.gradientBatchSize = gradientBatch }
        if let curvatureBatch { hf.curvatureBatchSize = curvatureBatch }
        if let evaluationBatch {
            hf.backtrackBatchSize = evaluationBatch
            hf.lineSearchBatchSize = evaluationBatch
        }
        if let maxCg { hf.cgMaxIterations = maxCg }
        hf.usePreconditioner = preconditioner
        config.optimizer = hf
        try firstOrder.apply(to: &config, hfFlags: hfOnlyFlags, runNameGiven: runName != nil)
        if let problem = config.problem { throw ValidationError(Train.flagMessage(problem)) }
        return config
    }

    /// The flag that sets each configuration field the command line exposes.
    static let flagOfField: [String: String] = [
        "hiddenUnits": "--hidden-units", "maxIterations": "--max-iterations", "timeLimitSeconds": "--time-limit",
        "checkpointEvery": "--checkpoint-every", "testSequences": "--test-sequences",
        "successThreshold": "--success-threshold", "runName": "--run-name",
        "optimizer.initialLambda": "--initial-lambda", "optimizer.structuralDampingWeight": "--mu",
        "optimizer.gradientBatchSize": "--gradient-batch", "optimizer.curvatureBatchSize": "--curvature-batch",
        "optimizer.backtrackBatchSize": "--evaluation-batch", "optimizer.lineSearchBatchSize": "--evaluation-batch",
        "optimizer.cgMaxIterations": "--max-cg", "blasThreads": "--blas-threads",
    ]

    /// A configuration problem in the words of the command line: the flag, not the field.
    static func flagMessage(_ problem: ConfigProblem) -> String {
        guard let flag = flagOfField[problem.field] ?? FirstOrderOptions.flagOfField[problem.field] else {
            return problem.description
        }
        return "\(flag) \(problem.requirement)"
    }

    func run() throws {
        let config = try makeConfig()
        try runGuarded {
            switch config.precision {
            case .float: try startTraining(config, Float.self)
            case .double: try startTraining(config, Double.self)
            }
        }
    }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue a run from a checkpoint, exactly as if it had never stopped.",
        discussion: """
            The limits count in this session: --max-iterations 50 runs up to 50 more HF iterations, \
            --time-limit 30m up to 30 more minutes. Without them the run's stored limits apply again, \
            so a run stopped by a limit continues with the same budget. A solved run continues when \
            --success-threshold is below its test error. The new values are stored in the run.
            """)

    @Argument(help: "A checkpoint (latest.h5) or a run folder.")
    var checkpoint: String

    @OptionGroup var stop: StopOptions

    @Option(parsing: .unconditional, help: "Stop when the test error is below this fraction (default: the run's).")
    var successThreshold: Double?

    func validate() throws {
        if let successThreshold, !(successThreshold > 0 && successThreshold <= 1) {
            throw ValidationError("--success-threshold must be in (0, 1], got \(successThreshold)")
        }
    }

    func run() throws {
        let (path, note) = resumableCheckpoint(checkpoint)
        if let note { print(note) }
        try runGuarded {
            switch try checkpointPrecision(path) {
            case .float: try resumeTraining(path, Float.self, stop: stop, successThreshold: successThreshold)
            case .double: try resumeTraining(path, Double.self, stop: stop, successThreshold: successThreshold)
            }
        }
    }
}

func startTraining<S: BLASScalar & HDF5Element>(_ config: TrainingConfig, _: S.Type) throws {
    if config.firstOrder != nil { return try startFirstOrderTraining(config, S.self) }
    let source = try makeSource(config, S.self)
    let folder = RunFolder(config: config)
    if FileManager.default.fileExists(atPath: folder.latest) {
        throw TrainingError.file(path: folder.latest, message: "\(folder.latest) already exists: resume it with `hfrnn resume \(folder.path)` or choose another --run-name")
    }
    let trainer = try Trainer<S>(config: config, source: source)
    try train(trainer, header: "training \(describe(config)), \(trainer.network.shape) network, \(trainer.network.parameterCount) parameters")
}

func resumeTraining<S: BLASScalar & HDF5Element>(_ path: String, _: S.Type, stop: StopOptions,
                                                successThreshold: Double?) throws {
    if try checkpointFirstOrderMethod(path) != nil {
        return try resumeFirstOrderTraining(path, S.self, stop: stop, successThreshold: successThreshold)
    }
    let checkpoint = try TrainingCheckpoint<S>.load(from: path)
    var config = checkpoint.config
    if let limit = stop.maxIterations { config.maxIterations = limit }
    if let seconds = try stop.seconds() { config.timeLimitSeconds = seconds }
    if let successThreshold { config.successThreshold = successThreshold }
    // The checkpoint's folder is the run folder, wherever it was moved.
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
    config.runName = folder.lastPathComponent
    config.checkpointDirectory = folder.deletingLastPathComponent().path
    let trainer = try checkpoint.makeTrainer(source: try makeSource(config, S.self), config: config, path: path)
    try train(trainer, header: "resuming \(path) at iteration \(checkpoint.state.iteration)")
}

func describe(_ config: TrainingConfig) -> String {
    let data: String
    switch config.data {
    case .task(let spec): data = spec.name
    case .dataset(let path, _): data = path
    }
    let mu = config.optimizer.structuralDampingWeight
    return "\(data), seed \(config.seed), \(config.precision.rawValue), "
        + (mu > 0 ? "structural damping μ = \(mu)" : "no structural damping")
}

func train<S: BLASScalar & HDF5Element>(_ trainer: Trainer<S>, header: String) throws {
    // Checked here too (runTraining does it again) so that a bad folder is the only output.
    try RunFolder(config: trainer.config).prepare()
    Interruption.install()
    print(header)
    print(ProgressLine.header)
    let outcome = try runTraining(trainer, shouldStop: { Interruption.requested() }) { record in
        printNow(ProgressLine.format(record))
    }
    let message: String
    switch outcome.reason {
    case .solved: message = "solved: test error below \(formatPercent(trainer.successThreshold))"
    case .maxIterations: message = "stopped: reached the iteration limit"
    case .timeLimit: message = "stopped: reached the time limit"
    case .interrupted: message = "interrupted: checkpoint saved"
    case .noProgress:
        let rejected = trainer.history.suffix(trainer.trailingRejections)
        message = "stopped: the last \(rejected.count) HF iterations were all rejected (λ "
            + String(format: "%.3g → %.3g", rejected.first?.lambda ?? .nan, rejected.last?.lambdaNext ?? .nan)
            + "; last: \(rejected.last?.decision.reason ?? "-")). Likely cause: data on an extreme scale (rescale "
            + "inputs and targets to about ±1) or values that overflow; training cannot move"
    }
    print("\(message) after \(outcome.iterations) HF iterations, \(outcome.totalCGIterations) CG steps, "
          + String(format: "%.1f s", outcome.elapsedSeconds)
          + "; test error \(formatPercent(outcome.finalTestError)), test loss \(String(format: "%.5g", outcome.finalTestLoss))")
    try finishSession(outcome, config: trainer.config, successThreshold: trainer.successThreshold)
}

/// The lines every training session ends with, HF or first-order: where its checkpoints are, how
/// to go on, and the exit status (130/143 after a signal, 1 when training could not move).
func finishSession(_ outcome: TrainingOutcome, config: TrainingConfig, successThreshold: Double) throws {
    print("latest checkpoint: \(outcome.latestCheckpoint)")
    if let best = outcome.bestCheckpoint { print("best checkpoint:   \(best)") }
    let runPath = RunFolder(config: config).path
    if outcome.reason == .solved {
        print("train further with: hfrnn resume \(runPath) --success-threshold <fraction below \(successThreshold)>")
    } else {
        print("resume with: hfrnn resume \(runPath)")
    }
    if outcome.reason == .interrupted { throw ExitCode(Interruption.exitStatus) }
    if outcome.reason == .noProgress { throw ExitCode.failure }
}

/// One line per HF iteration.
enum ProgressLine {
    static let header = " iter    train loss   test err   test loss         λ        ρ     CG  CG stop        α       time"

    static func format(_ record: IterationRecord) -> String {
        // String(format:) takes only numbers here: %s would need a C string.
        return String(format: "%5d  %12.6g  ", record.iteration, record.trainLoss)
            + pad(formatPercent(record.testError), 9)
            + String(format: "  %10.5g  %8.2e  %7.3f  %5d  ", record.testLoss, record.lambda, record.rho, record.cgIterations)
            + pad(String(record.cgStop.label.prefix(10)), -10)
            + " " + formatStepSize(record.stepSize) + String(format: "  %6.1fs", record.elapsedSeconds)
            + (record.accepted ? "" : "  (\(record.decision.reason))")
    }

    /// The line-search step α in five columns: 0 only for a rejected step; steps below 0.001 in
    /// scientific notation so that a small accepted step never reads as 0.000.
    static func formatStepSize(_ alpha: Double) -> String {
        if alpha == 0 { return pad("0", 5) }
        return alpha < 0.001 ? String(format: "%5.0e", alpha) : String(format: "%5.3f", alpha)
    }

    /// Right-aligns (width > 0) or left-aligns (width < 0) `text` in |width| columns.
    static func pad(_ text: String, _ width: Int) -> String {
        let fill = String(repeating: " ", count: max(0, abs(width) - text.count))
        return width > 0 ? fill + text : text + fill
    }
}

func formatPercent(_ fraction: Double) -> String { String(format: "%.2f%%", 100 * fraction) }
