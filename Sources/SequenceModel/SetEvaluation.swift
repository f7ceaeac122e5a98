import Linalg

/// Mean loss and error rate of a network on a set of sequences (given as chunks): the loss is the
/// mean over all scored outputs (no L2 term), summed in Double; the error rate is the fraction of
/// judged sequences that are wrong. `hfrnn evaluate` and `hfrnn export` compute it with
/// `EvaluationWorkspace.evaluateSet`, training's test curve with Training's `FixedTestSet`, in the
/// same chunks and the same order, so they agree to the last digit.
public struct SetEvaluation: Sendable, Equatable {
    /// Sequences evaluated (all chunks together).
    public var sequences: Int
    /// Sequences with at least one judged step, and how many of them are wrong.
    public var judged: Int
    public var wrong: Int
    /// Σ mask over all chunks.
    public var scoredOutputs: Double
    public var loss: Double
    /// Judged steps (a sequence may have several), and how many of them are wrong.
    public var judgedSteps = 0
    public var wrongSteps = 0
    /// wrong / judged (0 when nothing is judged).
    public var errorRate: Double {
        judged > 0 ? Double(wrong) / Double(judged) : 0
    }
    /// wrongSteps / judgedSteps (0 when nothing is judged): per symbol for memorisation.
    public var stepErrorRate: Double {
        judgedSteps > 0 ? Double(wrongSteps) / Double(judgedSteps) : 0
    }

    public init(sequences: Int = 0, judged: Int = 0, wrong: Int = 0, scoredOutputs: Double = 0, loss: Double = 0) {
        self.sequences = sequences
        self.judged = judged
        self.wrong = wrong
        self.scoredOutputs = scoredOutputs
        self.loss = loss
    }
}

extension EvaluationWorkspace {
    /// Runs the network at `parameters` over every chunk, one at a time through the shared
    /// evaluator, and totals loss and errors. `visit` sees each chunk with the evaluator holding
    /// its forward pass and the per-sequence verdicts. `owner` names the chunks for the workspace
    /// (default: a fresh owner, so the chunk data is always copied in).
    public func evaluateSet(parameters: [Scalar], chunks: [SequenceBatch<Scalar>], criterion: ErrorCriterion,
                            owner: Int? = nil,
                            visit: (SequenceBatch<Scalar>, BatchEvaluator<Scalar>, [Bool?]) -> Void = { _, _, _ in })
        -> SetEvaluation {
        var iterator = chunks.makeIterator()
        return evaluateSet(parameters: parameters, criterion: criterion, owner: owner, nextChunk: { iterator.next() },
                           visit: visit)
    }

    /// `evaluateSet` over chunks made one at a time by `nextChunk` (nil: no more), so that only
    /// one chunk is held at a time however many sequences are evaluated.
    public func evaluateSet(parameters: [Scalar], criterion: ErrorCriterion, owner: Int? = nil,
                            nextChunk: () -> SequenceBatch<Scalar>?,
                            visit: (SequenceBatch<Scalar>, BatchEvaluator<Scalar>, [Bool?]) -> Void = { _, _, _ in })
        -> SetEvaluation {
        let owner = owner ?? makeOwner()
        var result = SetEvaluation()
        var lossSum = 0.0
        var index = 0
        while let chunk = nextChunk() {
            defer { index += 1 }
            let evaluator = self.evaluator(owner: owner, chunk: index, batch: chunk)
            evaluator.forward(parameters)
            lossSum += evaluator.scoredLossSum
            result.scoredOutputs += Double(chunk.scoredOutputCount)
            let verdicts = evaluator.sequenceVerdicts(criterion: criterion)
            result.sequences += chunk.sequenceCount
            for verdict in verdicts {
                guard let isWrong = verdict else { continue }
                result.judged += 1
                if isWrong { result.wrong += 1 }
            }
            visit(chunk, evaluator, verdicts)
        }
        result.loss = result.scoredOutputs > 0 ? lossSum / result.scoredOutputs : 0
        return result
    }
}
