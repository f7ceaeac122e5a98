import Linalg

/// Mean loss and error rate of a network on a set of sequences (given as sub-batches): the loss is the
/// mean over all scored outputs (no L2 term), summed in Double; the error rate is the fraction of
/// judged sequences that are wrong. Training's test curve (Training's `FixedTestSet`), `hfrnn
/// evaluate` and `hfrnn export` (`EvaluationWorkspace.evaluateSet`) all total the same
/// `SubBatchTotals` in the same sub-batches and the same order, so they agree to the last digit.
public struct SetEvaluation: Sendable, Equatable {
    /// Sequences evaluated (all sub-batches together).
    public var sequences: Int
    /// Sequences with at least one judged step, and how many of them are wrong.
    public var judged: Int
    public var wrong: Int
    /// Σ mask over all sub-batches.
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

    /// The evaluation of a set whose sub-batches' totals are `subBatches`, in sub-batch order.
    public init(totalling subBatches: some Sequence<SubBatchTotals>) {
        self.init()
        var lossSum = 0.0
        for subBatch in subBatches {
            lossSum += subBatch.lossSum
            scoredOutputs += subBatch.scoredOutputs
            sequences += subBatch.sequences
            judged += subBatch.judged
            wrong += subBatch.wrong
            judgedSteps += subBatch.judgedSteps
            wrongSteps += subBatch.wrongSteps
        }
        loss = scoredOutputs > 0 ? lossSum / scoredOutputs : 0
    }
}

/// One sub-batch's share of a `SetEvaluation`, as the evaluator holding the sub-batch's forward pass gives it.
public struct SubBatchTotals: Sendable, Equatable {
    /// Σ mask·L over the sub-batch's scored outputs, and Σ mask.
    public var lossSum: Double
    public var scoredOutputs: Double
    public var sequences: Int
    /// Judged sequences and steps, and the wrong ones among them.
    public var judged: Int
    public var wrong: Int
    public var judgedSteps: Int
    public var wrongSteps: Int

    /// The totals of `subBatch`, whose forward pass `evaluator` holds.
    public init<Scalar: BLASScalar>(_ evaluator: BatchEvaluator<Scalar>, subBatch: SequenceBatch<Scalar>,
                                    criterion: ErrorCriterion) {
        let errors = evaluator.errorCounts(criterion: criterion)
        lossSum = evaluator.scoredLossSum
        scoredOutputs = Double(subBatch.scoredOutputCount)
        sequences = subBatch.sequenceCount
        judged = errors.judgedSequences
        wrong = errors.wrongSequences
        judgedSteps = errors.judgedSteps
        wrongSteps = errors.wrongSteps
    }

    /// Doubles in the form workers exchange (`WorkerGroup.forEachSubBatch`).
    public static var width: Int { 7 }

    public func write(to result: UnsafeMutableBufferPointer<Double>) {
        for (k, value) in [lossSum, scoredOutputs, Double(sequences), Double(judged), Double(wrong),
                           Double(judgedSteps), Double(wrongSteps)].enumerated() {
            result[k] = value
        }
    }

    public init(result: UnsafeBufferPointer<Double>) {
        lossSum = result[0]
        scoredOutputs = result[1]
        sequences = Int(result[2])
        judged = Int(result[3])
        wrong = Int(result[4])
        judgedSteps = Int(result[5])
        wrongSteps = Int(result[6])
    }
}

extension EvaluationWorkspace {
    /// Runs the network at `parameters` over every sub-batch, one at a time through the shared
    /// evaluator, and totals loss and errors. `visit` sees each sub-batch with the evaluator holding
    /// its forward pass and the per-sequence verdicts. `owner` names the sub-batches for the workspace
    /// (default: a fresh owner, so the sub-batch data is always copied in).
    public func evaluateSet(parameters: [Scalar], subBatches: [SequenceBatch<Scalar>], criterion: ErrorCriterion,
                            owner: Int? = nil,
                            visit: (SequenceBatch<Scalar>, BatchEvaluator<Scalar>, [Bool?]) -> Void = { _, _, _ in })
        -> SetEvaluation {
        var iterator = subBatches.makeIterator()
        return evaluateSet(parameters: parameters, criterion: criterion, owner: owner, nextSubBatch: { iterator.next() },
                           visit: visit)
    }

    /// `evaluateSet` over sub-batches made one at a time by `nextSubBatch` (nil: no more), so that only
    /// one sub-batch is held at a time however many sequences are evaluated; an error it throws ends
    /// the evaluation and is thrown on.
    public func evaluateSet(parameters: [Scalar], criterion: ErrorCriterion, owner: Int? = nil,
                            nextSubBatch: () throws -> SequenceBatch<Scalar>?,
                            visit: (SequenceBatch<Scalar>, BatchEvaluator<Scalar>, [Bool?]) -> Void = { _, _, _ in })
        rethrows -> SetEvaluation {
        let owner = owner ?? makeOwner()
        var totals: [SubBatchTotals] = []
        var index = 0
        while let subBatch = try nextSubBatch() {
            defer { index += 1 }
            let evaluator = self.evaluator(owner: owner, subBatch: index, batch: subBatch)
            evaluator.forward(parameters)
            totals.append(SubBatchTotals(evaluator, subBatch: subBatch, criterion: criterion))
            visit(subBatch, evaluator, evaluator.sequenceVerdicts(criterion: criterion))
        }
        return SetEvaluation(totalling: totals)
    }
}
