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
    /// Steps every sequence is padded to.
    var steps: Int { get }
    /// Mean target per output, to initialise the output bias (nil: leave it at 0).
    var targetMean: [Double]? { get }
    /// `count` training sequences, drawn with `rng`.
    func trainingSequences(count: Int, using rng: inout SeededGenerator) throws -> SequenceBatch<Scalar>
    /// The fixed test set, exactly as many sequences as asked for, in sub-batches of `subBatchSize`
    /// sequences (the last one may be smaller), made one at a time, in order, by the function
    /// returned (nil after the last): only the sub-batch in hand is held, however large the set.
    func testSubBatchReader(subBatchSize: Int) throws -> () throws -> SequenceBatch<Scalar>?
    /// Sequences in the fixed test set.
    var testSetSize: Int { get }
    /// The same `count` sequences `trainingSequences(count:using:)` draws, with the same use of
    /// `rng`, as consecutive sub-batches of `subBatchSize` (the last one may be smaller), of which
    /// only those with `keep(index)` are made (nil for the others): a process of an MPI job reads
    /// only the rows it evaluates. With `remade`, a source that can make a sub-batch again cheaply
    /// and from any thread (a task generator, a dataset held in memory) gives sub-batches remade
    /// whenever they are evaluated, for a batch evaluated once an iteration and too large to hold
    /// (the gradient batch of the permutation, say); otherwise every one is held.
    func trainingSubBatches(count: Int, subBatchSize: Int, using rng: inout SeededGenerator, remade: Bool,
                            keep: (Int) -> Bool) throws -> [SubBatch<Scalar>?]
    /// `testSubBatches(subBatchSize:)`, with only the sub-batches with `keep(index)` made (nil for
    /// the others), remade at every evaluation where the source can (as above) and the set
    /// is too large to hold.
    func testSubBatches(subBatchSize: Int, keep: (Int) -> Bool) throws -> [SubBatch<Scalar>?]
}

extension SequenceSource {
    /// The whole fixed test set (`testSubBatchReader`), every sub-batch held.
    public func testSubBatches(subBatchSize: Int) throws -> [SequenceBatch<Scalar>] {
        let next = try testSubBatchReader(subBatchSize: subBatchSize)
        var subBatches: [SequenceBatch<Scalar>] = []
        while let subBatch = try next() { subBatches.append(subBatch) }
        return subBatches
    }

    /// Draws the whole batch and holds the requested sub-batches: generators must draw every
    /// sequence anyway to leave `rng` where one process would.
    public func trainingSubBatches(count: Int, subBatchSize: Int, using rng: inout SeededGenerator, remade: Bool,
                                   keep: (Int) -> Bool) throws -> [SubBatch<Scalar>?] {
        let parts = try trainingSequences(count: count, using: &rng).split(into: subBatchSize)
        return parts.indices.map { keep($0) ? SubBatch(parts[$0]) : nil }
    }

    public func testSubBatches(subBatchSize: Int, keep: (Int) -> Bool) throws -> [SubBatch<Scalar>?] {
        let subBatches = try testSubBatches(subBatchSize: subBatchSize)
        return subBatches.indices.map { keep($0) ? SubBatch(subBatches[$0]) : nil }
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
    public var steps: Int { spec.maximumLength }

    public func trainingSequences(count: Int, using rng: inout SeededGenerator) -> SequenceBatch<Scalar> {
        spec.makeBatch(count: count, using: &rng)
    }

    /// `testSequences` sequences from the test seed, in sub-batches of `subBatchSize` (the last one
    /// holding the remainder), each made when it is asked for.
    public func testSubBatchReader(subBatchSize: Int) -> () throws -> SequenceBatch<Scalar>? {
        precondition(subBatchSize >= 1, "test subBatch size must be at least 1, got \(subBatchSize)")
        var rng = SeededGenerator(seed: testSeed)
        var made = 0
        let (spec, total) = (self.spec, testSequences)
        return {
            guard made < total else { return nil }
            let count = min(subBatchSize, total - made)
            made += count
            return spec.makeBatch(count: count, using: &rng)
        }
    }

    /// A test set too large to hold (`SubBatch.isTooLargeToHold`) has each kept sub-batch remade
    /// from the generator's state before it at every evaluation, so a test set of any size holds
    /// only the sub-batches being evaluated.
    public func testSubBatches(subBatchSize: Int, keep: (Int) -> Bool) -> [SubBatch<Scalar>?] {
        precondition(subBatchSize >= 1, "test subBatch size must be at least 1, got \(subBatchSize)")
        var rng = SeededGenerator(seed: testSeed)
        let spec = self.spec
        let remade = SubBatch<Scalar>.isTooLargeToHold(sequences: testSequences, steps: spec.maximumLength,
                                                       inputs: spec.inputSize, outputs: spec.outputSize)
        return stride(from: 0, to: testSequences, by: subBatchSize).enumerated().map { index, first in
            let count = min(subBatchSize, testSequences - first), start = rng
            let made: SequenceBatch<Scalar> = spec.makeBatch(count: count, using: &rng)
            guard keep(index) else { return nil }
            guard remade else { return SubBatch(made) }
            return SubBatch(made: made) {
                var again = start
                return spec.makeBatch(count: count, using: &again)
            }
        }
    }

    /// Sub-batch by sub-batch, each drawn alone from where the generator stands (the same sequences
    /// as one batch of `count` split, `makeSequences`); remade ones keep only that state.
    public func trainingSubBatches(count: Int, subBatchSize: Int, using rng: inout SeededGenerator, remade: Bool,
                                   keep: (Int) -> Bool) -> [SubBatch<Scalar>?] {
        precondition(count >= 1 && subBatchSize >= 1, "a batch needs sequences and sub-batches (got \(count), \(subBatchSize))")
        let spec = self.spec
        return stride(from: 0, to: count, by: subBatchSize).enumerated().map { index, first in
            let range = first..<min(first + subBatchSize, count), start = rng
            let made: SequenceBatch<Scalar> = spec.makeSequences(range, ofBatch: count, using: &rng)
            guard keep(index) else { return nil }
            guard remade else { return SubBatch(made) }
            return SubBatch(made: made) {
                var again = start
                return spec.makeSequences(range, ofBatch: count, using: &again)
            }
        }
    }
}

extension TaskSpec {
    /// The task and its minimum length, as messages and progress headers name it: "addition T = 100".
    public var name: String { "\(task.rawValue) T = \(minimumLength)" }
}
