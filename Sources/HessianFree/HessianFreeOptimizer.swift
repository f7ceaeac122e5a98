import Linalg

// One HF iteration, as a pure function (θ, HFState, batches, config) → (θ', HFState', report).
//
// Where the sources disagree, this file follows:
//
// * ρ's denominator: the UNDAMPED model q(δ) − q(0) = gᵀδ + ½δᵀ(G + weightCost·I)δ by default
//   [JMC `autodamp = 0`, BL]; `rhoUsesDampedModel` switches to [ISC]'s damped model
//   (G + (λ + weightCost)I + λμ·structural). Either way ρ is measured on the curvature batch and is
//   −∞ when the objective went up [ISC, JMC].
// * CG-backtracking: [JMC]'s backward walk from the last snapshot at ⌈5·1.3^j⌉, on a separate
//   backtracking batch as in [ISC] (`BT_batches`) rather than [JMC]'s full training set.
// * Line search: [JMC]/M&S'12 Armijo (c = 1e-2, shrink 0.8, ≤ 60 sizes) by default; c = 0 gives
//   [ISC]'s "any decrease", on its own batch [ISC `line_search_batches`]. We never accept a loss increase: the
//   Armijo bound uses min(gᵀδ, 0) (ours; δ is a descent direction whenever CG made progress from 0,
//   but a warm-started CG can in principle return one that is not).
// * α = 0 (line search failed): the step is rejected and the CG warm start reset to zero [ISC];
//   λ still gets the LM update from ρ [ISC, JMC both update λ before the line search].
// * The warm start is the FINAL CG iterate, not the backtracked one, decayed by ζ [JMC, ISC].
// * Non-finite values anywhere (loss, gradient, Fisher diagonal, curvature products, CG, the chosen
//   backtracking loss) reject the step, keep θ, raise λ by `lmIncreaseFactor` and zero the warm
//   start [ours; ISC only treats a NaN ρ as a bad ρ]. A non-finite loss at one line-search trial is
//   just a failed trial. An accepted θ + αδ is therefore always finite: every trial loss includes
//   ½·weightCost·‖θ + αδ‖², which is ∞ or NaN (0·∞, when weightCost = 0) for any non-finite entry.
// * L2: f, ∇f and every curvature product include the weight cost [ISC demo, M'10]; the objective
//   supplies the data term only.

/// The four minibatch objectives one HF iteration uses. They may be the same object; the optimizer
/// then reuses loss values it already has instead of recomputing them.
public struct HFBatches<Objective: HFObjective> {
    /// Loss and gradient (and the Fisher diagonal when preconditioning) [ISC: 10 × 1000 sequences].
    public var gradient: Objective
    /// Curvature products for CG and ρ [ISC: 1000 sequences].
    public var curvature: Objective
    /// Choosing the backtracking iterate [ISC `BT_batches`].
    public var backtracking: Objective
    /// The Armijo line search [ISC `line_search_batches`].
    public var lineSearch: Objective

    public init(gradient: Objective, curvature: Objective, backtracking: Objective, lineSearch: Objective) {
        self.gradient = gradient
        self.curvature = curvature
        self.backtracking = backtracking
        self.lineSearch = lineSearch
    }

    /// All four roles played by one objective (full-batch HF).
    public init(single objective: Objective) {
        self.init(gradient: objective, curvature: objective, backtracking: objective, lineSearch: objective)
    }
}

