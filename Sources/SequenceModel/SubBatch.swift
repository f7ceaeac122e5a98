import Linalg

/// One sub-batch of a batch that is evaluated sub-batch by sub-batch: held in memory, or remade
/// from its recipe each time an evaluator loads it. A large batch evaluated once or twice per HF
/// iteration (the gradient batch, the test set) is made of remade sub-batches, so that its memory
/// is that of the sub-batches being evaluated, however many sequences it has; one evaluated many
/// times (the curvature batch), or small enough to hold, is held: remaking costs generating the
/// sequences again at every evaluation.
public struct SubBatch<Scalar: BLASScalar>: Sendable {
    /// The most memory a batch is held in before its sub-batches are remade instead: 256 MiB, far
    /// above the data of the tasks scored once at T = 100 (a few numbers per step), below that of
    /// the permutation, whose one-hot steps take 100 inputs and 100 targets.
    public static var heldBatchBudget: Int { 256 << 20 }

    /// Whether a batch of `sequences` sequences of `steps` steps, with `inputs` and `outputs` per
    /// step, is larger than `heldBatchBudget`.
    public static func isTooLargeToHold(sequences: Int, steps: Int, inputs: Int, outputs: Int) -> Bool {
        let perStep = SequenceBatch<Scalar>.bytesPerStep(inputs: inputs, outputs: outputs)
        let (perSequence, overflow) = steps.multipliedReportingOverflow(by: perStep)
        return overflow || sequences > heldBatchBudget / max(1, perSequence)
    }

    public let sequenceCount: Int
    /// Σ mask of the sub-batch, known without remaking it (objectives weight sub-batches by it).
    public let scoredOutputCount: Scalar
    private let content: Content

    private enum Content: Sendable {
        case held(SequenceBatch<Scalar>)
        case remade(@Sendable () -> SequenceBatch<Scalar>)
    }

    /// A sub-batch held in memory.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(_ batch: SequenceBatch<Scalar>) {
        sequenceCount = batch.sequenceCount
        scoredOutputCount = batch.scoredOutputCount
        content = .held(batch)
    }

    /// A sub-batch that `remake` makes again, identical every time, whenever it is needed.
    /// `made` is the sub-batch as first made, for its counts (it is not kept).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(made: SequenceBatch<Scalar>, remake: @escaping @Sendable () -> SequenceBatch<Scalar>) {
        sequenceCount = made.sequenceCount
        scoredOutputCount = made.scoredOutputCount
        content = .remade(remake)
    }

    /// The sequences: the held batch, or a newly made one.
    public var batch: SequenceBatch<Scalar> {
        switch content {
        case .held(let batch): batch
        case .remade(let remake): remake()
        }
    }

    /// Whether the sequences are held in memory.
    public var isHeld: Bool { if case .held = content { true } else { false } }
}
