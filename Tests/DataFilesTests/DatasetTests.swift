import Diagnostics
import Foundation
import HDF5IO
import Linalg
import SequenceModel
import Tasks
import TestSupport
import Testing
@testable import DataFiles
@testable import Training

// MARK: Helpers

/// Runs `body` with a temporary file path that is removed afterwards.
private func withTemporaryFile<R>(_ body: (String) throws -> R) rethrows -> R {
    let path = temporaryPath()
    defer { removeFile(path) }
    return try body(path)
}

/// A generated batch of `count` sequences of a task.
private func taskBatch(_ task: PathologicalTask, length: Int, count: Int, seed: UInt64 = 7) throws -> (TaskSpec, SequenceBatch<Float>) {
    let spec = try TaskSpec(task: task, minimumLength: length)
    var rng = SeededGenerator(seed: seed)
    return (spec, spec.makeBatch(count: count, using: &rng))
}

/// Rows `rows` of a time-major batch, gathered independently of the code under test.
private func gather<S: BLASScalar>(_ batch: SequenceBatch<S>, rows: [Int]) -> SequenceBatch<S> {
    var result = SequenceBatch<S>(sequenceCount: rows.count, steps: batch.steps, inputSize: batch.inputSize,
                                  outputSize: batch.outputSize)
    let (i, o) = (batch.inputSize, batch.outputSize)
    for (b, row) in rows.enumerated() {
        for t in 0..<batch.steps {
            let from = t * batch.sequenceCount + row, to = t * rows.count + b
            result.mask[to] = batch.mask[from]
            result.errorMask[to] = batch.errorMask[from]
            result.inputs.replaceSubrange((to * i)..<((to + 1) * i), with: batch.inputs[(from * i)..<((from + 1) * i)])
            result.targets.replaceSubrange((to * o)..<((to + 1) * o), with: batch.targets[(from * o)..<((from + 1) * o)])
        }
        result.lengths[b] = batch.lengths[row]
    }
    return result
}

private func expectSame<S: BLASScalar>(_ a: SequenceBatch<S>, _ b: SequenceBatch<S>, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.sequenceCount == b.sequenceCount, sourceLocation: sourceLocation)
    #expect(a.steps == b.steps, sourceLocation: sourceLocation)
    #expect(a.inputSize == b.inputSize, sourceLocation: sourceLocation)
    #expect(a.outputSize == b.outputSize, sourceLocation: sourceLocation)
    #expect(a.inputs == b.inputs, sourceLocation: sourceLocation)
    #expect(a.targets == b.targets, sourceLocation: sourceLocation)
    #expect(a.mask == b.mask, sourceLocation: sourceLocation)
    #expect(a.errorMask == b.errorMask, sourceLocation: sourceLocation)
    #expect(a.lengths == b.lengths, sourceLocation: sourceLocation)
}

/// The message of the `HFRNNError` thrown by `body` without the "<path>: " prefix, or nil.
private func failure(at path: String, _ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as HFRNNError {
        let prefix = "\(path): "
        return error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : "[no file prefix] \(error.message)"
    } catch {
        return "[not a HFRNNError] \(error)"
    }
}

// MARK: Raw files written directly with HDF5File

/// A dataset file spelled out dataset by dataset, to be broken on purpose.
private struct RawDataset {
    enum Field {
        case floats([Float], [Int])
        case doubles([Double], [Int])
        case ints([Int32], [Int])
        case unsigned([UInt64], [Int])
        case group
    }

    enum Attribute {
        case string(String), int(Int64), double(Double)
    }

    let n: Int, t: Int
    var attributes: [String: Attribute]
    var datasets: [String: Field]

    /// A valid linear-squared-error file: N = 4, T = 5, I = 2, O = 1, lengths 5 4 5 3, the last
    /// step of each sequence scored with target sequence + 1.
    static func valid() -> RawDataset {
        let (n, t) = (4, 5)
        let lengths: [Int32] = [5, 4, 5, 3]
        var targets = [Float](repeating: 0, count: n * t), mask = [Float](repeating: 0, count: n * t)
        for (seq, length) in lengths.enumerated() {
            targets[seq * t + Int(length) - 1] = Float(seq + 1)
            mask[seq * t + Int(length) - 1] = 1
        }
        return RawDataset(
            n: n, t: t,
            attributes: ["format": .string("hfrnn-dataset"), "format_version": .int(1),
                         "output_loss": .string("linear-squared-error")],
            datasets: ["inputs": .floats((0..<(n * t * 2)).map { Float($0 % 7) / 10 }, [n, t, 2]),
                       "targets": .floats(targets, [n, t, 1]), "mask": .floats(mask, [n, t]),
                       "lengths": .ints(lengths, [n])])
    }

    /// A valid softmax file with /labels (classes 3): label (seq mod 3) at the last step, −1 elsewhere.
    static func validLabels() -> RawDataset {
        var raw = valid()
        raw.attributes["output_loss"] = .string("softmax-cross-entropy")
        raw.attributes["classes"] = .int(3)
        raw.datasets["targets"] = nil
        var labels = [Int32](repeating: -1, count: raw.n * raw.t)
        for (seq, length) in [5, 4, 5, 3].enumerated() { labels[seq * raw.t + length - 1] = Int32(seq % 3) }
        raw.datasets["labels"] = .ints(labels, [raw.n, raw.t])
        return raw
    }

