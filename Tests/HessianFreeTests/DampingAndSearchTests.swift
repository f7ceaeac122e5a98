import HessianFree
import Testing

@Suite struct LevenbergMarquardtTests {
    let rule = LevenbergMarquardt(config: HFConfig())

    @Test func handCheckedRhoValues() {
        #expect(rule.updatedLambda(1, rho: 0.1) == 1.5)
        #expect(rule.updatedLambda(1, rho: 0.5) == 1)
        #expect(rule.updatedLambda(1, rho: 0.9) == 2.0 / 3.0)
        #expect(rule.updatedLambda(1, rho: .nan) == 1.5)
        #expect(rule.updatedLambda(1, rho: -.infinity) == 1.5)
        #expect(rule.updatedLambda(0.01, rho: 0.9) == 0.01 * (2.0 / 3.0))
    }

    @Test func thresholdsThemselvesLeaveLambdaUnchanged() {
        #expect(rule.updatedLambda(2, rho: 0.25) == 2)
        #expect(rule.updatedLambda(2, rho: 0.75) == 2)
    }

    @Test func clampsToSafetyLimits() {
        var config = HFConfig()
        config.minimumLambda = 0.5
        config.maximumLambda = 2
        config.initialLambda = 1
        let clamped = LevenbergMarquardt(config: config)
        #expect(clamped.updatedLambda(1.8, rho: 0) == 2)
        #expect(clamped.updatedLambda(0.6, rho: 1) == 0.5)
        #expect(clamped.increased(1) == 1.5)
    }
}

/// Snapshots whose x is just [index], so a loss table can be looked up by snapshot.
private func indexedSnapshots(_ count: Int) -> [CGSnapshot<Double>] {
    (0..<count).map { CGSnapshot(iteration: 10 * ($0 + 1), x: [Double($0)]) }
}

private func choose(_ losses: [Double]) -> BacktrackChoice {
    Backtracking.chooseIterate(indexedSnapshots(losses.count)) { x in losses[Int(x[0])] }
}

@Suite struct BacktrackingTests {
    @Test func picksFirstLocalMinimumFromTheEnd() {
        // From the end: 4, then 2 < 4 (keep walking), then 3 > 2 (stop) → index 2.
        let choice = choose([5, 3, 2, 4])
        #expect(choice == BacktrackChoice(index: 2, iteration: 30, loss: 2, evaluations: 3))
    }

    @Test func monotoneDecreasingPicksTheLast() {
        #expect(choose([5, 4, 3, 2]) == BacktrackChoice(index: 3, iteration: 40, loss: 2, evaluations: 2))
    }

    @Test func monotoneIncreasingWalksBackToTheFirst() {
        #expect(choose([1, 2, 3]) == BacktrackChoice(index: 0, iteration: 10, loss: 1, evaluations: 3))
    }

    @Test func stopsAtALocalNotTheGlobalMinimum() {
        // Global minimum 0 at index 0, but walking back from the end stops at index 3 (loss 1).
        #expect(choose([0, 5, 2, 1, 3]).index == 3)
    }

    @Test func equalLossStopsTheWalk() {
        #expect(choose([1, 2, 2]).index == 2)
    }

    @Test func nonFiniteLossesCountAsInfinite() {
        #expect(choose([3, 2, .nan]).index == 1)
        #expect(choose([.nan, 2, .infinity]).index == 1)
        let allBad = choose([.nan, .nan])
        #expect(allBad.index == 1 && allBad.loss.isNaN)
    }

    @Test func singleSnapshot() {
        #expect(choose([7]) == BacktrackChoice(index: 0, iteration: 10, loss: 7, evaluations: 1))
    }
}

