import Linalg

/// ½·weightCost·‖θ‖², the L2 term the solver adds to every objective value.
public func weightCostPenalty<S: BLASScalar>(_ parameters: [S], weightCost: Double) -> Double {
    0.5 * weightCost * Double(Vec.dot(parameters, parameters))
}

/// What the HF solver needs from one minibatch: the objective `f(θ)` (the data loss averaged over
/// the scored outputs, **without** the L2 term, which the solver adds itself), its gradient, and
/// curvature-vector products at a bound point.
///
/// The RNN implements it in `RNNObjective`; tests implement it with small explicit problems.
/// Implementations are reference types because they own reusable work buffers.
public protocol HFObjective: AnyObject {
    associatedtype Scalar: BLASScalar

    /// Length of θ.
    var parameterCount: Int { get }

    /// `f(θ)`.
    func loss(at parameters: [Scalar]) -> Scalar

    /// `f(θ)`, writing `∇f(θ)` into `gradient` (length `parameterCount`, overwritten).
    func lossAndGradient(at parameters: [Scalar], gradient: inout [Scalar]) -> Scalar

    /// As `lossAndGradient`, and also the diagonal of the empirical Fisher,
    /// `Σ_cases (∇f_case)² / N`, for the optional diagonal preconditioner (M'10).
    func lossGradientAndFisherDiagonal(at parameters: [Scalar], gradient: inout [Scalar],
                                       fisherDiagonal: inout [Scalar]) -> Scalar

    /// Fixes the point θ at which later curvature products are taken (for the RNN this runs and
    /// caches the forward pass) and returns `f(θ)`.
    func bindCurvature(at parameters: [Scalar]) -> Scalar

    /// `out ← G v + structuralWeight · J_tᵀ D'' J_t v` at the bound point, where G is the
    /// Gauss-Newton matrix and the second term is the structural-damping curvature on the hidden
    /// pre-activations (pass `λμ`; 0 turns it off). No Tikhonov λ and no L2 term: the solver adds those.
    func curvatureProduct(_ v: [Scalar], into out: inout [Scalar], structuralWeight: Scalar)
}
