import ArgumentParser
import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import HessianFree
import Linalg
import RunStore
import SequenceModel
import Tasks
import Training

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train an RNN with Hessian-free optimization and structural damping, or a first-order baseline.",
        discussion: """
            On a task (--task), every HF iteration draws fresh sequences and the test set is a fixed \
            generated set, as in Martens & Sutskever (2011). On a dataset (--dataset), minibatches are \
            drawn from the file. Prints one line per HF iteration and writes checkpoints to \
            <checkpoint-dir>/<run-name>/latest.h5 and best.h5. Ctrl-C saves and exits.

            Examples:
              hfrnn train --task addition --length 100 --seed 2
              hfrnn train --task xor --length 50 --no-structural-damping --time-limit 30m
              hfrnn train --dataset sums.h5 --test-dataset sums-test.h5 --run-name sums
              hfrnn train --task addition --length 50 --optimizer nesterov
            """)

    @Option(help: ArgumentHelp("Pathological task: \(taskNames).", valueName: "task"), transform: choice())
    var task: PathologicalTask?

    @Option(name: [.customShort("T"), .long], parsing: .unconditional,
            help: "Minimum sequence length T of the task (default: \(Train.defaultLength)).")
    var length: Int?

    /// The task length when --length is not given.
    static let defaultLength = 100

    @Option(help: "Train on this HDF5 dataset instead of a task (see datasets/README.md).")
    var dataset: String?

    @Option(help: "Test set for --dataset (default: the training file).")
    var testDataset: String?

    @Option(parsing: .unconditional, help: "Hidden tanh units.")
    var hiddenUnits: Int = 100

    @Option(help: "Numeric precision: float or double (default: float).", transform: choice())
    var precision: Precision = .float

    @Option(parsing: .unconditional, help: "Seed for initialisation, data and the test set.")
    var seed: UInt64 = 1

    @OptionGroup var stop: StopOptions

    @Option(parsing: .unconditional, help: "Write the latest checkpoint every this many HF iterations (first-order runs: evaluations).")
    var checkpointEvery: Int = 1

    @Option(help: "Run name: checkpoints go to <checkpoint-dir>/<run-name>/ (default: <task>-T<length>-seed<seed>, or <dataset file name>-seed<seed>; a first-order run's ends in -<optimizer>).")
    var runName: String?

    @Option(help: "Folder for run folders.")
    var checkpointDir: String = "checkpoints"

    @Flag(help: "Turn structural damping off (μ = 0).")
    var noStructuralDamping = false

    @Option(help: ArgumentHelp("""
        A named set of HF settings, applied before the other flags: hfrnn (this package's defaults) \
        or isc (the authors' released code: μ 0.0075 in this package's units, ρ from the damped model, \
        300 CG steps, the release's λ₀, curvature batch 1000, backtracking and line search on the \
        gradient batch, any-decrease line search, no W_hh rescaling, b_y from 0; docs/algorithm.md).
        """, valueName: "name"), transform: choice())
    var settings: SettingsPreset?

    @Option(parsing: .unconditional, help: ArgumentHelp("""
        Structural damping weight μ: a number, or per-scored-step (\(HFConfig().structuralDampingWeight) × the task's \
        scored steps per sequence: 3.6 for 20-bit memorisation at T = 100, \(HFConfig().structuralDampingWeight) for the tasks scored \
        once) (default: per-scored-step with --task, \(HFConfig().structuralDampingWeight) with --dataset).
        """, valueName: "mu"), transform: StructuralDampingChoice.parse)
    var mu: StructuralDampingChoice?

    @Option(help: ArgumentHelp("ρ's denominator: undamped (Martens) or damped (the authors' release) (default: undamped).",
                               valueName: "model"), transform: choice())
    var rhoModel: RhoModel?

    @Option(help: ArgumentHelp("Line search: armijo (c = 0.01, 60 sizes) or any-decrease (the authors' release, 50 sizes) (default: armijo).",
                               valueName: "rule"), transform: choice())
    var lineSearch: LineSearchRule?

    @Option(help: ArgumentHelp("Backtracking and line-search batches: separate (fresh draws) or from-gradient (the gradient batch's 2nd and 3rd chunks, as in the authors' release) (default: separate).",
                               valueName: "source"), transform: choice())
    var evaluationBatches: EvaluationBatchSource?

    @Option(parsing: .unconditional, help: ArgumentHelp("""
        Initial Levenberg–Marquardt λ: a number, or release (0.01 × the authors' release's output count \
        for the task: 0.08 for temporal order, 0.5·L for 20-bit memorisation) (default: 0.01 × scored \
        steps per sequence of the task; 0.01 for a dataset).
        """, valueName: "lambda"), transform: InitialLambdaChoice.parse)
    var initialLambda: InitialLambdaChoice?

    @Option(parsing: .unconditional, help: """
        Sequences per HF iteration for the gradient, rounded up to whole curvature batches \
        (default: \(BatchPlan().gradientBatchSize), which with the curvature batch of \(BatchPlan().curvatureBatchSize) \
        is \(Train.defaultGradientSequences)).
        """)
    var gradientBatch: Int?

    /// Sequences a run with the default batches draws for the gradient: the gradient batch rounded
    /// up to whole curvature batches (`BatchPlan.gradientChunkCount`).
    static var defaultGradientSequences: Int {
        let plan = BatchPlan()
        return plan.gradientChunkCount * plan.chunkSize
    }

    @Option(parsing: .unconditional, help: "Sequences for curvature products (default: \(BatchPlan().curvatureBatchSize)).")
    var curvatureBatch: Int?

    @Option(parsing: .unconditional, help: "Sequences for CG backtracking and for the line search (default: \(BatchPlan().backtrackBatchSize) each).")
    var evaluationBatch: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("""
        Sequences per sub-batch (default: \(BatchPlan.defaultSubBatchSize)): every batch is evaluated as sub-batches \
        of this size summed in a fixed order, so the run gives the same numbers in one process or \
        under mpirun with any number of processes, which can share at most as many sub-batches as \
        the curvature batch has. Part of the run's arithmetic.
        """, valueName: "n"))
    var subBatchSize: Int?

    @Option(parsing: .unconditional, help: "Maximum CG iterations per HF iteration (default: \(HFConfig().cgMaxIterations)).")
    var maxCg: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("""
        CG iterations per HF iteration before the relative-progress stop may end CG (default: \(HFConfig().cgMinIterations), \
        the stop active from the start). Reaching --max-cg, non-positive curvature or an exact solution still end it.
        """, valueName: "n"))
    var minCg: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("""
        Arithmetic of CG's curvature products: float, or bf16 (inputs rounded to bfloat16, float32 \
        sums; fast on CPUs with AVX-512 BF16, the same numbers many times slower elsewhere) (default: float). Part of the run's arithmetic.
        """, valueName: "arithmetic"), transform: choice())
    var curvatureProducts: ProductArithmetic?

    @Flag(help: "Use the diagonal (empirical Fisher + λ)^0.75 preconditioner.")
    var preconditioner = false

    @OptionGroup var threadOptions: ThreadOptions
    var threads: Int? { threadOptions.threads }

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "OpenBLAS threads. Stored in the run and used again on resume; the count changes the rounding, so it overrides OPENBLAS_NUM_THREADS.",
        valueName: "n"))
    var blasThreads: Int = 1

    @Option(parsing: .unconditional, help: "Fixed test set size.")
    var testSequences: Int = 10_000

    @Option(parsing: .unconditional, help: "Stop when the test error is below this fraction (default: the task's 0.01).")
    var successThreshold: Double?

    @OptionGroup var firstOrder: FirstOrderOptions

    func validate() throws {
        if dataset?.isEmpty == true { throw ValidationError("--dataset: must not be empty") }
        if testDataset?.isEmpty == true { throw ValidationError("--test-dataset: must not be empty") }
        if testDataset != nil && dataset == nil { throw ValidationError("--test-dataset: needs --dataset (the training file)") }
        guard (task == nil) != (dataset == nil) else { throw ValidationError("give exactly one of --task and --dataset") }
        if dataset != nil && length != nil { throw ValidationError("--length: belongs to --task, not --dataset") }
        if noStructuralDamping && mu != nil { throw ValidationError("--no-structural-damping and --mu contradict each other") }
        _ = try runFolder(for: try makeConfig())
    }

    /// The run's configuration from the flags; every bad value is a ValidationError.
    func makeConfig() throws -> TrainingConfig {
        let data: DataSourceConfig
        if let task {
            data = .task(try makeTaskSpec(task, length: length ?? Train.defaultLength))
        } else {
            data = .dataset(path: dataset ?? "", testPath: testDataset)
        }
        var config = TrainingConfig(data: data)
        config.hiddenUnits = hiddenUnits
        config.precision = precision
        config.seed = seed
        if let settings { config = settings.applied(to: config) }
        config.maxIterations = stop.maxIterations
        let limits = try stop.limits()
        config.timeLimitSeconds = limits.timeLimitSeconds
        config.processorTimeLimitSeconds = limits.processorTimeLimitSeconds
        config.checkpointEvery = checkpointEvery
        config.testSequences = testSequences
        config.blasThreads = blasThreads
        config.successThreshold = successThreshold
        if let subBatchSize { config.batches.subBatchSize = subBatchSize }
        if let curvatureProducts { config.curvatureProducts = curvatureProducts }
        // An HF run until `firstOrder.apply` below makes it a first-order one.
        var hf = config.hessianFree ?? HFConfig()
        if let initialLambda { hf.initialLambda = try initialLambda.value(for: config.data) }
        if noStructuralDamping { hf.structuralDampingWeight = 0 }
        if let mu { hf.structuralDampingWeight = try mu.value(for: config.data) }
        if let gradientBatch { config.batches.gradientBatchSize = gradientBatch }
        if let curvatureBatch { config.batches.curvatureBatchSize = curvatureBatch }
        if let evaluationBatch {
            config.batches.backtrackBatchSize = evaluationBatch
            config.batches.lineSearchBatchSize = evaluationBatch
        }
        if let maxCg { hf.cgMaxIterations = maxCg }
        if let minCg { hf.cgMinIterations = minCg }
        if preconditioner { hf.usePreconditioner = true }
        if let rhoModel { hf.rhoUsesDampedModel = rhoModel == .damped }
        switch lineSearch {
        case .anyDecrease:
            hf.lineSearchArmijoC = SettingsPreset.releaseLineSearchArmijoC
            hf.lineSearchMaxTries = SettingsPreset.releaseLineSearchTries
        case .armijo:
            hf.lineSearchArmijoC = HFConfig().lineSearchArmijoC
            hf.lineSearchMaxTries = HFConfig().lineSearchMaxTries
        case nil:
            break
        }
        if let evaluationBatches { config.batches.evaluationBatchesFromGradient = evaluationBatches == .fromGradient }
        config.method = .hessianFree(hf)
        try firstOrder.apply(to: &config, hfFlags: hfOnlyFlags)
        // HF's batches alone (a first-order run refuses these flags above, naming its optimizer).
        if config.hessianFree != nil, config.batches.evaluationBatchesFromGradient {
            if evaluationBatch != nil {
                let source = evaluationBatches != nil ? "--evaluation-batches from-gradient" : "--settings \(settings?.rawValue ?? "")"
                throw ValidationError("--evaluation-batch: does nothing with \(source): the backtracking and line-search "
                                      + "batches are then chunks of the gradient batch, the curvature batch's size")
            }
            config.batches.sizeEvaluationBatchesAsChunks()
        }
        // A sub-batch is a slice of a chunk: a larger one would be cut to the chunk without a word.
        if config.hessianFree != nil, let subBatchSize, subBatchSize > config.batches.chunkSize,
           config.batches.curvatureBatchSize <= config.batches.gradientBatchSize {
            throw ValidationError("--sub-batch-size: must be at most the curvature batch (\(config.batches.chunkSize)), "
                                  + "which sub-batches slice, got \(subBatchSize)" + presetNote(for: "--curvature-batch"))
        }
        if let issue = config.issue { throw ValidationError(Train.flagMessage(issue) + presetNote(for: issue)) }
        return config
    }

    /// " (the value --settings isc sets; …)" when the value `issue` names came from `--settings`
    /// rather than from its own flag, which the user then never typed.
    private func presetNote(for issue: FieldIssue) -> String {
        Train.flagOfField[issue.field].map(presetNote) ?? ""
    }

    /// The same for the value of `flag`.
    private func presetNote(for flag: String) -> String {
        guard let settings, Train.flags.first(where: { $0.flag == flag })?.hfOnly?(self) == false else { return "" }
        return " (the value --settings \(settings.rawValue) sets; give \(flag) to change it)"
    }

    /// The new run's folder, `<checkpoint-dir>/<run-name>`: by default `<task>-T<length>-seed<seed>`
    /// or `<dataset file name>-seed<seed>`, ending in `-<optimizer>` for a first-order run so that
    /// HF and first-order runs of the same task and seed get different folders.
    func runFolder(for config: TrainingConfig) throws -> RunFolder {
        let data = task?.rawValue ?? URL(fileURLWithPath: dataset ?? "data").deletingPathExtension().lastPathComponent
        let name = runName ?? data + (task != nil ? "-T\(length ?? Train.defaultLength)" : "") + "-seed\(seed)"
            + (config.firstOrder.map { "-\($0.method.rawValue)" } ?? "")
        if let issue = RunFolder.nameIssue(name) { throw ValidationError(Train.flagMessage(issue)) }
        return RunFolder(directory: checkpointDir, name: name)
    }

    func run() throws {
        let config = try makeConfig()
        let folder = try runFolder(for: config)
        try runGuarded {
            switch config.precision {
            case .float: try startTraining(config, Float.self, in: folder, threads: threads)
            case .double: try startTraining(config, Double.self, in: folder, threads: threads)
            }
        }
    }
}
/// `--rho-model`.
enum RhoModel: String, CaseIterable, Sendable {
    case undamped, damped
}

/// `--line-search`.
enum LineSearchRule: String, CaseIterable, Sendable {
    case armijo
    case anyDecrease = "any-decrease"
}

/// `--evaluation-batches`.
enum EvaluationBatchSource: String, CaseIterable, Sendable {
    case separate
    case fromGradient = "from-gradient"
}
