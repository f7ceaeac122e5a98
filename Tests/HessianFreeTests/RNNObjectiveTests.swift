import Linalg
import SequenceModel
import Testing
@testable import HessianFree

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

    @Test func chunkedObjectiveEqualsOneBatch() {
        let batch = randomBatch(seed: 4)
        var rng = SeededGenerator(seed: 9)
        let theta: [Double] = network.initialParameters(using: &rng)
        let v = (0..<theta.count).map { _ in rng.nextGaussian() }
        let whole = RNNObjective(network: network, batch: batch)
        // Chunks with different numbers of scored outputs (3 and 2) test the N_c/N weighting.
        let chunked = RNNObjective(network: network, chunks: [batch.sequences(0..<2), batch.sequences(2..<4)])
        var g1 = [Double](), g2 = [Double](), f1 = [Double](), f2 = [Double]()
        let l1 = whole.lossGradientAndFisherDiagonal(at: theta, gradient: &g1, fisherDiagonal: &f1)
        let l2 = chunked.lossGradientAndFisherDiagonal(at: theta, gradient: &g2, fisherDiagonal: &f2)
        #expect(abs(l1 - l2) < 1e-12)
        #expect(zip(g1, g2).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(f1, f2).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(abs(whole.loss(at: theta) - l1) < 1e-12)
        var p1 = [Double](repeating: 0, count: theta.count), p2 = p1
        _ = whole.bindCurvature(at: theta)
        _ = chunked.bindCurvature(at: theta)
        whole.curvatureProduct(v, into: &p1, structuralWeight: 0.05)
        chunked.curvatureProduct(v, into: &p2, structuralWeight: 0.05)
        #expect(zip(p1, p2).allSatisfy { abs($0 - $1) < 1e-12 })
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
}
