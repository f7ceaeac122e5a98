import Diagnostics

/// The first-order baselines hfrnn compares Hessian-free against.
public enum FirstOrderMethod: String, Sendable, Codable, CaseIterable {
    /// Plain minibatch SGD with gradient-norm clipping [PMB'13].
    case sgd
    /// Nesterov's accelerated gradient with a momentum schedule [SMDH'13].
    case nesterov
    /// Adam [Kingma & Ba 2015].
    case adam
}

/// How the Nesterov momentum μ_t depends on the update count t (t = 0 for the first update).
public enum MomentumScheduleKind: String, Sendable, Codable, CaseIterable {
    /// μ_t = `warmupMomentum` for t < `momentumWarmupSteps`, then `maximumMomentum`: what [SMDH'13]
    /// ran for its RNN experiments (0.9 for the first 1000 updates, then μ₀ ∈ {0, 0.9, 0.98, 0.995}).
    case warmup
    /// μ_t = min(1 − 2^(−1 − log₂(⌊t/period⌋ + 1)), `maximumMomentum`), [SMDH'13] eq. 5, period 250:
    /// the schedule of their deep-autoencoder experiments (0.5, 0.75, 0.833, … every 250 updates).
    case raising
    /// μ_t = `maximumMomentum` throughout (classical fixed-momentum NAG).
    case constant
}

/// Every hyperparameter of the first-order optimizers, in one place, with its source:
/// [PMB'13] Pascanu, Mikolov & Bengio 2013; [SMDH'13] Sutskever, Martens, Dahl & Hinton 2013;
/// [K&B'15] Kingma & Ba 2015; [ours] a choice made in this package.
///
/// Build one with `init(method:)`, which sets the published recipe of that method; the fields a
/// method does not read keep their defaults (`fieldNames(for:)` lists the ones it reads). Check
/// `issue` after building or decoding; the optimizer traps on an invalid configuration.
public struct FirstOrderConfig: Sendable, Codable, Equatable {
    /// Which update rule `FirstOrderOptimizer.step` applies.
    public var method: FirstOrderMethod

    // MARK: Shared

    /// Step size ε (α for Adam), constant over the run.
    /// - sgd: 0.01 [PMB'13, temporal order: "learning rate 0.01", no schedule].
    /// - nesterov: 1e-3 [SMDH'13 chose ε per problem from the grid {1e-3, 1e-4, 1e-5, 1e-6} and do
    ///   not say which won; ours: the top of that grid].
    /// - adam: 1e-3 [K&B'15 Algorithm 1 default α].
    /// The defaults stay the published values; tuned on addition at T = 50 [ours, docs/head-to-head.md]
    /// the best rates were 0.03 (sgd, a near tie with 0.01), 1e-3 (nesterov) and 1e-4 (adam).
    public var learningRate: Double

    /// Fresh sequences per gradient (drawn by the trainer; the optimizer only validates it).
    /// - sgd: 20 [PMB'13, temporal order "minibatch 20"].
    /// - nesterov: 100 [SMDH'13, "minibatches of size 100" for the RNN experiments].
    /// - adam: 100 [ours: K&B'15 give no size for RNNs; the same stream as Nesterov].
    public var minibatchSize: Int

    /// The largest minibatch: 2^30 sequences, as the largest of HF's batches, so that updates times
    /// sequences per update fits an Int.
    public static let largestMinibatch = 1 << 30

    /// Gradient-norm clipping threshold: when ‖g‖ > threshold, g ← threshold·g/‖g‖ [PMB'13
    /// Algorithm 1]. nil turns clipping off.
    /// - sgd: 1 [PMB'13: "clipping threshold 1"].
    /// - nesterov, adam: nil [SMDH'13 and K&B'15 do not clip].
    public var gradientClipThreshold: Double?

    /// Weight α of Pascanu et al.'s vanishing-gradient regulariser Ω, added as α·∇Ω to the gradient
    /// before clipping ("SGD-CR" with `.sgd`; docs/first-order.md#sgd-cr). nil turns it off.
    /// Default nil for every method [ours: the published recipes of SGD, NAG and Adam have none];
    /// [PMB'13] used 4 on temporal order, and their code's default is 2.
    public var vanishingRegularizerWeight: Double? = nil

    // MARK: Nesterov momentum [SMDH'13]

    /// Which schedule μ_t follows. Default `.warmup`, the one [SMDH'13] used for its RNNs (Table 5).
    public var momentumSchedule: MomentumScheduleKind = .warmup

