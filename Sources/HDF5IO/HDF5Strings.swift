internal import CHDF5

/// 1-D datasets of strings, for text columns that grow with a run (one string per row). Stored as variable-length UTF-8 strings, which h5py reads as `bytes` objects
/// (`dataset.asstr()[...]` gives `str`), netCDF/HDF5 tools as strings, and numpy as dtype object.
/// Their bytes live in HDF5's global heap, which no HDF5 checksum covers: the dataset's int64
/// attribute `crc32` holds the CRC-32 of every string followed by a NUL, in order.
extension HDF5File {
    /// Writes `values` as a 1-D dataset of variable-length UTF-8 strings, creating parent groups as
    /// needed and replacing an existing dataset at `path`. A string containing NUL cannot be stored
    /// (HDF5 strings are NUL-terminated) and throws.
    public func writeStrings(_ values: [String], to path: String) throws {
        let file = try enterForWriting(.dataset, path)
        let name = Self.normalized(path)
        if let index = values.firstIndex(where: { $0.utf8.contains(0) }) {
            throw error(.dataset, name, "string \(index) contains a NUL character, which HDF5 strings cannot hold")
        }
        try removeDatasetForReplacement(name)
        let type = try variableStringType(cset: H5T_CSET_UTF8, name)
        defer { H5Tclose(type) }
        let space = try dataspace([values.count], .dataset, name)
        defer { H5Sclose(space) }
        let links = try linkCreationList(for: name, kind: .dataset)
        defer { H5Pclose(links) }
        let creation = try Self.untimedCreationList(hfrnn_H5P_DATASET_CREATE(), file: path, kind: .dataset, object: name)
        defer { H5Pclose(creation) }
        let dataset = try check(H5Dcreate2(file, name, type, space, links, creation, hfrnn_H5P_DEFAULT()),
                                .dataset, name, "cannot create dataset")
        defer { H5Dclose(dataset) }
        guard !values.isEmpty else { return }
        // One buffer holding every string NUL-terminated, and a pointer to the start of each.
        var bytes: [CChar] = []
        var offsets: [Int] = []
        for value in values {
            offsets.append(bytes.count)
            bytes.append(contentsOf: value.utf8.map { CChar(bitPattern: $0) })
            bytes.append(0)
        }
        try bytes.withUnsafeBufferPointer { buffer in
            let pointers: [UnsafePointer<CChar>?] = offsets.map { buffer.baseAddress! + $0 }
            _ = try pointers.withUnsafeBytes { pointerBytes in
                try check(H5Dwrite(dataset, type, hfrnn_H5S_ALL(), hfrnn_H5S_ALL(), hfrnn_H5P_DEFAULT(),
                                   pointerBytes.baseAddress), .dataset, name, "cannot write data")
            }
        }
        try setAttribute(Self.stringsChecksumName, to: Int64(bytes.withUnsafeBytes { CRC32.checksum($0) }), on: name)
    }

    /// The attribute of a string dataset holding the CRC-32 of its strings.
    static let stringsChecksumName = "crc32"

    /// Reads a 1-D (or scalar) dataset of strings, variable-length or fixed-length (as h5py writes
    /// `str` lists and `numpy.bytes_` arrays respectively). Fixed-length values end at the first NUL;
    /// space-padded ones are trimmed. Bytes that are not UTF-8 are replaced by U+FFFD.
    ///
    /// With `count`, a dataset holding another number of strings throws before anything is read.
    public func readStrings(_ path: String, count expected: Int? = nil) throws -> [String] {
        try withDataset(path) { dataset, name in
            let type = try check(H5Dget_type(dataset), .dataset, name, "cannot read datatype")
            defer { H5Tclose(type) }
            let stored = StoredType(type)
            guard stored.elementClass == .string else {
                throw error(.dataset, name, "stored as \(stored.name), not as strings")
            }
            let space = try check(H5Dget_space(dataset), .dataset, name, "cannot read dataspace")
            defer { H5Sclose(space) }
            let shape = try extent(of: space, name)
            guard shape.count <= 1 else { throw error(.dataset, name, "has shape \(shape); expected a 1-D list of strings") }
            let count = Int(try check(H5Sget_simple_extent_npoints(space), .dataset, name, "cannot count elements"))
            if let expected, count != expected {
                throw error(.dataset, name, "has shape \(shape), expected [\(expected)]")
            }
            guard count > 0 else { return [] }

            let values: [[UInt8]]
            if H5Tis_variable_str(type) > 0 {
                let geometry = try storageGeometry(.dataset, name)
                try checkStoredSize(dataset, count: count, elementBytes: geometry.elementBytes, name)
                let memoryType = try storedElementType(geometry, .dataset, name)
                defer { H5Tclose(memoryType) }
                var elements = [UInt8](repeating: 0, count: count * geometry.elementBytes)
                _ = try elements.withUnsafeMutableBytes { buffer in
                    try check(H5Dread(dataset, memoryType, hfrnn_H5S_ALL(), hfrnn_H5S_ALL(), hfrnn_H5P_DEFAULT(),
                                      buffer.baseAddress), .dataset, name, "cannot read data")
                }
                values = try heapStrings(elements, count: count, geometry, .dataset, name)
            } else {
                let size = stored.byteCount
                try checkStoredSize(dataset, count: count, elementBytes: size, name)
                var bytes = [UInt8](repeating: 0, count: count * size)
                _ = try bytes.withUnsafeMutableBytes { buffer in
                    try check(H5Dread(dataset, type, hfrnn_H5S_ALL(), hfrnn_H5S_ALL(), hfrnn_H5P_DEFAULT(),
                                      buffer.baseAddress), .dataset, name, "cannot read data")
                }
                let spacePadded = H5Tget_strpad(type) == H5T_STR_SPACEPAD
                values = (0..<count).map { index in
                    let value = bytes[(index * size)..<((index + 1) * size)]
                    var end = value.firstIndex(of: 0) ?? value.endIndex
                    if spacePadded {
                        while end > value.startIndex && value[end - 1] == UInt8(ascii: " ") { end -= 1 }
                    }
                    return Array(value[..<end])
                }
            }
            if try hasAttribute(Self.stringsChecksumName, on: name) {
                let expected = try int64Attribute(Self.stringsChecksumName, on: name)
                let actual = values.reduce(UInt32(0)) { crc, value in CRC32.checksum(value + [0], continuing: crc) }
                guard Int64(actual) == expected else {
                    throw damage(.dataset, name, "its strings do not match their CRC-32 checksum (attribute '\(Self.stringsChecksumName)')")
                }
            }
            // Bytes that are not UTF-8 are repaired (U+FFFD), as String(cString:) would.
            return values.map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// A variable-length C string type with the given character set. The caller closes it.
    private func variableStringType(cset: H5T_cset_t, _ name: String) throws -> hid_t {
        let type = try check(H5Tcopy(hfrnn_H5T_C_S1()), .dataset, name, "cannot create string type")
        guard H5Tset_size(type, hfrnn_H5T_VARIABLE()) >= 0, H5Tset_cset(type, cset) >= 0 else {
            let stack = HDF5Library.errorStack()
            H5Tclose(type)
            throw error(.dataset, name, "cannot set up variable-length string type", stack: stack)
        }
        return type
    }
}