public enum HessianFreeOptimizer {
    /// One Hessian-free iteration [M'10, M&S'11]:
    ///
    /// 1. g = ∇f(θ) + weightCost·θ on the gradient batch (with the Fisher diagonal if preconditioning);
    /// 2. bind the curvature batch at θ; A v = G v + λμ·J_tᵀD''J_t v + (λ + weightCost)·v;
    /// 3. optional preconditioner M = (Fisher diagonal + λ + weightCost)^exponent;
    /// 4. CG on A x = −g from ζ·warmStart; the final iterate becomes the next warm start;
    /// 5. CG-backtracking over the snapshots on the backtracking batch → δ;
    /// 6. ρ = [f(θ+δ) − f(θ)] / [q(δ) − q(0)] on the curvature batch (one extra curvature product);
    /// 7. Levenberg–Marquardt update of λ from ρ;
    /// 8. Armijo line search along δ on the line-search batch; α = 0 rejects the step.
    ///
    /// f always includes ½·weightCost·‖θ‖². The function only reads its inputs; the objectives'
    /// work buffers and curvature binding are the only side effects. See the comment at the top of
    /// this file for where it follows [JMC] and where [ISC].
    /// - Note: when the curvature objective also plays another role, `loss(at:)` is called on it
    ///   between `bindCurvature` and the last `curvatureProduct` (the one for ρ), so evaluating the
    ///   loss must not disturb the bound point, as the `HFObjective` contract says.
    /// - Precondition: `config` is valid, and every objective and `state.warmStart` have
    ///   `parameters.count` entries.
    public static func step<O: HFObjective>(parameters theta: [O.Scalar], state: HFState<O.Scalar>,
                                            batches: HFBatches<O>, config: HFConfig) -> HFStepOutcome<O.Scalar> {
        typealias S = O.Scalar
        if let error = config.issue { preconditionFailure("HessianFreeOptimizer.step: invalid HFConfig: \(error)") }
        let n = theta.count
        for (role, objective) in [("gradient", batches.gradient), ("curvature", batches.curvature),
                                  ("backtracking", batches.backtracking), ("lineSearch", batches.lineSearch)] {
            precondition(objective.parameterCount == n,
                         "\(role) objective has \(objective.parameterCount) parameters, θ has \(n)")
        }
        precondition(state.warmStart.count == n, "warm start has \(state.warmStart.count) entries, θ has \(n)")

        let damping = LevenbergMarquardt(config: config)
        let lambda = state.lambda
        let weightCost = config.weightCost
        var report = HFStepReport(iteration: state.iteration + 1, lambdaUsed: lambda)
        var cgIterations = 0

        /// f(p) = data loss + ½·weightCost·‖p‖².
        func regularisedLoss(_ objective: O, at p: [S]) -> Double {
            Double(objective.loss(at: p)) + weightCostPenalty(p, weightCost: weightCost)
        }
        /// Rejects the step after a non-finite value: θ kept, λ raised, warm start zeroed.
        func rejectNonFinite(_ what: String) -> HFStepOutcome<S> {
            var next = state
            next.lambda = damping.increased(lambda)
            next.warmStart = [S](repeating: 0, count: n)
            next.iteration += 1
            next.totalCGIterations += cgIterations
            next.rejectedSteps += 1
            next.nonFiniteSteps += 1
            report.lambdaNext = next.lambda
            report.stepSize = 0
            report.lossAfter = report.lossBefore
            report.decision = .nonFinite(what)
            return HFStepOutcome(parameters: theta, state: next, report: report)
        }

        // 1. Gradient (and Fisher diagonal) on the gradient batch.
        let l2AtTheta = weightCostPenalty(theta, weightCost: weightCost)
        var g = [S](repeating: 0, count: n)
        var fisher = [S]()
        let rawGradientLoss: S
        if config.usePreconditioner {
            fisher = [S](repeating: 0, count: n)
            rawGradientLoss = batches.gradient.lossGradientAndFisherDiagonal(at: theta, gradient: &g, fisherDiagonal: &fisher)
        } else {
            rawGradientLoss = batches.gradient.lossAndGradient(at: theta, gradient: &g)
        }
        let gradientLoss = Double(rawGradientLoss) + l2AtTheta
        report.gradientLoss = gradientLoss
        report.gradientDataLoss = Double(rawGradientLoss)
        guard gradientLoss.isFinite else { return rejectNonFinite("the loss on the gradient batch") }
        Vec.axpy(S(weightCost), theta, &g)
        guard Vec.isFinite(g) else { return rejectNonFinite("the gradient") }
        report.gradientNorm = Double(Vec.norm(g))

        // 2. Curvature at θ.
        let curvatureLoss = Double(batches.curvature.bindCurvature(at: theta)) + l2AtTheta
        guard curvatureLoss.isFinite else { return rejectNonFinite("the loss on the curvature batch") }
        let system = DampedCurvatureOperator.dampedSystem(objective: batches.curvature, lambda: lambda,
                                                          mu: config.structuralDampingWeight, weightCost: weightCost)

        // 3. Preconditioner M = (Fisher diagonal + λ + weightCost)^exponent [M'10, JMC].
        var preconditioner: [S]? = nil
        if config.usePreconditioner {
            guard Vec.isFinite(fisher) else { return rejectNonFinite("the Fisher diagonal") }
            let shift = S(lambda + weightCost)
            let exponent = S(config.preconditionerExponent)
            preconditioner = fisher.map { S.pow($0 + shift, exponent) }
        }

        // 4. CG on A x = −g from ζ·(previous final iterate).
        var x0 = state.warmStart
        Vec.scale(S(config.cgWarmStartDecay), &x0)
        var minusG = g
        Vec.scale(-1, &minusG)
        let cg = ConjugateGradient.solve(operator: system, rhs: minusG, initial: x0,
                                         preconditioner: preconditioner, config: config)
        cgIterations = cg.iterations
        report.cgIterations = cg.iterations
        report.cgTermination = cg.termination
        if case .nonFinite = cg.termination { return rejectNonFinite("conjugate gradient (\(cg.termination.reason))") }

        // 5. CG-backtracking on the backtracking batch.
        var trial = theta
        let choice = Backtracking.chooseIterate(cg.snapshots) { x in
            Vec.sum(theta, 1, x, into: &trial)
            return regularisedLoss(batches.backtracking, at: trial)
        }
        report.backtrackIndex = choice.index
        report.backtrackIteration = choice.iteration
        guard choice.loss.isFinite else { return rejectNonFinite("the loss at every backtracking candidate θ + x") }
        let delta = cg.snapshots[choice.index].x

        // 6. ρ on the curvature batch. q(δ) − q(0) = gᵀδ + ½δᵀBδ costs one product with B.
        var bDelta = [S](repeating: 0, count: n)
        if config.rhoUsesDampedModel {
            system.apply(delta, into: &bDelta)
        } else {
            DampedCurvatureOperator.undamped(objective: batches.curvature, weightCost: weightCost).apply(delta, into: &bDelta)
        }
        guard Vec.isFinite(bDelta) else { return rejectNonFinite("the curvature product for ρ") }
        let gDelta = Double(Vec.dot(g, delta))
        let predicted = gDelta + 0.5 * Double(Vec.dot(delta, bDelta))
        let curvatureLossAtStep: Double
        if batches.curvature === batches.backtracking {
            curvatureLossAtStep = choice.loss
        } else {
            Vec.sum(theta, 1, delta, into: &trial)
            curvatureLossAtStep = regularisedLoss(batches.curvature, at: trial)
        }
        guard curvatureLossAtStep.isFinite, predicted.isFinite else {
            return rejectNonFinite("ρ (the loss at θ + δ on the curvature batch, or the model value)")
        }
        let actual = curvatureLossAtStep - curvatureLoss
        let rho = actual > 0 ? -Double.infinity : actual / predicted
        report.actualReduction = actual
        report.predictedReduction = predicted
        report.rho = rho

        // 7. Levenberg–Marquardt.
        let lambdaNext = damping.updatedLambda(lambda, rho: rho)
        report.lambdaNext = lambdaNext

        // 8. Armijo line search along δ on the line-search batch.
        let lineSearchLoss: Double
        if batches.lineSearch === batches.gradient {
            lineSearchLoss = gradientLoss
        } else if batches.lineSearch === batches.curvature {
            lineSearchLoss = curvatureLoss
        } else {
            lineSearchLoss = regularisedLoss(batches.lineSearch, at: theta)
        }
        report.lossBefore = lineSearchLoss
        guard lineSearchLoss.isFinite else { return rejectNonFinite("the loss on the line-search batch") }
        let knownLossAtStep: Double? = batches.lineSearch === batches.backtracking ? choice.loss
            : batches.lineSearch === batches.curvature ? curvatureLossAtStep : nil
        let search = LineSearch.armijo(initialLoss: lineSearchLoss, directionalDerivative: min(gDelta, 0),
                                       firstTrialLoss: knownLossAtStep, config: config) { alpha in
            Vec.sum(theta, S(alpha), delta, into: &trial)
            return regularisedLoss(batches.lineSearch, at: trial)
        }
        report.stepSize = search.alpha
        report.lineSearchTries = search.tries
        report.lossAfter = search.loss

        var next = state
        next.lambda = lambdaNext
        next.iteration += 1
        next.totalCGIterations += cg.iterations
        guard search.alpha > 0 else {
            next.warmStart = [S](repeating: 0, count: n)
            next.rejectedSteps += 1
            report.decision = .lineSearchFailed
            return HFStepOutcome(parameters: theta, state: next, report: report)
        }
        next.warmStart = cg.x
        var newTheta = theta
        Vec.axpy(S(search.alpha), delta, &newTheta)
        report.decision = .accepted
        return HFStepOutcome(parameters: newTheta, state: next, report: report)
    }
}
