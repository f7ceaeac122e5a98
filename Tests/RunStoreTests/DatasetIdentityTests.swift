import Diagnostics
import Foundation
import Linalg
@testable import RunStore
import Tasks
import TestSupport
import Testing
@testable import DataFiles
@testable import Training

/// A dataset run records its files by absolute path and content hash, and opens them again only
/// if they are the same data.
@Suite struct DatasetIdentityTests {
    /// FNV-1a 64 reference values: the empty input is the offset basis; "a" is 0xaf63dc4c8601ec8c.
    @Test func contentHashIsFNV1a64OfTheBytes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try Data().write(to: URL(fileURLWithPath: folder.file("empty")))
        try Data("a".utf8).write(to: URL(fileURLWithPath: folder.file("a")))
        #expect(try contentHash(ofFileAt: folder.file("empty")) == "fnv1a64:cbf29ce484222325")
        #expect(try contentHash(ofFileAt: folder.file("a")) == "fnv1a64:af63dc4c8601ec8c")
        // A device never ends (a grid given /dev/zero as a dataset hashed it forever); a folder is no file.
        for (path, problem) in [("/dev/zero", "not a regular file (a device or a pipe?)"), (folder.path, "is a folder, not a file")] {
            let error = #expect(throws: HFRNNError.self) { try contentHash(ofFileAt: path) }
            #expect(error?.description == "\(path): \(problem)")
        }
    }

    private func writeDataset(_ path: String, seed: UInt64) throws {
        let spec = try TaskSpec(task: .addition, minimumLength: 8)
        var rng = SeededGenerator(seed: seed)
        try DatasetWriter.write(batch: spec.makeBatch(count: 20, using: &rng), loss: spec.outputLoss, to: path)
    }

    @Test func aNewRunRecordsAbsolutePathsAndHashes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeDataset(folder.file("train.h5"), seed: 1)
        try writeDataset(folder.file("test.h5"), seed: 2)
        try FileManager.default.createDirectory(atPath: folder.file("sub"), withIntermediateDirectories: true)
        let roundabout = TrainingConfig(data: .dataset(path: folder.file("sub/../train.h5"), testPath: folder.file("test.h5")))
        let recorded = try recordingDatasetIdentity(roundabout)
        #expect(recorded.data == .dataset(path: folder.file("train.h5"), testPath: folder.file("test.h5")))
        #expect(recorded.datasetHashes == DatasetHashes(training: try contentHash(ofFileAt: folder.file("train.h5")),
                                                        test: try contentHash(ofFileAt: folder.file("test.h5"))))
        let task = TrainingConfig(data: .task(try TaskSpec(task: .addition, minimumLength: 8)))
        #expect(try recordingDatasetIdentity(task) == task)
    }

    @Test func aStoredRunOpensOnlyItsOwnData() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeDataset(folder.file("train.h5"), seed: 1)
        try writeDataset(folder.file("other.h5"), seed: 3)
        let stored = try recordingDatasetIdentity(TrainingConfig(data: .dataset(path: folder.file("train.h5"), testPath: nil)))
        _ = try makeStoredRunSource(stored, Float.self)

        try FileManager.default.moveItem(atPath: folder.file("train.h5"), toPath: folder.file("moved.h5"))
        #expect(throws: HFRNNError.file(folder.file("train.h5"), "file not found: the run's stored dataset path "
                                        + "(if the file has moved, give its new path with --dataset-moved-to FILE)")) {
            _ = try makeStoredRunSource(stored, Float.self)
        }
        let moved = try relocating(stored, to: MovedDataset(dataset: folder.file("moved.h5")))
        #expect(moved.data == .dataset(path: folder.file("moved.h5"), testPath: nil))
        _ = try makeStoredRunSource(moved, Float.self)

        // Other data is refused where it is named, before any command reads it.
        let otherHash = try contentHash(ofFileAt: folder.file("other.h5"))
        #expect(throws: HFRNNError.file(folder.file("other.h5"), "not the run's dataset: its content hash is \(otherHash), "
                                        + "the run's is \(stored.datasetHashes?.training ?? "")")) {
            _ = try relocating(stored, to: MovedDataset(dataset: folder.file("other.h5")))
        }
        #expect(throws: HFRNNError("--test-dataset-moved-to: the run has no separate test file (its test set is rows "
                                   + "of its dataset; give --dataset-moved-to)")) {
            _ = try relocating(stored, to: MovedDataset(testDataset: folder.file("other.h5")))
        }
        let task = TrainingConfig(data: .task(try TaskSpec(task: .addition, minimumLength: 8)))
        #expect(throws: HFRNNError("--dataset-moved-to: the run trains on addition T = 8, not on a dataset file")) {
            _ = try relocating(task, to: MovedDataset(dataset: folder.file("other.h5")))
        }
    }
}
