import Diagnostics
import FirstOrder
import Foundation
import Linalg
import Testing

@Suite struct FirstOrderConfigTests {
    @Test func defaultsFollowThePublishedRecipes() throws {
        let sgd = FirstOrderConfig(method: .sgd)
        #expect(sgd.issue == nil)
        #expect(sgd.learningRate == 0.01 && sgd.minibatchSize == 20 && sgd.gradientClipThreshold == 1)

        let nesterov = FirstOrderConfig(method: .nesterov)
        #expect(nesterov.issue == nil)
        #expect(nesterov.learningRate == 1e-3 && nesterov.minibatchSize == 100 && nesterov.gradientClipThreshold == nil)
        #expect(nesterov.momentumSchedule == .warmup && nesterov.maximumMomentum == 0.995)
        #expect(nesterov.warmupMomentum == 0.9 && nesterov.momentumWarmupSteps == 1000 && nesterov.momentumRaisePeriod == 250)

        let adam = FirstOrderConfig(method: .adam)
        #expect(adam.issue == nil)
        #expect(adam.learningRate == 1e-3 && adam.minibatchSize == 100 && adam.gradientClipThreshold == nil)
        #expect(adam.adamBeta1 == 0.9 && adam.adamBeta2 == 0.999 && adam.adamEpsilon == 1e-8)
    }

    private func error(_ method: FirstOrderMethod = .nesterov, _ change: (inout FirstOrderConfig) -> Void) -> FieldIssue? {
        var config = FirstOrderConfig(method: method)
        change(&config)
        return config.issue
    }

    @Test func rejectsBadValuesNamingTheField() {
        let negative = error(.sgd) { $0.learningRate = -0.1 }
        #expect(negative?.field == "learningRate")
        #expect(negative?.requirement == "must be positive and finite, got -0.1")
        #expect(negative?.description == "learningRate must be positive and finite, got -0.1")
        #expect(error { $0.learningRate = .nan }?.description == "learningRate must be positive and finite, got nan")
        #expect(error { $0.learningRate = .infinity }?.description == "learningRate must be positive and finite, got inf")
        #expect(error { $0.minibatchSize = 0 }?.description == "minibatchSize must be at least 1, got 0")
        // Updates times the minibatch counts sequences: a damaged 2^62 overflowed it.
        #expect(error { $0.minibatchSize = 1 << 62 }?.description == "minibatchSize must be at most 1073741824, got 4611686018427387904")
        #expect(error(.sgd) { $0.gradientClipThreshold = 0 }?.description
                == "gradientClipThreshold must be positive and finite, got 0.0")
        #expect(error(.adam) { $0.gradientClipThreshold = -1 }?.field == "gradientClipThreshold")
        #expect(error(.sgd) { $0.vanishingRegularizerWeight = -2 }?.description
                == "vanishingRegularizerWeight must be non-negative and finite, got -2.0")
        #expect(error(.sgd) { $0.vanishingRegularizerWeight = .nan }?.field == "vanishingRegularizerWeight")
        #expect(error(.sgd) { $0.vanishingRegularizerWeight = 0 } == nil)
        #expect(error { $0.maximumMomentum = 1 }?.description == "maximumMomentum must be in [0, 1), got 1.0")
        #expect(error { $0.warmupMomentum = -0.1 }?.description == "warmupMomentum must be in [0, 1), got -0.1")
        #expect(error { $0.momentumWarmupSteps = -1 }?.description == "momentumWarmupSteps must be non-negative, got -1")
        #expect(error { $0.momentumRaisePeriod = 0 }?.description == "momentumRaisePeriod must be at least 1, got 0")
        #expect(error(.adam) { $0.adamBeta1 = 1 }?.description == "adamBeta1 must be in [0, 1), got 1.0")
        #expect(error(.adam) { $0.adamBeta2 = .nan }?.description == "adamBeta2 must be in [0, 1), got nan")
        #expect(error(.adam) { $0.adamEpsilon = 0 }?.description == "adamEpsilon must be positive and finite, got 0.0")
        #expect(error(.sgd) { $0.gradientClipThreshold = nil } == nil)
    }

    @Test func listsTheFieldsEachMethodReads() {
        #expect(FirstOrderConfig.fieldNames(for: .sgd) == ["learningRate", "minibatchSize", "gradientClipThreshold",
                                                           "vanishingRegularizerWeight"])
        #expect(FirstOrderConfig.fieldNames(for: .nesterov).contains("maximumMomentum"))
        #expect(!FirstOrderConfig.fieldNames(for: .nesterov).contains("adamBeta1"))
        #expect(FirstOrderConfig.fieldNames(for: .adam).contains("adamEpsilon"))
        #expect(!FirstOrderConfig.fieldNames(for: .adam).contains("momentumSchedule"))
        // Every listed name is a real field: the validator reports exactly these names.
        let all = Set(FirstOrderMethod.allCases.flatMap { FirstOrderConfig.fieldNames(for: $0) })
        var everyField = FirstOrderConfig(method: .sgd)  // optional fields set, so that each is encoded
        everyField.vanishingRegularizerWeight = 2
        let encoded = try! JSONSerialization.jsonObject(with: JSONEncoder().encode(everyField)) as! [String: Any]
        #expect(all.isSubset(of: Set(encoded.keys)))
    }

    @Test func roundTripsThroughJSON() throws {
        for method in FirstOrderMethod.allCases {
            var config = FirstOrderConfig(method: method)
            config.learningRate = 3e-4
            let decoded = try JSONDecoder().decode(FirstOrderConfig.self, from: JSONEncoder().encode(config))
            #expect(decoded == config)
            #expect(decoded != FirstOrderConfig(method: method))
        }
    }
}

