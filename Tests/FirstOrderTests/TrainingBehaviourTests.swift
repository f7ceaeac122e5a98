import FirstOrder
import Foundation
import HessianFree
import Training
import Linalg
import SequenceModel
import Tasks
import Testing
@testable import SequenceModel

/// Determinism, exact continuation through a serialised state, the careful initialisation, and a
/// short full-batch run of each method on a tiny RNN.
@Suite struct TrainingBehaviourTests {
    static let spec = try! TaskSpec(task: .addition, minimumLength: 10)
    static let network = RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 10, outputs: 1),
                                          outputLoss: .linearSquaredError)

    /// The careful initialisation with HF's random h₀: from it this tiny network leaves the addition
    /// plateau within the few hundred updates the tests below can afford.
    static func initialParameters(seed: UInt64 = 3) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        var initialization = CarefulInitialization()
        initialization.zeroInitialState = false
        return initialization.initialParameters(for: network, outputMean: spec.targetMean, using: &rng)
    }

    /// `steps` updates, each on a fresh minibatch drawn from `rng` as the trainer draws from its own;
    /// the state is written to JSON and read back after every update when `roundTrip` is set.
    static func run(_ config: FirstOrderConfig, steps: Int,
                    from start: (theta: [Float], state: FirstOrderState<Float>, rng: SeededGenerator),
                    roundTrip: Bool = false) throws -> (theta: [Float], state: FirstOrderState<Float>, rng: SeededGenerator) {
        var (theta, state, rng) = start
        var gradient = [Float](repeating: 0, count: theta.count)
        for _ in 0..<steps {
            let objective = RNNObjective<Float>(network: network, batch: spec.makeBatch(count: 20, using: &rng))
            _ = objective.lossAndGradient(at: theta, gradient: &gradient)
            let outcome = FirstOrderOptimizer.step(parameters: theta, gradient: gradient, state: state, config: config)
            theta = outcome.parameters
            state = outcome.state
            if roundTrip {
                state = try JSONDecoder().decode(FirstOrderState<Float>.self, from: JSONEncoder().encode(state))
                theta = try JSONDecoder().decode([Float].self, from: JSONEncoder().encode(theta))
            }
        }
        return (theta, state, rng)
    }

    @Test(arguments: FirstOrderMethod.allCases)
    func runsAreDeterministicAndResumeExactly(_ method: FirstOrderMethod) throws {
        var config = FirstOrderConfig(method: method)
        config.momentumWarmupSteps = 3  // cross the momentum switch within the run
        let theta = Self.initialParameters()
        let start = (theta, FirstOrderState<Float>(parameterCount: theta.count, config: config), SeededGenerator(seed: 8))
        let straight = try Self.run(config, steps: 8, from: start)
        let again = try Self.run(config, steps: 8, from: start)
        #expect(straight.theta == again.theta && straight.state == again.state)
        // Stopped after 5 updates, serialised, resumed for 3: bit-for-bit the same.
        let firstPart = try Self.run(config, steps: 5, from: start, roundTrip: true)
        let resumed = try Self.run(config, steps: 3, from: firstPart, roundTrip: true)
        #expect(resumed.theta == straight.theta && resumed.state == straight.state)
        #expect(straight.theta != theta && straight.state.step == 8)
    }

    @Test(arguments: FirstOrderMethod.allCases)
    func eachMethodReducesTheLossOfATinyRNN(_ method: FirstOrderMethod) {
        // Full batch, so every update should make progress; the rates are raised from the
        // defaults to see a clear drop in 300 updates. (The drop is modest for sgd and nesterov:
        // the loss starts at the mean-prediction plateau of the addition task.)
        var config = FirstOrderConfig(method: method)
        switch method {
        case .sgd: config.learningRate = 0.1
        case .nesterov: config.learningRate = 0.01
        case .adam: config.learningRate = 0.01
        }
        var rng = SeededGenerator(seed: 11)
        let objective = RNNObjective<Float>(network: Self.network, batch: Self.spec.makeBatch(count: 100, using: &rng))
        var theta = Self.initialParameters()
        var state = FirstOrderState<Float>(parameterCount: theta.count, config: config)
        var gradient = [Float](repeating: 0, count: theta.count)
        let before = objective.lossAndGradient(at: theta, gradient: &gradient)
        for _ in 0..<300 {
            _ = objective.lossAndGradient(at: theta, gradient: &gradient)
            let outcome = FirstOrderOptimizer.step(parameters: theta, gradient: gradient, state: state, config: config)
            #expect(outcome.report.applied)
            theta = outcome.parameters
            state = outcome.state
        }
        let after = objective.loss(at: theta)
        #expect(after < 0.9 * before, "\(method): loss \(before) → \(after)")
    }

    @Test func carefulInitialisationFollowsSMDH13() {
        let network = RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 40, outputs: 1), outputLoss: .linearSquaredError)
        let layout = network.layout
        var rng = SeededGenerator(seed: 5)
        let theta: [Double] = CarefulInitialization().initialParameters(for: network, outputMean: [1.0], using: &rng)
        var again = SeededGenerator(seed: 5)
        #expect(theta == CarefulInitialization().initialParameters(for: network, outputMean: [1.0], using: &again))

        let input = Array(theta[layout.inputToHidden.range]), output = Array(theta[layout.hiddenToOutput.range])
        let recurrent = Array(theta[layout.hiddenToHidden.range])
        func rms(_ x: [Double]) -> Double { (x.reduce(0) { $0 + $1 * $1 } / Double(x.count)).squareRoot() }
        // Dense input and output weights with standard deviations 0.001 and 0.1.
        #expect(!input.contains(0) && !output.contains(0))
        #expect(abs(rms(input) - 0.001) < 0.0003, "input rms \(rms(input))")
        #expect(abs(rms(output) - 0.1) < 0.03, "output rms \(rms(output))")
        // 15 incoming recurrent weights per unit, spectral radius 1.1.
        for row in 0..<40 {
            #expect(recurrent[(row * 40)..<(row * 40 + 40)].filter { $0 != 0 }.count == 15)
        }
        #expect(abs(RecurrentNetwork.spectralRadius(of: recurrent, size: 40) - 1.1) < 1e-3)
        #expect(theta[layout.hiddenBias.range].allSatisfy { $0 == 0 })
        #expect(theta[layout.outputBias.offset] == 1.0)
        // h₀ starts at 0; with `zeroInitialState` off it is HF's draw and nothing else changes.
        #expect(theta[layout.initialState.range].allSatisfy { $0 == 0 })
        var randomStart = CarefulInitialization()
        randomStart.zeroInitialState = false
        var same = SeededGenerator(seed: 5)
        let drawn: [Double] = randomStart.initialParameters(for: network, outputMean: [1.0], using: &same)
        let h0 = Array(drawn[layout.initialState.range])
        #expect(abs(rms(h0) - 1 / 15.0.squareRoot()) < 0.1, "h₀ rms \(rms(h0))")
        let others = (0..<theta.count).filter { !layout.initialState.range.contains($0) }
        #expect(others.allSatisfy { drawn[$0] == theta[$0] })
    }

    @Test func carefulInitialisationValidation() {
        var config = CarefulInitialization()
        #expect(config.issue == nil)
        config.inputStandardDeviation = -0.1
        #expect(config.issue?.description == "inputStandardDeviation must be non-negative and finite, got -0.1")
        config = CarefulInitialization()
        config.spectralRadius = 0
        #expect(config.issue?.field == "spectralRadius")
        config = CarefulInitialization()
        config.recurrentFanIn = 0
        #expect(config.issue?.description == "recurrentFanIn must be at least 1, got 0")
    }
}
