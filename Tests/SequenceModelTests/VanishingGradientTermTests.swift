import Foundation
import Linalg
import Testing
@testable import SequenceModel

/// Pascanu et al.'s regulariser Ω and its gradient against a reference built from finite
/// differences of the loss in the pre-activations, in Double.
@Suite struct VanishingGradientTermTests {
    /// Ω from its definition, given ∂f/∂t for every row and the hidden states: each counted row's
    /// (‖W_hhᵀ ∂t‖² / ‖∂h‖² − 1)², with ∂h = ∂t / (1 − h²). Returns Ω, C and, per row, ∂t and ‖∂h‖².
    static func reference(preDerivatives: [Double], hidden: [Double], recurrent: [Double], H: Int)
        -> (omega: Double, counted: Int, rows: [(delta: [Double], squaredNorm: Double)]) {
        var sum = 0.0, counted = 0
        var rows: [(delta: [Double], squaredNorm: Double)] = []
        for row in 0..<(preDerivatives.count / H) {
            let delta = Array(preDerivatives[(row * H)..<((row + 1) * H)])
            let dh = (0..<H).map { delta[$0] / (1 - hidden[row * H + $0] * hidden[row * H + $0]) }
            let y = dot(dh, dh)
            rows.append((delta, y))
            guard y >= 1e-20 else { continue }
            let carried = (0..<H).map { j in (0..<H).map { k in recurrent[k * H + j] * delta[k] }.reduce(0, +) }
            let ratio = dot(carried, carried) / y
            sum += (ratio - 1) * (ratio - 1)
            counted += 1
        }
        return (sum / Double(counted), counted, rows)
    }

    @Test func omegaAndItsGradientMatchFiniteDifferences() {
        let problem = TinyProblem(loss: .linearSquaredError)
        let (T, B, H) = (problem.batch.steps, problem.batch.sequenceCount, problem.network.shape.hidden)
        let referenceRNN = ReferenceRNN(network: problem.network, batch: problem.batch)
        let base = referenceRNN.run(problem.theta)
        let zero = [Double](repeating: 0, count: T * B * H)
        let preDerivatives = finiteDifferenceJacobian(zero, step: 1e-6) { [referenceRNN.run(problem.theta, shift: $0).loss] }[0]
        let recurrentBlock = problem.network.layout.hiddenToHidden
        let recurrent = Array(problem.theta[recurrentBlock.range])
        let expected = Self.reference(preDerivatives: preDerivatives, hidden: base.hidden, recurrent: recurrent, H: H)
        // The problem has padded and unreached steps, which must not count.
        #expect(expected.counted > 0 && expected.counted < T * B)

        let evaluator = BatchEvaluator(network: problem.network, batch: problem.batch)
        evaluator.forward(problem.theta)
        var gradient = [Double](repeating: .nan, count: problem.theta.count)
        var sums = VanishingGradientSums<Double>(hidden: H)
        evaluator.gradient(into: &gradient, vanishingSums: &sums)
        #expect(sums.countedSteps == expected.counted)
        #expect(abs(sums.mean - expected.omega) < 1e-6 * max(1, expected.omega), "Ω \(sums.mean) vs \(expected.omega)")

        // The loss gradient is untouched by the regulariser's bookkeeping.
        var plain = [Double](repeating: .nan, count: problem.theta.count)
        evaluator.gradient(into: &plain)
        #expect(gradient == plain)

        // ∂Ω/∂W_hh with ∂t and ‖∂h‖² held at their values: finite differences of Ω in W_hh alone.
        func omega(_ w: [Double]) -> [Double] {
            var sum = 0.0
            for row in expected.rows where row.squaredNorm >= 1e-20 {
                let carried = (0..<H).map { j in (0..<H).map { k in w[k * H + j] * row.delta[k] }.reduce(0, +) }
                let ratio = dot(carried, carried) / row.squaredNorm
                sum += (ratio - 1) * (ratio - 1)
            }
            return [sum / Double(expected.counted)]
        }
        let numeric = finiteDifferenceJacobian(recurrent) { omega($0) }[0]
        let analytic = sums.recurrentGradientSum.map { $0 / Double(sums.countedSteps) }
        let error = maxRelativeError(analytic, numeric)
        #expect(error < 1e-5, "∂Ω/∂W_hh relative error \(error)")
        #expect(numeric.contains { abs($0) > 1e-4 }, "Ω does not depend on W_hh here: nothing checked")
    }

    @Test func aNetworkThatCarriesTheGradientUnchangedHasNoPenalty() {
        // Linear regime (h ≈ 0) with an orthogonal W_hh: ‖W_hhᵀ ∂t‖ = ‖∂t‖ ≈ ‖∂h‖, so Ω ≈ 0.
        let shape = NetworkShape(inputs: 1, hidden: 2, outputs: 1)
        let network = RecurrentNetwork(shape: shape, outputLoss: .linearSquaredError)
        var batch = SequenceBatch<Double>(sequenceCount: 1, steps: 4, inputSize: 1, outputSize: 1)
        batch.lengths = [4]
        batch.inputs = [1e-4, -2e-4, 1e-4, 3e-4]
        batch.targets = [0, 0, 0, 1]
        batch.mask = [0, 0, 0, 1]
        var theta = [Double](repeating: 0, count: network.parameterCount)
        let layout = network.layout
        theta[layout.hiddenToHidden.offset + 1] = 1  // [[0, 1], [-1, 0]]: a rotation
        theta[layout.hiddenToHidden.offset + 2] = -1
        theta[layout.inputToHidden.offset] = 1
        theta[layout.hiddenToOutput.offset] = 1
        theta[layout.hiddenToOutput.offset + 1] = 1
        let evaluator = BatchEvaluator(network: network, batch: batch)
        evaluator.forward(theta)
        var gradient = [Double](repeating: 0, count: theta.count)
        var sums = VanishingGradientSums<Double>(hidden: 2)
        evaluator.gradient(into: &gradient, vanishingSums: &sums)
        #expect(sums.countedSteps == 4)
        #expect(sums.mean < 1e-6)
        // Halving W_hh makes each step carry a quarter of the squared norm: (1/4 − 1)² = 0.5625.
        for k in layout.hiddenToHidden.range { theta[k] *= 0.5 }
        evaluator.forward(theta)
        evaluator.gradient(into: &gradient, vanishingSums: &sums)
        #expect(abs(sums.mean - 0.5625) < 1e-4)
    }
}