@Suite struct MomentumScheduleTests {
    private func schedule(_ kind: MomentumScheduleKind, _ change: (inout FirstOrderConfig) -> Void = { _ in }) -> MomentumSchedule {
        var config = FirstOrderConfig(method: .nesterov)
        config.momentumSchedule = kind
        change(&config)
        return MomentumSchedule(config: config)
    }

    @Test func raisingScheduleOfSMDH13() {
        let raising = schedule(.raising)
        // μ_t = 1 − 1/(2(⌊t/250⌋ + 1)), capped at 0.995.
        let expected: [(Int, Double)] = [
            (0, 0.5), (249, 0.5), (250, 0.75), (499, 0.75), (500, 1 - 1.0 / 6), (750, 0.875),
            (2250, 0.95), (24_749, 1 - 1.0 / 198), (24_750, 0.995), (1_000_000, 0.995),
        ]
        for (t, mu) in expected {
            #expect(abs(raising.momentum(atStep: t) - mu) < 1e-15, "t = \(t)")
        }
        // The same numbers as the paper's formula, written with its logarithm.
        for t in stride(from: 0, to: 30_000, by: 125) {
            let paper = min(1 - pow(2, -1 - log2(Double(t / 250) + 1)), 0.995)
            #expect(abs(raising.momentum(atStep: t) - paper) < 1e-12, "t = \(t)")
        }
        #expect(schedule(.raising) { $0.maximumMomentum = 0.9 }.momentum(atStep: 100_000) == 0.9)
    }

    @Test func warmupScheduleOfTheSMDH13RNNExperiments() {
        let warmup = schedule(.warmup)
        #expect(warmup.momentum(atStep: 0) == 0.9)
        #expect(warmup.momentum(atStep: 999) == 0.9)
        #expect(warmup.momentum(atStep: 1000) == 0.995)
        #expect(warmup.momentum(atStep: 50_000) == 0.995)
        #expect(schedule(.warmup) { $0.momentumWarmupSteps = 0 }.momentum(atStep: 0) == 0.995)
    }

    @Test func constantSchedule() {
        let constant = schedule(.constant) { $0.maximumMomentum = 0.98 }
        #expect(constant.momentum(atStep: 0) == 0.98 && constant.momentum(atStep: 12_345) == 0.98)
    }
}

@Suite struct FirstOrderStateTests {
    @Test func allocatesOnlyTheVectorsTheMethodUses() {
        let sgd = FirstOrderState<Float>(parameterCount: 3, method: .sgd)
        #expect(sgd.velocity.isEmpty && sgd.firstMoment.isEmpty && sgd.secondMoment.isEmpty)
        let nesterov = FirstOrderState<Float>(parameterCount: 3, method: .nesterov)
        #expect(nesterov.velocity == [0, 0, 0] && nesterov.firstMoment.isEmpty)
        let adam = FirstOrderState<Float>(parameterCount: 3, config: FirstOrderConfig(method: .adam))
        #expect(adam.firstMoment == [0, 0, 0] && adam.secondMoment == [0, 0, 0] && adam.velocity.isEmpty)
        #expect(adam.step == 0 && adam.skippedSteps == 0)
    }

    @Test func mismatchNamesWhatIsWrong() {
        let adamConfig = FirstOrderConfig(method: .adam)
        var state = FirstOrderState<Double>(parameterCount: 3, config: adamConfig)
        #expect(state.mismatch(parameterCount: 3, config: adamConfig) == nil)
        #expect(state.mismatch(parameterCount: 3, config: FirstOrderConfig(method: .sgd))
                == "state belongs to optimizer adam, configuration is sgd")
        #expect(state.mismatch(parameterCount: 4, config: adamConfig) == "firstMoment has 3 entries, expected 4")
        state.secondMoment[1] = -1
        #expect(state.mismatch(parameterCount: 3, config: adamConfig) == "secondMoment has a negative entry")
        state.secondMoment[1] = .nan
        #expect(state.mismatch(parameterCount: 3, config: adamConfig) == "secondMoment has a non-finite entry")
        state.secondMoment[1] = 0
        state.step = -1
        #expect(state.mismatch(parameterCount: 3, config: adamConfig) == "negative counter (step -1, skipped 0)")
    }

    @Test func roundTripsThroughJSON() throws {
        var state = FirstOrderState<Float>(parameterCount: 3, method: .nesterov)
        state.velocity = [0.1, -2.5e-7, 3]
        state.step = 17
        state.skippedSteps = 2
        let decoded = try JSONDecoder().decode(FirstOrderState<Float>.self, from: JSONEncoder().encode(state))
        #expect(decoded == state)
    }
}
