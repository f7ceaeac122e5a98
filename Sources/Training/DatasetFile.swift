import Foundation
import HDF5IO
import Linalg
import SequenceModel
import Tasks

// The on-disk schema of sequence datasets (documented in full in datasets/README.md).
//
// Batch-major, like numpy: N sequences, T padded steps, I inputs, O outputs.
//
// | dataset       | dtype               | shape     | meaning                                          |
// |---------------|---------------------|-----------|--------------------------------------------------|
// | `/inputs`     | float               | [N, T, I] | input vectors                                    |
// | `/targets`    | float               | [N, T, O] | target vectors (or `/labels`, never both)        |
// | `/labels`     | integer             | [N, T]    | class indices in 0..<classes (softmax only)      |
// | `/mask`       | float 0/1           | [N, T]    | scored steps (weight in the loss)                |
// | `/error_mask` | float or integer 0/1| [N, T]    | judged steps (optional; default: `/mask`)        |
// | `/lengths`    | integer             | [N]       | true length of each sequence, in 1...T           |
//
// Root attributes: `format` = "hfrnn-dataset", `format_version` = 1, `output_loss`, `classes`
// (with `/labels`); informational: `task`, `task_length`, `seed`, `hfrnn_version`.

/// Constants of the dataset schema.
public enum DatasetSchema {
    /// The root attribute `format`.
    public static let format = "hfrnn-dataset"
    /// The root attribute `format_version` this hfrnn writes and reads.
    public static let formatVersion: Int64 = 1
    /// The largest `classes` accepted with `/labels`.
    public static let maximumClasses = 1 << 20
    /// One sequence (inputs and targets, as float32) must fit in this many bytes.
    public static let maximumSequenceBytes = 1 << 30
    /// Softmax targets at scored steps must sum to 1 within this tolerance.
    public static let probabilityTolerance: Float = 1e-3
    /// Largest |target| of a linear-squared-error file: a prediction −y against the target y must
    /// give a squared error (2y)²/2 that float32 can hold, i.e. |y| ≤ √(Float.max / 2) ≈ 1.3·10¹⁹.
    /// Beyond it training can only overflow (every step rejected); such data must be rescaled.
    public static let maximumLinearTarget: Float = (Float.greatestFiniteMagnitude / 2).squareRoot()
}

/// How a dataset stores its targets.
public enum DatasetTargetEncoding: String, Sendable, CaseIterable {
    /// `/targets`, float `[N, T, O]`.
    case targets
    /// `/labels`, integer `[N, T]` class indices, with the root attribute `classes` = O; read as
    /// one-hot target rows (softmax-cross-entropy only).
    case labels
}

/// Decoded rows of a dataset, batch-major like the file (`[n, T, ·]`), targets always as vectors.
public struct DatasetRows: Sendable, Equatable {
    public let steps: Int
    public let inputSize: Int
    public let outputSize: Int
    /// `[n, T, I]`
    public internal(set) var inputs: [Float] = []
    /// `[n, T, O]` (one-hot rows when the file stores `/labels`)
    public internal(set) var targets: [Float] = []
    /// `[n, T]`, 0 or 1
    public internal(set) var mask: [Float] = []
    /// `[n, T]`
    public internal(set) var errorMask: [Bool] = []
    /// `[n]`, each in 1...T
    public internal(set) var lengths: [Int] = []

    /// The number of sequences n.
    public var count: Int { lengths.count }

    init(steps: Int, inputSize: Int, outputSize: Int) {
        self.steps = steps
        self.inputSize = inputSize
        self.outputSize = outputSize
    }

    mutating func append(_ other: DatasetRows) {
        inputs += other.inputs
        targets += other.targets
        mask += other.mask
        errorMask += other.errorMask
        lengths += other.lengths
    }

    /// Rows `rows` (in that order, repeats allowed) as a time-major batch `[T, B, ·]`.
    public func sequenceBatch<S: BLASScalar>(rows: [Int], as _: S.Type = S.self) -> SequenceBatch<S> {
        let (t, i, o) = (steps, inputSize, outputSize)
        var batch = SequenceBatch<S>(sequenceCount: rows.count, steps: t, inputSize: i, outputSize: o)
        for (b, row) in rows.enumerated() {
            precondition(row >= 0 && row < count, "row \(row) outside 0..<\(count)")
            for step in 0..<t {
                let source = row * t + step, destination = batch.index(step: step, sequence: b)
                batch.mask[destination] = S(mask[source])
                batch.errorMask[destination] = errorMask[source]
                for k in 0..<i { batch.inputs[destination * i + k] = S(inputs[source * i + k]) }
                for k in 0..<o { batch.targets[destination * o + k] = S(targets[source * o + k]) }
            }
            batch.lengths[b] = lengths[row]
        }
        return batch
    }
}

