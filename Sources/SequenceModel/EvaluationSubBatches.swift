import Linalg

extension EvaluationWorkspace {
    /// The most memory one sub-batch of an evaluation may take (its data and its evaluator's
    /// buffers): 256 MiB. At the training lengths every sub-batch is far below it; only long
    /// sequences (length generalisation at T = 5,000, say) make sub-batches smaller, so that an
    /// evaluation's memory stays bounded however long its sequences are.
    public static var subBatchMemoryBudget: Int { 256 << 20 }

    /// Bytes one step of one sequence takes while a sub-batch is evaluated: the batch's inputs,
    /// targets, mask and error mask, and the evaluator's copies of them with its forward and
    /// backward buffers (`BatchEvaluator`'s [T, B, ·] arrays).
    public static func bytesPerSequenceStep(of shape: NetworkShape) -> Int {
        let (inputs, hidden, outputs) = (shape.inputs, shape.hidden, shape.outputs)
        // Evaluator: inputs, targets, mask, insideLength, ones, states, predictions, outputDelta, hiddenDelta.
        let evaluatorScalars = inputs + outputs + 3 + hidden + 2 * outputs + hidden
        return SequenceBatch<Scalar>.bytesPerStep(inputs: inputs, outputs: outputs) + evaluatorScalars * MemoryLayout<Scalar>.stride
    }

    /// `bytesPerSequenceStep` with the R-forward buffers a curvature product adds (R t and R h).
    public static func bytesPerCurvatureStep(of shape: NetworkShape) -> Int {
        bytesPerSequenceStep(of: shape) + 2 * shape.hidden * MemoryLayout<Scalar>.stride
    }

    /// Sequences per sub-batch when evaluating sequences of `steps` steps: `preferred`, or fewer
    /// when `preferred` of them would exceed `subBatchMemoryBudget`, but at least one. The size is a
    /// function of the length alone, so an evaluation gives the same bits every time; products over
    /// fewer rows may round differently from the preferred size's.
    public static func sequencesPerSubBatch(preferred: Int, steps: Int, shape: NetworkShape) -> Int {
        precondition(preferred > 0 && steps > 0, "a sub-batch needs sequences and steps (got \(preferred), \(steps))")
        let perSequence = max(1, steps * bytesPerSequenceStep(of: shape))
        return max(1, min(preferred, subBatchMemoryBudget / perSequence))
    }
}