    /// Sets element `index` of a float or int dataset.
    mutating func set(_ name: String, _ index: Int, _ value: Double) {
        switch datasets[name] {
        case .floats(var values, let shape)?:
            values[index] = Float(value)
            datasets[name] = .floats(values, shape)
        case .doubles(var values, let shape)?:
            values[index] = value
            datasets[name] = .doubles(values, shape)
        case .ints(var values, let shape)?:
            values[index] = Int32(value)
            datasets[name] = .ints(values, shape)
        default:
            Issue.record("no numeric dataset \(name)")
        }
    }

    func write(to path: String) throws {
        let file = try HDF5File.create(path)
        for (name, attribute) in attributes {
            switch attribute {
            case .string(let value): try file.setAttribute(name, to: value)
            case .int(let value): try file.setAttribute(name, to: value)
            case .double(let value): try file.setAttribute(name, to: value)
            }
        }
        for (name, field) in datasets {
            switch field {
            case let .floats(values, shape): try file.write(values, shape: shape, to: name)
            case let .doubles(values, shape): try file.write(values, shape: shape, to: name)
            case let .ints(values, shape): try file.write(values, shape: shape, to: name)
            case let .unsigned(values, shape): try file.write(values, shape: shape, to: name)
            case .group: try file.createGroup(name)
            }
        }
        try file.close()
    }

    /// The validation message for this file (without the path prefix), or nil when it is valid.
    func validationFailure(blockBytes: Int = DatasetFile.defaultBlockBytes) throws -> String? {
        try withTemporaryFile { path in
            try write(to: path)
            return failure(at: path) { _ = try DatasetFile(path: path, blockBytes: blockBytes) }
        }
    }
}

// MARK: Schema round trip

@Suite struct DatasetRoundTripTests {
    /// Writes `batch`, reads it back in memory and from disk, and returns the file for more checks.
    private func roundTrip(_ spec: TaskSpec, _ batch: SequenceBatch<Float>, seed: UInt64, encoding: DatasetTargetEncoding? = nil,
                           check: (DatasetFile) throws -> Void) throws {
        try withTemporaryFile { path in
            try DatasetWriter.write(batch: batch, loss: spec.outputLoss, task: spec, seed: seed, to: path, encoding: encoding)
            for limit in [0, DatasetFile.defaultInMemoryLimit] {
                let file = try DatasetFile(path: path, keepInMemoryUpTo: limit)
                #expect(file.isInMemory == (limit > 0))
                #expect(file.sequenceCount == batch.sequenceCount)
                #expect(file.steps == batch.steps)
                #expect(file.inputSize == spec.inputSize)
                #expect(file.outputSize == spec.outputSize)
                #expect(file.outputLoss == spec.outputLoss)
                expectSame(try file.sequences(startingAt: 0, count: batch.sequenceCount), batch)
                let all = try file.rows(0..<batch.sequenceCount)
                expectSame(all.sequenceBatch(rows: Array(0..<batch.sequenceCount), as: Float.self), batch)
                try check(file)
            }
        }
    }

    @Test func additionTargetsRoundTrip() throws {
        let (spec, batch) = try taskBatch(.addition, length: 12, count: 9)
        try roundTrip(spec, batch, seed: 7) { file in
            #expect(file.targetEncoding == .targets)
            #expect(!file.hasErrorMask)
            #expect(file.task == "addition")
            #expect(file.taskLength == 12)
            #expect(file.seed == 7)
            #expect(file.creatorVersion == hfrnnVersion)
            #expect(file.scoredSteps == 9)
            // The mean target over the scored steps, computed here from the batch.
            var sum = 0.0
            for k in 0..<batch.mask.count where batch.mask[k] == 1 { sum += Double(batch.targets[k]) }
            #expect(abs(file.targetMean[0] - sum / 9) < 1e-6)
        }
    }

    @Test func xorTargetsRoundTrip() throws {
        let (spec, batch) = try taskBatch(.xor, length: 8, count: 6)
        try roundTrip(spec, batch, seed: 7) { file in
            #expect(file.outputLoss == .logisticCrossEntropy)
            #expect(file.targetEncoding == .targets)
        }
    }

    @Test func temporalOrderLabelsRoundTrip() throws {
        let (spec, batch) = try taskBatch(.temporalOrder3, length: 10, count: 8)
        try roundTrip(spec, batch, seed: 7) { file in
            #expect(file.targetEncoding == .labels)
            #expect(file.outputSize == 8)
            #expect(file.targetMean == Array(repeating: 1.0 / 8, count: 8))
        }
    }

    @Test func permutationLabelsWithErrorMaskRoundTrip() throws {
        let (spec, batch) = try taskBatch(.randomPermutation, length: 6, count: 5)
        try roundTrip(spec, batch, seed: 7) { file in
            #expect(file.targetEncoding == .labels)
            #expect(file.hasErrorMask)
            #expect(file.scoredSteps == 5 * 6)
            #expect(file.judgedSteps == 5)
        }
    }