/// A validated dataset file (schema in datasets/README.md), open for reading rows.
///
/// `init` checks everything before training starts — attributes, datasets, dtypes, shapes and
/// every value — streaming the file in blocks of rows, so a file larger than memory can be
/// validated (and trained on: rows are then read on demand). Every problem is a `TrainingError`
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
    /// Mean target vector over the scored steps.
    public private(set) var targetMean: [Double] = []
    /// Informational attributes, when present: the generating task, its T, seed and hfrnn version.
    public let task: String?
    public let taskLength: Int?
    public let seed: UInt64?
    public let creatorVersion: String?

    /// Every row, when the file was small enough to keep (see `init`).
    public private(set) var memory: DatasetRows?
    private let file: HDF5File
    private let errorMaskClass: HDF5ElementClass?

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
        targetMean = statistics.targetSums.map { $0 / Double(statistics.scored) }
        memory = kept
    }

    /// Whether every row is held in memory.
    public var isInMemory: Bool { memory != nil }

    /// "file: N = 100 sequences, T = 21 steps, I = 2, O = 1, linear-squared-error, ..."
    public var summary: String {
        "\(path): N = \(sequenceCount) sequences, T = \(steps) steps, I = \(inputSize), O = \(outputSize), "
            + "\(outputLoss.rawValue), \(scoredSteps) scored steps (\(targetEncoding == .labels ? "labels" : "targets")"
            + (hasErrorMask ? ", error mask" : "") + ")"
    }

    /// Decoded rows `range` (from memory, or read from the file and checked again).
    public func rows(_ range: Range<Int>) throws -> DatasetRows {
        guard range.lowerBound >= 0, range.upperBound <= sequenceCount else {
            throw TrainingError("\(path): rows \(range.lowerBound)..<\(range.upperBound) are outside 0..<\(sequenceCount)")
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
        guard count >= 1 else { throw TrainingError("\(path): a batch needs at least one sequence, got \(count)") }
        guard offset >= 0 && offset < sequenceCount else {
            throw TrainingError("\(path): start row \(offset) is outside 0..<\(sequenceCount)")
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

    // MARK: Reading and checking rows

    private struct Statistics {
        var scored = 0
        var judged = 0
        var targetSums: [Double]
        init(outputs: Int) { targetSums = Array(repeating: 0, count: outputs) }
    }

    /// Reads rows `range` of every dataset, checks each value and decodes them.
    private func decode(_ range: Range<Int>, statistics: inout Statistics) throws -> DatasetRows {
        let fail = Failure(path: path)
        let (t, i, o) = (steps, inputSize, outputSize)
        let first = range.lowerBound
        var rows = DatasetRows(steps: t, inputSize: i, outputSize: o)
        /// "sequence n, step t" of a flat [n, T] index.
        func at(_ k: Int) -> String { "sequence \(first + k / t), step \(k % t)" }

        let lengths = try fail.hdf5 { try file.readRows("lengths", rows: range, as: Int64.self) }
        rows.lengths.reserveCapacity(lengths.count)
        for (k, length) in lengths.enumerated() {
            guard length >= 1 && length <= Int64(t) else {
                throw fail("/lengths is \(length) for sequence \(first + k); lengths must be in 1...\(t) (T)")
            }
            rows.lengths.append(Int(length))
        }

        rows.inputs = try fail.hdf5 { try file.readRows("inputs", rows: range, as: Float.self) }
        if let bad = rows.inputs.firstIndex(where: { !$0.isFinite }) {
            throw fail("/inputs has \(rows.inputs[bad]) at \(at(bad / i)), input \(bad % i); values must be finite"
                       + " (and fit in float32)")
        }

        rows.mask = try fail.hdf5 { try file.readRows("mask", rows: range, as: Float.self) }
        for (k, value) in rows.mask.enumerated() {
            guard value == 0 || value == 1 else { throw fail("/mask has \(value) at \(at(k)); values must be 0 or 1") }
            if value == 1 && k % t >= rows.lengths[k / t] {
                throw fail("/mask is 1 at \(at(k)), beyond the sequence's length \(rows.lengths[k / t]); it must be 0 there")
            }
        }

        switch errorMaskClass {
        case nil:
            rows.errorMask = rows.mask.map { $0 != 0 }
        case .float?:
            let values = try fail.hdf5 { try file.readRows("error_mask", rows: range, as: Float.self) }
            rows.errorMask = try binary(values, fail, at)
        default:
            let values = try fail.hdf5 { try file.readRows("error_mask", rows: range, as: Int64.self) }
            rows.errorMask = try binary(values, fail, at)
        }
        for (k, judged) in rows.errorMask.enumerated() where judged && k % t >= rows.lengths[k / t] {
            throw fail("/error_mask is 1 at \(at(k)), beyond the sequence's length \(rows.lengths[k / t]); it must be 0 there")
        }

        switch targetEncoding {
        case .targets:
            rows.targets = try fail.hdf5 { try file.readRows("targets", rows: range, as: Float.self) }
            if let bad = rows.targets.firstIndex(where: { !$0.isFinite }) {
                throw fail("/targets has \(rows.targets[bad]) at \(at(bad / o)), output \(bad % o); values must be finite"
                           + " (and fit in float32)")
            }
            for k in 0..<rows.mask.count where rows.mask[k] != 0 || rows.errorMask[k] {
                try checkTarget(rows.targets[(k * o)..<((k + 1) * o)], fail) { at(k) }
            }
        case .labels:
            let labels = try fail.hdf5 { try file.readRows("labels", rows: range, as: Int64.self) }
            rows.targets = Array(repeating: 0, count: labels.count * o)
            for (k, label) in labels.enumerated() where rows.mask[k] != 0 || rows.errorMask[k] {
                guard label >= 0 && label < Int64(o) else {
                    throw fail("/labels has \(label) at \(at(k)), a scored or judged step; labels must be in 0..<\(o) (classes)")
                }
                rows.targets[k * o + Int(label)] = 1
            }
        }

        for k in 0..<rows.mask.count {
            if rows.errorMask[k] { statistics.judged += 1 }
            guard rows.mask[k] != 0 else { continue }
            statistics.scored += 1
            for out in 0..<o { statistics.targetSums[out] += Double(rows.targets[k * o + out]) }
        }
        return rows
    }

    /// 0/1 values of `/error_mask` as Bool.
    private func binary<V: BinaryFloatingPoint & CustomStringConvertible>(
        _ values: [V], _ fail: Failure, _ at: (Int) -> String
    ) throws -> [Bool] {
        try values.enumerated().map { k, value in
            guard value == 0 || value == 1 else { throw fail("/error_mask has \(value) at \(at(k)); values must be 0 or 1") }
            return value == 1
        }
    }

    private func binary(_ values: [Int64], _ fail: Failure, _ at: (Int) -> String) throws -> [Bool] {
        try values.enumerated().map { k, value in
            guard value == 0 || value == 1 else { throw fail("/error_mask has \(value) at \(at(k)); values must be 0 or 1") }
            return value == 1
        }
    }

    /// The target row of a scored or judged step must suit the loss: linear targets within
    /// ±`maximumLinearTarget`, logistic targets in [0, 1], softmax targets a probability vector.
    private func checkTarget(_ row: ArraySlice<Float>, _ fail: Failure, _ at: () -> String) throws {
        switch outputLoss {
        case .linearSquaredError:
            if let bad = row.firstIndex(where: { abs($0) > DatasetSchema.maximumLinearTarget }) {
                throw fail("/targets has \(row[bad]) at \(at()), output \(bad - row.startIndex); linear-squared-error "
                           + "targets must be within ±\(DatasetSchema.maximumLinearTarget) so that float32 can square "
                           + "the error (rescale the data)")
            }
        case .logisticCrossEntropy:
            if let bad = row.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
                throw fail("/targets has \(row[bad]) at \(at()), output \(bad - row.startIndex); "
                           + "logistic-cross-entropy targets must be in [0, 1]")
            }
        case .softmaxCrossEntropy:
            let sum = row.reduce(0, +)
            guard row.allSatisfy({ $0 >= 0 }), abs(sum - 1) <= DatasetSchema.probabilityTolerance else {
                throw fail("/targets at \(at()) is not a probability vector (sum \(sum)); softmax-cross-entropy "
                           + "targets must be ≥ 0 and sum to 1 at scored and judged steps")
            }
        }
    }
}

/// Builds the one-line errors of one file.
struct Failure {
    let path: String

    func callAsFunction(_ message: String) -> TrainingError { TrainingError("\(path): \(message)") }

    /// Runs an HDF5 call, turning its error into a one-line `TrainingError` (HDF5Error's
    /// description already starts with the file and names the object).
    func hdf5<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as HDF5Error {
            throw TrainingError(error.description)
        }
    }
}

