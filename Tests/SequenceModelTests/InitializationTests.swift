import Linalg
import Testing
@testable import SequenceModel

@Suite struct InitializationTests {
    let network = RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 50, outputs: 1), outputLoss: .linearSquaredError)

    @Test func sparseRowsScaledRadiusAndOutputMean() {
        var rng = SeededGenerator(seed: 3)
        let theta: [Double] = network.initialParameters(outputMean: [1.0], using: &rng)
        let layout = network.layout
        let recurrent = Array(theta[layout.hiddenToHidden.range])
        for row in 0..<50 {
            let nonZero = recurrent[(row * 50)..<((row + 1) * 50)].filter { $0 != 0 }.count
            #expect(nonZero == 15, "row \(row) has \(nonZero) incoming weights")
        }
        let radius = RecurrentNetwork.spectralRadius(of: recurrent, size: 50, iterations: 2000)
        #expect(abs(radius - 1.1) < 0.03, "spectral radius \(radius)")
        #expect(theta[layout.outputBias.offset] == 1.0)
        #expect(theta[layout.hiddenBias.range].allSatisfy { $0 == 0 })
        // Input weights are scaled down by 0.25 relative to 1/√15.
        let largestInput = theta[layout.inputToHidden.range].map(abs).max()!
        #expect(largestInput > 0 && largestInput < 0.25 * 5 / 15.0.squareRoot())
    }

    @Test func spectralRadiusOfKnownMatrices() {
        // A rotation scaled by 0.9 has a complex pair of eigenvalues of modulus 0.9.
        let rotation = [0.0, -0.9, 0.9, 0.0]
        #expect(abs(RecurrentNetwork.spectralRadius(of: rotation, size: 2) - 0.9) < 1e-6)
        let diagonal = [2.0, 0, 0, 0, -3, 0, 0, 0, 1]
        #expect(abs(RecurrentNetwork.spectralRadius(of: diagonal, size: 3) - 3) < 1e-6)
    }

    /// The radius `evaluate` and `export` report reads W_hh, and only W_hh, out of the flat
    /// parameters: a non-normal triangular W_hh whose largest |eigenvalue| (its diagonal) is 0.7.
    @Test func recurrentSpectralRadiusReadsWhhOnly() {
        let small = RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 3, outputs: 1), outputLoss: .linearSquaredError)
        let layout = small.layout
        var theta = [Float](repeating: 5, count: layout.count)
        let triangular: [Float] = [0.4, 2, -1, 0, -0.7, 3, 0, 0, 0.2]
        theta.replaceSubrange(layout.hiddenToHidden.range, with: triangular)
        #expect(abs(small.recurrentSpectralRadius(theta) - 0.7) < 1e-3)
        theta.replaceSubrange(layout.hiddenToHidden.range, with: [Float](repeating: 0, count: 9))
        #expect(small.recurrentSpectralRadius(theta) == 0)
    }

    @Test func seededAndReproducible() {
        var first = SeededGenerator(seed: 42), second = SeededGenerator(seed: 42), other = SeededGenerator(seed: 43)
        let a: [Float] = network.initialParameters(using: &first)
        let b: [Float] = network.initialParameters(using: &second)
        let c: [Float] = network.initialParameters(using: &other)
        #expect(a == b)
        #expect(a != c)
    }
}

@Suite struct EvaluationTests {
    @Test func sequenceErrorsUseTheErrorMaskAndCriterion() {
        let network = RecurrentNetwork(shape: NetworkShape(inputs: 1, hidden: 2, outputs: 1), outputLoss: .linearSquaredError)
        var batch = SequenceBatch<Double>(sequenceCount: 3, steps: 2, inputSize: 1, outputSize: 1)
        // All weights zero except b_y = 0.5: every prediction is 0.5.
        var theta = [Double](repeating: 0, count: network.parameterCount)
        theta[network.layout.outputBias.offset] = 0.5
        batch.targets = [0.0, 0.0, 0.0, 0.52, 0.6, 0.0]  // step 1: sequences 0, 1, 2
        batch.mask = [0, 0, 0, 1, 1, 1]
        batch.errorMask = [false, false, false, true, true, false]
        let evaluator = BatchEvaluator(network: network, batch: batch)
        evaluator.forward(theta)
        let (wrong, judged) = evaluator.sequenceErrors(criterion: .absoluteTolerance(0.04))
        #expect(wrong == 1 && judged == 2)  // |0.5 − 0.52| ≤ 0.04 right; |0.5 − 0.6| wrong; third not judged
    }
}
