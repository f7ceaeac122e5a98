internal import CHDF5

/// Attributes on any object ("/" is the root group). Setting an attribute that exists replaces it.
extension HDF5File {
    public func setAttribute(_ name: String, to value: Double, on object: String = "/") throws {
        try writeAttribute(name, [value], shape: [], on: object)
    }

    public func setAttribute(_ name: String, to value: Int64, on object: String = "/") throws {
        try writeAttribute(name, [value], shape: [], on: object)
    }

    /// Stored as Int64 (so an integer literal picks this overload, not the Double one).
    public func setAttribute(_ name: String, to value: Int, on object: String = "/") throws {
        try writeAttribute(name, [Int64(value)], shape: [], on: object)
    }

    /// A 1-D array attribute.
    public func setAttribute(_ name: String, to values: [Double], on object: String = "/") throws {
        try writeAttribute(name, values, shape: [values.count], on: object)
    }

    /// A 1-D array attribute.
    public func setAttribute(_ name: String, to values: [Int64], on object: String = "/") throws {
        try writeAttribute(name, values, shape: [values.count], on: object)
    }

    /// A variable-length UTF-8 string, the type h5py writes for `str` (and reads back as `str`),
    /// with its CRC-32 in the int64 attribute `<name>.crc32` next to it: the string's bytes live
    /// in HDF5's global heap, which no HDF5 checksum covers, and `stringAttribute` verifies them.
    /// A string containing NUL cannot be stored (HDF5 strings are NUL-terminated) and throws.
    public func setAttribute(_ name: String, to value: String, on object: String = "/") throws {
        _ = try enterForWriting(.attribute, object, attribute: name)
        let owner = Self.normalized(object)
        guard !value.utf8.contains(0) else {
            throw error(.attribute, owner, attribute: name, "contains a NUL character, which HDF5 strings cannot hold")
        }
        let type = try check(H5Tcopy(hfrnn_H5T_C_S1()), .attribute, owner, attribute: name, "cannot create string type")
        defer { H5Tclose(type) }
        let configured = H5Tset_size(type, hfrnn_H5T_VARIABLE()) >= 0 && H5Tset_cset(type, H5T_CSET_UTF8) >= 0
        try check(configured ? 0 : -1, .attribute, owner, attribute: name, "cannot set up string type")
        let space = try dataspace([], .attribute, owner, attribute: name)
        defer { H5Sclose(space) }
        let attribute = try createAttribute(name, on: owner, type: type, space: space)
        defer { H5Aclose(attribute) }
        // The value in memory is a pointer to a NUL-terminated string.
        _ = try value.withCString { characters in
            var pointer: UnsafePointer<CChar>? = characters
            return try withUnsafeBytes(of: &pointer) { buffer in
                try check(H5Awrite(attribute, type, buffer.baseAddress), .attribute, owner, attribute: name, "cannot write")
            }
        }
        try writeAttribute(Self.checksumName(of: name), [Int64(CRC32.checksum(value.utf8))], shape: [], on: owner)
    }

    public func doubleAttribute(_ name: String, on object: String = "/") throws -> Double {
        try scalar(readAttribute(name, on: object), name, object)
    }

    public func int64Attribute(_ name: String, on object: String = "/") throws -> Int64 {
        try scalar(readAttribute(name, on: object), name, object)
    }

    /// All values of a numeric attribute, flattened (a scalar gives one value).
    public func doubleArrayAttribute(_ name: String, on object: String = "/") throws -> [Double] {
        try readAttribute(name, on: object)
    }

    public func int64ArrayAttribute(_ name: String, on object: String = "/") throws -> [Int64] {
        try readAttribute(name, on: object)
    }