/// The attributes, datasets, dtypes and shapes of a dataset file, checked (values are checked
/// while streaming).
private struct Header {
    var n = 0, t = 0, i = 0, o = 0
    var loss = OutputLoss.linearSquaredError
    var encoding = DatasetTargetEncoding.targets
    var errorMaskClass: HDF5ElementClass?
    var task: String?
    var taskLength: Int?
    var seed: UInt64?
    var creatorVersion: String?

    init(_ file: HDF5File, _ fail: Failure) throws {
        // Attributes.
        guard try fail.hdf5({ try file.hasAttribute("format") }) else {
            throw fail("not an hfrnn dataset: root attribute 'format' is missing (it must be '\(DatasetSchema.format)')")
        }
        let format = try fail.hdf5 { try file.stringAttribute("format") }
        guard format == DatasetSchema.format else {
            throw fail("not an hfrnn dataset: root attribute 'format' is '\(format)', expected '\(DatasetSchema.format)'")
        }
        guard try fail.hdf5({ try file.hasAttribute("format_version") }) else {
            throw fail("root attribute 'format_version' is missing (this hfrnn reads version \(DatasetSchema.formatVersion))")
        }
        let version = try fail.hdf5 { try file.int64Attribute("format_version") }
        guard version == DatasetSchema.formatVersion else {
            throw fail("dataset format version \(version) is not supported (this hfrnn reads version \(DatasetSchema.formatVersion))")
        }
        let losses = OutputLoss.allCases.map(\.rawValue).joined(separator: ", ")
        guard try fail.hdf5({ try file.hasAttribute("output_loss") }) else {
            throw fail("root attribute 'output_loss' is missing; it must be one of \(losses)")
        }
        let lossName = try fail.hdf5 { try file.stringAttribute("output_loss") }
        guard let loss = OutputLoss(rawValue: lossName) else {
            throw fail("root attribute 'output_loss' is '\(lossName)'; it must be one of \(losses)")
        }
        self.loss = loss
        task = try? file.stringAttribute("task")
        taskLength = (try? file.int64Attribute("task_length")).map { Int($0) }
        seed = (try? file.int64Attribute("seed")).map { UInt64(bitPattern: $0) }
        creatorVersion = try? file.stringAttribute("hfrnn_version")

        // /inputs fixes N, T and I.
        let inputs = try Self.shape("inputs", of: file, fail, class: .float, "float32 [N, T, I]")
        guard inputs.count == 3 else { throw fail("/inputs has shape \(inputs); it must be [N, T, I] (rank 3)") }
        (n, t, i) = (inputs[0], inputs[1], inputs[2])
        guard n >= 1 && t >= 1 && i >= 1 else {
            throw fail("/inputs has shape \(inputs); N, T and I must each be at least 1")
        }
        func requireRows(_ name: String, _ shape: [Int], _ expected: String) throws {
            guard shape.count >= 2 || (expected == "[N]" && shape.count == 1) else {
                throw fail("/\(name) has shape \(shape); it must be \(expected)")
            }
            if shape[0] != n { throw fail("/\(name) has shape \(shape) but /inputs has N = \(n)") }
            if shape.count >= 2 && shape[1] != t { throw fail("/\(name) has shape \(shape) but /inputs has T = \(t)") }
        }

        // Targets or labels.
        let hasTargets = try fail.hdf5 { try file.exists("targets") }
        let hasLabels = try fail.hdf5 { try file.exists("labels") }
        switch (hasTargets, hasLabels) {
        case (true, true):
            throw fail("has both /targets and /labels; keep exactly one")
        case (false, false):
            throw fail("has neither /targets (float32 [N, T, O]) nor /labels (int32 [N, T]); one is required")
        case (true, false):
            let shape = try Self.shape("targets", of: file, fail, class: .float, "float32 [N, T, O]")
            guard shape.count == 3 else { throw fail("/targets has shape \(shape); it must be [N, T, O] (rank 3)") }
            try requireRows("targets", shape, "[N, T, O]")
            guard shape[2] >= 1 else { throw fail("/targets has shape \(shape); O must be at least 1") }
            o = shape[2]
            encoding = .targets
        case (false, true):
            let shape = try Self.shape("labels", of: file, fail, class: .integer, "int32 [N, T]")
            guard shape.count == 2 else { throw fail("/labels has shape \(shape); it must be [N, T] (rank 2)") }
            try requireRows("labels", shape, "[N, T]")
            guard loss == .softmaxCrossEntropy else {
                throw fail("/labels needs output_loss '\(OutputLoss.softmaxCrossEntropy.rawValue)', the file says '\(loss.rawValue)'"
                           + " (store other targets in /targets)")
            }
            guard try fail.hdf5({ try file.hasAttribute("classes") }) else {
                throw fail("/labels needs the root attribute 'classes' (int64, the number of classes O)")
            }
            let classes = try fail.hdf5 { try file.int64Attribute("classes") }
            guard classes >= 1 && classes <= Int64(DatasetSchema.maximumClasses) else {
                throw fail("root attribute 'classes' is \(classes); it must be in 1...\(DatasetSchema.maximumClasses)")
            }
            o = Int(classes)
            encoding = .labels
        }

        // Masks and lengths.
        let mask = try Self.shape("mask", of: file, fail, class: .float, "float32 [N, T]")
        guard mask.count == 2 else { throw fail("/mask has shape \(mask); it must be [N, T] (rank 2)") }
        try requireRows("mask", mask, "[N, T]")
        if try fail.hdf5({ try file.exists("error_mask") }) {
            let kind = try fail.hdf5 { try file.elementClass(of: "error_mask") }
            guard kind == .float || kind == .integer else {
                throw fail("/error_mask holds \(kind.rawValue) values; it must hold float32 or int32 0/1 values")
            }
            let shape = try fail.hdf5 { try file.shape(of: "error_mask") }
            guard shape.count == 2 else { throw fail("/error_mask has shape \(shape); it must be [N, T] (rank 2)") }
            try requireRows("error_mask", shape, "[N, T]")
            errorMaskClass = kind
        }
        let lengths = try Self.shape("lengths", of: file, fail, class: .integer, "int32 [N]")
        guard lengths.count == 1 else { throw fail("/lengths has shape \(lengths); it must be [N] (rank 1)") }
        try requireRows("lengths", lengths, "[N]")

        // One sequence must fit in memory comfortably.
        let (width, overflow0) = i.addingReportingOverflow(o)
        let (perStep, overflow1) = width.multipliedReportingOverflow(by: 4)
        let (perSequence, overflow2) = perStep.multipliedReportingOverflow(by: t)
        guard !overflow0 && !overflow1 && !overflow2 && perSequence <= DatasetSchema.maximumSequenceBytes else {
            throw fail("one sequence of T = \(t) steps with I = \(i) inputs and O = \(o) outputs needs more than "
                       + "\(DatasetSchema.maximumSequenceBytes >> 20) MiB; hfrnn does not support sequences that large")
        }
    }