    @Test func memorisationBothEncodingsRoundTrip() throws {
        let (spec, batch) = try taskBatch(.memorization20, length: 4, count: 3)
        try roundTrip(spec, batch, seed: 7, encoding: .labels) { #expect($0.targetEncoding == .labels) }
        try roundTrip(spec, batch, seed: 7, encoding: .targets) { #expect($0.targetEncoding == .targets) }
    }

    @Test func labelsFileStoresClassIndices() throws {
        let (spec, batch) = try taskBatch(.temporalOrder, length: 10, count: 4)
        try withTemporaryFile { path in
            try DatasetWriter.write(batch: batch, loss: spec.outputLoss, to: path)
            let file = try HDF5File.open(path)
            #expect(try file.int64Attribute("classes") == 4)
            #expect(try file.exists("targets") == false)
            let (labels, shape) = try file.read("labels", as: Int32.self)
            #expect(shape == [4, batch.steps])
            // The class of each sequence is its one-hot target at the last step; unscored steps hold −1.
            // The four sequences of a temporal-order batch have the four classes.
            var classes = Set<Int32>()
            for b in 0..<4 {
                let last = batch.lengths[b] - 1
                let row = batch.index(step: last, sequence: b) * 4
                let expected = try #require(batch.targets[row..<(row + 4)].firstIndex(of: 1)) - row
                #expect(labels[b * batch.steps + last] == Int32(expected))
                classes.insert(labels[b * batch.steps + last])
                #expect(labels[b * batch.steps + 0] == -1)
            }
            #expect(classes == [0, 1, 2, 3])
        }
    }

    @Test func doublePrecisionReadEqualsConvertedBatch() throws {
        let (spec, batch) = try taskBatch(.multiplication, length: 10, count: 5)
        try withTemporaryFile { path in
            try DatasetWriter.write(batch: batch, loss: spec.outputLoss, to: path)
            let file = try DatasetFile(path: path)
            expectSame(try file.sequences(startingAt: 0, count: 5, as: Double.self), batch.converted(to: Double.self))
        }
    }

    @Test func labelsAreRefusedWhenTargetsAreNotOneHot() throws {
        let (spec, batch) = try taskBatch(.addition, length: 10, count: 3)
        withTemporaryFile { path in
            #expect(failure(at: path) {
                try DatasetWriter.write(batch: batch, loss: spec.outputLoss, to: path, encoding: .labels)
            } == "/labels needs output_loss 'softmax-cross-entropy', not 'linear-squared-error'")
            var soft = batch
            soft.targets[soft.targets.firstIndex(of: 0)!] = 0.5
            #expect(DatasetWriter.labels(of: soft) == nil)
            #expect(failure(at: path) {
                try DatasetWriter.write(batch: soft, loss: .softmaxCrossEntropy, to: path, encoding: .labels)
            }?.hasPrefix("the targets cannot be stored as /labels") == true)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func writeIsAtomicAndLeavesNoTemporaryFiles() throws {
        let folder = temporaryPath("")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { removeFile(folder) }
        let (spec, batch) = try taskBatch(.addition, length: 10, count: 3)
        let path = folder + "/data.h5"
        try DatasetWriter.write(batch: batch, loss: spec.outputLoss, to: path)
        try DatasetWriter.write(batch: batch, loss: spec.outputLoss, to: path)   // replaces
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["data.h5"])
        let missing = folder + "/no-such-folder/data.h5"
        #expect(failure(at: missing) { try DatasetWriter.write(batch: batch, loss: spec.outputLoss, to: missing) }
                == "folder '\(folder)/no-such-folder' does not exist")
    }
}

// MARK: DatasetSource

@Suite struct DatasetSourceTests {
    /// A 10-sequence addition file; `body` gets its path and the batch it holds.
    private func withAdditionFile(count: Int = 10, _ body: (String, SequenceBatch<Float>) throws -> Void) throws {
        let (spec, batch) = try taskBatch(.addition, length: 8, count: count)
        try withTemporaryFile { path in
            try DatasetWriter.write(batch: batch, loss: spec.outputLoss, task: spec, seed: 7, to: path)
            try body(path, batch)
        }
    }

