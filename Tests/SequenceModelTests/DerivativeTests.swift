import Foundation
import Linalg
import Testing
@testable import SequenceModel

/// Every derivative of the sequence model against finite differences in Double.
@Suite struct DerivativeTests {
    @Test(arguments: OutputLoss.allCases)
    func lossMatchesIndependentReference(loss: OutputLoss) {
        let problem = TinyProblem(loss: loss)
        let evaluator = BatchEvaluator(network: problem.network, batch: problem.batch)
        let reference = ReferenceRNN(network: problem.network, batch: problem.batch).run(problem.theta)
        let value = evaluator.forward(problem.theta)
        #expect(abs(value - reference.loss) < 1e-12 * max(1, abs(value)))
        let states = evaluator.hiddenStates
        let H = problem.network.shape.hidden
        // Cached h_1 … h_T equal the reference's hidden states.
        #expect(maxRelativeError(Array(states[(3 * H)...]), reference.hidden) < 1e-12)
    }

    @Test(arguments: OutputLoss.allCases)
    func gradientMatchesCentralDifferencesForEveryBlock(loss: OutputLoss) {
        let problem = TinyProblem(loss: loss)
        let evaluator = BatchEvaluator(network: problem.network, batch: problem.batch)
        evaluator.forward(problem.theta)
        var gradient = [Double](repeating: .nan, count: problem.theta.count)
        evaluator.gradient(into: &gradient)
        let numeric = finiteDifferenceJacobian(problem.theta) { [evaluator.forward($0)] }[0]
        for block in problem.network.layout.blocks {
            let error = maxRelativeError(Array(gradient[block.range]), Array(numeric[block.range]))
            #expect(error < 1e-7, "block \(block.name): relative error \(error)")
            #expect(numeric[block.range].contains { abs($0) > 1e-6 }, "block \(block.name) has no gradient to check")
        }
    }

    /// The loss curvature H_L used in G v against the finite-difference Hessian of L(s) for one step.
    @Test(arguments: OutputLoss.allCases)
    func lossCurvatureMatchesFiniteDifferenceHessian(loss: OutputLoss) {
        let s = [0.3, -1.2, 0.8]
        let y: [Double] = loss == .linearSquaredError ? [0.5, 0.1, -2] : (loss == .softmaxCrossEntropy ? [0, 1, 0] : [1, 0, 1])
        let hessian = finiteDifferenceJacobian(s, step: 1e-4) { point in
            finiteDifferenceJacobian(point, step: 1e-4) { [ReferenceRNN.loss(loss, s: $0, y: y)] }[0]
        }
        var predictions = s
        _ = predictions.withUnsafeMutableBufferPointer { p in
            y.withUnsafeBufferPointer { loss.applyOutput(p.baseAddress!, target: $0.baseAddress!, count: 3, scored: true) }
        }
        for column in 0..<3 {
            var basis = [Double](repeating: 0, count: 3)
            basis[column] = 1
            basis.withUnsafeMutableBufferPointer { r in
                predictions.withUnsafeBufferPointer { p in
                    y.withUnsafeBufferPointer {
                        loss.multiplyCurvature(r.baseAddress!, predictions: p.baseAddress!, target: $0.baseAddress!, count: 3, weight: 1)
                    }
                }
            }
            let expected = hessian.map { $0[column] }
            #expect(maxRelativeError(basis, expected) < 1e-6, "column \(column): \(basis) vs \(expected)")
        }
    }

