import Linalg

// One first-order update, as a pure function (θ, ∇f(θ), state, config) → (θ', state', report).
//
// The caller computes the minibatch gradient at the parameters it holds (for the RNN:
// `RNNObjective.lossAndGradient` on `minibatchSize` fresh sequences drawn with the trainer's RNG) and
// passes it in; the optimizer never evaluates the objective. No L2 term is added: neither [PMB'13]
// nor [SMDH'13] use one for their RNNs.
//
// Nesterov's accelerated gradient is written in [SMDH'13] eq. 3–4 as
//
//     v_{t+1} = μ_t v_t − ε ∇f(θ_t + μ_t v_t),     θ_{t+1} = θ_t + v_{t+1},
//
// which needs the gradient at a look-ahead point. We keep the look-ahead point itself,
// Θ_t = θ_t + μ_t v_t, as the parameters (the change of variables of Bengio, Boulanger-Lewandowski
// & Pascanu 2013). Substituting gives, with ĝ = ∇f(Θ_t),
//
//     v_{t+1} = μ_t v_t − ε ĝ,                       Θ_{t+1} = Θ_t + μ_{t+1} v_{t+1} − ε ĝ,
//
// the same iterates for any schedule μ_t, with the gradient taken at the parameters held. Θ_0 = θ_0
// because v_0 = 0; `FirstOrderOptimizer.nesterovAnchor` recovers θ_t = Θ_t − μ_t v_t if wanted.
// The trainer evaluates and checkpoints Θ, the point whose gradient is computed.

/// Whether an update moved the parameters, and why not.
public enum FirstOrderStepDecision: Sendable, Equatable, Codable {
    /// θ and the optimizer's vectors were updated.
    case applied
    /// A non-finite value appeared in the named quantity; θ and the state's vectors are unchanged,
    /// the schedule does not advance, and `skippedSteps` counts it.
    case nonFinite(String)

    public var isApplied: Bool { self == .applied }

    /// One-line explanation for logs.
    public var reason: String {
        switch self {
        case .applied: return "applied"
        case let .nonFinite(what): return "skipped: non-finite value in \(what)"
        }
    }
}

/// What one first-order update did.
public struct FirstOrderStepReport: Sendable, Equatable, Codable {
    /// 1-based index of this call to `step` (applied or skipped).
    public var iteration: Int
    /// t, the number of updates applied before this one: the schedule position used.
    public var scheduleStep: Int
    /// ‖∇f‖ of the gradient passed in, before clipping (NaN or ∞ when it was not finite).
    public var gradientNorm: Double
    /// Whether the gradient was rescaled to the clipping threshold.
    public var clipped: Bool
    /// The factor the gradient was multiplied by (threshold/‖∇f‖ when clipped, else 1).
    public var clipFactor: Double
    /// ε (α for Adam).
    public var learningRate: Double
    /// Nesterov: μ_t used by this update; nil for the other methods.
    public var momentum: Double?
    /// Applied, or skipped and why.
    public var decision: FirstOrderStepDecision

    public var applied: Bool { decision.isApplied }
    /// "applied", or why the update was skipped.
    public var reason: String { decision.reason }
}

/// The result of `FirstOrderOptimizer.step`.
public struct FirstOrderStepOutcome<Scalar: BLASScalar>: Sendable {
    public var parameters: [Scalar]
    public var state: FirstOrderState<Scalar>
    public var report: FirstOrderStepReport
}

