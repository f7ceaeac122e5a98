/// The Nesterov momentum coefficient μ_t for update t (t = 0 for the first update), as configured
/// by `FirstOrderConfig.momentumSchedule` [SMDH'13].
public struct MomentumSchedule: Sendable, Equatable {
    public var kind: MomentumScheduleKind
    public var maximum: Double
    public var warmupMomentum: Double
    public var warmupSteps: Int
    public var raisePeriod: Int

    /// The schedule with the constants of `config`.
    public init(config: FirstOrderConfig) {
        kind = config.momentumSchedule
        maximum = config.maximumMomentum
        warmupMomentum = config.warmupMomentum
        warmupSteps = config.momentumWarmupSteps
        raisePeriod = config.momentumRaisePeriod
    }

    /// μ_t. For `.raising`, 1 − 2^(−1 − log₂(k + 1)) with k = ⌊t/period⌋ is computed as the equal
    /// 1 − 1/(2(k + 1)), which needs no logarithm and is exact at every step boundary.
    public func momentum(atStep t: Int) -> Double {
        precondition(t >= 0, "momentum schedule asked for step \(t)")
        switch kind {
        case .constant:
            return maximum
        case .warmup:
            return t < warmupSteps ? warmupMomentum : maximum
        case .raising:
            let k = Double(t / raisePeriod)
            return min(1 - 1 / (2 * (k + 1)), maximum)
        }
    }
}
