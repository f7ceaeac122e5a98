import Foundation
import HessianFree
import Linalg
import Testing

@Suite struct HFConfigTests {
    @Test func defaultsAreValidAndMatchTheSources() throws {
        let config = HFConfig()
        #expect(config.issue == nil)
        #expect(config.structuralDampingWeight == 0.03)
        #expect(config.lmIncreaseFactor == 1.5 && config.lmDecreaseFactor == 2.0 / 3.0)
        #expect(config.lmLowerRhoThreshold == 0.25 && config.lmUpperRhoThreshold == 0.75)
        #expect(config.cgMaxIterations == 150 && config.cgProgressTolerance == 5e-4)
        #expect(config.cgWarmStartDecay == 0.95 && config.backtrackSnapshotGrowth == 1.3)
        #expect(config.lineSearchArmijoC == 1e-2 && config.lineSearchShrink == 0.8 && config.lineSearchMaxTries == 60)
        #expect(config.weightCost == 2e-5 && !config.usePreconditioner && !config.rhoUsesDampedModel)
    }

    private func message(_ change: (inout HFConfig) -> Void) -> String? {
        var config = HFConfig()
        change(&config)
        return config.issue?.description
    }

    @Test func rejectsBadValuesWithClearMessages() {
        #expect(message { $0.lmDecreaseFactor = 1.5 } == "lmDecreaseFactor must be in (0, 1), got 1.5")
        #expect(message { $0.lmIncreaseFactor = 0.9 } == "lmIncreaseFactor must be greater than 1 and finite, got 0.9")
        #expect(message { $0.initialLambda = 0 } == "initialLambda must be positive and finite, got 0.0")
        #expect(message { $0.initialLambda = .nan } == "initialLambda must be positive and finite, got nan")
        #expect(message { $0.structuralDampingWeight = -0.03 }
                == "structuralDampingWeight must be non-negative and finite, got -0.03")
        #expect(message { $0.lmUpperRhoThreshold = 0.2 }
                == "lmUpperRhoThreshold must be in (lmLowerRhoThreshold, 1] = (0.25, 1], got 0.2")
        #expect(message { $0.cgMaxIterations = 0 } == "cgMaxIterations must be at least 1, got 0")
        #expect(message { $0.cgMinIterations = 300 } == "cgMinIterations must be in [0, 150] (at most the CG maximum), got 300")
        #expect(message { $0.cgProgressTolerance = 0 } == "cgProgressTolerance must be positive and finite, got 0.0")
        #expect(message { $0.cgWarmStartDecay = 1.2 } == "cgWarmStartDecay must be in [0, 1], got 1.2")
        #expect(message { $0.backtrackSnapshotGrowth = 1 }
                == "backtrackSnapshotGrowth must be greater than 1 and finite, got 1.0")
        #expect(message { $0.lineSearchShrink = 1 } == "lineSearchShrink must be in (0, 1), got 1.0")
        #expect(message { $0.lineSearchArmijoC = -0.1 } == "lineSearchArmijoC must be in [0, 1), got -0.1")
        #expect(message { $0.lineSearchMaxTries = 0 } == "lineSearchMaxTries must be at least 1, got 0")
        #expect(message { $0.preconditionerExponent = 2 } == "preconditionerExponent must be in (0, 1], got 2.0")
        #expect(message { $0.weightCost = -1 } == "weightCost must be non-negative and finite, got -1.0")
        #expect(message { $0.maximumLambda = 1e-9 }
                == "maximumLambda must be finite and at least minimumLambda = 1e-08, got 1e-09")
        #expect(message { $0.initialLambda = 1e9 }
                == "initialLambda must be in [1e-08, 100000000.0] (λ's bounds), got 1000000000.0")
        #expect(message { $0.cgProgressWindowMinimum = 0 } == "cgProgressWindowMinimum must be at least 1, got 0")
    }

    @Test func roundTripsThroughJSON() throws {
        var config = HFConfig()
        config.initialLambda = 0.08
        config.usePreconditioner = true
        let decoded = try JSONDecoder().decode(HFConfig.self, from: JSONEncoder().encode(config))
        #expect(decoded == config)
        #expect(decoded != HFConfig())
    }
}

@Suite struct HFStateTests {
    @Test func initialState() {
        let state = HFState<Float>(parameterCount: 3, config: HFConfig())
        #expect(state.lambda == 0.01)
        #expect(state.warmStart == [0, 0, 0])
        #expect(state.iteration == 0 && state.totalCGIterations == 0 && state.rejectedSteps == 0)
    }

    @Test func roundTripsThroughJSON() throws {
        var state = HFState<Double>(parameterCount: 4, config: HFConfig())
        state.lambda = 0.0123
        state.warmStart = [0.1, -2.5, 1e-30, 3]
        state.iteration = 17
        state.totalCGIterations = 1234
        state.rejectedSteps = 2
        state.nonFiniteSteps = 1
        let data = try JSONEncoder().encode(state)
        let decoded = try JSONDecoder().decode(HFState<Double>.self, from: data)
        #expect(decoded == state)
        #expect(decoded != HFState<Double>(parameterCount: 4, config: HFConfig()))
    }
}
