import Diagnostics

/// Every hyperparameter of the Hessian-free optimizer, in one place.
///
/// Each default carries a source tag (defined in docs/algorithm.md#references):
/// [JMC] Martens' HF Matlab code for M'10, [ISC] Sutskever's released HF-RNN code, [BL]
/// Boulanger-Lewandowski's Theano HF, [M&S'11] the structural-damping paper, [ours] a choice made
/// in this package. No paper constant appears as a literal anywhere else in the module: the
/// solver reads them from here.
///
/// Training checks a configuration through `issue` (via `TrainingConfig.issue`) before
/// any run starts; `HessianFreeOptimizer.step` traps on an invalid one.
public struct HFConfig: Sendable, Codable, Equatable {
    // MARK: Damping

    /// Initial Tikhonov damping λ₀. Default 0.01 [ISC, for the operand tasks]; a training run
    /// derives its own λ₀ from its task (Training's `TrainingConfig.defaultInitialLambda`).
    /// [BL] defaults to 0.1, [JMC] used 45 for its autoencoders.
    public var initialLambda: Double = 0.01

    /// Structural-damping weight μ: the structural curvature enters the CG matrix as λμ·J_tᵀD''J_t,
    /// so its strength follows λ. Default 0.03 [BL]. [ISC] has the same number (`init_damping =
    /// [1, 0.03]·…`) but applies it to 0.25·(1 − h²) where hfrnn uses 1 − h²: 0.0075 in hfrnn's
    /// convention (docs/algorithm.md#structural-damping). 0 switches structural damping off.
    public var structuralDampingWeight: Double = 0.03

    /// Levenberg–Marquardt: ρ below this (or NaN) multiplies λ by `lmIncreaseFactor`.
    /// Default 1/4 [JMC, ISC, BL].
    public var lmLowerRhoThreshold: Double = 0.25

    /// Levenberg–Marquardt: ρ above this multiplies λ by `lmDecreaseFactor`. Default 3/4 [JMC, ISC, BL].
    public var lmUpperRhoThreshold: Double = 0.75

    /// Factor applied to λ when the quadratic model was poor (ρ < lower threshold), and after any
    /// non-finite failure. Default 3/2 [JMC, ISC "boost"].
    public var lmIncreaseFactor: Double = 1.5

    /// Factor applied to λ when the quadratic model was good (ρ > upper threshold).
    /// Default 2/3 [JMC, ISC "drop"].
    public var lmDecreaseFactor: Double = 2.0 / 3.0

    /// Lower safety clamp on λ. Default 1e-8 [ours: neither JMC nor ISC clamps λ; this only stops a
    /// long run of good steps from driving λ into the denormal range].
    public var minimumLambda: Double = 1e-8

    /// Upper safety clamp on λ. Default 1e8 [ours: keeps repeated failures from overflowing λ, and λμ,
    /// in Float arithmetic].
    public var maximumLambda: Double = 1e8

    // MARK: Conjugate gradient

    /// Maximum CG iterations per HF iteration. Default 150 [ours, from the second settings study
    /// in docs/time-to-solve.md: on the T = 50 panel every run solved, the median processor time
    /// fell on addition, multiplication and temporal order (memorisation never reached 150 steps);
    /// at T = 100 the median fell from 10.5 to 6.7 minutes on addition]. [JMC]'s comment says "the
    /// ICML paper had maxiters = 250 for everything" ([BL] default 250, `--max-cg 250`); [ISC]'s
    /// pathological demo uses 300.
    public var cgMaxIterations: Int = 150

    /// The relative-progress stopping rule is only consulted once at least this many CG iterations
    /// have run (non-positive curvature and non-finite values always stop CG). Default 1 [ours,
    /// following JMC's `i ≥ miniters` test with no extra minimum]: the rule itself needs i > k ≥ 10,
    /// so CG always runs at least 11 iterations unless it breaks down. [ISC]'s `min_cg_iter = 299`
    /// does not reach this rule: it only holds back its other stop (the objective rising on the
    /// curvature batch, which this package does not have), so [ISC] keeps the relative-progress stop
    /// active from the start, as here.
    public var cgMinIterations: Int = 1