public enum FirstOrderOptimizer {
    /// One update of `config.method` from the minibatch gradient at `parameters`:
    ///
    /// - sgd:      θ ← θ − ε·ĝ                                            [PMB'13]
    /// - nesterov: v ← μ_t·v − ε·ĝ;  Θ ← Θ + μ_{t+1}·v − ε·ĝ                [SMDH'13, see file top]
    /// - adam:     m ← β₁m + (1−β₁)ĝ;  v ← β₂v + (1−β₂)ĝ²;
    ///             θ ← θ − α·(m/(1−β₁ᵏ)) / (√(v/(1−β₂ᵏ)) + ε),  k = t + 1   [K&B'15 Algorithm 1]
    ///
    /// where ĝ is the gradient after optional norm clipping and t = `state.step`. A non-finite
    /// gradient, or non-finite parameters or vectors after the update, skip the update (see
    /// `FirstOrderStepDecision`). The function only reads its inputs; its only allocations are the
    /// returned arrays.
    /// - Precondition: `config` is valid, `state` was made for `config.method` and `parameters.count`
    ///   parameters, and `gradient` has `parameters.count` entries.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func step<S: BLASScalar>(parameters: [S], gradient: [S], state: FirstOrderState<S>,
                                           config: FirstOrderConfig) -> FirstOrderStepOutcome<S> {
        if let error = config.issue { preconditionFailure("FirstOrderOptimizer.step: invalid FirstOrderConfig: \(error)") }
        precondition(gradient.count == parameters.count,
                     "gradient has \(gradient.count) entries, θ has \(parameters.count)")
        if let problem = state.shapeMismatch(parameterCount: parameters.count, method: config.method) {
            preconditionFailure("FirstOrderOptimizer.step: \(problem)")
        }

        let t = state.step
        let gradientNorm = Double(Vec.norm(gradient))
        let clipFactor = GradientClipping.factor(gradientNorm: gradientNorm, threshold: config.gradientClipThreshold)
        let schedule = MomentumSchedule(config: config)
        var report = FirstOrderStepReport(
            iteration: state.step + state.skippedSteps + 1, scheduleStep: t, gradientNorm: gradientNorm,
            clipped: clipFactor != 1, clipFactor: clipFactor, learningRate: config.learningRate,
            momentum: config.method == .nesterov ? schedule.momentum(atStep: t) : nil, decision: .applied)

        func skip(_ what: String) -> FirstOrderStepOutcome<S> {
            var next = state
            next.skippedSteps += 1
            report.decision = .nonFinite(what)
            return FirstOrderStepOutcome(parameters: parameters, state: next, report: report)
        }
        // nrm2 can overflow to ∞ for a finite gradient only beyond Float's range, which is a failure too.
        guard gradientNorm.isFinite, Vec.isFinite(gradient) else { return skip("gradient") }

        var theta = parameters
        var next = state
        // −ε·c: the clipped gradient ĝ = c·g enters every rule through this one coefficient.
        let descent = S(-config.learningRate * clipFactor)
        switch config.method {
        case .sgd:
            Vec.axpy(descent, gradient, &theta)
        case .nesterov:
            let muNext = S(schedule.momentum(atStep: t + 1))
            Vec.scale(S(report.momentum!), &next.velocity)
            Vec.axpy(descent, gradient, &next.velocity)
            Vec.axpy(descent, gradient, &theta)
            Vec.axpy(muNext, next.velocity, &theta)
        case .adam:
            AdamKernel.update(parameters: &theta, firstMoment: &next.firstMoment, secondMoment: &next.secondMoment,
                              gradient: gradient, clipFactor: clipFactor, step: t + 1, config: config)
        }

        if !Vec.isFinite(theta) { return skip("parameters after the update") }
        for (name, vector) in [("velocity", next.velocity), ("firstMoment", next.firstMoment),
                               ("secondMoment", next.secondMoment)]
        where !Vec.isFinite(vector) {
            return skip(name)
        }
        next.step += 1
        return FirstOrderStepOutcome(parameters: theta, state: next, report: report)
    }

    /// Nesterov: the point θ_t = Θ_t − μ_t·v_t that [SMDH'13] eq. 4 iterates, from the look-ahead
    /// parameters Θ_t that `step` holds. Equal to `parameters` before the first update.
    public static func nesterovAnchor<S: BLASScalar>(parameters: [S], state: FirstOrderState<S>,
                                                     config: FirstOrderConfig) -> [S] {
        precondition(state.method == .nesterov && config.method == .nesterov, "nesterovAnchor needs a Nesterov state")
        precondition(state.velocity.count == parameters.count,
                     "velocity has \(state.velocity.count) entries, θ has \(parameters.count)")
        var anchor = parameters
        let mu = MomentumSchedule(config: config).momentum(atStep: state.step)
        Vec.axpy(S(-mu), state.velocity, &anchor)
        return anchor
    }
}
