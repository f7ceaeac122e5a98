/// The Levenberg–Marquardt rule for the Tikhonov damping λ [JMC, ISC `damping_heuristic`, BL]:
///
///     ρ < lower (1/4), or ρ is NaN  →  λ · increaseFactor (3/2)
///     ρ > upper (3/4)               →  λ · decreaseFactor (2/3)
///     otherwise                     →  λ unchanged
///
/// then clamped to [minimumLambda, maximumLambda] (the clamp is ours). The structural-damping
/// strength λμ follows λ because μ is fixed, as in [ISC], which scales the vector [λ, λμ] as a whole.
public struct LevenbergMarquardt: Sendable, Equatable {
    public var lowerRhoThreshold: Double
    public var upperRhoThreshold: Double
    public var increaseFactor: Double
    public var decreaseFactor: Double
    public var minimumLambda: Double
    public var maximumLambda: Double

    /// The rule with the constants of `config`.
    public init(config: HFConfig) {
        lowerRhoThreshold = config.lmLowerRhoThreshold
        upperRhoThreshold = config.lmUpperRhoThreshold
        increaseFactor = config.lmIncreaseFactor
        decreaseFactor = config.lmDecreaseFactor
        minimumLambda = config.minimumLambda
        maximumLambda = config.maximumLambda
    }

    /// The λ for the next HF iteration given the reduction ratio ρ of this one.
    public func updatedLambda(_ lambda: Double, rho: Double) -> Double {
        if rho.isNaN || rho < lowerRhoThreshold { return increased(lambda) }
        if rho > upperRhoThreshold { return clamped(lambda * decreaseFactor) }
        return clamped(lambda)
    }

    /// λ · increaseFactor, clamped: the response to a bad model and to any non-finite failure.
    public func increased(_ lambda: Double) -> Double {
        clamped(lambda * increaseFactor)
    }

    /// λ limited to [minimumLambda, maximumLambda].
    public func clamped(_ lambda: Double) -> Double {
        min(max(lambda, minimumLambda), maximumLambda)
    }
}