    @Test(arguments: [0, DatasetFile.defaultInMemoryLimit])
    func consecutiveRowsWrapAround(inMemoryLimit: Int) throws {
        try withAdditionFile { path, batch in
            let file = try DatasetFile(path: path, keepInMemoryUpTo: inMemoryLimit)
            expectSame(try file.sequences(startingAt: 3, count: 4), gather(batch, rows: [3, 4, 5, 6]))
            expectSame(try file.sequences(startingAt: 8, count: 5), gather(batch, rows: [8, 9, 0, 1, 2]))
            expectSame(try file.sequences(startingAt: 9, count: 10), gather(batch, rows: [9] + Array(0..<9)))
            expectSame(try file.sequences(startingAt: 7, count: 23), gather(batch, rows: (0..<23).map { (7 + $0) % 10 }))
            #expect(failure(at: path) { _ = try file.sequences(startingAt: 10, count: 1) as SequenceBatch<Float> }
                    == "start row 10 is outside 0..<10")
            #expect(failure(at: path) { _ = try file.sequences(startingAt: 0, count: 0) as SequenceBatch<Float> }
                    == "a batch needs at least one sequence, got 0")
        }
    }

    /// A test file that is the training file itself (as `evaluate --dataset` and `export` name it,
    /// by another spelling too) is opened, checked and held once, not twice.
    @Test func aTestPathNamingTheTrainingFileOpensItOnce() throws {
        try withAdditionFile { path, _ in
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            let name = URL(fileURLWithPath: path).lastPathComponent
            for spelling in [path, folder + "/./" + name] {
                let source = try DatasetSource<Float>(path: path, testPath: spelling, testSequences: 10)
                #expect(source.test === source.training, "\(spelling)")
            }
        }
    }

    @Test(arguments: [0, DatasetFile.defaultInMemoryLimit])
    func minibatchesAreTheRowsAtTheDrawnOffsetAndDeterministic(inMemoryLimit: Int) throws {
        try withAdditionFile { path, batch in
            let source = try DatasetSource<Float>(path: path, testPath: nil, testSequences: 10, inMemoryLimit: inMemoryLimit)
            #expect(source.training.isInMemory == (inMemoryLimit > 0))
            var wrapped = 0
            for seed in UInt64(1)...40 {
                var rng = SeededGenerator(seed: seed), copy = rng, again = rng
                let offset = copy.nextInt(0, 10)
                let minibatch = try source.trainingSequences(count: 6, using: &rng)
                expectSame(minibatch, gather(batch, rows: (0..<6).map { (offset + $0) % 10 }))
                #expect(rng == copy)   // exactly one draw
                expectSame(try source.trainingSequences(count: 6, using: &again), minibatch)
                if offset + 6 > 10 { wrapped += 1 }
            }
            #expect(wrapped > 0)   // some minibatches wrapped past the last row
        }
    }

    @Test func sourceReportsTheFilesSizesLossAndMean() throws {
        try withAdditionFile { path, _ in
            let source: any SequenceSource<Float> = try DatasetSource<Float>(path: path, testPath: nil, testSequences: 5)
            #expect(source.inputSize == 2)
            #expect(source.outputSize == 1)
            #expect(source.outputLoss == .linearSquaredError)
            #expect(source.errorCriterion == .absoluteTolerance(0.04))
            #expect(source.targetMean?.count == 1)
        }
    }

    @Test func testSubBatchesAreTheFirstRowsWithALastShorterOne() throws {
        try withAdditionFile { path, batch in
            func subBatches(_ testSequences: Int, _ size: Int) throws -> [SequenceBatch<Float>] {
                try DatasetSource<Float>(path: path, testPath: nil, testSequences: testSequences).testSubBatches(subBatchSize: size)
            }
            // 7 of 10 rows in sub-batches of 3: rows 0–2, 3–5 and a last sub-batch of row 6 (exactly 7 rows).
            let sevenByThree = try subBatches(7, 3)
            #expect(sevenByThree.map(\.sequenceCount) == [3, 3, 1])
            expectSame(sevenByThree[0], gather(batch, rows: [0, 1, 2]))
            expectSame(sevenByThree[1], gather(batch, rows: [3, 4, 5]))
            expectSame(sevenByThree[2], gather(batch, rows: [6]))
            // At most one sub-batch's worth: one sub-batch of that size.
            let sevenByTen = try subBatches(7, 10)
            #expect(sevenByTen.count == 1)
            expectSame(sevenByTen[0], gather(batch, rows: Array(0..<7)))
            // More test sequences than the file holds: the whole file.
            let all = try subBatches(1000, 5)
            #expect(all.map(\.sequenceCount) == [5, 5])
            expectSame(all[1], gather(batch, rows: [5, 6, 7, 8, 9]))
        }
    }

    @Test func separateTestFileMustMatch() throws {
        try withAdditionFile { path, _ in
            // A test file with another T is fine.
            let (spec, testBatch) = try taskBatch(.addition, length: 20, count: 4, seed: 99)
            try withTemporaryFile { testPath in
                try DatasetWriter.write(batch: testBatch, loss: spec.outputLoss, to: testPath)
                let source = try DatasetSource<Float>(path: path, testPath: testPath, testSequences: 100)
                let subBatches = try source.testSubBatches(subBatchSize: 50)
                #expect(subBatches.count == 1)
                expectSame(subBatches[0], testBatch)
            }
            // Other sizes or another loss are refused.
            let (xorSpec, xorBatch) = try taskBatch(.xor, length: 8, count: 4)
            try withTemporaryFile { testPath in
                try DatasetWriter.write(batch: xorBatch, loss: xorSpec.outputLoss, to: testPath)
                #expect(failure(at: testPath) { _ = try DatasetSource<Float>(path: path, testPath: testPath, testSequences: 10) }
                        == "test set has output_loss 'logistic-cross-entropy' but the training file \(path) has 'linear-squared-error'")
            }
            let (orderSpec, orderBatch) = try taskBatch(.temporalOrder, length: 8, count: 4)
            try withTemporaryFile { testPath in
                try DatasetWriter.write(batch: orderBatch, loss: orderSpec.outputLoss, to: testPath)
                #expect(failure(at: testPath) { _ = try DatasetSource<Float>(path: path, testPath: testPath, testSequences: 10) }
                        == "test set has I = 8, O = 4 but the training file \(path) has I = 2, O = 1")
            }
            // A test file judged by another tolerance is refused.
            try withTemporaryFile { testPath in
                try DatasetWriter.write(batch: testBatch, loss: spec.outputLoss, to: testPath)
                let file = try HDF5File.open(testPath, writable: true)
                try file.setAttribute("error_tolerance", to: 0.5)
                try file.close()
                #expect(failure(at: testPath) { _ = try DatasetSource<Float>(path: path, testPath: testPath, testSequences: 10) }
                        == "test set counts a sequence wrong when an output is off by more than 0.5, the training file \(path) "
                        + "wrong when an output is off by more than 0.04; give both the same error_tolerance")
            }
            // A broken test file is reported with its own path.
            try withTemporaryFile { testPath in
                try "not hdf5".write(toFile: testPath, atomically: false, encoding: .utf8)
                #expect(failure(at: testPath) { _ = try DatasetSource<Float>(path: path, testPath: testPath, testSequences: 10) }
                        == "cannot open: not an HDF5 file or corrupt/truncated")
            }
        }
    }

    @Test func aSmallBlockSizeStreamsTheSameRows() throws {
        try withAdditionFile(count: 37) { path, batch in
            let streamed = try DatasetFile(path: path, blockBytes: 1)   // one row per block
            let kept = try DatasetFile(path: path, keepInMemoryUpTo: .max)
            #expect(streamed.memory == nil)
            #expect(kept.memory == (try streamed.rows(0..<37)))
            #expect(streamed.targetMean == kept.targetMean)
            #expect(streamed.scoredSteps == 37)
            expectSame(try streamed.sequences(startingAt: 30, count: 10), gather(batch, rows: (0..<10).map { (30 + $0) % 37 }))
        }
    }
}

