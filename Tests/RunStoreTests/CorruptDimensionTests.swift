import Diagnostics
import Foundation
import HDF5IO
@testable import RunStore
import TestSupport
import Testing
@testable import DataFiles
@testable import Training
import TrainingTestSupport

/// One flipped bit in a stored dimension must give one error line, not an attempt to allocate
/// tens of gigabytes (which aborts the process).
@Suite struct CorruptDimensionTests {
    /// The bytes of `values` as HDF5 stores dimensions (8-byte little-endian).
    private func dimensionBytes(_ values: [Int]) -> [UInt8] {
        values.flatMap { value in (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    }

    /// Flips bit `bit` of the dimension `index` in the only dataspace of shape `dimensions` (the
    /// version-1 dataspace message: version, rank, flags, five reserved bytes, the dimensions,
    /// then the maximum dimensions, which stay as they were).
    private func flip(_ path: String, dimensions: [Int], index: Int, bit: Int) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let header: [UInt8] = [1, UInt8(dimensions.count), 1, 0, 0, 0, 0, 0]
        let pattern = header + dimensionBytes(dimensions) + dimensionBytes(dimensions)
        let matches = (0...(bytes.count - pattern.count)).filter { Array(bytes[$0..<($0 + pattern.count)]) == pattern }
        try #require(matches.count == 1, "the dimensions \(dimensions) occur \(matches.count) times")
        bytes[matches[0] + header.count + 8 * index + bit / 8] ^= UInt8(1 << (bit % 8))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// In a checkpoint without checksums (format 2) the flipped shape is read and refused.
    @Test func aFlippedParameterDimensionIsOneError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("latest.h5")
        try FileManager.default.copyItem(atPath: fixturePath("checkpoint-format2.h5"), toPath: path)
        try flip(path, dimensions: [4, 4], index: 1, bit: 33)  // W_hh, the only [4, 4] block: [4, 8589934596]

        let error = #expect(throws: HFRNNError.self) { try Checkpoint<HessianFreeTraining<Float>>.load(from: path) }
        #expect(error?.message == "\(path): parameters/W_hh has shape [4, 8589934596], the 2-4-1 network needs [4, 4]")
    }

    @Test func aFlippedHistoryDimensionIsOneError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("latest.h5")
        try FileManager.default.copyItem(atPath: fixturePath("checkpoint-format2.h5"), toPath: path)
        // history/test_error through the low-level API: a [5] dataset whose dimension then flips.
        do {
            let file = try HDF5File.open(path, writable: true)
            try file.write([0.5, 0.25, 0.125, 0.0625, 0.03125], shape: [5], to: "history/test_error")
            try file.close()
        }
        try flip(path, dimensions: [5], index: 0, bit: 36)  // 5 + 2³⁶ entries

        let error = #expect(throws: HFRNNError.self) { try Checkpoint<HessianFreeTraining<Float>>.load(from: path) }
        #expect(error?.message == "\(path): history/test_error has \(5 + (1 << 36)) entries, expected 2")
    }

    /// In a checkpoint of format 3 the shape lives in a checksummed object header: the dataset
    /// does not even open.
    @Test func aFlippedDimensionInAChecksummedCheckpointIsDamage() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.hiddenUnits = 13  // W_hh is the only [13, 13] block
        let path = folder.file("latest.h5")
        try Checkpoint(try trainedTrainer(config, Float.self, iterations: 1)).save(to: path)
        // The version-2 dataspace message: version, rank, flags (maximum sizes present), type "simple".
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let pattern: [UInt8] = [2, 2, 1, 1] + dimensionBytes([13, 13, 13, 13])
        let matches = (0...(bytes.count - pattern.count)).filter { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }
        try #require(matches.count == 1)
        bytes[matches[0] + 4 + 8 + 4] ^= 0x02  // [13, 8589934605]
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let error = #expect(throws: HDF5Error.self) { try Checkpoint<HessianFreeTraining<Float>>.load(from: path) }
        #expect(error?.isDamage == true)
        #expect(error?.description.hasPrefix("\(path): dataset '/parameters/W_hh': cannot open: the file is damaged: "
                                             + "HDF5 metadata do not match their checksum") == true, "\(error?.description ?? "")")
    }
}
