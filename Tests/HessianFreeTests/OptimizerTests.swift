import Foundation
import HessianFree
import Linalg
import Testing

private func initialState(_ objective: GLMObjective, _ config: HFConfig) -> HFState<Double> {
    HFState(parameterCount: objective.parameterCount, config: config)
}

/// Runs `count` HF iterations with one objective in all four roles.
private func run(_ objective: GLMObjective, config: HFConfig, steps count: Int)
    -> (theta: [Double], state: HFState<Double>, reports: [HFStepReport]) {
    var theta = [Double](repeating: 0, count: objective.parameterCount)
    var state = initialState(objective, config)
    var reports: [HFStepReport] = []
    for _ in 0..<count {
        let outcome = HessianFreeOptimizer.step(parameters: theta, state: state,
                                                batches: HFBatches(single: objective), config: config)
        theta = outcome.parameters
        state = outcome.state
        reports.append(outcome.report)
    }
    return (theta, state, reports)
}

@Suite struct OptimizerTests {
    @Test func oneStepDecreasesTheLoss() {
        let objective = makeGLM(.logistic)
        let config = HFConfig()
        let theta0 = [Double](repeating: 0, count: objective.parameterCount)
        let outcome = HessianFreeOptimizer.step(parameters: theta0, state: initialState(objective, config),
                                                batches: HFBatches(single: objective), config: config)
        let report = outcome.report
        #expect(report.accepted && report.decision == .accepted)
        #expect(report.stepSize > 0)
        #expect(report.cgIterations > 0)
        #expect(report.lambdaUsed == 0.01)
        // Loss measured independently of the solver.
        let before = objective.regularised(at: theta0, weightCost: config.weightCost).loss
        let after = objective.regularised(at: outcome.parameters, weightCost: config.weightCost).loss
        #expect(after < before - 0.05)
        #expect(abs(report.lossBefore - before) < 1e-12 && abs(report.lossAfter - after) < 1e-12)
        // State bookkeeping.
        #expect(outcome.state.iteration == 1)
        #expect(outcome.state.totalCGIterations == report.cgIterations)
        #expect(outcome.state.rejectedSteps == 0)
        #expect(outcome.state.warmStart != theta0)  // the final CG iterate
        #expect(outcome.state.lambda == report.lambdaNext)
    }

