import Diagnostics
import Foundation
import HDF5IO
@testable import RunStore
import TestSupport
import Testing
@testable import DataFiles
@testable import Training
import TrainingTestSupport

/// A checkpoint (format 3) notices any flipped bit: in a stored value it names the value, anywhere
/// else its seal, the CRC-32 of the whole file in its first 512 bytes, refuses it.
@Suite struct CheckpointDamageTests {
    /// A saved checkpoint of 2 iterations and its bytes.
    private func savedCheckpoint(in folder: TemporaryFolder) throws -> (path: String, bytes: [UInt8]) {
        let path = folder.file("latest.h5")
        try Checkpoint(try trainedTrainer(try smallConfig(.float), Float.self, iterations: 2))
            .save(to: path)
        return (path, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    private func offset(of pattern: [UInt8], in bytes: [UInt8]) throws -> Int {
        let matches = (0...(bytes.count - pattern.count)).filter { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }
        try #require(matches.count == 1, "\(matches.count) matches")
        return matches[0]
    }

    private func loadError(_ path: String, flipping offset: Int, bit: Int, of bytes: [UInt8]) throws -> String {
        var damaged = bytes
        damaged[offset] ^= UInt8(1 << bit)
        try Data(damaged).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Checkpoint<HessianFreeTraining<Float>>.load(from: path)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func aDamagedWeightIsNamed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (path, bytes) = try savedCheckpoint(in: folder)
        let weights = try Checkpoint<HessianFreeTraining<Float>>.load(from: path).parameters
        let recurrent = weights[16..<80]  // W_hh follows the 8 × 2 W_hx
        let at = try offset(of: recurrent.prefix(4).flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }, in: bytes)
        let message = try loadError(path, flipping: at + 1, bit: 4, of: bytes)
        #expect(message.hasPrefix("\(path): dataset '/parameters/W_hh': cannot read data: the file is damaged: its data do "
                                  + "not match their Fletcher-32 checksum"), "\(message)")
    }

    @Test func aDamagedConfigurationIsNamed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (path, bytes) = try savedCheckpoint(in: folder)
        let at = try offset(of: Array("\"hidden_units\":8".utf8), in: bytes)
        let message = try loadError(path, flipping: at + 15, bit: 0, of: bytes)  // 8 becomes 9
        #expect(message == "\(path): attribute 'training' of '/config': is damaged: its value does not match its CRC-32 "
                + "checksum (attribute 'training.crc32')")
    }

    /// The reserved bytes in front of a string's heap object hold no value: only the seal sees them.
    @Test func damageOutsideEveryValueIsRefusedByTheSeal() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (path, bytes) = try savedCheckpoint(in: folder)
        let training = try HDF5File.open(path).stringAttribute("training", on: "config")
        let text = try offset(of: Array(training.utf8), in: bytes)
        let message = try loadError(path, flipping: text - 10, bit: 2, of: bytes)
        #expect(message.hasPrefix("\(path): the file is damaged: its bytes do not match the CRC-32 it was written with "
                                  + "(recorded "), "\(message)")
    }

    @Test func aDamagedOrMismatchedSealIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (path, bytes) = try savedCheckpoint(in: folder)
        #expect(try loadError(path, flipping: 300, bit: 0, of: bytes)
                == "\(path): the file is damaged: the CRC-32 record in its first 512 bytes is damaged")
        try Data(bytes + [0]).write(to: URL(fileURLWithPath: path))
        let longer = #expect(throws: HFRNNError.self) { try Checkpoint<HessianFreeTraining<Float>>.load(from: path) }
        #expect(longer?.message == "\(path): the file is damaged: it has \(bytes.count + 1) bytes but was written with \(bytes.count)")
    }

    /// A checkpoint written before format 3 has no seal and needs none; its values are the ones
    /// hfrnn of 2026-12-05 wrote (the fixture is described in Tests/Fixtures/README.md).
    @Test func aFormatTwoCheckpointLoads() throws {
        let checkpoint = try Checkpoint<HessianFreeTraining<Float>>.load(from: fixturePath("checkpoint-format2.h5"))
        #expect(checkpoint.network.shape.hidden == 4 && checkpoint.network.shape.inputs == 2)
        #expect(checkpoint.parameters.count == 37 && checkpoint.parameters.allSatisfy(\.isFinite))
        #expect(checkpoint.state.iteration == 2)
        #expect(checkpoint.history.map(\.iteration) == [1, 2])
        #expect(checkpoint.history.map(\.lambda) == [0.01, 0.015])
        #expect(checkpoint.history.map(\.cgIterations) == [16, 16])
        #expect(checkpoint.history.map(\.decision.reason) == ["accepted", "accepted"])
    }

    /// A format-2 checkpoint derives each record's sequences from its iteration: an iteration of
    /// 2^62 (one flipped bit; format 2 has no checksums) overflowed the product and trapped.
    @Test func aHugeIterationInAnOldHistoryIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("latest.h5")
        try FileManager.default.copyItem(atPath: fixturePath("checkpoint-format2.h5"), toPath: path)
        let file = try HDF5File.open(path, writable: true)
        try file.write([Int64(1) << 62 | 1, 2], shape: [2], to: "history/iteration")
        try file.close()
        let error = #expect(throws: HFRNNError.self) { try Checkpoint<HessianFreeTraining<Float>>.load(from: path) }
        #expect(error?.description == "\(path): history/iteration[0] is 4611686018427387905, not an iteration count",
                "\(String(describing: error))")
    }

    @Test func anOldDatasetLoads() throws {
        let file = try DatasetFile(path: fixturePath("dataset-unchecked.h5"), keepInMemoryUpTo: 1 << 20)
        #expect(file.sequenceCount == 20 && file.steps == 10 && file.inputSize == 2 && file.outputSize == 1)
        #expect(file.task == "addition" && file.taskLength == 10 && file.seed == 1)
        #expect(file.scoredSteps == 20)
    }
}
