import DataFiles
import Foundation
import HDF5IO

/// A CRC-32 of a whole checkpoint, recorded in its first 512 bytes (HDF5's user block, which HDF5
/// and h5py skip). HDF5's own checksums cover the file's metadata, Fletcher-32 every numeric dataset
/// and the `.crc32` attributes every string, but none covers the bytes in between: the free space
/// of the global heap and space HDF5 allocated and left unused, a quarter of a small checkpoint.
/// With the seal a bit flipped anywhere in a checkpoint (format 3 on) is noticed, and the file is
/// refused: it is not the one hfrnn wrote. The record is one line of text, zero-padded:
/// `hfrnn-checkpoint crc32=<8 hex digits> size=<file size>`, the CRC of bytes 512 to the end.
enum CheckpointSeal {
    static let userBlockBytes = 512

    /// The record for a file of `size` bytes whose bytes after the user block have CRC `crc`.
    static func record(crc: UInt32, size: Int) -> [UInt8] {
        let hex = String(crc, radix: 16)
        let line = "hfrnn-checkpoint crc32=\(String(repeating: "0", count: 8 - hex.count) + hex) size=\(size)\n"
        return Array(line.utf8) + [UInt8](repeating: 0, count: userBlockBytes - line.utf8.count)
    }

    /// Writes the record into the user block of a checkpoint image.
    static func seal(_ image: inout [UInt8]) {
        precondition(image.count > userBlockBytes && image[..<userBlockBytes].allSatisfy { $0 == 0 })
        let crc = image.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[userBlockBytes...])) }
        image.replaceSubrange(0..<userBlockBytes, with: record(crc: crc, size: image.count))
    }

    /// Nil when the file at `path` matches its record, else what is wrong, as one phrase.
    static func problem(at path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return "it cannot be read again to verify its CRC-32" }
        return data.withUnsafeBytes { bytes -> String? in
            guard bytes.count > userBlockBytes else { return "it is too short to hold its CRC-32 record" }
            let block = Array(bytes[..<userBlockBytes])
            let line = String(decoding: block.prefix { $0 != 0x0A }, as: UTF8.self)
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[0] == "hfrnn-checkpoint", fields[1].hasPrefix("crc32="), fields[2].hasPrefix("size="),
                  let recordedCRC = UInt32(fields[1].dropFirst(6), radix: 16), let recordedSize = Int(fields[2].dropFirst(5)),
                  record(crc: recordedCRC, size: recordedSize) == block else {
                return "the CRC-32 record in its first \(userBlockBytes) bytes is damaged"
            }
            guard recordedSize == bytes.count else {
                return "it has \(bytes.count) bytes but was written with \(recordedSize)"
            }
            let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[userBlockBytes...]))
            guard crc == recordedCRC else {
                return "its bytes do not match the CRC-32 it was written with (recorded \(fields[1].dropFirst(6)), "
                    + "now \(String(crc, radix: 16)))"
            }
            return nil
        }
    }
}
