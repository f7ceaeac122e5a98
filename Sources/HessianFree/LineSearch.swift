/// Result of the Armijo backtracking line search along the chosen HF step δ.
public struct LineSearchResult: Sendable, Equatable {
    /// Accepted step size, or 0 when no tried size gave sufficient decrease (step rejected).
    public var alpha: Double
    /// f(θ + αδ) for the accepted α, or f(θ) when α = 0.
    public var loss: Double
    /// Number of step sizes evaluated.
    public var tries: Int

    public init(alpha: Double, loss: Double, tries: Int) {
        self.alpha = alpha
        self.loss = loss
        self.tries = tries
    }
}

public enum LineSearch {
    /// Armijo backtracking [JMC, M&S'12]: α = 1, 0.8, 0.8², … (`lineSearchShrink`), at most
    /// `lineSearchMaxTries` sizes; accept the first with
    ///
    ///     f(θ + αδ) ≤ f(θ) + c·α·gᵀδ,   c = `lineSearchArmijoC`,
    ///
    /// otherwise α = 0. With c = 0 the test is f(θ + αδ) < f(θ) [ISC]. A non-finite trial loss never
    /// passes.
    /// - Note: [JMC] shrinks 60 times but never tests its 61st evaluation; here every evaluated size is
    ///   tested, so α goes down to 0.8⁵⁹. [ISC] tries 50 sizes.
    /// - Parameters:
    ///   - initialLoss: f(θ) on the line-search batch.
    ///   - directionalDerivative: gᵀδ.
    ///   - firstTrialLoss: f(θ + δ) if already known (saves one evaluation), else nil.
    ///   - lossAt: f(θ + αδ) for a step size α.
    public static func armijo(initialLoss: Double, directionalDerivative: Double, firstTrialLoss: Double? = nil,
                              config: HFConfig, lossAt: (Double) -> Double) -> LineSearchResult {
        var alpha = 1.0
        for t in 1...config.lineSearchMaxTries {
            let loss = (t == 1 ? firstTrialLoss : nil) ?? lossAt(alpha)
            let bound = initialLoss + config.lineSearchArmijoC * alpha * directionalDerivative
            // c = 0 is [ISC]'s rule: any decrease, never an equal loss.
            let passes = config.lineSearchArmijoC == 0 ? loss < initialLoss : loss <= bound
            if loss.isFinite && passes {
                return LineSearchResult(alpha: alpha, loss: loss, tries: t)
            }
            alpha *= config.lineSearchShrink
        }
        return LineSearchResult(alpha: 0, loss: initialLoss, tries: config.lineSearchMaxTries)
    }
}
