import Linalg
import SequenceModel
import Testing
import Training

/// Training's curvature product with bfloat16 matrix products: the same bits on any number of
/// threads (each sub-batch's product is one thread's, summed in order), as in float.
struct BFloat16ObjectiveTests {
    @Test func productIsTheSameBitsOnOneTwoAndThreeThreads() {
        let (inputs, hidden, sequences, steps) = (2, 20, 64, 9)
        let network = RecurrentNetwork(shape: NetworkShape(inputs: inputs, hidden: hidden, outputs: 1),
                                       outputLoss: .linearSquaredError)
        var rng = SeededGenerator(seed: 5)
        var batch = SequenceBatch<Float>(sequenceCount: sequences, steps: steps, inputSize: inputs, outputSize: 1)
        for k in batch.inputs.indices { batch.inputs[k] = Float(rng.nextGaussian()) }
        for b in 0..<sequences {
            let row = batch.index(step: steps - 1, sequence: b)
            batch.mask[row] = 1
            batch.errorMask[row] = true
            batch.targets[row] = Float(rng.nextGaussian())
        }
        let theta: [Float] = (0..<network.parameterCount).map { _ in Float(0.3 * rng.nextGaussian()) }
        let direction: [Float] = (0..<network.parameterCount).map { _ in Float(rng.nextGaussian()) }
        func product(threads: Int, arithmetic: ProductArithmetic) -> [UInt32] {
            let objective = RNNObjective(network: network, batch: batch, subBatchSize: 16,
                                         workspace: EvaluationWorkspace(network: network, threads: ComputeThreads(count: threads)),
                                         curvatureArithmetic: arithmetic)
            _ = objective.bindCurvature(at: theta)
            var out = [Float](repeating: 0, count: theta.count)
            objective.curvatureProduct(direction, into: &out, structuralWeight: 0.05)
            return out.map(\.bitPattern)
        }
        let alone = product(threads: 1, arithmetic: .bfloat16)
        #expect(product(threads: 2, arithmetic: .bfloat16) == alone)
        #expect(product(threads: 3, arithmetic: .bfloat16) == alone)
        #expect(product(threads: 1, arithmetic: .float) != alone)
    }
}