    @Test(arguments: [false, true])
    func severalStepsConverge(preconditioned: Bool) {
        let objective = makeGLM(.logistic)
        var config = HFConfig()
        config.usePreconditioner = preconditioned
        let (theta, state, reports) = run(objective, config: config, steps: 12)
        let gradient = objective.regularised(at: theta, weightCost: config.weightCost).gradient
        #expect(norm(gradient) < 1e-8)
        // Every step away from the optimum is accepted. At the optimum the loss change is below
        // rounding, and whether the line search sees a decrease depends on the BLAS kernels the
        // machine picks, so a rejected step (θ unchanged) is allowed there.
        #expect(reports.allSatisfy { $0.accepted || $0.gradientNorm < 1e-6 })
        // Loss never goes up on an accepted step.
        for report in reports { #expect(report.lossAfter <= report.lossBefore) }
        #expect(state.iteration == 12)
    }

    @Test func quadraticObjectiveGivesRhoOneAndLambdaDrops() {
        // For least squares the undamped model is exact, so ρ = 1 up to round-off even though the
        // structural term (which only enters CG's matrix) is non-zero.
        let objective = makeGLM(.linear)
        let config = HFConfig()
        let (_, _, reports) = run(objective, config: config, steps: 1)
        let report = reports[0]
        #expect(abs(report.rho - 1) < 1e-9)
        #expect(report.lambdaNext == 0.01 * (2.0 / 3.0))
        #expect(report.predictedReduction < 0)
    }

    @Test func dampedRhoDenominatorIsSmallerInMagnitude() {
        // With the damped model (ISC), q(δ) − q(0) includes λ‖δ‖² and the structural term, so it
        // predicts less decrease than actually happens on a quadratic: ρ > 1.
        let objective = makeGLM(.linear)
        var config = HFConfig()
        config.rhoUsesDampedModel = true
        config.initialLambda = 0.5
        let report = run(objective, config: config, steps: 1).reports[0]
        #expect(report.rho > 1.01)
        #expect(report.accepted)
    }

    @Test func curvatureProductsUseLambdaMuInCGAndZeroForUndampedRho() {
        let objective = makeGLM(.logistic)
        var config = HFConfig()
        config.initialLambda = 0.2
        let report = run(objective, config: config, steps: 1).reports[0]
        let seen = objective.structuralWeightsSeen
        #expect(seen.count == report.cgIterations + 1)  // CG products (x0 = 0 needs none) + one for ρ
        #expect(seen.dropLast().allSatisfy { $0 == 0.2 * 0.03 })
        #expect(seen.last == 0)
    }

    @Test func structuralDampingOffPassesZero() {
        let objective = makeGLM(.logistic)
        var config = HFConfig()
        config.structuralDampingWeight = 0
        _ = run(objective, config: config, steps: 1)
        #expect(objective.structuralWeightsSeen.allSatisfy { $0 == 0 })
    }

    @Test func separateBatchObjectsGiveTheSameStepAsOneObject() {
        // Four objects over the same data exercise the code paths that recompute losses the shared
        // object reuses; the outcome must be identical.
        let shared = makeGLM(.logistic)
        let config = HFConfig()
        var state = initialState(shared, config)
        state.warmStart = [0.3, -0.2, 0.1, 0, 0.5]
        let theta = [0.1, 0.2, -0.1, 0.05, 0]
        let one = HessianFreeOptimizer.step(parameters: theta, state: state, batches: HFBatches(single: shared),
                                            config: config)
        let four = HessianFreeOptimizer.step(
            parameters: theta, state: state,
            batches: HFBatches(gradient: shared.copy(), curvature: shared.copy(), backtracking: shared.copy(),
                               lineSearch: shared.copy()),
            config: config)
        #expect(one.parameters == four.parameters)
        #expect(one.state == four.state)
        #expect(one.report == four.report)
        #expect(one.parameters != theta)
    }

    @Test func warmStartContinuesFromDecayedFinalIterate() {
        // Starting CG from the exact Newton-like step of a previous solve should need fewer iterations.
        let objective = makeGLM(.linear)
        var config = HFConfig()
        config.cgWarmStartDecay = 1
        let first = HessianFreeOptimizer.step(parameters: [0, 0, 0, 0, 0],
                                              state: initialState(objective, config),
                                              batches: HFBatches(single: objective), config: config)
        var restarted = first.state
        restarted.lambda = first.report.lambdaUsed
        let again = HessianFreeOptimizer.step(parameters: [0, 0, 0, 0, 0], state: restarted,
                                              batches: HFBatches(single: objective), config: config)
        #expect(again.report.cgIterations < first.report.cgIterations)
    }

    @Test func nanCurvatureRejectsStepAndRaisesLambda() {
        let objective = makeGLM(.logistic)
        objective.poison = .curvatureNaN
        let config = HFConfig()
        var state = initialState(objective, config)
        state.warmStart = [1, 1, 1, 1, 1]
        let theta = [0.5, -0.5, 0.25, 0, 1]
        let outcome = HessianFreeOptimizer.step(parameters: theta, state: state,
                                                batches: HFBatches(single: objective), config: config)
        #expect(outcome.parameters == theta)
        #expect(outcome.state.lambda == 0.01 * 1.5)
        #expect(outcome.state.warmStart == [0, 0, 0, 0, 0])
        #expect(outcome.state.rejectedSteps == 1 && outcome.state.nonFiniteSteps == 1)
        #expect(outcome.state.iteration == 1)
        #expect(!outcome.report.accepted && outcome.report.stepSize == 0)
        guard case let .nonFinite(what) = outcome.report.decision else {
            Issue.record("expected a non-finite rejection, got \(outcome.report.decision.reason)")
            return
        }
        #expect(what.contains("conjugate gradient"))
        if case .nonFinite = outcome.report.cgTermination {} else { Issue.record("CG should report nonFinite") }
    }

    @Test func nanLossRejectsStepAndRaisesLambda() {
        let objective = makeGLM(.linear)
        objective.poison = .lossNaN
        let config = HFConfig()
        let theta = [1.0, 2, 3, 4, 5]
        let outcome = HessianFreeOptimizer.step(parameters: theta, state: initialState(objective, config),
                                                batches: HFBatches(single: objective), config: config)
        #expect(outcome.parameters == theta)
        #expect(outcome.state.lambda == 0.015)
        #expect(outcome.report.decision == .nonFinite("the loss on the gradient batch"))
        #expect(outcome.report.cgTermination == nil)
    }

    @Test func failedLineSearchRejectsStepAndResetsWarmStart() {
        // The line-search batch has its minimum exactly at θ (targets = its own predictions), so
        // every step along δ increases its loss and no α passes the Armijo test.
        let objective = makeGLM(.linear)
        let theta = [0.2, -0.1, 0.3, 0.0, 0.1]
        let atTheta = objective.withTargets(objective.features.map { dot($0, theta) })
        var config = HFConfig()
        config.weightCost = 0
        let outcome = HessianFreeOptimizer.step(
            parameters: theta, state: initialState(objective, config),
            batches: HFBatches(gradient: objective, curvature: objective, backtracking: objective, lineSearch: atTheta),
            config: config)
        #expect(outcome.report.decision == .lineSearchFailed)
        #expect(outcome.report.lineSearchTries == config.lineSearchMaxTries)
        #expect(outcome.parameters == theta)
        #expect(outcome.state.warmStart == [0, 0, 0, 0, 0])
        #expect(outcome.state.rejectedSteps == 1 && outcome.state.nonFiniteSteps == 0)
        // λ follows ρ (≈ 1 on the consistent curvature batch), not the non-finite rule.
        #expect(outcome.state.lambda == 0.01 * (2.0 / 3.0))
        #expect(outcome.report.lossAfter == outcome.report.lossBefore)
    }

    @Test func floatObjectiveTakesAStep() {
        // The training precision: a Float least-squares objective wrapping the Double toy.
        final class FloatWrapper: HFObjective {
            let inner: GLMObjective
            init(_ inner: GLMObjective) { self.inner = inner }
            var parameterCount: Int { inner.parameterCount }
            private func d(_ v: [Float]) -> [Double] { v.map(Double.init) }
            func loss(at parameters: [Float]) -> Float { Float(inner.loss(at: d(parameters))) }
            func lossAndGradient(at parameters: [Float], gradient: inout [Float]) -> Float {
                var g = [Double](repeating: 0, count: parameterCount)
                let f = inner.lossAndGradient(at: d(parameters), gradient: &g)
                gradient = g.map(Float.init)
                return Float(f)
            }
            func lossGradientAndFisherDiagonal(at parameters: [Float], gradient: inout [Float],
                                               fisherDiagonal: inout [Float]) -> Float {
                var g = [Double](repeating: 0, count: parameterCount), fd = g
                let f = inner.lossGradientAndFisherDiagonal(at: d(parameters), gradient: &g, fisherDiagonal: &fd)
                gradient = g.map(Float.init)
                fisherDiagonal = fd.map(Float.init)
                return Float(f)
            }
            func bindCurvature(at parameters: [Float]) -> Float { Float(inner.bindCurvature(at: d(parameters))) }
            func curvatureProduct(_ v: [Float], into out: inout [Float], structuralWeight: Float) {
                var o = [Double](repeating: 0, count: parameterCount)
                inner.curvatureProduct(d(v), into: &o, structuralWeight: Double(structuralWeight))
                out = o.map(Float.init)
            }
        }
        let objective = FloatWrapper(makeGLM(.logistic))
        let config = HFConfig()
        let theta = [Float](repeating: 0, count: objective.parameterCount)
        let outcome = HessianFreeOptimizer.step(
            parameters: theta,
            state: HFState(parameterCount: objective.parameterCount, config: config),
            batches: HFBatches(single: objective), config: config)
        #expect(outcome.report.accepted)
        #expect(objective.loss(at: outcome.parameters) < objective.loss(at: theta))
    }
}

@Suite struct OptimizerBatchRoleTests {
    /// Ill-conditioned 30-parameter least squares: CG iterates differ substantially from each other.
    private func illConditioned() -> GLMObjective {
        let base = makeGLM(.linear, cases: 60, dimension: 30, seed: 11)
        let scaled = base.features.map { row in row.enumerated().map { $1 * pow(0.8, Double($0)) } }
        return GLMObjective(link: .linear, features: scaled, targets: base.targets, structure: base.structure)
    }

