import Foundation
internal import CHDF5

/// Files built in memory, whose bytes the caller writes out as one image.
extension HDF5File {
    /// Creates a new, empty file that lives in memory only, opened for writing; `image()` gives
    /// its bytes, and nothing touches the disk. `name` only labels errors. Writers build files this
    /// way and write the bytes themselves, so a full or failing disk is met by one ordinary failed
    /// write: when HDF5 itself hits a write error while closing a file, HDF5 1.10 leaves the file
    /// half-closed and crashes when it cleans up at exit.
    ///
    /// `userBlockBytes` (0, or a power of two ≥ 512) reserves that many bytes at the start of the
    /// file that HDF5 leaves alone (its "user block"), zeros in the image, for the caller to fill.
    public static func createInMemory(name: String, userBlockBytes: Int = 0) throws -> HDF5File {
        HDF5Library.silenceErrorPrinting()
        let access = try checkedAccessList(name: name, inMemory: true)
        defer { H5Pclose(access) }
        let creation = try untimedCreationList(hfrnn_H5P_FILE_CREATE(), file: name, kind: nil, object: nil)
        defer { H5Pclose(creation) }
        guard H5Pset_userblock(creation, hsize_t(userBlockBytes)) >= 0 else {
            throw HDF5Error(file: name, message: "cannot reserve a user block of \(userBlockBytes) bytes",
                            hdf5Stack: HDF5Library.errorStack())
        }
        let id = H5Fcreate("hfrnn-memory-\(UUID().uuidString)", hfrnn_H5F_ACC_TRUNC(), creation, access)
        guard id >= 0 else {
            throw HDF5Error(file: name, message: "cannot create an in-memory file", hdf5Stack: HDF5Library.errorStack())
        }
        return HDF5File(path: name, id: id, writable: true, inMemory: true)
    }

    /// The whole file as it would be on disk (metadata flushed first).
    public func image() throws -> [UInt8] {
        let file = try enter()
        try check(H5Fflush(file, H5F_SCOPE_LOCAL), nil, nil, "cannot flush file")
        let size = try check(H5Fget_file_image(file, nil, 0), nil, nil, "cannot get the file image")
        var bytes = [UInt8](repeating: 0, count: size)
        let copied = bytes.withUnsafeMutableBytes { H5Fget_file_image(file, $0.baseAddress, size) }
        guard try check(copied, nil, nil, "cannot get the file image") == size else {
            throw error(nil, nil, "the file image changed size while being copied")
        }
        return try repairedImage(bytes)
    }

    /// Two things HDF5 1.10.8's H5Fget_file_image gets wrong for the file format hfrnn writes: it
    /// clears the "open for writing" flag in its copy of a version-2 or -3 superblock but keeps the
    /// checksum of the flagged one (so the image would not open: "incorrect metadata checksum"),
    /// and it leaves out the user block. The checksum is recomputed and the user block put back.
    private func repairedImage(_ image: [UInt8]) throws -> [UInt8] {
        let creation = try check(H5Fget_create_plist(id), nil, nil, "cannot read the file creation properties")
        defer { H5Pclose(creation) }
        var userBlock: hsize_t = 0
        var addressBytes = 0, lengthBytes = 0
        try check(H5Pget_userblock(creation, &userBlock), nil, nil, "cannot read the user block size")
        try check(H5Pget_sizes(creation, &addressBytes, &lengthBytes), nil, nil, "cannot read the address size")
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        func superblock(at offset: Int) -> Bool {
            image.count >= offset + 8 && Array(image[offset..<(offset + 8)]) == signature
        }
        var bytes = image
        if userBlock > 0 && !superblock(at: Int(userBlock)) && superblock(at: 0) {
            bytes = [UInt8](repeating: 0, count: Int(userBlock)) + image
        }
        // Signature (8), version, address size, length size, flags, then four addresses and the checksum.
        let start = Int(userBlock)
        let checked = 12 + 4 * addressBytes
        guard bytes.count >= start + checked + 4, bytes[start + 8] >= 2 else { return bytes }
        let checksum = MetadataChecksum.checksum(bytes[start..<(start + checked)])
        for k in 0..<4 { bytes[start + checked + k] = UInt8(truncatingIfNeeded: checksum >> (8 * UInt32(k))) }
        return bytes
    }
}
