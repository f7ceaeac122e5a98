import Linalg
import SequenceModel
import Tasks

/// A supply of sequences for training: a task generator or a dataset file.
public protocol SequenceSource<Scalar>: AnyObject {
    associatedtype Scalar: BLASScalar
    /// What the data is, for messages: the task and its length, or the file.
    var name: String { get }
    var inputSize: Int { get }
    var outputSize: Int { get }
    var outputLoss: OutputLoss { get }
    var errorCriterion: ErrorCriterion { get }
    /// Mean target per output, to initialise the output bias (nil: leave it at 0).
    var targetMean: [Double]? { get }
    /// `count` training sequences, drawn with `rng`.
    func trainingSequences(count: Int, using rng: inout SeededGenerator) throws -> SequenceBatch<Scalar>
    /// The fixed test set, exactly as many sequences as asked for, as sub-batches of `subBatchSize`
    /// sequences (the last one may be smaller).
    func testSubBatches(subBatchSize: Int) throws -> [SequenceBatch<Scalar>]
    /// Sequences in the fixed test set.
    var testSetSize: Int { get }
    /// The same `count` sequences `trainingSequences(count:using:)` draws, with the same use of
    /// `rng`, as consecutive sub-batches of `subBatchSize` (the last one may be smaller), of which
    /// only those with `keep(index)` are made (nil for the others): a process of an MPI job reads
    /// only the rows it evaluates.
    func trainingSubBatches(count: Int, subBatchSize: Int, using rng: inout SeededGenerator,
                            keep: (Int) -> Bool) throws -> [SequenceBatch<Scalar>?]
    /// `testSubBatches(subBatchSize:)`, with only the sub-batches with `keep(index)` made (nil for the others).
    func testSubBatches(subBatchSize: Int, keep: (Int) -> Bool) throws -> [SequenceBatch<Scalar>?]
}

extension SequenceSource {
    /// Draws the whole batch and keeps the requested sub-batches: generators must draw every
    /// sequence anyway to leave `rng` where one process would.
    public func trainingSubBatches(count: Int, subBatchSize: Int, using rng: inout SeededGenerator,
                                   keep: (Int) -> Bool) throws -> [SequenceBatch<Scalar>?] {
        let parts = try trainingSequences(count: count, using: &rng).split(into: subBatchSize)
        return parts.indices.map { keep($0) ? parts[$0] : nil }
    }

    public func testSubBatches(subBatchSize: Int, keep: (Int) -> Bool) throws -> [SequenceBatch<Scalar>?] {
        let subBatches = try testSubBatches(subBatchSize: subBatchSize)
        return subBatches.indices.map { keep($0) ? subBatches[$0] : nil }
    }
}

/// Fresh sequences from a pathological-task generator every HF iteration [ISC], and a fixed test
/// set generated once from its own seed.
public final class TaskSource<Scalar: BLASScalar>: SequenceSource {
    public let spec: TaskSpec
    let testSequences: Int
    let testSeed: UInt64

    public init(spec: TaskSpec, testSequences: Int, testSeed: UInt64) {
        self.spec = spec
        self.testSequences = testSequences
        self.testSeed = testSeed
    }

    public var name: String { spec.name }
    public var inputSize: Int { spec.inputSize }
    public var outputSize: Int { spec.outputSize }
    public var outputLoss: OutputLoss { spec.outputLoss }
    public var errorCriterion: ErrorCriterion { spec.errorCriterion }
    public var targetMean: [Double]? { spec.targetMean }
    public var testSetSize: Int { testSequences }

    public func trainingSequences(count: Int, using rng: inout SeededGenerator) -> SequenceBatch<Scalar> {
        spec.makeBatch(count: count, using: &rng)
    }

    /// `testSequences` sequences in sub-batches of `subBatchSize`, the last one holding the remainder.
    public func testSubBatches(subBatchSize: Int) -> [SequenceBatch<Scalar>] {
        precondition(subBatchSize >= 1, "test subBatch size must be at least 1, got \(subBatchSize)")
        var rng = SeededGenerator(seed: testSeed)
        return stride(from: 0, to: testSequences, by: subBatchSize).map { first in
            spec.makeBatch(count: min(subBatchSize, testSequences - first), using: &rng)
        }
    }
}

extension TaskSpec {
    /// The task and its minimum length, as messages and progress headers name it: "addition T = 100".
    public var name: String { "\(task.rawValue) T = \(minimumLength)" }
}
