import Diagnostics
import Foundation
import HDF5IO

/// A hash of a file's bytes, "fnv1a64:" and 16 hex digits (64-bit FNV-1a): enough to tell whether a
/// file found again, perhaps elsewhere, holds the same data. Not a defence against a forger.
public func contentHash(ofFileAt path: String) throws -> String {
    // A device or pipe (/dev/zero given as a dataset) never ends: only files are hashed.
    if FileManager.default.fileExists(atPath: path), !isRegularFile(path) {
        throw HFRNNError.file(path, notARegularFileProblem(path))
    }
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw HFRNNError.file(path, "cannot read: \(String(cString: strerror(errno)))")
    }
    defer { try? handle.close() }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    while true {
        let chunk: Data
        do {
            guard let read = try handle.read(upToCount: 1 << 20), !read.isEmpty else { break }
            chunk = read
        } catch {
            throw HFRNNError.file(path, "cannot read: \(error.localizedDescription)")
        }
        chunk.withUnsafeBytes { bytes in
            for byte in bytes {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
        }
    }
    return "fnv1a64:" + String(hash, radix: 16).leftPadded(to: 16)
}

/// The content hash of the file at `path`, which must be `expected` when one is given: otherwise
/// "<path>: not <what>: its content hash is <found>, <holder>'s is <expected>" (`what` e.g. "the
/// run's dataset", `holder` e.g. "the run"). Runs, grids and moved files are all checked here.
@discardableResult
public func requireContentHash(ofFileAt path: String, expected: String?, what: String, holder: String) throws -> String {
    let found = try contentHash(ofFileAt: path)
    if let expected, found != expected {
        throw HFRNNError.file(path, "not \(what): its content hash is \(found), \(holder)'s is \(expected)")
    }
    return found
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
