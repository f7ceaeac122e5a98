/// Why conjugate gradient stopped. `iteration` in the breakdown cases is the 1-based number of the
/// iteration that failed; the iterates it returns are those from before it.
public enum CGTermination: Sendable, Equatable, Codable {
    /// Martens' relative-progress rule fired after `iteration` iterations with window k = `window`
    /// and relative progress (φ_i − φ_{i−k})/φ_i = `relativeProgress` < k·ε.
    case progressConverged(iteration: Int, window: Int, relativeProgress: Double)
    /// The iteration limit was reached.
    case maxIterations(Int)
    /// pᵀAp ≤ 0 for the search direction of iteration `iteration`: A is not positive definite
    /// along p, so the quadratic has no minimiser along it and CG cannot continue.
    case nonPositiveCurvature(iteration: Int, curvature: Double)
    /// A NaN or infinity appeared in `quantity` during iteration `iteration` (0 = in the inputs).
    case nonFinite(iteration: Int, quantity: String)
    /// The (preconditioned) residual is exactly zero after `iteration` iterations: x solves A x = b,
    /// and a further iteration would divide 0 by 0.
    case exactSolution(iteration: Int)

    /// A one-line human-readable explanation.
    public var reason: String {
        switch self {
        case let .progressConverged(i, k, progress):
            return "relative progress (φ_i − φ_{i−k})/φ_i = \(progress) over the last k = \(k) iterations fell below k·ε after \(i) iterations"
        case let .maxIterations(i):
            return "reached the maximum of \(i) CG iterations"
        case let .nonPositiveCurvature(i, curvature):
            return "non-positive curvature pᵀAp = \(curvature) in CG iteration \(i): the system matrix is not positive definite"
        case let .nonFinite(i, quantity):
            return i == 0 ? "non-finite value in \(quantity) before CG started"
                          : "non-finite value in \(quantity) in CG iteration \(i)"
        case let .exactSolution(i):
            return "residual became exactly zero after \(i) CG iterations"
        }
    }

    /// A stable one-word name for the case, without its values: what progress lines, CSV files
    /// and checkpoints record, so a reader never has to parse `reason`.
    public var code: String {
        switch self {
        case .progressConverged: return "progress"
        case .maxIterations: return "max-iter"
        case .nonPositiveCurvature: return "curvature"
        case .nonFinite: return "non-finite"
        case .exactSolution: return "exact"
        }
    }

    /// True for the two breakdowns (non-positive curvature, non-finite values).
    public var isBreakdown: Bool {
        switch self {
        case .nonPositiveCurvature, .nonFinite: return true
        case .progressConverged, .maxIterations, .exactSolution: return false
        }
    }
}