    /// μ_max, the momentum the schedule settles at (or caps at). Default 0.995, the best value on
    /// addition, multiplication and memorisation in [SMDH'13] Table 5 (also their autoencoder cap).
    public var maximumMomentum: Double = 0.995

    /// μ during the warmup of `.warmup`. Default 0.9 [SMDH'13, RNN experiments].
    public var warmupMomentum: Double = 0.9

    /// Updates spent at `warmupMomentum` by `.warmup`. Default 1000 [SMDH'13, RNN experiments].
    public var momentumWarmupSteps: Int = 1000

    /// Updates between increases of `.raising`. Default 250 [SMDH'13 eq. 5].
    public var momentumRaisePeriod: Int = 250

    // MARK: Adam [K&B'15]

    /// Exponential decay of the first-moment estimate, β₁. Default 0.9 [K&B'15].
    public var adamBeta1: Double = 0.9

    /// Exponential decay of the second-moment estimate, β₂. Default 0.999 [K&B'15].
    public var adamBeta2: Double = 0.999

    /// ε added to √v̂ in the denominator. Default 1e-8 [K&B'15].
    public var adamEpsilon: Double = 1e-8

    /// The published recipe of `method` (see each property for the values and sources).
    public init(method: FirstOrderMethod) {
        self.method = method
        switch method {
        case .sgd:
            learningRate = 0.01
            minibatchSize = 20
            gradientClipThreshold = 1
        case .nesterov:
            learningRate = 1e-3
            minibatchSize = 100
            gradientClipThreshold = nil
        case .adam:
            learningRate = 1e-3
            minibatchSize = 100
            gradientClipThreshold = nil
        }
    }

    /// The fields `method` reads, named as in `FieldIssue.field`, so that a command line
    /// can reject a setting that belongs to another optimizer.
    public static func fieldNames(for method: FirstOrderMethod) -> [String] {
        let shared = ["learningRate", "minibatchSize", "gradientClipThreshold", "vanishingRegularizerWeight"]
        switch method {
        case .sgd: return shared
        case .nesterov:
            return shared + ["momentumSchedule", "maximumMomentum", "warmupMomentum",
                             "momentumWarmupSteps", "momentumRaisePeriod"]
        case .adam: return shared + ["adamBeta1", "adamBeta2", "adamEpsilon"]
        }
    }

    /// The first invalid value found, in declaration order, or nil if the configuration is valid.
    /// Every field is checked, used by `method` or not.
    public var issue: FieldIssue? {
        // Each test is written so that NaN fails it.
        FieldIssue.first([
            { .check(learningRate > 0 && learningRate.isFinite, "learningRate",
                     "must be positive and finite, got \(learningRate)") },
            { .check(minibatchSize >= 1, "minibatchSize", "must be at least 1, got \(minibatchSize)") },
            { .check(minibatchSize <= Self.largestMinibatch, "minibatchSize",
                     "must be at most \(Self.largestMinibatch), got \(minibatchSize)") },
            { .check(gradientClipThreshold.map { $0 > 0 && $0.isFinite } ?? true, "gradientClipThreshold",
                     "must be positive and finite, got \(gradientClipThreshold ?? 0)") },
            { .check(vanishingRegularizerWeight.map { $0 >= 0 && $0.isFinite } ?? true, "vanishingRegularizerWeight",
                     "must be non-negative and finite, got \(vanishingRegularizerWeight ?? 0)") },
            { .check(maximumMomentum >= 0 && maximumMomentum < 1, "maximumMomentum",
                     "must be in [0, 1), got \(maximumMomentum)") },
            { .check(warmupMomentum >= 0 && warmupMomentum < 1, "warmupMomentum",
                     "must be in [0, 1), got \(warmupMomentum)") },
            { .check(momentumWarmupSteps >= 0, "momentumWarmupSteps",
                     "must be non-negative, got \(momentumWarmupSteps)") },
            { .check(momentumRaisePeriod >= 1, "momentumRaisePeriod",
                     "must be at least 1, got \(momentumRaisePeriod)") },
            { .check(adamBeta1 >= 0 && adamBeta1 < 1, "adamBeta1", "must be in [0, 1), got \(adamBeta1)") },
            { .check(adamBeta2 >= 0 && adamBeta2 < 1, "adamBeta2", "must be in [0, 1), got \(adamBeta2)") },
            { .check(adamEpsilon > 0 && adamEpsilon.isFinite, "adamEpsilon",
                     "must be positive and finite, got \(adamEpsilon)") },
        ])
    }
}