    /// A scalar string attribute, fixed-length or variable-length (as h5py writes `str` values).
    /// When a `<name>.crc32` attribute is present (hfrnn writes one), the string must match it.
    public func stringAttribute(_ name: String, on object: String = "/") throws -> String {
        let (owner, attribute) = try openAttribute(name, on: object)
        defer { H5Aclose(attribute) }
        let type = try check(H5Aget_type(attribute), .attribute, owner, attribute: name, "cannot read datatype")
        defer { H5Tclose(type) }
        let stored = StoredType(type)
        guard stored.elementClass == .string else {
            throw error(.attribute, owner, attribute: name, "stored as \(stored.name), not as a string")
        }
        try requireSingleValue(attribute, name, owner)
        var bytes: [UInt8]
        if H5Tis_variable_str(type) > 0 {
            let geometry = try storageGeometry(.attribute, owner, attribute: name)
            let memoryType = try storedElementType(geometry, .attribute, owner, attribute: name)
            defer { H5Tclose(memoryType) }
            var element = [UInt8](repeating: 0, count: geometry.elementBytes)
            _ = try element.withUnsafeMutableBytes { buffer in
                try check(H5Aread(attribute, memoryType, buffer.baseAddress), .attribute, owner, attribute: name,
                          "cannot read")
            }
            bytes = try heapStrings(element, count: 1, geometry, .attribute, owner, attribute: name)[0]
        } else {
            // A compact attribute lives in its object header, at most 64 KiB.
            guard (1...(1 << 16)).contains(stored.byteCount) else {
                throw damage(.attribute, owner, attribute: name, "its fixed-length string type claims \(stored.byteCount) bytes")
            }
            bytes = [UInt8](repeating: 0, count: stored.byteCount)
            _ = try bytes.withUnsafeMutableBytes { buffer in
                try check(H5Aread(attribute, type, buffer.baseAddress), .attribute, owner, attribute: name, "cannot read")
            }
            // Null-terminated and null-padded strings end at the first NUL; space-padded ones are trimmed.
            var end = bytes.firstIndex(of: 0) ?? bytes.count
            if H5Tget_strpad(type) == H5T_STR_SPACEPAD {
                while end > 0 && bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
            }
            bytes.removeSubrange(end...)
        }
        let checksumName = Self.checksumName(of: name)
        if try hasAttribute(checksumName, on: owner) {
            let expected = try int64Attribute(checksumName, on: owner)
            guard Int64(CRC32.checksum(bytes)) == expected else {
                throw damage(.attribute, owner, attribute: name, "its value does not match its CRC-32 checksum "
                             + "(attribute '\(checksumName)')")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An optional string attribute: nil when `object` or the attribute is missing or it is not a
    /// readable string. Damage (`HDF5Error.isDamage`) still throws: a damaged value is not a missing one.
    public func optionalStringAttribute(_ name: String, on object: String = "/") throws -> String? {
        try optional { try hasAttribute(name, on: object) ? try stringAttribute(name, on: object) : nil }
    }

    /// An optional integer attribute, as `optionalStringAttribute`.
    public func optionalInt64Attribute(_ name: String, on object: String = "/") throws -> Int64? {
        try optional { try hasAttribute(name, on: object) ? try int64Attribute(name, on: object) : nil }
    }

    private func optional<T>(_ read: () throws -> T?) throws -> T? {
        do {
            return try read()
        } catch let error as HDF5Error where !error.isDamage {
            return nil
        }
    }

    /// The attribute holding the CRC-32 of string attribute `name`.
    static func checksumName(of name: String) -> String { name + ".crc32" }

    /// Names of the attributes of `object`, sorted.
    public func attributeNames(of object: String = "/") throws -> [String] {
        let file = try enter()
        let owner = try existingObject(object, attribute: nil)
        var names: [String] = []
        _ = try withUnsafeMutablePointer(to: &names) { namesPointer in
            try check(H5Aiterate_by_name(file, owner, H5_INDEX_NAME, H5_ITER_INC, nil, { _, name, _, context in
                guard let name, let context else { return 0 }
                context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                return 0
            }, namesPointer, hfrnn_H5P_DEFAULT()), .object, owner, "cannot list attributes")
        }
        return names.sorted()
    }

    public func hasAttribute(_ name: String, on object: String = "/") throws -> Bool {
        let file = try enter()
        let owner = try existingObject(object, attribute: name)
        return try check(H5Aexists_by_name(file, owner, name, hfrnn_H5P_DEFAULT()), .attribute, owner,
                         attribute: name, "cannot check attribute") > 0
    }

    // MARK: Internals

    /// The normalized path of `object`; throws if there is no such object.
    private func existingObject(_ object: String, attribute: String?) throws -> String {
        let owner = Self.normalized(object)
        guard try exists(owner) else {
            throw error(attribute == nil ? .object : .attribute, owner, attribute: attribute,
                        attribute == nil ? "not found" : "object '\(owner)' not found")
        }
        return owner
    }

    /// Creates attribute `name` on `owner`, deleting an existing one first. The caller closes it.
    private func createAttribute(_ name: String, on owner: String, type: hid_t, space: hid_t) throws -> hid_t {
        if try hasAttribute(name, on: owner) {
            try check(H5Adelete_by_name(id, owner, name, hfrnn_H5P_DEFAULT()), .attribute, owner, attribute: name,
                      "cannot delete the old value")
        }
        return try check(H5Acreate_by_name(id, owner, name, type, space, hfrnn_H5P_DEFAULT(), hfrnn_H5P_DEFAULT(),
                                           hfrnn_H5P_DEFAULT()), .attribute, owner, attribute: name, "cannot create")
    }

    private func writeAttribute<T: HDF5Element>(_ name: String, _ values: [T], shape: [Int], on object: String) throws {
        _ = try enterForWriting(.attribute, object, attribute: name)
        let owner = Self.normalized(object)
        let space = try dataspace(shape, .attribute, owner, attribute: name)
        defer { H5Sclose(space) }
        let attribute = try createAttribute(name, on: owner, type: T.hdf5Type.fileType, space: space)
        defer { H5Aclose(attribute) }
        // A number replacing a string leaves no checksum of the string behind.
        let staleChecksum = Self.checksumName(of: name)
        if try hasAttribute(staleChecksum, on: owner) {
            try check(H5Adelete_by_name(id, owner, staleChecksum, hfrnn_H5P_DEFAULT()), .attribute, owner,
                      attribute: staleChecksum, "cannot delete the old checksum")
        }
        guard !values.isEmpty else { return }
        _ = try values.withUnsafeBytes { buffer in
            try check(H5Awrite(attribute, T.hdf5Type.memoryType, buffer.baseAddress), .attribute, owner,
                      attribute: name, "cannot write")
        }
    }

    private func readAttribute<T: HDF5Element>(_ name: String, on object: String) throws -> [T] {
        let (owner, attribute) = try openAttribute(name, on: object)
        defer { H5Aclose(attribute) }
        let type = try check(H5Aget_type(attribute), .attribute, owner, attribute: name, "cannot read datatype")
        defer { H5Tclose(type) }
        if let refusal = StoredType(type).refusal(readingAs: T.self) {
            throw error(.attribute, owner, attribute: name, refusal)
        }
        let space = try check(H5Aget_space(attribute), .attribute, owner, attribute: name, "cannot read dataspace")
        defer { H5Sclose(space) }
        let count = Int(try check(H5Sget_simple_extent_npoints(space), .attribute, owner, attribute: name,
                                  "cannot count values"))
        return try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                try check(H5Aread(attribute, T.hdf5Type.memoryType, buffer.baseAddress), .attribute, owner,
                          attribute: name, "cannot read")
            }
            initialized = count
        }
    }

    /// Opens attribute `name` of `object` (both must exist). The caller closes it.
    private func openAttribute(_ name: String, on object: String) throws -> (owner: String, attribute: hid_t) {
        guard try hasAttribute(name, on: object) else {
            throw error(.attribute, Self.normalized(object), attribute: name, "not found")
        }
        let owner = Self.normalized(object)
        let attribute = try check(H5Aopen_by_name(id, owner, name, hfrnn_H5P_DEFAULT(), hfrnn_H5P_DEFAULT()),
                                  .attribute, owner, attribute: name, "cannot open")
        return (owner, attribute)
    }

    private func requireSingleValue(_ attribute: hid_t, _ name: String, _ owner: String) throws {
        let space = try check(H5Aget_space(attribute), .attribute, owner, attribute: name, "cannot read dataspace")
        defer { H5Sclose(space) }
        let count = try check(H5Sget_simple_extent_npoints(space), .attribute, owner, attribute: name, "cannot count")
        guard count == 1 else { throw error(.attribute, owner, attribute: name, "holds \(count) values, not one") }
    }

    private func scalar<T>(_ values: [T], _ name: String, _ object: String) throws -> T {
        guard values.count == 1, let value = values.first else {
            throw error(.attribute, Self.normalized(object), attribute: name,
                        "holds \(values.count) values; expected a single value")
        }
        return value
    }
}