    /// The shape of a required dataset whose elements are of `elementClass`.
    static func shape(_ name: String, of file: HDF5File, _ fail: Failure, class elementClass: HDF5ElementClass,
                      _ expected: String) throws -> [Int] {
        guard try fail.hdf5({ try file.exists(name) }) else { throw fail("/\(name) is missing (required: \(expected))") }
        let kind = try fail.hdf5 { try file.elementClass(of: name) }
        guard kind == elementClass else {
            throw fail("/\(name) holds \(kind.rawValue) values; it must hold \(elementClass.rawValue) values (\(expected))")
        }
        return try fail.hdf5 { try file.shape(of: name) }
    }
}

/// Writes sequence batches as dataset files (schema in datasets/README.md).
public enum DatasetWriter {
    /// Writes `batch` to `path` in the dataset schema: transposed to batch-major, big arrays
    /// gzip-compressed, with the root attributes `format`, `format_version`, `output_loss`,
    /// `hfrnn_version`, and `task`, `task_length` (T of the task), `seed` when given. A seed of
    /// 2⁶³ or more is stored as the int64 with the same bits.
    ///
    /// `encoding` nil (automatic) stores softmax targets as `/labels` when every scored or judged
    /// target row is one-hot and every other row is zero (so reading gives the same batch back),
    /// and as `/targets` otherwise. `/error_mask` is written only when it differs from `mask ≠ 0`.
    ///
    /// The write is atomic: a temporary file in the same folder, fsynced, then renamed over `path`.
    public static func write(batch: SequenceBatch<Float>, loss: OutputLoss, task: TaskSpec? = nil, seed: UInt64? = nil,
                             to path: String, encoding: DatasetTargetEncoding? = nil) throws {
        let labels = loss == .softmaxCrossEntropy ? self.labels(of: batch) : nil
        let useLabels: Bool
        switch encoding {
        case nil: useLabels = labels != nil
        case .targets?: useLabels = false
        case .labels?:
            guard loss == .softmaxCrossEntropy else {
                throw TrainingError("\(path): /labels needs output_loss '\(OutputLoss.softmaxCrossEntropy.rawValue)', not '\(loss.rawValue)'")
            }
            guard labels != nil else {
                throw TrainingError("\(path): the targets cannot be stored as /labels: some scored or judged target row "
                                    + "is not one-hot, or some other row is not zero")
            }
            useLabels = true
        }

        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TrainingError("\(path): folder '\(directory.path)' does not exist")
        }
        do {
            let bytes = try image(batch, loss: loss, labels: useLabels ? labels : nil, task: task, seed: seed, name: path)
            try AtomicFile.write(bytes, to: path)
        } catch let error as HDF5Error {
            throw TrainingError(error.description)
        }
    }

    /// Batch-major class labels `[B, T]` of a softmax batch: the one-hot index at scored or judged
    /// steps, −1 elsewhere; nil when the batch is not exactly representable that way.
    public static func labels(of batch: SequenceBatch<Float>) -> [Int32]? {
        let (count, steps, o) = (batch.sequenceCount, batch.steps, batch.outputSize)
        var labels = [Int32](repeating: -1, count: count * steps)
        for b in 0..<count {
            for t in 0..<steps {
                let k = batch.index(step: t, sequence: b)
                let row = batch.targets[(k * o)..<((k + 1) * o)]
                if batch.mask[k] != 0 || batch.errorMask[k] {
                    guard let one = row.firstIndex(of: 1),
                          row.allSatisfy({ $0 == 0 || $0 == 1 }), row.filter({ $0 == 1 }).count == 1 else { return nil }
                    labels[b * steps + t] = Int32(one - row.startIndex)
                } else if row.contains(where: { $0 != 0 }) {
                    return nil
                }
            }
        }
        return labels
    }

    /// The dataset file's bytes, built in memory.
    private static func image(_ batch: SequenceBatch<Float>, loss: OutputLoss, labels: [Int32]?, task: TaskSpec?,
                              seed: UInt64?, name path: String) throws -> [UInt8] {
        let (count, steps, i, o) = (batch.sequenceCount, batch.steps, batch.inputSize, batch.outputSize)
        /// `[T, B, width]` → `[B, T, width]`.
        func batchMajor<V>(_ values: [V], width: Int) -> [V] {
            var result = values
            for b in 0..<count {
                for t in 0..<steps {
                    let source = (t * count + b) * width, destination = (b * steps + t) * width
                    for k in 0..<width { result[destination + k] = values[source + k] }
                }
            }
            return result
        }
        let file = try HDF5File.createInMemory(name: path)
        try file.setAttribute("format", to: DatasetSchema.format)
        try file.setAttribute("format_version", to: DatasetSchema.formatVersion)
        try file.setAttribute("output_loss", to: loss.rawValue)
        try file.setAttribute("hfrnn_version", to: hfrnnVersion)
        if let task {
            try file.setAttribute("task", to: task.task.rawValue)
            try file.setAttribute("task_length", to: Int64(task.minimumLength))
        }
        if let seed { try file.setAttribute("seed", to: Int64(bitPattern: seed)) }

        try file.write(batchMajor(batch.inputs, width: i), shape: [count, steps, i], to: "inputs", compress: true)
        if let labels {
            try file.write(labels, shape: [count, steps], to: "labels", compress: true)
            try file.setAttribute("classes", to: Int64(o))
        } else {
            try file.write(batchMajor(batch.targets, width: o), shape: [count, steps, o], to: "targets", compress: true)
        }
        try file.write(batchMajor(batch.mask, width: 1), shape: [count, steps], to: "mask", compress: true)
        if zip(batch.mask, batch.errorMask).contains(where: { ($0 != 0) != $1 }) {
            let errorMask = batch.errorMask.map { $0 ? Float(1) : 0 }
            try file.write(batchMajor(errorMask, width: 1), shape: [count, steps], to: "error_mask", compress: true)
        }
        try file.write(batch.lengths.map { Int32(clamping: $0) }, shape: [count], to: "lengths")
        let bytes = try file.image()
        try file.close()
        return bytes
    }
}
