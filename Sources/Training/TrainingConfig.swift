import DataFiles
import Diagnostics
import FirstOrder
import Foundation
import HessianFree
import Linalg
import SequenceModel
import Tasks

/// Numeric precision of a run: Float trains (fast); Double is for checks.
public enum Precision: String, Sendable, Codable, CaseIterable {
    case float, double
}

/// Where training sequences come from. In JSON: `{"kind": "task", "task": "addition",
/// "minimum_length": 100}` or `{"kind": "dataset", "path": …, "test_path": … or null}`.
public enum DataSourceConfig: Sendable, Codable, Equatable {
    /// Fresh sequences from a task generator every HF iteration, and a fixed generated test set [ISC].
    case task(TaskSpec)
    /// A fixed HDF5 dataset (see datasets/README.md); the test set is `testPath`, or the
    /// training file itself when nil.
    case dataset(path: String, testPath: String?)

    private enum CodingKeys: String, CodingKey {
        case kind, task, minimumLength, path, testPath
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .task(let spec):
            try container.encode("task", forKey: .kind)
            try container.encode(spec.task, forKey: .task)
            try container.encode(spec.minimumLength, forKey: .minimumLength)
        case .dataset(let path, let testPath):
            try container.encode("dataset", forKey: .kind)
            try container.encode(path, forKey: .path)
            try container.encode(testPath, forKey: .testPath)  // null: the training file is the test set
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // Checkpoints of format 1 spelled it otherwise: RunStore's legacy reader rewrites them first.
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "task":
            self = .task(try TaskSpec(task: container.decode(PathologicalTask.self, forKey: .task),
                                      minimumLength: container.decode(Int.self, forKey: .minimumLength)))
        case "dataset":
            self = .dataset(path: try container.decode(String.self, forKey: .path),
                            testPath: try container.decodeIfPresent(String.self, forKey: .testPath))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container,
                                                   debugDescription: "kind '\(kind)' is neither 'task' nor 'dataset'")
        }
    }
}

/// Everything that defines a training run; stored whole in every checkpoint. Where the run is
/// kept is not part of it: that is the run folder (RunStore's `RunFolder`), wherever it is moved.
public struct TrainingConfig: Sendable, Codable, Equatable {
    public var data: DataSourceConfig
    /// Hidden tanh units [ISC demo; SMDH'13: "100 standard tanh hidden units"]: 100.
    public var hiddenUnits = 100
    public var precision = Precision.float
    /// Seeds the initial parameters, the optimizer's RNG and the task test set.
    public var seed: UInt64 = 1
    /// Stop after this many HF iterations (first-order runs: updates) in one session — the first `train`, or one `resume` —
    /// (nil: no limit). It applies to that session only: a resumed session has the limit it is given, or none.
    public var maxIterations: Int? = nil
    /// Stop after this much training wall time in one session, in seconds (nil: no limit); for
    /// that session only, like `maxIterations`.
    public var timeLimitSeconds: Double? = nil
    /// Stop after this much processor time (user + system) in one session, in seconds (nil: no
    /// limit); per session like `maxIterations`. Checked between records: HF iterations, or a
    /// first-order run's evaluations.
    public var processorTimeLimitSeconds: Double? = nil
    /// Stop after this many rejected HF iterations in a row within a session. Each rejection raises
    /// λ by 3/2, so 20 of them multiply it by about 3300: a run that healthy training does not get
    /// stuck in, and one that can never train (targets of 1e30, say) stops instead of looping.
    public var maxConsecutiveRejections = 20
    /// Write the latest checkpoint every this many HF iterations.
    public var checkpointEvery = 1
    /// Fixed test set size: 10,000 sequences [PMB'13; ISC: 10 × 1000].
    public var testSequences = 10_000
    /// Stop when the test error falls below this fraction (nil: see `resolvedSuccessThreshold`).
    public var successThreshold: Double? = nil
    /// OpenBLAS threads (the training loop sets them): the count changes the rounding of every product,
    /// so it is part of the run like the seed. Default 1 (bit-exact whatever OPENBLAS_NUM_THREADS says).
    public var blasThreads = 1
    /// How the sequences drawn are cut into batches (gradient, curvature, evaluation, sub-batches).
    public var batches = BatchPlan()
    /// The arithmetic of HF's curvature products (`A v` in CG) as given: nil (runs that did not say,
    /// and every run from before it existed) is float. `curvatureArithmetic` is the one used.
    public var curvatureProducts: ProductArithmetic? = nil