    /// G v against an explicit J_sᵀ H_L J_s built from the finite-difference Jacobian of the
    /// reference implementation's output pre-activations.
    @Test(arguments: OutputLoss.allCases)
    func gaussNewtonProductMatchesExplicitJacobianProduct(loss: OutputLoss) {
        let problem = TinyProblem(loss: loss)
        let reference = ReferenceRNN(network: problem.network, batch: problem.batch)
        let jacobian = finiteDifferenceJacobian(problem.theta) { reference.run($0).outputs }
        let outputs = reference.run(problem.theta).outputs
        let O = problem.network.shape.outputs
        let scored = problem.batch.mask.reduce(0, +)
        let v = problem.randomVector(seed: 11)
        // H_L J_s v, step by step, from the loss definition's FD Hessian.
        var curvatureTimesJv = matrixVector(jacobian, v)
        for row in 0..<problem.batch.mask.count {
            let rows = (row * O)..<((row + 1) * O)
            let weight = problem.batch.mask[row] / scored
            let y = Array(problem.batch.targets[rows])
            let hessian = finiteDifferenceJacobian(Array(outputs[rows]), step: 1e-4) { point in
                finiteDifferenceJacobian(point, step: 1e-4) { [ReferenceRNN.loss(loss, s: $0, y: y)] }[0]
            }
            let local = matrixVector(hessian, Array(curvatureTimesJv[rows])).map { $0 * weight }
            for (k, index) in rows.enumerated() { curvatureTimesJv[index] = local[k] }
        }
        let expected = transposeVector(jacobian, curvatureTimesJv)

        let evaluator = BatchEvaluator(network: problem.network, batch: problem.batch)
        evaluator.forward(problem.theta)
        var product = [Double](repeating: .nan, count: v.count)
        evaluator.curvatureProduct(v, into: &product, structuralWeight: 0)
        let error = maxRelativeError(product, expected)
        #expect(error < 1e-6, "G v relative error \(error)")
    }

    /// The structural-damping term alone against an explicit λμ·J_tᵀ diag(1 − h²) J_t / N over the
    /// steps inside each sequence.
    @Test(arguments: OutputLoss.allCases)
    func structuralDampingMatchesExplicitJacobianProduct(loss: OutputLoss) {
        let problem = TinyProblem(loss: loss)
        let reference = ReferenceRNN(network: problem.network, batch: problem.batch)
        let jacobian = finiteDifferenceJacobian(problem.theta) { reference.run($0).pre }
        let hiddenStates = reference.run(problem.theta).hidden
        let (B, H) = (problem.batch.sequenceCount, problem.network.shape.hidden)
        let scored = problem.batch.mask.reduce(0, +)
        var weighted = matrixVector(jacobian, problem.randomVector(seed: 5))
        for index in weighted.indices {
            let row = index / H
            let inside = row % B < B && (row / B) < problem.batch.lengths[row % B]
            weighted[index] *= inside ? (1 - hiddenStates[index] * hiddenStates[index]) / scored : 0
        }
        let (lambda, mu) = (0.8, 0.03)
        let expected = transposeVector(jacobian, weighted).map { $0 * lambda * mu }

        let evaluator = BatchEvaluator(network: problem.network, batch: problem.batch)
        evaluator.forward(problem.theta)
        let v = problem.randomVector(seed: 5)
        var plain = [Double](repeating: 0, count: v.count), damped = plain
        evaluator.curvatureProduct(v, into: &plain, structuralWeight: 0)
        evaluator.dampedCurvatureProduct(v, into: &damped, lambda: lambda, mu: mu)
        let structural = zip(zip(damped, plain), v).map { $0.0 - $0.1 - lambda * $1 }
        let error = maxRelativeError(structural, expected)
        #expect(error < 1e-6, "structural term relative error \(error)")
        #expect(expected.contains { abs($0) > 1e-8 })
    }

    @Test(arguments: OutputLoss.allCases)
    func fisherDiagonalMatchesPerSequenceGradients(loss: OutputLoss) {
        let problem = TinyProblem(loss: loss)
        let evaluator = BatchEvaluator(network: problem.network, batch: problem.batch)
        evaluator.forward(problem.theta)
        var gradient = [Double](repeating: 0, count: problem.theta.count), fisher = gradient
        evaluator.gradient(into: &gradient, fisherDiagonal: &fisher)
        let scored = problem.batch.mask.reduce(0, +)
        var expected = [Double](repeating: 0, count: fisher.count)
        for b in 0..<problem.batch.sequenceCount {
            let single = problem.batch.sequences(b..<(b + 1))
            let sequenceEvaluator = BatchEvaluator(network: problem.network, batch: single)
            sequenceEvaluator.forward(problem.theta)
            var sequenceGradient = expected
            sequenceEvaluator.gradient(into: &sequenceGradient)
            let sequenceScored = single.mask.reduce(0, +)  // undo that batch's own 1/N_b
            for k in expected.indices {
                let summed = sequenceGradient[k] * sequenceScored
                expected[k] += summed * summed / scored
            }
        }
        #expect(maxRelativeError(fisher, expected) < 1e-10)
    }
}