// MARK: Validation

@Suite struct DatasetValidationTests {
    @Test func validRawFilesAreAccepted() throws {
        #expect(try RawDataset.valid().validationFailure() == nil)
        #expect(try RawDataset.validLabels().validationFailure() == nil)
        // float64 inputs, an int32 error mask and a labels value at an unscored step outside the classes.
        var raw = RawDataset.validLabels()
        raw.datasets["inputs"] = .doubles((0..<40).map { Double($0) / 40 }, [4, 5, 2])
        raw.datasets["error_mask"] = .ints([0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], [4, 5])
        raw.set("labels", 0, 77)
        #expect(try raw.validationFailure() == nil)
        try withTemporaryFile { path in
            try raw.write(to: path)
            let file = try DatasetFile(path: path, keepInMemoryUpTo: .max)
            #expect(file.hasErrorMask)
            #expect(file.judgedSteps == 3)
            #expect(file.scoredSteps == 4)
            // Labels 0 1 2 0 at the scored steps: class frequencies 2/4, 1/4, 1/4.
            #expect(file.targetMean == [0.5, 0.25, 0.25])
            let rows = try #require(file.memory)
            #expect(rows.targets[(0 * 5 + 0) * 3..<(0 * 5 + 1) * 3] == [0, 0, 0])   // the ignored 77
            #expect(rows.targets[(1 * 5 + 3) * 3..<(1 * 5 + 4) * 3] == [0, 1, 0])
        }
    }