    /// Relative-progress window as a fraction of the iteration count: k = max(minimum, ⌈fraction·i⌉).
    /// Default 0.1 [JMC `conjgrad_1`, ISC `progress_heuristic`, BL].
    public var cgProgressWindowFraction: Double = 0.1

    /// Smallest relative-progress window k. Default 10 [JMC, ISC, BL].
    public var cgProgressWindowMinimum: Int = 10

    /// Relative-progress tolerance ε: stop when (φ_i − φ_{i−k})/φ_i < k·ε. Default 5e-4 [JMC, ISC, BL].
    public var cgProgressTolerance: Double = 5e-4

    /// CG starts from this multiple of the previous HF iteration's final CG iterate (ζ).
    /// Default 0.95 [JMC: "slightly decay the previous change vector … it can help a lot"; ISC].
    public var cgWarmStartDecay: Double = 0.95

    /// Backtracking snapshots are kept at CG iterations ⌈base·growth^j⌉, j = 0, 1, …, plus the final
    /// iterate. Default base 5 [JMC].
    public var backtrackSnapshotBase: Double = 5

    /// Growth of the backtracking snapshot schedule (see `backtrackSnapshotBase`). Default 1.3 [JMC; BL].
    public var backtrackSnapshotGrowth: Double = 1.3

    // MARK: Line search

    /// Armijo sufficient-decrease constant c: accept α when f(θ+αδ) ≤ f(θ) + c·α·gᵀδ.
    /// Default 1e-2 [JMC, M&S'12]. 0 accepts the first α with any strict decrease,
    /// f(θ+αδ) < f(θ), as [ISC]'s line search does ("it stops decreasing the step size as soon as
    /// the value of the new objective is smaller").
    public var lineSearchArmijoC: Double = 1e-2

    /// Factor by which the Armijo line search shrinks α after a failed try. Default 0.8 [JMC, ISC].
    public var lineSearchShrink: Double = 0.8

    /// Maximum number of step sizes the line search evaluates (α = shrink^t, t = 0 … tries−1); if none
    /// passes, α = 0 and the step is rejected. Default 60 [JMC; ISC tries 50 sizes].
    public var lineSearchMaxTries: Int = 60

    // MARK: Preconditioner

    /// Use the diagonal preconditioner M = (diag(empirical Fisher) + λ + weightCost)^exponent.
    /// Default false: [JMC] notes that "for some problems (like the RNNs) this style of diagonal
    /// precondition doesn't seem to be beneficial", and [ISC] uses none.
    public var usePreconditioner: Bool = false

    /// Exponent of the diagonal preconditioner. Default 0.75 [M'10, JMC; BL offers 0.75 or 1].
    public var preconditionerExponent: Double = 0.75

    // MARK: Objective

    /// L2 weight cost: ½·weightCost·‖θ‖² is added to f, weightCost·θ to ∇f and weightCost·v to every
    /// curvature product. Default 2e-5 [ISC demo; M'10].
    public var weightCost: Double = 2e-5

    /// ρ's denominator uses the damped quadratic model (G + (λ + weightCost)I + λμ structural term)
    /// when true, the undamped one (G + weightCost·I) when false. Default false, the Martens default
    /// [JMC sets `autodamp = 0` while computing ρ; BL also undamped]. [ISC] uses the damped model.
    public var rhoUsesDampedModel: Bool = false

    /// The defaults listed on each property.
    public init() {}