    /// The arithmetic of HF's curvature products: float, or bf16 inputs with float32 sums on CPUs
    /// with AVX-512 BF16 (docs/benchmark.md#bfloat16-products). The gradient, the losses and the
    /// test set keep the run's precision. Part of the run's arithmetic.
    public var curvatureArithmetic: ProductArithmetic { curvatureProducts ?? .float }
    /// The method that trains the run and its settings (`hessianFree` and `firstOrder` read them).
    public var method: MethodSettings
    /// HF's sparse initialisation; a first-order run's `FirstOrderRunConfig.initialization` may choose it.
    public var initialization = InitializationConfig()
    /// A dataset run's file hashes, to recognise its data wherever it is opened again; nil for task
    /// runs and runs from before they were recorded.
    public var datasetHashes: DatasetHashes? = nil

    /// An HF run on `data` with every default; λ₀ from `defaultInitialLambda(for:)`.
    public init(data: DataSourceConfig) {
        self.data = data
        batches.subBatchSize = BatchPlan.defaultSubBatchSize
        var hessianFree = HFConfig()
        hessianFree.initialLambda = Self.defaultInitialLambda(for: data)
        hessianFree.structuralDampingWeight = Self.defaultStructuralDampingWeight(for: data)
        method = .hessianFree(hessianFree)
    }

    /// The initial Levenberg–Marquardt λ₀ of a run, unless overridden: for a task,
    /// `initialLambdaPerScoredStep` × the scored steps per sequence, which reproduces [ISC]'s λ₀ for
    /// the operand tasks (0.01) and the permutation (0.01·T) ([ISC] used 0.08 for temporal order and
    /// 0.01 · values · positions · T for memorisation: `SettingsPreset.releaseInitialLambda`); for a
    /// dataset, `HFConfig`'s plain default 0.01.
    public static func defaultInitialLambda(for data: DataSourceConfig) -> Double {
        switch data {
        case .task(let spec): return initialLambdaPerScoredStep * Double(spec.scoredStepsPerSequence)
        case .dataset: return HFConfig().initialLambda
        }
    }

    /// λ₀ per scored step of a sequence [ours, after ISC's 0.01 × `num_outputs`, which it equals on
    /// the operand tasks and the permutation; docs/algorithm.md#constants].
    public static let initialLambdaPerScoredStep = 0.01

    /// The structural-damping weight μ of a run, unless overridden: for a task, `HFConfig`'s μ
    /// per scored step of a sequence (`structuralDampingPerScoredStep`); for a dataset, `HFConfig`'s
    /// plain μ (a dataset's scored steps per sequence vary; give `--mu` for one scored at every step).
    public static func defaultStructuralDampingWeight(for data: DataSourceConfig) -> Double {
        structuralDampingPerScoredStep(for: data) ?? HFConfig().structuralDampingWeight
    }

    /// μ per scored step of a sequence (the default for a task, and `hfrnn train --mu per-scored-step`):
    /// `HFConfig`'s μ times the task's scored steps per sequence, nil for a dataset. The structural
    /// term sums over every step and is divided by the scored outputs, so at one μ it weighs against
    /// G about L times less on a task scored at all L steps (memorisation, the permutation) than on
    /// one scored once (docs/hard-problems.md); this keeps that balance the same for every task.
    public static func structuralDampingPerScoredStep(for data: DataSourceConfig) -> Double? {
        guard case .task(let spec) = data else { return nil }
        return HFConfig().structuralDampingWeight * Double(spec.scoredStepsPerSequence)
    }

    /// The largest `blasThreads` accepted.
    public static let maximumBLASThreads = 1024

    /// The longest time limit or budget: a year [ours]. No run comes near it; a larger number is a
    /// typo or an overflow (`1e306h`), and would print as hundreds of digits of hours.
    public static let longestDurationSeconds = 366.0 * 24 * 3600

    /// The test error a run counts as solved below when neither the run nor its task sets one: 1 % [PMB'13].
    public static let defaultSuccessThreshold = 0.01

    /// The test error below which the run counts as solved: `successThreshold`, else the task's,
    /// else `defaultSuccessThreshold`. Training, evaluation and export all use this.
    public var resolvedSuccessThreshold: Double {
        successThreshold ?? task?.successThreshold ?? Self.defaultSuccessThreshold
    }

    /// Whether a test error counts as solved: below the resolved threshold. The one place the
    /// comparison is made (training's stop, evaluate, export and the grids' results).
    public func isSolved(testError: Double) -> Bool {
        testError < resolvedSuccessThreshold
    }

    /// The task, if the data comes from a generator.
    public var task: TaskSpec? {
        if case .task(let spec) = data { return spec }
        return nil
    }

    /// The size of the sub-batches the test set is evaluated in: the sub-batch size of HF runs, the
    /// chunk size (`BatchPlan.chunkSize`) of first-order runs. Training's test curve, `hfrnn evaluate` and `hfrnn export`
    /// all use it, so that they agree to the last digit.
    public var testSubBatchSize: Int { firstOrder == nil ? batches.resolvedSubBatchSize : batches.chunkSize }

