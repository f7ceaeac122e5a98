import Foundation

extension HDF5File {
    /// The eight bytes every HDF5 file's superblock starts with.
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Whether the file at `path` carries the HDF5 signature where the format allows it: at byte 0,
    /// or after a user block of 512, 1024, 2048, … bytes. False for a file that cannot be read. Lets
    /// callers tell "not an HDF5 file at all" from a damaged one without HDF5's error stack.
    public static func hasSignature(atPath path: String) -> Bool {
        // Only a regular file has an end to search up to (on /dev/zero the offset doubled past 2^63).
        guard isRegularFile(path), let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64,
              let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        var offset: UInt64 = 0
        while offset + UInt64(signature.count) <= size {
            guard (try? handle.seek(toOffset: offset)) != nil,
                  let bytes = try? handle.read(upToCount: signature.count), bytes.count == signature.count else {
                return false
            }
            if Array(bytes) == signature { return true }
            offset = offset == 0 ? 512 : offset * 2
        }
        return false
    }
}
