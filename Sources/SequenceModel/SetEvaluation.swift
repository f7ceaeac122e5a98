import Linalg

/// Mean loss and error rate of a network on a set of sequences (given as chunks): the loss is the
/// mean over all scored outputs (no L2 term), summed in Double; the error rate is the fraction of
/// judged sequences that are wrong. Training's test curve (Training's `FixedTestSet`), `hfrnn
/// evaluate` and `hfrnn export` (`EvaluationWorkspace.evaluateSet`) all total the same
/// `ChunkTotals` in the same chunks and the same order, so they agree to the last digit.
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

    /// The evaluation of a set whose chunks' totals are `chunks`, in chunk order.
    public init(totalling chunks: some Sequence<ChunkTotals>) {
        self.init()
        var lossSum = 0.0
        for chunk in chunks {
            lossSum += chunk.lossSum
            scoredOutputs += chunk.scoredOutputs
            sequences += chunk.sequences
            judged += chunk.judged
            wrong += chunk.wrong
            judgedSteps += chunk.judgedSteps
            wrongSteps += chunk.wrongSteps
        }
        loss = scoredOutputs > 0 ? lossSum / scoredOutputs : 0
    }
}

/// One chunk's part of a `SetEvaluation`, as the evaluator holding the chunk's forward pass gives it.
public struct ChunkTotals: Sendable, Equatable {
    /// Σ mask·L over the chunk's scored outputs, and Σ mask.
    public var lossSum: Double
    public var scoredOutputs: Double
    public var sequences: Int
    /// Judged sequences and steps, and the wrong ones among them.
    public var judged: Int
    public var wrong: Int
    public var judgedSteps: Int
    public var wrongSteps: Int

    /// The totals of `chunk`, whose forward pass `evaluator` holds.
    public init<Scalar: BLASScalar>(_ evaluator: BatchEvaluator<Scalar>, chunk: SequenceBatch<Scalar>,
                                    criterion: ErrorCriterion) {
        let errors = evaluator.errorCounts(criterion: criterion)
        lossSum = evaluator.scoredLossSum
        scoredOutputs = Double(chunk.scoredOutputCount)
        sequences = chunk.sequenceCount
        judged = errors.judgedSequences
        wrong = errors.wrongSequences
        judgedSteps = errors.judgedSteps
        wrongSteps = errors.wrongSteps
    }

    /// Doubles in the form workers exchange (`WorkerGroup.forEachPartial`).
    public static var width: Int { 7 }

    public func write(to slot: UnsafeMutableBufferPointer<Double>) {
        for (k, value) in [lossSum, scoredOutputs, Double(sequences), Double(judged), Double(wrong),
                           Double(judgedSteps), Double(wrongSteps)].enumerated() {
            slot[k] = value
        }
    }

    public init(slot: UnsafeBufferPointer<Double>) {
        lossSum = slot[0]
        scoredOutputs = slot[1]
        sequences = Int(slot[2])
        judged = Int(slot[3])
        wrong = Int(slot[4])
        judgedSteps = Int(slot[5])
        wrongSteps = Int(slot[6])
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
        var totals: [ChunkTotals] = []
        var index = 0
        while let chunk = nextChunk() {
            defer { index += 1 }
            let evaluator = self.evaluator(owner: owner, chunk: index, batch: chunk)
            evaluator.forward(parameters)
            totals.append(ChunkTotals(evaluator, chunk: chunk, criterion: criterion))
            visit(chunk, evaluator, evaluator.sequenceVerdicts(criterion: criterion))
        }
        return SetEvaluation(totalling: totals)
    }
}
