internal import CHDF5

/// Datasets: row-major (C order, like numpy) arrays of any rank; shape [] is a scalar.
extension HDF5File {
    /// Datasets are split into chunks of about this many bytes (HDF5's default chunk cache is
    /// 1 MiB, so a chunk stays cached while it is read).
    static let chunkTargetBytes = 256 * 1024

    /// Writes `values` as a dataset of the given shape, creating parent groups as needed and
    /// replacing an existing dataset at `path` (HDF5 does not reuse the old space in the file).
    /// Every non-empty array is chunked (whole rows first) with HDF5's Fletcher-32 checksum on each
    /// chunk, which HDF5 verifies whenever it reads the chunk; with `compress`, chunks are also
    /// gzip-compressed (level 4), before the checksum.
    public func write<T: HDF5Element>(_ values: [T], shape: [Int], to path: String, compress: Bool = false) throws {
        let file = try enterForWriting(.dataset, path)
        let name = Self.normalized(path)
        let type = T.hdf5Type
        precondition(MemoryLayout<T>.stride == type.byteCount, "\(T.self) does not match its HDF5 type \(type)")
        let count = try elementCount(of: shape, name)
        guard count == values.count else {
            throw error(.dataset, name, "shape \(shape) holds \(count) values but \(values.count) were given")
        }
        let dataset = try createChunkedDataset(in: file, name: name, type: type, shape: shape, count: count, compress: compress)
        defer { H5Dclose(dataset) }
        guard count > 0 else { return }
        _ = try values.withUnsafeBytes { bytes in
            try check(H5Dwrite(dataset, type.memoryType, hfrnn_H5S_ALL(), hfrnn_H5S_ALL(), hfrnn_H5P_DEFAULT(),
                               bytes.baseAddress), .dataset, name, "cannot write data")
        }
    }

    /// Creates (replacing any dataset at `name`) the chunked, checksummed dataset `write` describes,
    /// with no data yet; returns it open.
    func createChunkedDataset(in file: hid_t, name: String, type: HDF5ScalarType, shape: [Int], count: Int,
                              compress: Bool) throws -> hid_t {
        try removeDatasetForReplacement(name)
        let space = try dataspace(shape, .dataset, name)
        defer { H5Sclose(space) }
        let creation = try Self.untimedCreationList(hfrnn_H5P_DATASET_CREATE(), file: path, kind: .dataset, object: name)
        defer { H5Pclose(creation) }
        // A scalar cannot be chunked, and an empty array holds nothing to check.
        if !shape.isEmpty && count > 0 {
            var chunk = Self.chunkShape(for: shape, elementBytes: type.byteCount)
            try check(H5Pset_chunk(creation, Int32(chunk.count), &chunk), .dataset, name, "cannot set chunk shape")
            if compress {
                try check(H5Pset_deflate(creation, 4), .dataset, name, "cannot enable gzip compression")
            }
            try check(H5Pset_fletcher32(creation), .dataset, name, "cannot enable the Fletcher-32 checksum")
        }
        let links = try linkCreationList(for: name, kind: .dataset)
        defer { H5Pclose(links) }
        return try check(H5Dcreate2(file, name, type.fileType, space, links, creation, hfrnn_H5P_DEFAULT()),
                         .dataset, name, "cannot create dataset")
    }

    /// Reads a whole dataset. HDF5 converts among float types and among integer types when no
    /// value can be lost; reading floats as integers (or the reverse) throws.
    public func read<T: HDF5Element>(_ path: String, as _: T.Type = T.self) throws -> (values: [T], shape: [Int]) {
        _ = try enter()
        let name = Self.normalized(path)
        let dataset = try openDataset(name, readingAs: T.self)
        defer { H5Dclose(dataset) }
        let space = try check(H5Dget_space(dataset), .dataset, name, "cannot read dataspace")
        defer { H5Sclose(space) }
        let shape = try extent(of: space, name)
        let count = try elementCount(of: shape, name)
        try checkStoredSize(dataset, count: count, elementBytes: try storedElementBytes(dataset, name), name)
        let values: [T] = try readValues(dataset, count: count, memory: hfrnn_H5S_ALL(), file: hfrnn_H5S_ALL(), name)
        return (values, shape)
    }

    /// Reads a whole dataset that must have shape `expected`; any other shape throws before
    /// anything is allocated or read.
    public func read<T: HDF5Element>(_ path: String, as _: T.Type = T.self, shape expected: [Int]) throws -> [T] {
        let shape = try shape(of: path)
        guard shape == expected else {
            throw error(.dataset, Self.normalized(path), "has shape \(shape), expected \(expected)")
        }
        return try read(path, as: T.self).values
    }