@Suite struct LineSearchTests {
    /// f(θ) = θ² at θ = 1 (g = 2) along δ = −10: f(1 + αδ) = (1 − 10α)².
    /// Armijo bound 1 + 0.01·α·(−20) = 1 − 0.2α. α = 0.8^t fails for t = 0 … 7
    /// ((1 − 10·0.8^7)² = (−1.097152)² ≈ 1.2037 > 0.958) and passes at t = 8:
    /// (1 − 1.6777216)² ≈ 0.4593 ≤ 1 − 0.2·0.16777216 ≈ 0.9664.
    @Test func armijoOnOneDimensionalQuadratic() {
        var evaluated: [Double] = []
        let result = LineSearch.armijo(initialLoss: 1, directionalDerivative: -20, config: HFConfig()) { alpha in
            evaluated.append(alpha)
            return (1 - 10 * alpha) * (1 - 10 * alpha)
        }
        let expectedAlpha = (0..<8).reduce(1.0) { acc, _ in acc * 0.8 }
        #expect(result.alpha == expectedAlpha)
        #expect(result.tries == 9)
        #expect(result.loss == (1 - 10 * expectedAlpha) * (1 - 10 * expectedAlpha))
        #expect(evaluated.count == 9 && evaluated.first == 1)
    }

    @Test func fullStepAcceptedWhenItDecreasesEnough() {
        // δ = −1 lands on the minimiser: f = 0 ≤ 1 − 0.02.
        let result = LineSearch.armijo(initialLoss: 1, directionalDerivative: -2, config: HFConfig()) { alpha in
            (1 - alpha) * (1 - alpha)
        }
        #expect(result == LineSearchResult(alpha: 1, loss: 0, tries: 1))
    }

    @Test func failureGivesZeroStepAfterMaxTries() {
        var calls = 0
        // Uphill direction: f(1 + α) = (1 + α)² > 1 for every α > 0.
        let result = LineSearch.armijo(initialLoss: 1, directionalDerivative: 2, config: HFConfig()) { alpha in
            calls += 1
            return (1 + alpha) * (1 + alpha)
        }
        #expect(result == LineSearchResult(alpha: 0, loss: 1, tries: 60))
        #expect(calls == 60)
    }

    @Test func nanTrialIsAFailedTry() {
        let result = LineSearch.armijo(initialLoss: 1, directionalDerivative: -2, config: HFConfig()) { alpha in
            alpha == 1 ? .nan : 0.5
        }
        #expect(result.alpha == 0.8 && result.tries == 2)
    }

    @Test func knownFirstTrialLossSavesAnEvaluation() {
        var calls = 0
        let result = LineSearch.armijo(initialLoss: 1, directionalDerivative: -2, firstTrialLoss: 5,
                                       config: HFConfig()) { alpha in
            calls += 1
            return (1 - alpha) * (1 - alpha)
        }
        #expect(calls == 1)  // only α = 0.8 was evaluated
        #expect(result.alpha == 0.8 && result.tries == 2)
    }

    /// c = 0 is [ISC]'s rule: the first size with any strict decrease; an equal loss never passes.
    @Test func anyDecreaseRuleAcceptsOnlyAStrictDecrease() {
        var config = HFConfig()
        config.lineSearchArmijoC = 0
        config.lineSearchMaxTries = 50
        // A flat direction: the loss never changes, so no size passes although f(θ+αδ) ≤ f(θ).
        let flat = LineSearch.armijo(initialLoss: 1, directionalDerivative: -2, config: config) { _ in 1 }
        #expect(flat == LineSearchResult(alpha: 0, loss: 1, tries: 50))
        // A tiny decrease that fails Armijo's c = 1e-2 passes c = 0 at once.
        let tiny = LineSearch.armijo(initialLoss: 1, directionalDerivative: -2, config: config) { _ in 0.999 }
        #expect(tiny == LineSearchResult(alpha: 1, loss: 0.999, tries: 1))
        // Armijo needs 0.999 ≤ 1 − 0.02α, α ≤ 0.05: it shrinks to 0.8¹⁴ ≈ 0.044.
        let armijo = LineSearch.armijo(initialLoss: 1, directionalDerivative: -2, config: HFConfig()) { _ in 0.999 }
        #expect(armijo.tries == 15 && armijo.alpha < 0.05)
    }
}