    @Test func backtrackingBatchChoosesStepButWarmStartIsFinalIterateAndRhoUsesCurvatureBatch() {
        let main = illConditioned()
        let theta = [Double](repeating: 0, count: main.parameterCount)
        // The backtracking batch has the opposite targets, so it prefers the earliest iterates: from
        // x0 = 0, CG increases bᵀx_i = yᵀF x_i / N and x_iᵀA x_i = bᵀx_i monotonically, and both raise
        // its loss ½‖F x + y‖²/N. CG is cut at 12 iterations, while the iterates still differ.
        let backtracking = main.withTargets(main.targets.map { -$0 })
        var config = HFConfig()
        config.cgMaxIterations = 12
        let state = HFState<Double>(parameterCount: main.parameterCount, config: config)
        let outcome = HessianFreeOptimizer.step(
            parameters: theta, state: state,
            batches: HFBatches(gradient: main, curvature: main, backtracking: backtracking, lineSearch: main),
            config: config)
        let report = outcome.report

        // Reproduce CG independently with the same damped operator and right-hand side.
        let reference = main.copy()
        _ = reference.bindCurvature(at: theta)
        let g = reference.regularised(at: theta, weightCost: config.weightCost).gradient
        let op = DampedCurvatureOperator(objective: reference, structuralWeight: 0.01 * 0.03,
                                         diagonalShift: 0.01 + config.weightCost)
        let cg = ConjugateGradient.solve(operator: op, rhs: g.map { -$0 }, initial: theta, preconditioner: nil,
                                         config: config)
        #expect(report.cgIterations == cg.iterations)
        #expect(report.cgTermination == cg.termination)
        guard let chosenIteration = report.backtrackIteration,
              let chosen = cg.snapshots.first(where: { $0.iteration == chosenIteration }) else {
            Issue.record("no backtracking choice reported")
            return
        }
        #expect(chosenIteration == 5)  // the earliest snapshot, not the final iterate
        #expect(outcome.state.warmStart == cg.x)  // …but the warm start is the final iterate

        // ρ's numerator is measured on the curvature batch at θ + δ.
        let fBefore = main.regularised(at: theta, weightCost: config.weightCost).loss
        let thetaPlusDelta = zip(theta, chosen.x).map { $0 + $1 }
        let fAfter = main.regularised(at: thetaPlusDelta, weightCost: config.weightCost).loss
        #expect(abs(report.actualReduction - (fAfter - fBefore)) < 1e-12)
        // And the parameters moved along the chosen iterate.
        #expect(report.accepted)
        for j in 0..<theta.count {
            #expect(abs(outcome.parameters[j] - (theta[j] + report.stepSize * chosen.x[j])) < 1e-15)
        }
    }