    /// Reads rows `rows` along the first dimension (all other dimensions whole) without reading
    /// the rest of the dataset: the result is `rows.count × (product of the other dimensions)`
    /// values, row-major.
    public func readRows<T: HDF5Element>(_ path: String, rows: Range<Int>, as _: T.Type = T.self) throws -> [T] {
        _ = try enter()
        let name = Self.normalized(path)
        let dataset = try openDataset(name, readingAs: T.self)
        defer { H5Dclose(dataset) }
        let fileSpace = try check(H5Dget_space(dataset), .dataset, name, "cannot read dataspace")
        defer { H5Sclose(fileSpace) }
        let shape = try extent(of: fileSpace, name)
        try checkRows(rows, of: shape, name, reading: true)
        // The whole shape's count is checked for overflow; a selection is never larger unless it is empty.
        let total = try elementCount(of: shape, name)
        if rows.isEmpty || total == 0 { return [] }
        let count = rows.count * (total / shape[0])
        let memorySpace = try selectRows(rows, of: shape, in: fileSpace, name)
        defer { H5Sclose(memorySpace) }
        return try readValues(dataset, count: count, memory: memorySpace, file: fileSpace, name)
    }

    /// The dataset's dimensions ([] for a scalar).
    public func shape(of path: String) throws -> [Int] {
        try withDataset(path) { dataset, name in
            let space = try check(H5Dget_space(dataset), .dataset, name, "cannot read dataspace")
            defer { H5Sclose(space) }
            return try extent(of: space, name)
        }
    }

    /// Throws when the dataset's shape promises more data than the file stores for it (as `read`
    /// does before reading), so that reading it piece by piece later cannot be made to allocate
    /// what a corrupted dimension claims.
    public func checkStorage(of path: String) throws {
        try withDataset(path) { dataset, name in
            let space = try check(H5Dget_space(dataset), .dataset, name, "cannot read dataspace")
            defer { H5Sclose(space) }
            let count = try elementCount(of: try extent(of: space, name), name)
            try checkStoredSize(dataset, count: count, elementBytes: try storedElementBytes(dataset, name), name)
        }
    }

    /// The type class of the dataset's elements.
    public func elementClass(of path: String) throws -> HDF5ElementClass {
        try storedType(of: path).elementClass
    }

    /// The stored element type's name, for messages: "float64", "int32", "string", "enum" (h5py's
    /// bool), "compound", ...
    public func typeName(of path: String) throws -> String {
        try storedType(of: path).name
    }

    private func storedType(of path: String) throws -> StoredType {
        try withDataset(path) { dataset, name in
            let type = try check(H5Dget_type(dataset), .dataset, name, "cannot read datatype")
            defer { H5Tclose(type) }
            return StoredType(type)
        }
    }

    // MARK: Internals (also used for attributes)

    /// Opens a dataset; with `readingAs`, also refuses element types that cannot be converted.
    private func openDataset<T: HDF5Element>(_ name: String, readingAs _: T.Type) throws -> hid_t {
        let dataset = try openDataset(name)
        let type = H5Dget_type(dataset)
        guard type >= 0 else {
            let stack = HDF5Library.errorStack()
            H5Dclose(dataset)
            throw error(.dataset, name, "cannot read datatype", stack: stack)
        }
        defer { H5Tclose(type) }
        if let refusal = StoredType(type).refusal(readingAs: T.self) {
            H5Dclose(dataset)
            throw error(.dataset, name, refusal)
        }
        do { try checkFiltersAvailable(dataset, name) } catch {
            H5Dclose(dataset)
            throw error
        }
        return dataset
    }

