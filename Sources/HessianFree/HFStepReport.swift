import Linalg

/// Whether an HF iteration moved the parameters, and why not.
public enum HFStepDecision: Sendable, Equatable, Codable {
    /// θ ← θ + αδ with α > 0.
    case accepted
    /// No step size passed the Armijo test (α = 0); θ unchanged, warm start zeroed.
    case lineSearchFailed
    /// A non-finite value appeared in the named quantity; θ unchanged, λ raised, warm start zeroed.
    case nonFinite(String)

    public var isAccepted: Bool { self == .accepted }

    /// A stable one-word name for the case, without its value (see `CGTermination.code`).
    public var code: String {
        switch self {
        case .accepted: return "accepted"
        case .lineSearchFailed: return "line-search"
        case .nonFinite: return "non-finite"
        }
    }

    /// One-line explanation for logs.
    public var reason: String {
        switch self {
        case .accepted: return "accepted"
        case .lineSearchFailed: return "rejected: no step size passed the Armijo sufficient-decrease test"
        case let .nonFinite(what): return "rejected: non-finite value in \(what)"
        }
    }
}

/// What one HF iteration did. Losses include the L2 term. Values not reached before a non-finite
/// rejection are NaN (or nil).
public struct HFStepReport: Sendable, Equatable, Codable {
    /// 1-based index of this HF iteration.
    public var iteration: Int
    /// f(θ) on the gradient batch.
    public var gradientLoss: Double = .nan
    /// The data term of `gradientLoss` alone (no L2 term), comparable with a test loss.
    public var gradientDataLoss: Double = .nan
    /// ‖∇f(θ)‖ on the gradient batch (with the L2 term).
    public var gradientNorm: Double = .nan
    /// f(θ) on the line-search batch.
    public var lossBefore: Double = .nan
    /// f(θ + αδ) on the line-search batch; equals `lossBefore` when the step was rejected.
    public var lossAfter: Double = .nan
    /// f(θ + δ) − f(θ) on the curvature batch (ρ's numerator).
    public var actualReduction: Double = .nan
    /// q(δ) − q(0) of the model ρ uses (its denominator).
    public var predictedReduction: Double = .nan
    /// Reduction ratio ρ (−∞ when the objective went up).
    public var rho: Double = .nan
    /// λ used for this iteration's CG.
    public var lambdaUsed: Double
    /// λ for the next iteration.
    public var lambdaNext: Double = .nan
    /// CG iterations run.
    public var cgIterations: Int = 0
    /// Why CG stopped (nil if it did not run).
    public var cgTermination: CGTermination?
    /// Index of the chosen snapshot among the CG snapshots.
    public var backtrackIndex: Int?
    /// CG iteration of the chosen snapshot.
    public var backtrackIteration: Int?
    /// Line-search step size α (0 when rejected).
    public var stepSize: Double = 0
    /// Step sizes the line search evaluated.
    public var lineSearchTries: Int = 0
    /// Accepted, or rejected and why.
    public var decision: HFStepDecision = .accepted

    public var accepted: Bool { decision.isAccepted }
    /// "accepted", or why the step was rejected.
    public var reason: String { decision.reason }

    public init(iteration: Int, lambdaUsed: Double) {
        self.iteration = iteration
        self.lambdaUsed = lambdaUsed
    }
}

/// The result of `HessianFreeOptimizer.step`.
public struct HFStepOutcome<Scalar: BLASScalar>: Sendable {
    public var parameters: [Scalar]
    public var state: HFState<Scalar>
    public var report: HFStepReport

    public init(parameters: [Scalar], state: HFState<Scalar>, report: HFStepReport) {
        self.parameters = parameters
        self.state = state
        self.report = report
    }
}