    /// Fresh training sequences drawn per history row's unit: per HF iteration, the gradient chunks
    /// plus the backtracking and line-search batches; per update for a first-order run (whose
    /// history counts updates). Multiplied by the iteration number it gives the sequences processed,
    /// the x axis on which methods with different step costs meet.
    public var trainingSequencesPerIteration: Int {
        firstOrder?.optimizer.minibatchSize ?? batches.sequencesPerIteration
    }

    /// The first invalid value, or nil. Each test is written so that NaN fails it.
    public var issue: FieldIssue? {
        if let issue = method.issue { return issue }
        if let issue = batches.issue { return issue.nested(under: "batches") }
        if case .dataset(let path, let testPath) = data, path.isEmpty || testPath?.isEmpty == true {
            // A stored run's empty path named no file in its messages (": file not found").
            return FieldIssue(field: "data", subject: "dataset path", requirement: "must not be empty")
        }
        return FieldIssue.first([
            { .check(hiddenUnits >= 1, "hiddenUnits", subject: "hidden units", "must be at least 1, got \(hiddenUnits)") },
            { .check(hiddenUnits <= NetworkShape.largestLayer, "hiddenUnits", subject: "hidden units",
                     "must be at most \(NetworkShape.largestLayer), got \(hiddenUnits)") },
            { .check((maxIterations ?? 0) >= 0, "maxIterations", subject: "max iterations",
                     "must be non-negative, got \(maxIterations ?? 0)") },
            { .check(timeLimitSeconds.map { $0 > 0 && $0 <= Self.longestDurationSeconds } ?? true, "timeLimitSeconds",
                     subject: "time limit", "must be positive and at most a year, got \(timeLimitSeconds ?? 0) s") },
            { .check(processorTimeLimitSeconds.map { $0 > 0 && $0 <= Self.longestDurationSeconds } ?? true,
                     "processorTimeLimitSeconds", subject: "processor time limit",
                     "must be positive and at most a year, got \(processorTimeLimitSeconds ?? 0) s") },
            { .check(maxConsecutiveRejections >= 1, "maxConsecutiveRejections", subject: "the consecutive-rejection limit",
                     "must be at least 1, got \(maxConsecutiveRejections)") },
            { .check(checkpointEvery >= 1, "checkpointEvery", subject: "checkpoint cadence",
                     "must be at least 1 iteration, got \(checkpointEvery)") },
            { .check((1...Self.maximumBLASThreads).contains(blasThreads), "blasThreads", subject: "BLAS threads",
                     "must be in 1...\(Self.maximumBLASThreads), got \(blasThreads)") },
            { .check(curvatureArithmetic == .float || precision == .float, "curvatureProducts", subject: "bf16 curvature products",
                     "bf16 needs float precision, got \(precision.rawValue)") },
            { .check(testSequences >= 1, "testSequences", subject: "test set size", "must be at least 1, got \(testSequences)") },
            { .check(testSequences <= BatchPlan.largestBatch, "testSequences", subject: "test set size",
                     "must be at most \(BatchPlan.largestBatch), got \(testSequences)") },
            { .check(successThreshold.map { $0 > 0 && $0 <= 1 } ?? true, "successThreshold", subject: "success threshold",
                     "must be in (0, 1], got \(successThreshold ?? 0)") },
            { .check(initialization.sparseFanIn >= 1, "initialization.sparseFanIn", subject: "sparse fan-in",
                     "must be at least 1, got \(initialization.sparseFanIn)") },
            { .check(initialization.spectralRadius > 0, "initialization.spectralRadius", subject: "spectral radius",
                     "must be positive, got \(initialization.spectralRadius)") },
        ])
    }
}

extension TrainingConfig {
    /// The configuration a resumed session runs with: the limits given for this session (nil: none),
    /// never an earlier session's, and a new success threshold in place of the old one.
    public func resumed(maxIterations: Int?, timeLimitSeconds: Double?, processorTimeLimitSeconds: Double? = nil,
                        successThreshold: Double?) -> TrainingConfig {
        var config = self
        config.maxIterations = maxIterations
        config.timeLimitSeconds = timeLimitSeconds
        config.processorTimeLimitSeconds = processorTimeLimitSeconds
        if let successThreshold { config.successThreshold = successThreshold }
        return config
    }
}

extension DataSourceConfig {
    /// What the data is, for headers and messages: the task and its length, or the file.
    public var name: String {
        switch self {
        case .task(let spec): spec.name
        case .dataset(let path, _): path
        }
    }
}
