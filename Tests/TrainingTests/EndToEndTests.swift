import Linalg
import SequenceModel
import Tasks
import Testing
@testable import HessianFree
@testable import Training

/// HF with structural damping solves a short addition task; plain gradient descent given the
/// same number of gradient-sized evaluations does not.
@Suite(.serialized) struct EndToEndTests {
    static let spec = try! TaskSpec(task: .addition, minimumLength: 10)
    static let network = RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 20, outputs: 1), outputLoss: .linearSquaredError)
    static let batchSize = 500

    static func initialParameters() -> [Float] {
        var rng = SeededGenerator(seed: 3)
        return network.initialParameters(outputMean: spec.targetMean, using: &rng)
    }

    static func testError(_ theta: [Float], _ test: SequenceBatch<Float>) -> Double {
        EvaluationWorkspace(network: network).evaluateSet(parameters: theta, subBatches: [test], criterion: spec.errorCriterion).errorRate
    }

    static func makeTestSet() -> SequenceBatch<Float> {
        var rng = SeededGenerator(seed: 99)
        return spec.makeBatch(count: 1000, using: &rng)
    }

    /// Runs HF until the test error is below 1 %; returns (solved, iterations, CG steps, evaluations).
    static func trainWithHF(mu: Double, maxIterations: Int) -> (solved: Bool, iterations: Int, cgSteps: Int, evaluations: Int) {
        var config = HFConfig()
        config.structuralDampingWeight = mu
        config.cgMaxIterations = 60
        var theta = initialParameters()
        var state = HFState<Float>(parameterCount: theta.count, config: config)
        var rng = SeededGenerator(seed: 5)
        let test = makeTestSet()
        var evaluations = 0
        for _ in 0..<maxIterations {
            let data: SequenceBatch<Float> = spec.makeBatch(count: batchSize, using: &rng)
            let held: SequenceBatch<Float> = spec.makeBatch(count: batchSize, using: &rng)
            let batches = HFBatches(gradient: RNNObjective(network: network, batch: data),
                                    curvature: RNNObjective(network: network, batch: data),
                                    backtracking: RNNObjective(network: network, batch: held),
                                    lineSearch: RNNObjective(network: network, batch: held))
            let outcome = HessianFreeOptimizer.step(parameters: theta, state: state, batches: batches, config: config)
            theta = outcome.parameters
            state = outcome.state
            // One gradient plus one product per CG step (a product costs about one gradient).
            evaluations += 1 + outcome.report.cgIterations
            if testError(theta, test) < spec.successThreshold {
                return (true, state.iteration, state.totalCGIterations, evaluations)
            }
        }
        return (false, state.iteration, state.totalCGIterations, evaluations)
    }

    /// Best test error plain gradient descent reaches with `budget` gradient evaluations, over a
    /// few learning rates.
    static func bestGradientDescentError(budget: Int) -> Double {
        let test = makeTestSet()
        var best = 1.0
        for learningRate: Float in [0.1, 0.3, 1, 3] {
            var theta = initialParameters()
            var rng = SeededGenerator(seed: 5)
            var gradient = [Float](repeating: 0, count: theta.count)
            for _ in 0..<budget {
                let objective = RNNObjective<Float>(network: network, batch: spec.makeBatch(count: batchSize, using: &rng))
                let loss = objective.lossAndGradient(at: theta, gradient: &gradient)
                if !loss.isFinite { break }
                Vec.axpy(-learningRate, gradient, &theta)
            }
            best = min(best, testError(theta, test))
        }
        return best
    }

    @Test func structurallyDampedHFSolvesAdditionWhereGradientDescentDoesNot() {
        let hf = Self.trainWithHF(mu: 0.03, maxIterations: 40)
        #expect(hf.solved, "HF did not reach 1 % test error in \(hf.iterations) iterations")
        let gradientDescent = Self.bestGradientDescentError(budget: hf.evaluations)
        #expect(gradientDescent > Self.spec.successThreshold,
                "gradient descent reached \(gradientDescent) with \(hf.evaluations) evaluations")
        // For the record (not asserted): the same run without structural damping.
        let plain = Self.trainWithHF(mu: 0, maxIterations: 40)
        print("end-to-end: HF (μ = 0.03) solved addition T = 10 in \(hf.iterations) HF iterations, \(hf.cgSteps) CG steps; "
              + "without structural damping: solved \(plain.solved) in \(plain.iterations) HF iterations, \(plain.cgSteps) CG steps; "
              + "gradient descent with \(hf.evaluations) gradients: best test error \(gradientDescent)")
    }
}