    @Test func objectiveGoingUpOnCurvatureBatchGivesRhoMinusInfinity() {
        // The curvature batch has the opposite targets (same features, so the same G): the step that
        // helps the gradient batch raises its loss, so ρ = −∞ and λ grows; the line search (on the
        // gradient batch's data) still accepts the step.
        let main = makeGLM(.linear)
        let opposite = main.withTargets(main.targets.map { -$0 })
        let config = HFConfig()
        let outcome = HessianFreeOptimizer.step(
            parameters: [Double](repeating: 0, count: main.parameterCount),
            state: HFState(parameterCount: main.parameterCount, config: config),
            batches: HFBatches(gradient: main, curvature: opposite, backtracking: main, lineSearch: main),
            config: config)
        #expect(outcome.report.actualReduction > 0)
        #expect(outcome.report.rho == -Double.infinity)
        #expect(outcome.state.lambda == 0.01 * 1.5)
        #expect(outcome.report.accepted)
    }

    @Test func cgStartsFromDecayedWarmStart() {
        let objective = makeGLM(.linear, cases: 60, dimension: 30, seed: 11)
        let n = objective.parameterCount
        var config = HFConfig()
        config.cgMaxIterations = 8  // stop early so the starting point matters
        var state = HFState<Double>(parameterCount: n, config: config)
        var rng = SeededGenerator(seed: 77)
        state.warmStart = (0..<n).map { _ in 0.1 * rng.nextGaussian() }
        let theta = [Double](repeating: 0, count: n)
        let outcome = HessianFreeOptimizer.step(parameters: theta, state: state,
                                                batches: HFBatches(single: objective), config: config)

        let reference = objective.copy()
        _ = reference.bindCurvature(at: theta)
        let g = reference.regularised(at: theta, weightCost: config.weightCost).gradient
        let op = DampedCurvatureOperator(objective: reference, structuralWeight: 0.01 * 0.03,
                                         diagonalShift: 0.01 + config.weightCost)
        let x0 = state.warmStart.map { 0.95 * $0 }
        let cg = ConjugateGradient.solve(operator: op, rhs: g.map { -$0 }, initial: x0, preconditioner: nil,
                                         config: config)
        #expect(outcome.state.warmStart == cg.x)
        #expect(outcome.report.cgIterations == 8)
    }

