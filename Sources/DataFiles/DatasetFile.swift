import Diagnostics
import Foundation
import HDF5IO
import Linalg
import SequenceModel

/// A validated dataset file (schema in datasets/README.md), open for reading rows.
///
/// `init` checks everything before training starts — attributes, datasets, dtypes, shapes and
/// every value — streaming the file in blocks of rows, so a file larger than memory can be
/// validated (and trained on: rows are then read on demand). Every problem is a `HFRNNError`
/// of one line naming the file, the dataset and the problem; positions are 0-based. Rows read
/// later are checked again, so a file changed after validation cannot slip bad values in.
public final class DatasetFile {
    /// Files whose decoded rows need at most this many bytes are kept in memory by `DatasetSource`.
    public static let defaultInMemoryLimit = 256 << 20
    /// Validation reads blocks of rows of about this many bytes.
    public static let defaultBlockBytes = 16 << 20

    public let path: String
    /// N
    public let sequenceCount: Int
    /// T (padded steps)
    public let steps: Int
    /// I
    public let inputSize: Int
    /// O (the size of `/targets` rows, or `classes`)
    public let outputSize: Int
    public let outputLoss: OutputLoss
    public let targetEncoding: DatasetTargetEncoding
    /// Whether the file has `/error_mask` (otherwise the judged steps are the scored ones).
    public let hasErrorMask: Bool
    /// Σ mask: scored steps in the file.
    public private(set) var scoredSteps = 0
    /// Σ error_mask: judged steps in the file.
    public private(set) var judgedSteps = 0
    /// The shortest and the longest sequence's length.
    public private(set) var lengthRange = 1...1
    /// Mean target vector over the scored steps.
    public private(set) var targetMean: [Double] = []
    /// When a judged step is wrong: the loss's standard criterion, or for linear outputs the
    /// file's own `error_tolerance`.
    public let errorCriterion: ErrorCriterion
    /// Informational attributes, when present: the generating task, its T, seed and hfrnn version.
    public let task: String?
    public let taskLength: Int?
    public let seed: UInt64?
    public let creatorVersion: String?

    /// Every row, when the file was small enough to keep (see `init`).
    public private(set) var memory: DatasetRows?
    let file: HDF5File
    let errorMaskClass: HDF5ElementClass?

    /// Bytes one decoded sequence takes in memory (float inputs, targets and mask, Bool error mask, length).
    private var decodedSequenceBytes: Int { steps * (4 * (inputSize + outputSize + 1) + 1) + 8 }

    /// Opens and validates `path`. When all decoded rows need at most `keepInMemoryUpTo` bytes,
    /// they are kept (`memory`); otherwise rows are read from the file on demand. Validation reads
    /// blocks of about `blockBytes`.
    public init(path: String, keepInMemoryUpTo memoryLimit: Int = 0, blockBytes: Int = DatasetFile.defaultBlockBytes) throws {
        self.path = path
        let fail = Failure(path: path)
        do {
            file = try HDF5File.open(path)
        } catch let error as HDF5Error {
            throw fail(error.message)
        }
        let header = try Header(file, fail)
        sequenceCount = header.n
        steps = header.t
        inputSize = header.i
        outputSize = header.o
        outputLoss = header.loss
        targetEncoding = header.encoding
        errorMaskClass = header.errorMaskClass
        hasErrorMask = header.errorMaskClass != nil
        errorCriterion = header.errorTolerance.map { .absoluteTolerance($0) } ?? .standard(for: header.loss)
        task = header.task
        taskLength = header.taskLength
        seed = header.seed
        creatorVersion = header.creatorVersion

        // Stream the whole file once: validate every value, gather the statistics, keep the rows if small.
        let sequenceBytes = decodedSequenceBytes
        let (totalBytes, overflow) = sequenceBytes.multipliedReportingOverflow(by: header.n)
        var kept: DatasetRows? = !overflow && totalBytes <= memoryLimit
            ? DatasetRows(steps: header.t, inputSize: header.i, outputSize: header.o) : nil
        let blockRows = max(1, min(header.n, blockBytes / max(1, sequenceBytes)))
        var statistics = Statistics(outputs: header.o)
        var start = 0
        while start < header.n {
            let rows = start..<min(header.n, start + blockRows)
            let block = try decode(rows, statistics: &statistics)
            kept?.append(block)
            start = rows.upperBound
        }
        guard statistics.scored > 0 else {
            throw fail("/mask has no scored step (all values are 0); at least one step must be 1")
        }
        guard statistics.judged > 0 else {
            throw fail("/error_mask has no judged step (all values are 0); at least one step must be 1")
        }
        scoredSteps = statistics.scored
        judgedSteps = statistics.judged
        lengthRange = statistics.shortest...statistics.longest
        targetMean = statistics.targetSums.map { $0 / Double(statistics.scored) }
        memory = kept
    }

