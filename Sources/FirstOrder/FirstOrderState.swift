import Linalg

/// Everything a first-order optimizer carries from one update to the next, explicit and Codable
/// (plain arrays and numbers) so that a checkpoint (θ + `FirstOrderState` + config + the trainer's
/// RNG) resumes a run exactly. The optimizer draws nothing: the trainer owns the RNG.
///
/// Only the vectors the method uses are allocated; the others are empty:
///
/// | method   | `velocity` | `firstMoment`, `secondMoment` |
/// |----------|------------|-------------------------------|
/// | sgd      | empty      | empty                         |
/// | nesterov | P entries  | empty                         |
/// | adam     | empty      | P entries each                |
public struct FirstOrderState<Scalar: BLASScalar>: Codable, Equatable, Sendable {
    /// The method this state belongs to (a state cannot be carried over to another method).
    public var method: FirstOrderMethod
    /// Updates applied so far: the position in the momentum schedule, and Adam's t − 1.
    public var step: Int
    /// Updates skipped because the gradient or the updated parameters were not finite.
    public var skippedSteps: Int
    /// Nesterov: the velocity v_t of [SMDH'13] eq. 3 (see `FirstOrderOptimizer` for the convention).
    public var velocity: [Scalar]
    /// Adam: the biased first-moment estimate m_t [K&B'15].
    public var firstMoment: [Scalar]
    /// Adam: the biased second raw-moment estimate v_t [K&B'15].
    public var secondMoment: [Scalar]

    /// The state before the first update: counters at zero, zero vectors where the method needs them.
    public init(parameterCount: Int, method: FirstOrderMethod) {
        precondition(parameterCount >= 0, "parameter count \(parameterCount)")
        self.method = method
        step = 0
        skippedSteps = 0
        let zeros = [Scalar](repeating: 0, count: parameterCount)
        velocity = method == .nesterov ? zeros : []
        firstMoment = method == .adam ? zeros : []
        secondMoment = method == .adam ? zeros : []
    }

    /// The state before the first update for `config.method`.
    public init(parameterCount: Int, config: FirstOrderConfig) {
        self.init(parameterCount: parameterCount, method: config.method)
    }

    /// Why this state cannot drive `config.method` on `parameterCount` parameters (a state decoded
    /// from a file must be checked before use), or nil if it can.
    public func mismatch(parameterCount: Int, config: FirstOrderConfig) -> String? {
        if let problem = shapeMismatch(parameterCount: parameterCount, method: config.method) { return problem }
        for (name, vector) in [("velocity", velocity), ("firstMoment", firstMoment), ("secondMoment", secondMoment)]
        where !Vec.isFinite(vector) {
            return "\(name) has a non-finite entry"
        }
        if secondMoment.contains(where: { $0 < 0 }) { return "secondMoment has a negative entry" }
        return nil
    }

    /// The method, counter and vector-length part of `mismatch`, which costs no pass over the vectors.
    func shapeMismatch(parameterCount: Int, method expectedMethod: FirstOrderMethod) -> String? {
        if method != expectedMethod {
            return "state belongs to optimizer \(method.rawValue), configuration is \(expectedMethod.rawValue)"
        }
        if step < 0 || skippedSteps < 0 {
            return "negative counter (step \(step), skipped \(skippedSteps))"
        }
        let velocityCount = method == .nesterov ? parameterCount : 0
        let momentCount = method == .adam ? parameterCount : 0
        for (name, count, wanted) in [("velocity", velocity.count, velocityCount),
                                      ("firstMoment", firstMoment.count, momentCount),
                                      ("secondMoment", secondMoment.count, momentCount)]
        where count != wanted {
            return "\(name) has \(count) entries, expected \(wanted)"
        }
        return nil
    }
}
