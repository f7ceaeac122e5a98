import Linalg

/// One sub-batch of a batch that is evaluated sub-batch by sub-batch: held in memory, or remade
/// from its recipe each time an evaluator loads it. A batch evaluated once or twice per HF
/// iteration (the gradient batch, the test set) is made of remade sub-batches, so that its memory
/// is that of the sub-batches being evaluated, however many sequences it has; one evaluated many
/// times (the curvature batch) is held.
public struct SubBatch<Scalar: BLASScalar>: Sendable {
    public let sequenceCount: Int
    /// Σ mask of the sub-batch, known without remaking it (objectives weight sub-batches by it).
    public let scoredOutputCount: Scalar
    private let content: Content

    private enum Content: Sendable {
        case held(SequenceBatch<Scalar>)
        case remade(@Sendable () -> SequenceBatch<Scalar>)
    }

    /// A sub-batch held in memory.
    public init(_ batch: SequenceBatch<Scalar>) {
        sequenceCount = batch.sequenceCount
        scoredOutputCount = batch.scoredOutputCount
        content = .held(batch)
    }

    /// A sub-batch that `remake` makes again, identical every time, whenever it is needed.
    /// `made` is the sub-batch as first made, for its counts (it is not kept).
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