    /// Whether every row is held in memory.
    public var isInMemory: Bool { memory != nil }

    /// "file: N = 100 sequences, T = 21 steps (lengths 19–21), I = 2, O = 1, linear-squared-error, ..."
    public var summary: String {
        let lengths = lengthRange.lowerBound == lengthRange.upperBound
            ? "all \(lengthRange.lowerBound)" : "\(lengthRange.lowerBound)–\(lengthRange.upperBound)"
        return "\(path): N = \(sequenceCount) sequences, T = \(steps) steps (lengths \(lengths)), I = \(inputSize), "
            + "O = \(outputSize), \(outputLoss.rawValue), \(scoredSteps) scored steps (\(targetEncoding == .labels ? "labels" : "targets")"
            + (hasErrorMask ? "; error mask: \(judgedSteps) judged steps" : "") + ")"
            + (errorCriterion == .standard(for: outputLoss) ? "" : ", a sequence \(errorCriterion.wording)")
    }

    /// Decoded rows `range` (from memory, or read from the file and checked again).
    public func rows(_ range: Range<Int>) throws -> DatasetRows {
        guard range.lowerBound >= 0, range.upperBound <= sequenceCount else {
            throw HFRNNError.file(path, "rows \(range.lowerBound)..<\(range.upperBound) are outside 0..<\(sequenceCount)")
        }
        if let memory {
            var part = DatasetRows(steps: steps, inputSize: inputSize, outputSize: outputSize)
            let (t, i, o) = (steps, inputSize, outputSize)
            part.inputs = Array(memory.inputs[(range.lowerBound * t * i)..<(range.upperBound * t * i)])
            part.targets = Array(memory.targets[(range.lowerBound * t * o)..<(range.upperBound * t * o)])
            part.mask = Array(memory.mask[(range.lowerBound * t)..<(range.upperBound * t)])
            part.errorMask = Array(memory.errorMask[(range.lowerBound * t)..<(range.upperBound * t)])
            part.lengths = Array(memory.lengths[range])
            return part
        }
        var ignored = Statistics(outputs: outputSize)
        return try decode(range, statistics: &ignored)
    }

    /// `count` consecutive sequences starting at row `offset`, wrapping around from the last row
    /// to the first (as often as needed when `count` > N), as a time-major batch.
    public func sequences<S: BLASScalar>(startingAt offset: Int, count: Int, as _: S.Type = S.self) throws -> SequenceBatch<S> {
        guard count >= 1 else { throw HFRNNError.file(path, "a batch needs at least one sequence, got \(count)") }
        guard offset >= 0 && offset < sequenceCount else {
            throw HFRNNError.file(path, "start row \(offset) is outside 0..<\(sequenceCount)")
        }
        let n = sequenceCount
        if let memory {
            return memory.sequenceBatch(rows: (0..<count).map { (offset + $0) % n })
        }
        if count >= n {
            // Every row is needed (some more than once): read the file once.
            return try rows(0..<n).sequenceBatch(rows: (0..<count).map { (offset + $0) % n })
        }
        // One hyperslab read, or two when the block wraps past the end.
        var block = try rows(offset..<min(n, offset + count))
        if offset + count > n { block.append(try rows(0..<(offset + count - n))) }
        return block.sequenceBatch(rows: Array(0..<count))
    }
}
