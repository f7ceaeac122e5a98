import Linalg

/// A symmetric linear map `v ↦ A v` on vectors of length `dimension`: the only thing conjugate
/// gradient needs from the curvature matrix.
public protocol LinearOperator {
    associatedtype Scalar: BLASScalar

    /// Length of the vectors the operator acts on.
    var dimension: Int { get }

    /// `out ← A v` (`out` has length `dimension` and is overwritten).
    func apply(_ v: [Scalar], into out: inout [Scalar])
}

/// The HF system matrix at the objective's bound point:
///
///     A v = G v + structuralWeight · J_tᵀ D'' J_t v + diagonalShift · v
///
/// With `structuralWeight = λμ` and `diagonalShift = λ + weightCost` this is the damped curvature
/// CG minimises against [M&S'11]; with `structuralWeight = 0` and `diagonalShift = weightCost` it is
/// the undamped curvature of the regularised objective, which ρ uses by default.
public struct DampedCurvatureOperator<Objective: HFObjective>: LinearOperator {
    public typealias Scalar = Objective.Scalar

    public let objective: Objective
    public let structuralWeight: Scalar
    public let diagonalShift: Scalar

    public init(objective: Objective, structuralWeight: Scalar, diagonalShift: Scalar) {
        self.objective = objective
        self.structuralWeight = structuralWeight
        self.diagonalShift = diagonalShift
    }

    /// The matrix CG solves with at damping λ: G + λμ·J_tᵀ D'' J_t + (λ + weightCost)·I. The solver
    /// and `hfrnn probe` both build it here, so the probe's A v is exactly what CG multiplies by.
    public static func dampedSystem(objective: Objective, lambda: Double, mu: Double, weightCost: Double) -> Self {
        Self(objective: objective, structuralWeight: Scalar(lambda * mu), diagonalShift: Scalar(lambda + weightCost))
    }

    /// The undamped curvature of the regularised objective, G + weightCost·I (ρ's model by default).
    public static func undamped(objective: Objective, weightCost: Double) -> Self {
        Self(objective: objective, structuralWeight: 0, diagonalShift: Scalar(weightCost))
    }

    public var dimension: Int { objective.parameterCount }

    public func apply(_ v: [Scalar], into out: inout [Scalar]) {
        objective.curvatureProduct(v, into: &out, structuralWeight: structuralWeight)
        if diagonalShift != 0 { Vec.axpy(diagonalShift, v, &out) }
    }
}
