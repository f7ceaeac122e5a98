import DataFiles
import Diagnostics
import Foundation
import Linalg
import SequenceModel

/// Training sequences from a fixed dataset file (schema in datasets/README.md), and a fixed test
/// set from a second file or from the first rows of the same one.
///
/// Both files are validated completely when the source is created. A file whose decoded rows
/// need at most `inMemoryLimit` bytes (256 MiB by default) is read into memory once; a bigger one
/// stays on disk and every minibatch is read with one or two hyperslab reads.
public final class DatasetSource<Scalar: BLASScalar>: SequenceSource {
    public let training: DatasetFile
    /// The test file (the training file itself when no test path was given).
    public let test: DatasetFile
    public let testSequences: Int

    /// Opens and validates `path` (and `testPath`), and checks that the test file has the same
    /// inputs, outputs and loss (its T may differ).
    public init(path: String, testPath: String?, testSequences: Int,
                inMemoryLimit: Int = DatasetFile.defaultInMemoryLimit) throws {
        guard testSequences >= 1 else { throw HFRNNError.configuration(field: "testSequences", message: "test set size must be at least 1, got \(testSequences)") }
        training = try DatasetFile(path: path, keepInMemoryUpTo: inMemoryLimit)
        // A test path naming the training file itself (`evaluate --dataset`, `export`) opens it once.
        let samePath = { (a: String, b: String) in
            URL(fileURLWithPath: a).standardizedFileURL.path == URL(fileURLWithPath: b).standardizedFileURL.path
        }
        if let testPath, !samePath(testPath, path) {
            let test = try DatasetFile(path: testPath, keepInMemoryUpTo: inMemoryLimit)
            guard test.inputSize == training.inputSize, test.outputSize == training.outputSize else {
                throw HFRNNError.dataMismatch(testPath, "test set has I = \(test.inputSize), O = \(test.outputSize) but the "
                                    + "training file \(path) has I = \(training.inputSize), O = \(training.outputSize)")
            }
            guard test.outputLoss == training.outputLoss else {
                throw HFRNNError.dataMismatch(testPath, "test set has output_loss '\(test.outputLoss.rawValue)' but the "
                                    + "training file \(path) has '\(training.outputLoss.rawValue)'")
            }
            guard test.errorCriterion == training.errorCriterion else {
                throw HFRNNError.dataMismatch(testPath, "test set counts a sequence \(test.errorCriterion.wording), the "
                                    + "training file \(path) \(training.errorCriterion.wording); give both the same error_tolerance")
            }
            self.test = test
        } else {
            test = training
        }
        self.testSequences = testSequences
    }

    public var name: String { training.path }
    public var inputSize: Int { training.inputSize }
    public var outputSize: Int { training.outputSize }
    public var steps: Int { training.steps }
    public var outputLoss: OutputLoss { training.outputLoss }
    public var errorCriterion: ErrorCriterion { test.errorCriterion }
    /// The mean target over the scored steps of the training file.
    public var targetMean: [Double]? { training.targetMean }

    /// `count` consecutive rows of the training file starting at a row drawn with one
    /// `rng.nextInt(0, N)`, wrapping from the last row to the first (repeating rows when
    /// `count` > N).
    public func trainingSequences(count: Int, using rng: inout SeededGenerator) throws -> SequenceBatch<Scalar> {
        guard count >= 1 else { throw HFRNNError.file(training.path, "a batch needs at least one sequence, got \(count)") }
        let offset = rng.nextInt(0, training.sequenceCount)
        return try training.sequences(startingAt: offset, count: count)
    }

    public var testSetSize: Int { min(testSequences, test.sequenceCount) }

    /// Reads only the kept sub-batches' rows (one or two hyperslabs each for a file on disk).
    /// With `remade`, sub-batches of a file held in memory are remade from its rows whenever they
    /// are evaluated; a file read from disk holds them all the same, since remaking them would read
    /// it from worker threads, which needs an HDF5 library built thread-safe (Debian's is not).
    public func trainingSubBatches(count: Int, subBatchSize: Int, using rng: inout SeededGenerator, remade: Bool,
                                   keep: (Int) -> Bool) throws -> [SubBatch<Scalar>?] {
        guard count >= 1 else { throw HFRNNError.file(training.path, "a batch needs at least one sequence, got \(count)") }
        let offset = rng.nextInt(0, training.sequenceCount)
        let size = max(1, subBatchSize)
        return try stride(from: 0, to: count, by: size).enumerated().map { index, first in
            guard keep(index) else { return nil }
            return try Self.subBatch(of: training, startingAt: (offset + first) % training.sequenceCount,
                                     count: min(size, count - first), remade: remade)
        }
    }

    /// `testSubBatches(subBatchSize:)`, reading only the kept sub-batches' rows; a test set too
    /// large to hold (`SubBatch.isTooLargeToHold`) is remade as above.
    public func testSubBatches(subBatchSize: Int, keep: (Int) -> Bool) throws -> [SubBatch<Scalar>?] {
        guard subBatchSize >= 1 else { throw HFRNNError("test subBatch size must be at least 1, got \(subBatchSize)") }
        let available = testSetSize
        let remade = SubBatch<Scalar>.isTooLargeToHold(sequences: available, steps: test.steps, inputs: test.inputSize,
                                                       outputs: test.outputSize)
        return try stride(from: 0, to: available, by: subBatchSize).enumerated().map { index, first in
            guard keep(index) else { return nil }
            return try Self.subBatch(of: test, startingAt: first, count: min(subBatchSize, available - first), remade: remade)
        }
    }

    /// `count` rows of `file` from row `offset` on (wrapping), held, or with `remade` and the rows in
    /// memory, remade from them (a copy from memory, safe on any thread) whenever evaluated.
    private static func subBatch(of file: DatasetFile, startingAt offset: Int, count: Int,
                                 remade: Bool) throws -> SubBatch<Scalar> {
        let made: SequenceBatch<Scalar> = try file.sequences(startingAt: offset, count: count)
        guard remade, let rows = file.memory else { return SubBatch(made) }
        let indices = (0..<count).map { (offset + $0) % file.sequenceCount }
        return SubBatch(made: made) { rows.sequenceBatch(rows: indices) }
    }

    /// The first m = min(`testSequences`, N_test) rows of the test file in sub-batches of
    /// `subBatchSize` rows (the last sub-batch holds the remaining m mod subBatchSize rows, if any),
    /// each read when it is asked for.
    public func testSubBatchReader(subBatchSize: Int) throws -> () throws -> SequenceBatch<Scalar>? {
        guard subBatchSize >= 1 else { throw HFRNNError("test subBatch size must be at least 1, got \(subBatchSize)") }
        let (file, available) = (test, testSetSize)
        var read = 0
        return {
            guard read < available else { return nil }
            let count = min(subBatchSize, available - read)
            defer { read += count }
            return try file.sequences(startingAt: read, count: count)
        }
    }
}