/// Properties of the curvature products on random vectors.
@Suite struct CurvaturePropertyTests {
    @Test(arguments: OutputLoss.allCases)
    func dampedProductIsSymmetricPositiveAndLinear(loss: OutputLoss) {
        let problem = TinyProblem(loss: loss, seed: 21)
        let evaluator = BatchEvaluator(network: problem.network, batch: problem.batch)
        evaluator.forward(problem.theta)
        let u = problem.randomVector(seed: 1), v = problem.randomVector(seed: 2)
        func product(_ x: [Double], lambda: Double = 0.5, mu: Double = 0.3) -> [Double] {
            var out = [Double](repeating: 0, count: x.count)
            evaluator.dampedCurvatureProduct(x, into: &out, lambda: lambda, mu: mu)
            return out
        }
        let (au, av) = (product(u), product(v))
        #expect(abs(dot(u, av) - dot(v, au)) < 1e-10 * max(1, abs(dot(u, av))))
        for seed in UInt64(30)..<UInt64(40) {
            let w = problem.randomVector(seed: seed)
            // G alone, and G with the structural term (λμ·J_tᵀ D'' J_t is PSD too), not counting λ's
            // own identity term, which would hide a negative direction of the rest.
            #expect(dot(w, product(w, lambda: 0, mu: 0)) >= 0)
            #expect(dot(w, product(w, lambda: 0.5, mu: 0.3)) - 0.5 * dot(w, w) >= -1e-12 * dot(w, w))
        }
        let combined = product(zip(u, v).map { 2 * $0 - 3 * $1 })
        #expect(maxRelativeError(combined, zip(au, av).map { 2 * $0 - 3 * $1 }) < 1e-12)
    }

    /// Unscored steps contribute nothing: changing their targets changes neither loss, gradient nor G v.
    @Test(arguments: OutputLoss.allCases)
    func unscoredStepsContributeNothing(loss: OutputLoss) {
        let problem = TinyProblem(loss: loss)
        var changed = problem.batch
        for row in changed.mask.indices where changed.mask[row] == 0 {
            for o in 0..<2 { changed.targets[row * 2 + o] = 1 - changed.targets[row * 2 + o] + 0.3 }
        }
        func everything(_ batch: SequenceBatch<Double>) -> [Double] {
            let evaluator = BatchEvaluator(network: problem.network, batch: batch)
            let value = evaluator.forward(problem.theta)
            var gradient = [Double](repeating: 0, count: problem.theta.count), product = gradient
            evaluator.gradient(into: &gradient)
            evaluator.curvatureProduct(problem.randomVector(seed: 3), into: &product, structuralWeight: 0.1)
            return [value] + gradient + product
        }
        #expect(everything(changed) == everything(problem.batch))
        #expect(changed.targets != problem.batch.targets)
    }

    /// The Float build agrees with the Double one to single-precision tolerance.
    @Test(arguments: OutputLoss.allCases)
    func floatAgreesWithDouble(loss: OutputLoss) {
        let problem = TinyProblem(loss: loss)
        let double = BatchEvaluator(network: problem.network, batch: problem.batch)
        let single = BatchEvaluator(network: problem.network, batch: problem.batch.converted(to: Float.self))
        let v = problem.randomVector(seed: 9)
        let lossDouble = double.forward(problem.theta)
        let lossSingle = single.forward(problem.theta.map { Float($0) })
        #expect(abs(Double(lossSingle) - lossDouble) < 1e-5 * max(1, abs(lossDouble)))
        var gd = [Double](repeating: 0, count: v.count), pd = gd
        var gs = [Float](repeating: 0, count: v.count), ps = gs
        double.gradient(into: &gd)
        single.gradient(into: &gs)
        double.curvatureProduct(v, into: &pd, structuralWeight: 0.2)
        single.curvatureProduct(v.map { Float($0) }, into: &ps, structuralWeight: 0.2)
        #expect(maxRelativeError(gs.map { Double($0) }, gd) < 1e-5)
        #expect(maxRelativeError(ps.map { Double($0) }, pd) < 1e-5)
    }
}

extension BatchEvaluator {
    /// `out ← (G + λI + λμ·J_tᵀ D'' J_t) v`, the damped product of M&S'11 without the L2 term: the
    /// model's part of what HessianFree's `DampedCurvatureOperator` applies (which adds weightCost·v),
    /// checked here against the explicit matrices.
    func dampedCurvatureProduct(_ v: [Scalar], into out: inout [Scalar], lambda: Scalar, mu: Scalar) {
        curvatureProduct(v, into: &out, structuralWeight: lambda * mu)
        Vec.axpy(lambda, v, &out)
    }
}