    /// The first invalid value found, in declaration order, or nil if the configuration is valid.
    public var issue: FieldIssue? {
        // Each test is written so that NaN fails it.
        FieldIssue.first([
            { .check(initialLambda > 0 && initialLambda.isFinite, "initialLambda",
                     "must be positive and finite, got \(initialLambda)") },
            { .check(structuralDampingWeight >= 0 && structuralDampingWeight.isFinite, "structuralDampingWeight",
                     "must be non-negative and finite, got \(structuralDampingWeight)") },
            { .check(lmLowerRhoThreshold >= 0 && lmLowerRhoThreshold < 1, "lmLowerRhoThreshold",
                     "must be in [0, 1), got \(lmLowerRhoThreshold)") },
            { .check(lmUpperRhoThreshold > lmLowerRhoThreshold && lmUpperRhoThreshold <= 1, "lmUpperRhoThreshold",
                     "must be in (lmLowerRhoThreshold, 1] = (\(lmLowerRhoThreshold), 1], got \(lmUpperRhoThreshold)") },
            { .check(lmIncreaseFactor > 1 && lmIncreaseFactor.isFinite, "lmIncreaseFactor",
                     "must be greater than 1 and finite, got \(lmIncreaseFactor)") },
            { .check(lmDecreaseFactor > 0 && lmDecreaseFactor < 1, "lmDecreaseFactor",
                     "must be in (0, 1), got \(lmDecreaseFactor)") },
            { .check(minimumLambda > 0 && minimumLambda.isFinite, "minimumLambda",
                     "must be positive and finite, got \(minimumLambda)") },
            { .check(maximumLambda >= minimumLambda && maximumLambda.isFinite, "maximumLambda",
                     "must be finite and at least minimumLambda = \(minimumLambda), got \(maximumLambda)") },
            { .check(initialLambda >= minimumLambda && initialLambda <= maximumLambda, "initialLambda",
                     "must be in [\(minimumLambda), \(maximumLambda)] (λ's bounds), got \(initialLambda)") },
            { .check(cgMaxIterations >= 1, "cgMaxIterations",
                     "must be at least 1, got \(cgMaxIterations)") },
            { .check(cgMinIterations >= 0 && cgMinIterations <= cgMaxIterations, "cgMinIterations",
                     "must be in [0, \(cgMaxIterations)] (at most the CG maximum), got \(cgMinIterations)") },
            { .check(cgProgressWindowFraction > 0 && cgProgressWindowFraction <= 1, "cgProgressWindowFraction",
                     "must be in (0, 1], got \(cgProgressWindowFraction)") },
            { .check(cgProgressWindowMinimum >= 1, "cgProgressWindowMinimum",
                     "must be at least 1, got \(cgProgressWindowMinimum)") },
            { .check(cgProgressTolerance > 0 && cgProgressTolerance.isFinite, "cgProgressTolerance",
                     "must be positive and finite, got \(cgProgressTolerance)") },
            { .check(cgWarmStartDecay >= 0 && cgWarmStartDecay <= 1, "cgWarmStartDecay",
                     "must be in [0, 1], got \(cgWarmStartDecay)") },
            { .check(backtrackSnapshotBase >= 1 && backtrackSnapshotBase.isFinite, "backtrackSnapshotBase",
                     "must be at least 1 and finite, got \(backtrackSnapshotBase)") },
            { .check(backtrackSnapshotGrowth > 1 && backtrackSnapshotGrowth.isFinite, "backtrackSnapshotGrowth",
                     "must be greater than 1 and finite, got \(backtrackSnapshotGrowth)") },
            { .check(lineSearchArmijoC >= 0 && lineSearchArmijoC < 1, "lineSearchArmijoC",
                     "must be in [0, 1), got \(lineSearchArmijoC)") },
            { .check(lineSearchShrink > 0 && lineSearchShrink < 1, "lineSearchShrink",
                     "must be in (0, 1), got \(lineSearchShrink)") },
            { .check(lineSearchMaxTries >= 1, "lineSearchMaxTries",
                     "must be at least 1, got \(lineSearchMaxTries)") },
            { .check(preconditionerExponent > 0 && preconditionerExponent <= 1, "preconditionerExponent",
                     "must be in (0, 1], got \(preconditionerExponent)") },
            { .check(weightCost >= 0 && weightCost.isFinite, "weightCost",
                     "must be non-negative and finite, got \(weightCost)") },
        ])
    }
}
