import Linalg
import Testing
@testable import SequenceModel

/// Long sequences are evaluated in fewer sequences per sub-batch, so that an evaluation's memory
/// stays bounded at any length (length generalisation evaluates at T = 5,000).
@Suite struct EvaluationSubBatchTests {
    /// The permutation's network: 100 inputs and outputs, 100 hidden units.
    let permutation = NetworkShape(inputs: 100, hidden: 100, outputs: 100)
    let addition = NetworkShape(inputs: 2, hidden: 100, outputs: 1)

    @Test func trainingLengthsKeepThePreferredSubBatch() {
        for shape in [permutation, addition] {
            for steps in [30, 110, 220] {
                #expect(EvaluationWorkspace<Float>.sequencesPerSubBatch(preferred: 100, steps: steps, shape: shape) == 100)
            }
        }
    }

    @Test(arguments: [5_500, 55_000])
    func longSequencesFillTheBudgetAndNoMore(steps: Int) {
        typealias Workspace = EvaluationWorkspace<Float>
        for shape in [permutation, addition] {
            let perSequence = steps * Workspace.bytesPerSequenceStep(of: shape)
            let sequences = Workspace.sequencesPerSubBatch(preferred: 100, steps: steps, shape: shape)
            #expect(sequences >= 1 && sequences < 100, "\(shape) at T \(steps): \(sequences)")
            #expect(sequences == 1 || sequences * perSequence <= Workspace.subBatchMemoryBudget)
            #expect((sequences + 1) * perSequence > Workspace.subBatchMemoryBudget)
        }
    }

    @Test func aSequenceLargerThanTheBudgetIsEvaluatedAlone() {
        let steps = EvaluationWorkspace<Double>.subBatchMemoryBudget / 100
        #expect(EvaluationWorkspace<Double>.sequencesPerSubBatch(preferred: 50, steps: steps, shape: permutation) == 1)
    }

    @Test func doublesTakeTwiceTheScalarBytes() {
        let single = EvaluationWorkspace<Float>.bytesPerSequenceStep(of: permutation)
        let double = EvaluationWorkspace<Double>.bytesPerSequenceStep(of: permutation)
        #expect(double - 1 == 2 * (single - 1))
    }

    /// The estimate is what an evaluation really holds: the batch's arrays and every buffer the
    /// evaluator allocates for a forward and backward pass, found by reflection, so that a buffer
    /// that `BatchEvaluator` allocates when it is made, without counting it here, fails this test
    /// (those buffers are all `UnsafeMutableBufferPointer<Float>`; a stored Float or Double array or
    /// buffer of another kind fails it too). Buffers allocated on first use (the R-pass's, SGD-CR's)
    /// are not seen here.
    @Test func bytesCountTheBatchAndEveryEvaluatorBuffer() {
        let shape = NetworkShape(inputs: 3, hidden: 7, outputs: 2)
        let (sequences, steps) = (5, 11)
        let network = RecurrentNetwork(shape: shape, outputLoss: .linearSquaredError)
        let batch = SequenceBatch<Float>(sequenceCount: sequences, steps: steps, inputSize: 3, outputSize: 2)
        let evaluator = BatchEvaluator(network: network, batch: batch)
        let evaluatorScalars = Mirror(reflecting: evaluator).children
            .compactMap { $0.value as? UnsafeMutableBufferPointer<Float> }.reduce(0) { $0 + $1.count }
        let batchBytes = (batch.inputs.count + batch.targets.count + batch.mask.count) * 4 + batch.errorMask.count
        // Beyond the rows: h_0 of every sequence, one column sum and W_hhᵀ (the parameters'
        // size, counted with them).
        let perSequenceOrStep = sequences * shape.hidden + shape.hidden + shape.hidden * shape.hidden
        let estimate = steps * sequences * EvaluationWorkspace<Float>.bytesPerSequenceStep(of: shape)
        #expect(estimate == batchBytes + (evaluatorScalars - perSequenceOrStep) * 4)
        // `parameters` holds θ between passes: the parameters' size, counted with them.
        let uncounted = Mirror(reflecting: evaluator).children.filter {
            $0.label != "parameters" && ($0.value is [Float] || $0.value is [Double] || $0.value is UnsafeMutableBufferPointer<Double>
                || $0.value is UnsafeMutableRawBufferPointer || $0.value is UnsafeMutablePointer<Float>)
        }
        #expect(uncounted.isEmpty, "buffers the estimate does not count: \(uncounted.map { $0.label ?? "?" })")
    }
}