    /// Refuses data stored through a filter this libhdf5 cannot decode (h5py's LZF, Blosc, ...:
    /// plugins Debian's HDF5 does not have) before reading, with the filter's name, where the
    /// read would end in a plugin loader's message.
    private func checkFiltersAvailable(_ dataset: hid_t, _ name: String) throws {
        let creation = try check(H5Dget_create_plist(dataset), .dataset, name, "cannot read the creation properties")
        defer { H5Pclose(creation) }
        for index in 0..<max(0, H5Pget_nfilters(creation)) {
            var flags: UInt32 = 0, parameterCount = 0, configuration: UInt32 = 0
            var filterName = [CChar](repeating: 0, count: 80)
            let filter = H5Pget_filter2(creation, UInt32(index), &flags, &parameterCount, nil,
                                        filterName.count, &filterName, &configuration)
            guard filter >= 0 else { throw error(.dataset, name, "cannot read its storage filters") }
            if H5Zfilter_avail(filter) <= 0 {
                let label = String(decoding: filterName.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw error(.dataset, name, "is compressed with the HDF5 filter \(label.isEmpty ? "" : "'\(label)' ")"
                            + "(id \(filter)), which this HDF5 cannot decode; rewrite the file with gzip compression or none")
            }
        }
    }

    /// Runs `body` on the open dataset at `path` (with its normalised name for messages), closing
    /// it afterwards.
    func withDataset<Result>(_ path: String, _ body: (hid_t, String) throws -> Result) throws -> Result {
        _ = try enter()
        let name = Self.normalized(path)
        let dataset = try openDataset(name)
        defer { H5Dclose(dataset) }
        return try body(dataset, name)
    }

    func openDataset(_ name: String) throws -> hid_t {
        _ = try allHardLinksExist(to: name, .dataset)
        let dataset = H5Dopen2(id, name, hfrnn_H5P_DEFAULT())
        guard dataset >= 0 else { throw try diagnoseOpenFailure(name, expected: .dataset) }
        return dataset
    }

    /// The size in bytes of one stored element of `dataset`.
    func storedElementBytes(_ dataset: hid_t, _ name: String) throws -> Int {
        let type = try check(H5Dget_type(dataset), .dataset, name, "cannot read datatype")
        defer { H5Tclose(type) }
        return H5Tget_size(type)
    }

    /// Refuses a dataset whose shape promises more data than the file holds (a corrupted
    /// dimension would otherwise make the read allocate gigabytes, or libhdf5 copy past the end of
    /// compact data): contiguous and compact data must take exactly their size, and compressed
    /// chunks cannot expand by more than gzip's best ratio. Data never written (wholly, or some of
    /// its chunks) reads as fill values and is allowed up to 64 MiB.
    /// `elementBytes` is the stored size of one element.
    func checkStoredSize(_ dataset: hid_t, count: Int, elementBytes: Int, _ name: String) throws {
        guard count > 0 else { return }
        guard elementBytes > 0 else { throw error(.dataset, name, "cannot read the size of its datatype") }
        let (needed, overflow) = count.multipliedReportingOverflow(by: elementBytes)
        let stored = Int(clamping: H5Dget_storage_size(dataset))
        let creation = try check(H5Dget_create_plist(dataset), .dataset, name, "cannot read the creation properties")
        defer { H5Pclose(creation) }
        let layout = H5Pget_layout(creation)
        // Data kept in other files is not covered by this file's content hash, and libhdf5 reads
        // a short external file's missing bytes as zeros: a dataset must hold its own data.
        if layout == H5D_VIRTUAL || H5Pget_external_count(creation) > 0 {
            throw error(.dataset, name, "keeps its data in other files (\(layout == H5D_VIRTUAL ? "a virtual dataset" : "external storage")), "
                        + "which hfrnn does not read; copy the data into the file (h5py: f.create_dataset(name, data=values))")
        }
        let filtered = H5Pget_nfilters(creation) > 0
        let plausible: Bool
        switch layout {
        case H5D_CONTIGUOUS:  // never written (h5py's empty datasets): reads as fill values; bounded anyway
            plausible = !overflow && (needed == stored || (stored == 0 && needed <= 1 << 26))
        // Chunks never written (h5py's partly filled datasets) read as fill values, as above.
        case H5D_CHUNKED: plausible = !overflow && (needed <= (filtered ? stored.multipliedReportingOverflow(by: 1100).partialValue : stored)
                                                    || needed <= 1 << 26)
        default: plausible = !overflow && needed == stored  // compact: the data in the object header, exactly
        }
        guard plausible else {
            throw error(.dataset, name, "is corrupt: its shape needs \(overflow ? "more than \(Int.max)" : "\(needed)") bytes "
                        + "but the file stores \(stored)")
        }
        if layout == H5D_CHUNKED { try checkChunkShape(dataset, creation, name) }
    }

    /// libhdf5 1.10 copies a whole chunk's worth of bytes, by the chunk shape, out of each chunk
    /// it reads, however few bytes the chunk really holds: a chunk dimension larger than its
    /// fixed-size dimension (which HDF5 never writes) is damage to refuse before reading.
    private func checkChunkShape(_ dataset: hid_t, _ creation: hid_t, _ name: String) throws {
        let space = try check(H5Dget_space(dataset), .dataset, name, "cannot read dataspace")
        defer { H5Sclose(space) }
        let rank = Int(try check(H5Sget_simple_extent_ndims(space), .dataset, name, "cannot read rank"))
        var dimensions = [hsize_t](repeating: 0, count: rank), maximum = dimensions, chunk = dimensions
        try check(H5Sget_simple_extent_dims(space, &dimensions, &maximum), .dataset, name, "cannot read shape")
        let chunkRank = try check(H5Pget_chunk(creation, Int32(rank), &chunk), .dataset, name, "cannot read the chunk shape")
        let unlimited = hsize_t.max
        guard Int(chunkRank) == rank, zip(chunk, maximum).allSatisfy({ $0 >= 1 && ($1 == unlimited || $0 <= $1) }) else {
            throw damage(.dataset, name, "its chunk shape \(chunk) does not fit its shape \(dimensions)")
        }
    }

    private func readValues<T: HDF5Element>(_ dataset: hid_t, count: Int, memory: hid_t, file: hid_t,
                                            _ name: String) throws -> [T] {
        try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                try check(H5Dread(dataset, T.hdf5Type.memoryType, memory, file, hfrnn_H5P_DEFAULT(), buffer.baseAddress),
                          .dataset, name, "cannot read data")
            }
            initialized = count
        }
    }

    /// Unlinks the dataset at `name` so a new one can take its place; nothing there is fine,
    /// a group or other object there is an error.
    func removeDatasetForReplacement(_ name: String) throws {
        switch try objectKind(name) {
        case nil: break
        case .dataset?: try check(H5Ldelete(id, name, hfrnn_H5P_DEFAULT()), .dataset, name, "cannot replace dataset")
        case let kind?: throw error(.dataset, name, "exists and is a \(kind.rawValue), not a dataset")
        }
    }

    /// Product of the dimensions; throws on negative sizes or overflow.
    func elementCount(of shape: [Int], _ name: String, attribute: String? = nil) throws -> Int {
        let kind: HDF5Error.ObjectKind = attribute == nil ? .dataset : .attribute
        var count = 1
        for size in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard size >= 0 && !overflow else {
                throw error(kind, name, attribute: attribute, "invalid shape \(shape)")
            }
            count = product
        }
        return count
    }

    /// A dataspace for `shape`: scalar for [], simple otherwise. The caller closes it.
    func dataspace(_ shape: [Int], _ kind: HDF5Error.ObjectKind, _ name: String, attribute: String? = nil) throws -> hid_t {
        if shape.isEmpty {
            return try check(H5Screate(H5S_SCALAR), kind, name, attribute: attribute, "cannot create dataspace")
        }
        let dims = shape.map { hsize_t($0) }
        return try check(H5Screate_simple(Int32(dims.count), dims, nil), kind, name, attribute: attribute,
                         "cannot create dataspace for shape \(shape)")
    }

    /// The dimensions of a dataspace ([] for scalar and null dataspaces).
    func extent(of space: hid_t, _ name: String, attribute: String? = nil) throws -> [Int] {
        let kind: HDF5Error.ObjectKind = attribute == nil ? .dataset : .attribute
        let rank = try check(H5Sget_simple_extent_ndims(space), kind, name, attribute: attribute, "cannot read rank")
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        try check(H5Sget_simple_extent_dims(space, &dims, nil), kind, name, attribute: attribute, "cannot read shape")
        // A corrupted dimension may exceed Int: such a shape is refused, never trapped on.
        return try dims.map { dimension in
            guard let value = Int(exactly: dimension) else {
                throw error(kind, name, attribute: attribute, "has a dimension of \(dimension), too large to be real")
            }
            return value
        }
    }

    /// Chunk dimensions of at most ~`chunkTargetBytes`: halve the leading dimension first, so a
    /// chunk holds whole rows whenever a row fits, and hyperslab reads of rows touch few chunks.
    static func chunkShape(for shape: [Int], elementBytes: Int) -> [hsize_t] {
        var chunk = shape.map { max(1, $0) }
        func bytes() -> Double { chunk.reduce(Double(elementBytes)) { $0 * Double($1) } }
        var dimension = 0
        while bytes() > Double(chunkTargetBytes) && dimension < chunk.count {
            if chunk[dimension] == 1 {
                dimension += 1
            } else {
                chunk[dimension] = (chunk[dimension] + 1) / 2
            }
        }
        return chunk.map { hsize_t($0) }
    }
}
