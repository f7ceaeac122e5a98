import Linalg
import SequenceModel
import Testing
@testable import HessianFree
@testable import Training

@Suite struct RNNObjectiveTests {
    let network = RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 5, outputs: 3), outputLoss: .softmaxCrossEntropy)

    func randomBatch(seed: UInt64) -> SequenceBatch<Double> {
        var rng = SeededGenerator(seed: seed)
        var batch = SequenceBatch<Double>(sequenceCount: 4, steps: 5, inputSize: 2, outputSize: 3)
        batch.lengths = [5, 3, 4, 2]
        for b in 0..<4 {
            for t in 0..<batch.lengths[b] {
                let row = batch.index(step: t, sequence: b)
                batch.inputs[row * 2] = rng.nextGaussian()
                batch.inputs[row * 2 + 1] = rng.nextGaussian()
                batch.targets[row * 3 + rng.nextInt(0, 3)] = 1
                batch.mask[row] = t == batch.lengths[b] - 1 || (b == 0 && t == 1) ? 1 : 0
            }
        }
        return batch
    }

    @Test func subBatchedObjectiveEqualsOneBatch() {
        let batch = randomBatch(seed: 4)
        var rng = SeededGenerator(seed: 9)
        let theta: [Double] = network.initialParameters(using: &rng)
        let v = (0..<theta.count).map { _ in rng.nextGaussian() }
        let whole = RNNObjective(network: network, batch: batch)
        // Sub-batches with different numbers of scored outputs (3 and 2) test the N_c/N weighting.
        let split = RNNObjective(network: network, subBatches: [batch.sequences(0..<2), batch.sequences(2..<4)])
        var g1 = [Double](), g2 = [Double](), f1 = [Double](), f2 = [Double]()
        let l1 = whole.lossGradientAndFisherDiagonal(at: theta, gradient: &g1, fisherDiagonal: &f1)
        let l2 = split.lossGradientAndFisherDiagonal(at: theta, gradient: &g2, fisherDiagonal: &f2)
        #expect(abs(l1 - l2) < 1e-12)
        #expect(zip(g1, g2).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(f1, f2).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(abs(whole.loss(at: theta) - l1) < 1e-12)
        var p1 = [Double](repeating: 0, count: theta.count), p2 = p1
        _ = whole.bindCurvature(at: theta)
        _ = split.bindCurvature(at: theta)
        whole.curvatureProduct(v, into: &p1, structuralWeight: 0.05)
        split.curvatureProduct(v, into: &p2, structuralWeight: 0.05)
        #expect(zip(p1, p2).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    /// The regularised gradient over sub-batches is the whole batch's (Ω is a mean over every
    /// counted step of the batch, not a mean of sub-batch means), the same bits for any thread
    /// count, and with weight 0 exactly the plain gradient.
    @Test func regularizedGradientCombinesSubBatchesAndIgnoresThreads() {
        let batch = randomBatch(seed: 6)
        var rng = SeededGenerator(seed: 3)
        let theta: [Double] = network.initialParameters(using: &rng)
        let whole = RNNObjective(network: network, batch: batch)
        let split = RNNObjective(network: network, subBatches: [batch.sequences(0..<1), batch.sequences(1..<4)])
        var g1 = [Double](), g2 = [Double](), plain = [Double]()
        let r1 = whole.lossAndRegularizedGradient(at: theta, vanishingWeight: 2, gradient: &g1)
        let r2 = split.lossAndRegularizedGradient(at: theta, vanishingWeight: 2, gradient: &g2)
        #expect(abs(r1.vanishingTerm - r2.vanishingTerm) < 1e-12 && r1.vanishingTerm > 0)
        #expect(zip(g1, g2).allSatisfy { abs($0 - $1) < 1e-12 })
        let loss = whole.lossAndGradient(at: theta, gradient: &plain)
        #expect(r1.loss == loss)
        // The term moves W_hh only.
        let recurrent = network.layout.hiddenToHidden.range
        #expect(g1.indices.allSatisfy { recurrent.contains($0) || g1[$0] == plain[$0] })
        #expect(recurrent.contains { g1[$0] != plain[$0] })
        // …by exactly weight · ∇Ω, Ω the mean over the batch's counted steps (∇Ω itself is checked
        // against finite differences in VanishingGradientTermTests): a flipped sign or a lost
        // factor fails here.
        let evaluator = BatchEvaluator(network: network, batch: batch)
        evaluator.forward(theta)
        var sums = VanishingGradientSums<Double>(hidden: network.shape.hidden)
        var scratch = [Double](repeating: 0, count: theta.count)
        evaluator.gradient(into: &scratch, vanishingSums: &sums)
        let offset = network.layout.hiddenToHidden.offset
        #expect(sums.countedSteps > 0)
        #expect(recurrent.allSatisfy {
            abs(g1[$0] - plain[$0] - 2 * sums.recurrentGradientSum[$0 - offset] / Double(sums.countedSteps)) < 1e-12
        })
        var unweighted = [Double]()
        _ = whole.lossAndRegularizedGradient(at: theta, vanishingWeight: 0, gradient: &unweighted)
        #expect(unweighted == plain)

        let floatTheta = theta.map { Float($0) }
        let floatBatch = batch.converted(to: Float.self)
        var reference = [Float]()
        let alone = RNNObjective(network: network, batch: floatBatch, subBatchSize: 1)
        let omega = alone.lossAndRegularizedGradient(at: floatTheta, vanishingWeight: 2, gradient: &reference).vanishingTerm
        for threads in [2, 3] {
            let workspace = EvaluationWorkspace<Float>(network: network, threads: ComputeThreads(count: threads))
            let threaded = RNNObjective(network: network, batch: floatBatch, subBatchSize: 1, workspace: workspace)
            var gradient = [Float]()
            let result = threaded.lossAndRegularizedGradient(at: floatTheta, vanishingWeight: 2, gradient: &gradient)
            #expect(gradient == reference && result.vanishingTerm == omega, "\(threads) threads")
        }
    }

    /// Evaluating f elsewhere on the same objective must not move the point curvature refers to.
    @Test func lossEvaluationDoesNotDisturbBoundCurvature() {
        let objective = RNNObjective(network: network, batch: randomBatch(seed: 5))
        var rng = SeededGenerator(seed: 2)
        let theta: [Double] = network.initialParameters(using: &rng)
        let v = (0..<theta.count).map { _ in rng.nextGaussian() }
        var before = [Double](repeating: 0, count: theta.count), after = before
        _ = objective.bindCurvature(at: theta)
        objective.curvatureProduct(v, into: &before, structuralWeight: 0.1)
        _ = objective.loss(at: theta.map { $0 + 0.3 })
        objective.curvatureProduct(v, into: &after, structuralWeight: 0.1)
        #expect(before == after)
        #expect(before.contains { $0 != 0 })
    }

    /// Objectives sharing one workspace (sub-batches of 4, 2 and a last 1; another T) give bit for bit
    /// what objectives with buffers of their own give, and leave a bound curvature point alone.
    @Test func sharedWorkspaceChangesNoBit() {
        var rng = SeededGenerator(seed: 12)
        let theta: [Double] = network.initialParameters(using: &rng)
        let v = (0..<theta.count).map { _ in rng.nextGaussian() }
        let batch = randomBatch(seed: 6)
        var longer = SequenceBatch<Double>(sequenceCount: 2, steps: 7, inputSize: 2, outputSize: 3)
        for k in longer.inputs.indices { longer.inputs[k] = rng.nextGaussian() }
        for b in 0..<2 { longer.mask[longer.index(step: 6, sequence: b)] = 1; longer.targets[longer.index(step: 6, sequence: b) * 3 + b] = 1 }
        let workspace = EvaluationWorkspace<Double>(network: network)
        let cases: [[SequenceBatch<Double>]] = [[batch], [batch.sequences(0..<2), batch.sequences(2..<3)], [longer], [batch.sequences(3..<4)]]
        let curvature = RNNObjective(network: network, subBatches: [batch], workspace: workspace)
        _ = curvature.bindCurvature(at: theta)
        var before = [Double](repeating: 0, count: theta.count), after = before
        curvature.curvatureProduct(v, into: &before, structuralWeight: 0.1)
        for _ in 0..<2 {  // twice: the second round finds the workspace holding other data
            for subBatches in cases {
                let own = RNNObjective(network: network, subBatches: subBatches)
                let shared = RNNObjective(network: network, subBatches: subBatches, workspace: workspace)
                var g1 = [Double](), g2 = [Double](), f1 = [Double](), f2 = [Double]()
                let l1 = own.lossGradientAndFisherDiagonal(at: theta, gradient: &g1, fisherDiagonal: &f1)
                let l2 = shared.lossGradientAndFisherDiagonal(at: theta, gradient: &g2, fisherDiagonal: &f2)
                #expect(l1.bitPattern == l2.bitPattern && g1 == g2 && f1 == f2)
                #expect(own.loss(at: v).bitPattern == shared.loss(at: v).bitPattern)
            }
        }
        curvature.curvatureProduct(v, into: &after, structuralWeight: 0.1)
        #expect(before == after)
        let split = RNNObjective(network: network, batch: batch, subBatchSize: 3)
        #expect(split.heldSubBatches.map(\.sequenceCount) == [3, 1])
        #expect(abs(split.loss(at: theta) - RNNObjective(network: network, batch: batch).loss(at: theta)) < 1e-12)
    }
}