    @Test func attributes() throws {
        func message(_ change: (inout RawDataset) -> Void) throws -> String? {
            var raw = RawDataset.valid()
            change(&raw)
            return try raw.validationFailure()
        }
        #expect(try message { $0.attributes["format"] = nil }
                == "not an hfrnn dataset: root attribute 'format' is missing (it must be 'hfrnn-dataset')")
        #expect(try message { $0.attributes["format"] = .string("hfrnn-checkpoint") }
                == "not an hfrnn dataset: root attribute 'format' is 'hfrnn-checkpoint', expected 'hfrnn-dataset'")
        #expect(try message { $0.attributes["format_version"] = nil }
                == "root attribute 'format_version' is missing (this hfrnn reads version 1)")
        #expect(try message { $0.attributes["format_version"] = .int(2) }
                == "dataset format version 2 is not supported (this hfrnn reads version 1)")
        #expect(try message { $0.attributes["output_loss"] = nil }
                == "root attribute 'output_loss' is missing; it must be one of linear-squared-error, logistic-cross-entropy, softmax-cross-entropy")
        #expect(try message { $0.attributes["output_loss"] = .string("hinge") }
                == "root attribute 'output_loss' is 'hinge'; it must be one of linear-squared-error, logistic-cross-entropy, softmax-cross-entropy")
        // A wrongly typed attribute: the wrapper's one-line message, naming file and attribute.
        let typed = try message { $0.attributes["format_version"] = .double(1) }
        #expect(typed?.contains("attribute 'format_version'") == true)
        #expect(typed?.contains("\n") == false)
    }

    /// Linear outputs are judged with the file's own `error_tolerance` when it has one: regression
    /// data on its own scale could never count as solved with the tasks' 0.04.
    @Test func errorToleranceSetsTheCriterionOfLinearOutputs() throws {
        func message(_ change: (inout RawDataset) -> Void) throws -> String? {
            var raw = RawDataset.valid()
            change(&raw)
            return try raw.validationFailure()
        }
        for bad in [0.0, -1, .infinity, .nan] {
            #expect(try message { $0.attributes["error_tolerance"] = .double(bad) }
                    == "root attribute 'error_tolerance' is \(bad); it must be positive and finite")
        }
        #expect(try message { $0.attributes["error_tolerance"] = .string("0.1") }?
                    .hasPrefix("attribute 'error_tolerance' of '/': stored as string; it must hold floating-point numbers") == true)
        var labels = RawDataset.validLabels()
        labels.attributes["error_tolerance"] = .double(0.1)
        #expect(try labels.validationFailure()
                == "root attribute 'error_tolerance' is for output_loss 'linear-squared-error', not 'softmax-cross-entropy'")

        var raw = RawDataset.valid()
        try withTemporaryFile { path in
            try raw.write(to: path)
            #expect(try DatasetFile(path: path).errorCriterion == .absoluteTolerance(0.04))
        }
        raw.attributes["error_tolerance"] = .double(0.25)
        try withTemporaryFile { path in
            try raw.write(to: path)
            let file = try DatasetFile(path: path)
            #expect(file.errorCriterion == .absoluteTolerance(0.25))
            #expect(file.summary.hasSuffix("(targets), a sequence wrong when an output is off by more than 0.25"), "\(file.summary)")
        }
    }

    @Test func requiredDatasetsAndDtypes() throws {
        func message(_ change: (inout RawDataset) -> Void) throws -> String? {
            var raw = RawDataset.valid()
            change(&raw)
            return try raw.validationFailure()
        }
        #expect(try message { $0.datasets["inputs"] = nil } == "/inputs is missing (required: float32 [N, T, I])")
        #expect(try message { $0.datasets["mask"] = nil } == "/mask is missing (required: float32 [N, T])")
        #expect(try message { $0.datasets["lengths"] = nil } == "/lengths is missing (required: int32 [N])")
        #expect(try message { $0.datasets["targets"] = nil }
                == "has neither /targets (float32 [N, T, O]) nor /labels (int32 [N, T]); one is required")
        #expect(try message { $0.datasets["labels"] = .ints(Array(repeating: 0, count: 20), [4, 5]) }
                == "has both /targets and /labels; keep exactly one")
        #expect(try message { $0.datasets["inputs"] = .ints(Array(repeating: 0, count: 40), [4, 5, 2]) }
                == "/inputs holds int32 values; it must hold float values (float32 [N, T, I])")
        #expect(try message { $0.datasets["targets"] = .ints(Array(repeating: 0, count: 20), [4, 5, 1]) }
                == "/targets holds int32 values; it must hold float values (float32 [N, T, O])")
        #expect(try message { $0.datasets["mask"] = .ints(Array(repeating: 0, count: 20), [4, 5]) }
                == "/mask holds int32 values; it must hold float values (float32 [N, T])")
        #expect(try message { $0.datasets["lengths"] = .floats([5, 4, 5, 3], [4]) }
                == "/lengths holds float32 values; it must hold integer values (int32 [N])")
        let group = try message { $0.datasets["inputs"] = .group }
        #expect(group?.contains("'/inputs'") == true && group?.contains("not a dataset") == true, "\(group ?? "nil")")
    }

    @Test func shapes() throws {
        func message(_ change: (inout RawDataset) -> Void) throws -> String? {
            var raw = RawDataset.valid()
            change(&raw)
            return try raw.validationFailure()
        }
        #expect(try message { $0.datasets["inputs"] = .floats(Array(repeating: 0, count: 20), [4, 5]) }
                == "/inputs has shape [4, 5]; it must be [N, T, I] (rank 3)")
        #expect(try message { $0.datasets["inputs"] = .floats([], [0, 5, 2]) }
                == "/inputs has shape [0, 5, 2]; N, T and I must each be at least 1")
        #expect(try message { $0.datasets["targets"] = .floats(Array(repeating: 0, count: 30), [3, 5, 2]) }
                == "/targets has shape [3, 5, 2] but /inputs has N = 4")
        #expect(try message { $0.datasets["targets"] = .floats(Array(repeating: 0, count: 24), [4, 6, 1]) }
                == "/targets has shape [4, 6, 1] but /inputs has T = 5")
        #expect(try message { $0.datasets["targets"] = .floats(Array(repeating: 0, count: 20), [4, 5]) }
                == "/targets has shape [4, 5]; it must be [N, T, O] (rank 3)")
        #expect(try message { $0.datasets["targets"] = .floats([], [4, 5, 0]) }
                == "/targets has shape [4, 5, 0]; O must be at least 1")
        #expect(try message { $0.datasets["mask"] = .floats(Array(repeating: 0, count: 20), [20]) }
                == "/mask has shape [20]; it must be [N, T] (rank 2)")
        #expect(try message { $0.datasets["mask"] = .floats(Array(repeating: 0, count: 25), [5, 5]) }
                == "/mask has shape [5, 5] but /inputs has N = 4")
        #expect(try message { $0.datasets["error_mask"] = .floats(Array(repeating: 0, count: 16), [4, 4]) }
                == "/error_mask has shape [4, 4] but /inputs has T = 5")
        #expect(try message { $0.datasets["lengths"] = .ints([5, 4, 5], [3]) } == "/lengths has shape [3] but /inputs has N = 4")
        #expect(try message { $0.datasets["lengths"] = .ints([5, 4, 5, 3], [4, 1]) }
                == "/lengths has shape [4, 1]; it must be [N] (rank 1)")
        // The example shape of the schema documentation.
        var big = RawDataset.valid()
        big.datasets["inputs"] = .floats(Array(repeating: 0, count: 120 * 50 * 3), [120, 50, 3])
        big.datasets["targets"] = .floats(Array(repeating: 0, count: 100 * 50 * 2), [100, 50, 2])
        #expect(try big.validationFailure() == "/targets has shape [100, 50, 2] but /inputs has N = 120")
    }

    @Test func lengthsAndMasks() throws {
        func message(_ change: (inout RawDataset) -> Void) throws -> String? {
            var raw = RawDataset.valid()
            change(&raw)
            return try raw.validationFailure()
        }
        #expect(try message { $0.set("lengths", 2, 0) } == "/lengths is 0 for sequence 2; lengths must be in 1...5 (T)")
        #expect(try message { $0.set("lengths", 3, 6) } == "/lengths is 6 for sequence 3; lengths must be in 1...5 (T)")
        #expect(try message { $0.set("mask", 1 * 5 + 2, 0.5) } == "/mask has 0.5 at sequence 1, step 2; values must be 0 or 1")
        #expect(try message { $0.set("mask", 1 * 5 + 2, .nan) } == "/mask has nan at sequence 1, step 2; values must be 0 or 1")
        #expect(try message { $0.set("mask", 3 * 5 + 4, 1) }
                == "/mask is 1 at sequence 3, step 4, beyond the sequence's length 3; it must be 0 there")
        #expect(try message { $0.datasets["mask"] = .floats(Array(repeating: 0, count: 20), [4, 5]) }
                == "/mask has no scored step (all values are 0); at least one step must be 1")
        #expect(try message { $0.datasets["error_mask"] = .ints(Array(repeating: 0, count: 20), [4, 5]) }
                == "/error_mask has no judged step (all values are 0); at least one step must be 1")
        #expect(try message { $0.datasets["error_mask"] = .ints([0, 0, 0, 0, 2] + Array(repeating: 0, count: 15), [4, 5]) }
                == "/error_mask has 2 at sequence 0, step 4; values must be 0 or 1")
        #expect(try message { $0.datasets["error_mask"] = .floats(Array(repeating: 0, count: 19) + [-1], [4, 5]) }
                == "/error_mask has -1.0 at sequence 3, step 4; values must be 0 or 1")
        #expect(try message { $0.datasets["error_mask"] = .floats(Array(repeating: 0, count: 19) + [1], [4, 5]) }
                == "/error_mask is 1 at sequence 3, step 4, beyond the sequence's length 3; it must be 0 there")
        let group = try message { $0.datasets["error_mask"] = .group }
        #expect(group?.contains("'/error_mask'") == true, "\(group ?? "nil")")
    }

    @Test func nonFiniteValues() throws {
        func message(_ change: (inout RawDataset) -> Void) throws -> String? {
            var raw = RawDataset.valid()
            change(&raw)
            return try raw.validationFailure()
        }
        #expect(try message { $0.set("inputs", (2 * 5 + 3) * 2 + 1, .nan) }
                == "/inputs has nan at sequence 2, step 3, input 1; values must be finite and fit in float32")
        #expect(try message { $0.set("inputs", 0, -.infinity) }
                == "/inputs has -inf or a value beyond float32's range (±3.4e38) at sequence 0, step 0, input 0; values must be finite and fit in float32")
        #expect(try message { $0.set("targets", 1 * 5 + 1, .infinity) }
                == "/targets has inf or a value beyond float32's range (±3.4e38) at sequence 1, step 1, output 0; values must be finite and fit in float32")
        // float64 inputs too large for float32.
        #expect(try message { $0.datasets["inputs"] = .doubles([1e300] + Array(repeating: 0, count: 39), [4, 5, 2]) }
                == "/inputs has inf or a value beyond float32's range (±3.4e38) at sequence 0, step 0, input 0; values must be finite and fit in float32")
    }

    @Test func targetsMustSuitTheLoss() throws {
        var logistic = RawDataset.valid()
        logistic.attributes["output_loss"] = .string("logistic-cross-entropy")
        #expect(try logistic.validationFailure()
                == "/targets has 2.0 at sequence 1, step 3, output 0; logistic-cross-entropy targets must be in [0, 1]")
        // A linear target whose squared error float32 cannot hold.
        var huge = RawDataset.valid()
        huge.set("targets", 1 * 5 + 3, 1e30)
        #expect(try huge.validationFailure()
                == "/targets has 1e+30 at sequence 1, step 3, output 0; linear-squared-error targets must be within "
                + "±1.3043818e+19 so that float32 can square the error (rescale the data)")
        huge.set("targets", 1 * 5 + 3, -1e19)
        #expect(try huge.validationFailure() == nil)
        var softmax = RawDataset.valid()
        softmax.attributes["output_loss"] = .string("softmax-cross-entropy")
        softmax.datasets["targets"] = .floats(Array(repeating: 0.5, count: 40), [4, 5, 2])
        #expect(try softmax.validationFailure() == nil)
        var single = softmax
        single.datasets["targets"] = .floats(Array(repeating: 1, count: 20), [4, 5, 1])
        #expect(try single.validationFailure() == "/targets has O = 1 output; output_loss 'softmax-cross-entropy' needs "
                + "at least 2 (one yes/no output is 'logistic-cross-entropy')")
        softmax.set("targets", (0 * 5 + 4) * 2, 0.25)
        #expect(try softmax.validationFailure()
                == "/targets at sequence 0, step 4 is not a probability vector (sum 0.75); softmax-cross-entropy "
                + "targets must be ≥ 0 and sum to 1 at scored and judged steps")
    }

    /// The informational task length may be missing, but a stored one is a length (−5 was taken).
    @Test func aStoredTaskLengthIsALength() throws {
        var raw = RawDataset.valid()
        raw.attributes["task_length"] = .int(-5)
        #expect(try raw.validationFailure() == "root attribute 'task_length' is -5; a length is at least 1")
        raw.attributes["task_length"] = .int(5)
        #expect(try raw.validationFailure() == nil)
    }

    @Test func labels() throws {
        func message(_ change: (inout RawDataset) -> Void) throws -> String? {
            var raw = RawDataset.validLabels()
            change(&raw)
            return try raw.validationFailure()
        }
        #expect(try message { $0.attributes["classes"] = nil }
                == "/labels needs the root attribute 'classes' (int64, the number of classes O)")
        #expect(try message { $0.attributes["classes"] = .int(0) } == "root attribute 'classes' is 0; it must be in 2...1048576")
        // One class passed, then the network's softmax trapped in train (signal 4).
        #expect(try message {
            $0.attributes["classes"] = .int(1)
            $0.datasets["labels"] = .ints(Array(repeating: 0, count: 20), [4, 5])
        } == "root attribute 'classes' is 1; it must be in 2...1048576")
        #expect(try message { $0.attributes["output_loss"] = .string("linear-squared-error") }
                == "/labels needs output_loss 'softmax-cross-entropy', the file says 'linear-squared-error' (store other targets in /targets)")
        #expect(try message { $0.set("labels", 1 * 5 + 3, 3) }
                == "/labels has 3 at sequence 1, step 3, a scored or judged step; labels must be in 0..<3 (classes)")
        #expect(try message { $0.set("labels", 2 * 5 + 4, -1) }
                == "/labels has -1 at sequence 2, step 4, a scored or judged step; labels must be in 0..<3 (classes)")
        #expect(try message { $0.datasets["labels"] = .floats(Array(repeating: 0, count: 20), [4, 5]) }
                == "/labels holds float32 values; it must hold integer values (int32 [N, T])")
        #expect(try message { $0.datasets["labels"] = .ints(Array(repeating: 0, count: 20), [4, 5, 1]) }
                == "/labels has shape [4, 5, 1]; it must be [N, T] (rank 2)")
        // Labels on a judged (not scored) step are checked too.
        #expect(try message {
            $0.datasets["error_mask"] = .ints([1] + Array(repeating: 0, count: 19), [4, 5])
        } == "/labels has -1 at sequence 0, step 0, a scored or judged step; labels must be in 0..<3 (classes)")
        // Unsigned 64-bit labels cannot be read as int64: the wrapper's one-line message.
        let unsigned = try message { $0.datasets["labels"] = .unsigned(Array(repeating: 0, count: 20), [4, 5]) }
        #expect(unsigned?.contains("'/labels'") == true && unsigned?.contains("uint64") == true, "\(unsigned ?? "nil")")
        #expect(unsigned?.contains("\n") == false)
    }

    @Test func sequencesTooLargeForMemoryAreRefusedBeforeReading() throws {
        var raw = RawDataset.validLabels()
        raw.attributes["classes"] = .int(1 << 20)
        raw.datasets = ["inputs": .floats(Array(repeating: 0, count: 300), [1, 300, 1]),
                        "labels": .ints(Array(repeating: 0, count: 300), [1, 300]),
                        "mask": .floats(Array(repeating: 0, count: 300), [1, 300]), "lengths": .ints([300], [1])]
        #expect(try raw.validationFailure() == "one sequence of T = 300 steps with I = 1 inputs and O = 1048576 outputs "
                + "needs more than 1024 MiB; hfrnn does not support sequences that large")
    }

    @Test func errorsInLaterBlocksNameTheRightSequence() throws {
        var raw = RawDataset.valid()
        raw.set("mask", 3 * 5 + 1, 0.25)
        #expect(try raw.validationFailure(blockBytes: 1) == "/mask has 0.25 at sequence 3, step 1; values must be 0 or 1")
        raw = RawDataset.valid()
        raw.set("lengths", 3, 9)
        #expect(try raw.validationFailure(blockBytes: 1) == "/lengths is 9 for sequence 3; lengths must be in 1...5 (T)")
    }

    @Test func missingTruncatedAndNonHDF5Files() throws {
        let missing = temporaryPath()
        #expect(failure(at: missing) { _ = try DatasetFile(path: missing) } == "file not found")
        try withTemporaryFile { path in
            try "inputs,targets\n1,2\n".write(toFile: path, atomically: false, encoding: .utf8)
            #expect(failure(at: path) { _ = try DatasetFile(path: path) } == "cannot open: not an HDF5 file or corrupt/truncated")
        }
        let (spec, batch) = try taskBatch(.addition, length: 30, count: 200)
        try withTemporaryFile { path in
            try DatasetWriter.write(batch: batch, loss: spec.outputLoss, to: path)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            try handle.truncate(atOffset: UInt64(size / 2))
            try handle.close()
            let message = failure(at: path) { _ = try DatasetFile(path: path) }
            #expect(message == "cannot open: not an HDF5 file or corrupt/truncated")
        }
    }

    @Test func anEmptyFileAndADirectoryAreRefused() throws {
        withTemporaryFile { path in
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            #expect(failure(at: path) { _ = try DatasetFile(path: path) } == "cannot open: not an HDF5 file or corrupt/truncated")
        }
        let folder = temporaryPath("")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { removeFile(folder) }
        #expect(failure(at: folder) { _ = try DatasetFile(path: folder) } == "is a folder, not an HDF5 file")
    }
}

@Suite struct TaskTestSetTests {
    /// `--test-sequences 150 --curvature-batch 100`: exactly 150 sequences, in chunks of 100 and
    /// 50 (it used to round up to 200), the first chunk unchanged by the partial one.
    @Test func taskTestSetHasExactlyTheSequencesAskedFor() throws {
        let spec = try TaskSpec(task: .addition, minimumLength: 6)
        let chunks = try TaskSource<Float>(spec: spec, testSequences: 150, testSeed: 5).testSubBatches(subBatchSize: 100)
        #expect(chunks.map(\.sequenceCount) == [100, 50])
        let whole = try TaskSource<Float>(spec: spec, testSequences: 100, testSeed: 5).testSubBatches(subBatchSize: 100)
        #expect(chunks[0].inputs == whole[0].inputs && chunks[0].targets == whole[0].targets)
        #expect(try TaskSource<Float>(spec: spec, testSequences: 30, testSeed: 5).testSubBatches(subBatchSize: 100).map(\.sequenceCount) == [30])
    }
}
