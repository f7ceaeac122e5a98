import FirstOrder
import Foundation
import Linalg
import Testing

/// Each rule against steps worked out by hand (the arithmetic is in the comments), in Double.
@Suite struct UpdateRuleTests {
    static func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-14) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    static func step(_ theta: [Double], _ gradient: [Double], _ state: FirstOrderState<Double>,
                     _ config: FirstOrderConfig) -> FirstOrderStepOutcome<Double> {
        FirstOrderOptimizer.step(parameters: theta, gradient: gradient, state: state, config: config)
    }

    static func sgd(clip: Double?) -> FirstOrderConfig {
        var config = FirstOrderConfig(method: .sgd)
        config.learningRate = 0.1
        config.gradientClipThreshold = clip
        return config
    }

    @Test func sgdBelowTheClippingThreshold() {
        // ‖(0.3, −0.4, 0)‖ = 0.5 < 1: θ − 0.1·g = (1 − 0.03, −2 + 0.04, 0.5).
        let state = FirstOrderState<Double>(parameterCount: 3, method: .sgd)
        let outcome = Self.step([1, -2, 0.5], [0.3, -0.4, 0], state, Self.sgd(clip: 1))
        #expect(Self.close(outcome.parameters, [0.97, -1.96, 0.5]))
        #expect(!outcome.report.clipped && outcome.report.clipFactor == 1)
        #expect(abs(outcome.report.gradientNorm - 0.5) < 1e-15)
        #expect(outcome.report.learningRate == 0.1 && outcome.report.momentum == nil && outcome.report.applied)
        #expect(outcome.state.step == 1 && outcome.report.iteration == 1 && outcome.report.scheduleStep == 0)
    }

    @Test func sgdAboveTheClippingThreshold() {
        // ‖(3, −4, 0)‖ = 5 > 1: ĝ = g/5 = (0.6, −0.8, 0); θ − 0.1·ĝ = (0.94, −1.92, 0.5).
        let state = FirstOrderState<Double>(parameterCount: 3, method: .sgd)
        let clipped = Self.step([1, -2, 0.5], [3, -4, 0], state, Self.sgd(clip: 1))
        #expect(Self.close(clipped.parameters, [0.94, -1.92, 0.5]))
        #expect(clipped.report.clipped && abs(clipped.report.clipFactor - 0.2) < 1e-15)
        #expect(abs(clipped.report.gradientNorm - 5) < 1e-14)
        // Clipping off: the full step θ − 0.1·g = (0.7, −1.6, 0.5).
        let unclipped = Self.step([1, -2, 0.5], [3, -4, 0], state, Self.sgd(clip: nil))
        #expect(Self.close(unclipped.parameters, [0.7, -1.6, 0.5]))
        #expect(!unclipped.report.clipped && unclipped.report.clipFactor == 1)
    }

    @Test func clippingAlsoAppliesToNesterovAndAdam() {
        // First Nesterov step from v = 0 with μ₀ = μ₁ = 0.9: Θ − (1 + 0.9)·0.1·ĝ; ĝ = (0.6, −0.8).
        var nesterov = FirstOrderConfig(method: .nesterov)
        nesterov.learningRate = 0.1
        nesterov.momentumSchedule = .constant
        nesterov.maximumMomentum = 0.9
        nesterov.gradientClipThreshold = 1
        let state = FirstOrderState<Double>(parameterCount: 2, config: nesterov)
        let outcome = Self.step([0, 0], [3, -4], state, nesterov)
        #expect(Self.close(outcome.parameters, [-0.114, 0.152]))
        #expect(Self.close(outcome.state.velocity, [-0.06, 0.08]))
        #expect(outcome.report.clipped)
        // Adam is invariant to a positive rescaling of its first gradient (up to ε), so the clipped
        // step equals the unclipped one, but the moments are those of ĝ = g/5.
        var adam = FirstOrderConfig(method: .adam)
        adam.gradientClipThreshold = 1
        let adamState = FirstOrderState<Double>(parameterCount: 2, config: adam)
        let adamOutcome = Self.step([0, 0], [3, -4], adamState, adam)
        #expect(Self.close(adamOutcome.state.firstMoment, [0.06, -0.08]))
        #expect(Self.close(adamOutcome.state.secondMoment, [0.00036, 0.00064], 1e-18))
    }

    @Test func nesterovTwoStepsByHand() {
        // f(θ) = ½(θ₁² + 2θ₂²), ∇f = (θ₁, 2θ₂); ε = 0.1; μ₀ = 0.5 (one warmup step), then μ = 0.9.
        var config = FirstOrderConfig(method: .nesterov)
        config.learningRate = 0.1
        config.momentumSchedule = .warmup
        config.momentumWarmupSteps = 1
        config.warmupMomentum = 0.5
        config.maximumMomentum = 0.9
        let state0 = FirstOrderState<Double>(parameterCount: 2, config: config)
        // Step 0 at Θ₀ = (1, −2): g = (1, −4); v₁ = 0.5·0 − 0.1·g = (−0.1, 0.4);
        // Θ₁ = Θ₀ + μ₁·v₁ − 0.1·g = (1 − 0.09 − 0.1, −2 + 0.36 + 0.4) = (0.81, −1.24).
        let first = Self.step([1, -2], [1, -4], state0, config)
        #expect(first.report.momentum == 0.5)
        #expect(Self.close(first.state.velocity, [-0.1, 0.4]))
        #expect(Self.close(first.parameters, [0.81, -1.24]))
        // Step 1 at Θ₁: g = (0.81, −2.48); v₂ = 0.9·v₁ − 0.1·g = (−0.171, 0.608);
        // Θ₂ = Θ₁ + 0.9·v₂ − 0.1·g = (0.81 − 0.1539 − 0.081, −1.24 + 0.5472 + 0.248) = (0.5751, −0.4448).
        let second = Self.step(first.parameters, [0.81, -2.48], first.state, config)
        #expect(second.report.momentum == 0.9 && second.report.scheduleStep == 1)
        #expect(Self.close(second.state.velocity, [-0.171, 0.608]))
        #expect(Self.close(second.parameters, [0.5751, -0.4448]))
        // In SMDH'13's own variables θ₂ = θ₀ + v₁ + v₂ = (0.729, −0.992) = Θ₂ − μ₂·v₂.
        let anchor = FirstOrderOptimizer.nesterovAnchor(parameters: second.parameters, state: second.state, config: config)
        #expect(Self.close(anchor, [0.729, -0.992]))
    }

    @Test func nesterovMatchesTheLookAheadFormOfSMDH13() {
        // SMDH'13 eq. 3–4 written directly (gradient at θ + μv) on f(θ) = ½Σ aᵢθᵢ², with the
        // raising schedule on a short period so μ changes during the run.
        var config = FirstOrderConfig(method: .nesterov)
        config.learningRate = 0.05
        config.momentumSchedule = .raising
        config.momentumRaisePeriod = 3
        let curvature = [1.0, 3.0, 0.2]
        func gradient(_ p: [Double]) -> [Double] { zip(curvature, p).map { $0 * $1 } }
        let schedule = MomentumSchedule(config: config)

        var theta = [1.0, -1.0, 2.0], velocity = [0.0, 0.0, 0.0]
        var lookAhead = theta
        var state = FirstOrderState<Double>(parameterCount: 3, config: config)
        var worst = 0.0
        for t in 0..<40 {
            let mu = schedule.momentum(atStep: t)
            let g = gradient(zip(theta, velocity).map { $0 + mu * $1 })
            velocity = zip(velocity, g).map { mu * $0 - 0.05 * $1 }
            theta = zip(theta, velocity).map { $0 + $1 }
            let outcome = Self.step(lookAhead, gradient(lookAhead), state, config)
            lookAhead = outcome.parameters
            state = outcome.state
            let anchor = FirstOrderOptimizer.nesterovAnchor(parameters: lookAhead, state: state, config: config)
            for i in 0..<3 { worst = max(worst, abs(anchor[i] - theta[i]), abs(state.velocity[i] - velocity[i])) }
        }
        #expect(worst < 1e-12, "largest difference from SMDH'13 eq. 3–4: \(worst)")
        #expect(MomentumSchedule(config: config).momentum(atStep: 39) > 0.9)  // the schedule did move
    }

    @Test func adamBiasCorrectionAtTheFirstTwoSteps() {
        // α = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
        let config = FirstOrderConfig(method: .adam)
        let state0 = FirstOrderState<Double>(parameterCount: 2, config: config)
        // k = 1, g = (0.5, −0.1): m = 0.1·g = (0.05, −0.01), v = 0.001·g² = (0.00025, 0.00001);
        // m̂ = m/0.1 = g, √v̂ = √(v/0.001) = |g|: the first step is α·g/(|g| + ε) per coordinate,
        // (0.001/(1 + 2e-8), −0.001/(1 + 1e-7)) = (0.00099999998, −0.0009999999).
        let first = Self.step([1, -2], [0.5, -0.1], state0, config)
        #expect(Self.close(first.state.firstMoment, [0.05, -0.01], 1e-16))
        #expect(Self.close(first.state.secondMoment, [0.00025, 0.00001], 1e-17))
        #expect(Self.close(first.parameters, [0.99900000002, -1.9990000001]))
        // k = 2, g = (−0.5, −0.1): m = 0.9·m + 0.1·g = (−0.005, −0.019);
        // v = 0.999·v + 0.001·g² = (0.00049975, 0.00001999); corrections 1 − 0.81 = 0.19,
        // 1 − 0.998001 = 0.001999; m̂ = (−0.005/0.19, −0.1), √v̂ = (0.5, 0.1);
        // θ₁ − α·m̂/(√v̂ + ε) = (0.99900000002 + 0.001·0.0263157894736842/0.50000001,
        //                        −1.9990000001 + 0.001·0.1/0.10000001) = (0.99905263159789, −1.9980000002).
        let second = Self.step(first.parameters, [-0.5, -0.1], first.state, config)
        #expect(Self.close(second.state.firstMoment, [-0.005, -0.019], 1e-16))
        #expect(Self.close(second.state.secondMoment, [0.00049975, 0.00001999], 1e-17))
        #expect(Self.close(second.parameters, [0.99905263159789, -1.9980000002], 1e-13))
        #expect(second.state.step == 2 && second.report.momentum == nil)
    }

    @Test func nonFiniteGradientSkipsTheUpdate() {
        for method in FirstOrderMethod.allCases {
            let config = FirstOrderConfig(method: method)
            let state = FirstOrderState<Float>(parameterCount: 3, config: config)
            let outcome = FirstOrderOptimizer.step(parameters: [1, 2, 3], gradient: [0.1, .nan, 0.2], state: state, config: config)
            #expect(outcome.parameters == [1, 2, 3])
            #expect(outcome.report.decision == .nonFinite("gradient"))
            #expect(outcome.report.reason == "skipped: non-finite value in gradient")
            #expect(outcome.state.step == 0 && outcome.state.skippedSteps == 1)
            var expected = state
            expected.skippedSteps = 1
            #expect(outcome.state == expected)
            // The next call is numbered after the skipped one but still uses schedule position 0.
            let next = FirstOrderOptimizer.step(parameters: outcome.parameters, gradient: [0.1, 0.1, 0.1],
                                                state: outcome.state, config: config)
            #expect(next.report.iteration == 2 && next.report.scheduleStep == 0 && next.report.applied)
        }
    }

    @Test func overflowingUpdateIsSkipped() {
        var config = FirstOrderConfig(method: .sgd)
        config.gradientClipThreshold = nil
        config.learningRate = 1e30
        let state = FirstOrderState<Float>(parameterCount: 2, config: config)
        let outcome = FirstOrderOptimizer.step(parameters: [1, 1], gradient: [1e20, 1], state: state, config: config)
        #expect(outcome.parameters == [1, 1])
        #expect(outcome.report.decision == .nonFinite("parameters after the update"))
        #expect(outcome.state.step == 0 && outcome.state.skippedSteps == 1)
    }
}