    /// With the preconditioner on, CG runs with M = (Fisher diagonal + λ + weightCost)^0.75 of the
    /// gradient batch: the same few CG steps with M built here give the same iterate, bit for bit,
    /// and other exponents or shifts do not.
    @Test func preconditionedCGUsesTheShiftedFisherDiagonal() {
        let objective = makeGLM(.logistic, cases: 60, dimension: 30, seed: 12)
        let n = objective.parameterCount
        var config = HFConfig()
        config.usePreconditioner = true
        config.cgMaxIterations = 3  // few steps, so that M shapes the iterate
        #expect(config.preconditionerExponent == 0.75)
        var rng = SeededGenerator(seed: 5)
        let theta = (0..<n).map { _ in 0.3 * rng.nextGaussian() }
        let outcome = HessianFreeOptimizer.step(parameters: theta, state: HFState(parameterCount: n, config: config),
                                                batches: HFBatches(single: objective), config: config)

        let reference = objective.copy()
        var g = [Double](repeating: 0, count: n), fisher = g
        _ = reference.lossGradientAndFisherDiagonal(at: theta, gradient: &g, fisherDiagonal: &fisher)
        for k in 0..<n { g[k] += config.weightCost * theta[k] }
        _ = reference.bindCurvature(at: theta)
        let lambda = config.initialLambda
        let op = DampedCurvatureOperator(objective: reference, structuralWeight: lambda * config.structuralDampingWeight,
                                         diagonalShift: lambda + config.weightCost)
        func iterate(exponent: Double, shift: Double) -> [Double] {
            let m = fisher.map { Foundation.pow($0 + shift, exponent) }
            return ConjugateGradient.solve(operator: op, rhs: g.map { -$0 }, initial: [Double](repeating: 0, count: n),
                                           preconditioner: m, config: config).x
        }
        #expect(outcome.state.warmStart == iterate(exponent: 0.75, shift: lambda + config.weightCost))
        #expect(outcome.state.warmStart != iterate(exponent: 1, shift: lambda + config.weightCost))
        #expect(outcome.state.warmStart != iterate(exponent: 0.75, shift: 0))
    }
}
