internal import CHDF5

/// Datasets written a block of rows at a time, so that a large result never has to be held whole
/// in memory (`hfrnn predict` on a large file): create the dataset, then write its rows in any
/// order. The row selection is shared with `readRows`.
extension HDF5File {
    /// Creates the dataset at `path` with `shape`, chunked and checksummed as `write` makes it, and
    /// no data yet (rows never written read as 0).
    public func createDataset<T: HDF5Element>(_ path: String, of _: T.Type, shape: [Int], compress: Bool = false) throws {
        let file = try enterForWriting(.dataset, path)
        let name = Self.normalized(path)
        let count = try elementCount(of: shape, name)
        let dataset = try createChunkedDataset(in: file, name: name, type: T.hdf5Type, shape: shape, count: count,
                                               compress: compress)
        H5Dclose(dataset)
    }

    /// Writes `values`, rows `rows` along the first dimension (all other dimensions whole), into the
    /// existing dataset at `path`.
    public func writeRows<T: HDF5Element>(_ values: [T], rows: Range<Int>, to path: String) throws {
        _ = try enterForWriting(.dataset, path)
        try withDataset(path) { dataset, name in
            let fileSpace = try check(H5Dget_space(dataset), .dataset, name, "cannot read dataspace")
            defer { H5Sclose(fileSpace) }
            let shape = try extent(of: fileSpace, name)
            try checkRows(rows, of: shape, name, reading: false)
            let rowSize = shape.dropFirst().reduce(1, *)
            guard values.count == rows.count * rowSize else {
                throw error(.dataset, name, "\(rows.count) rows hold \(rows.count * rowSize) values but \(values.count) were given")
            }
            if rows.isEmpty { return }
            let memorySpace = try selectRows(rows, of: shape, in: fileSpace, name)
            defer { H5Sclose(memorySpace) }
            let type = T.hdf5Type
            _ = try values.withUnsafeBytes { bytes in
                try check(H5Dwrite(dataset, type.memoryType, memorySpace, fileSpace, hfrnn_H5P_DEFAULT(), bytes.baseAddress),
                          .dataset, name, "cannot write rows \(rows)")
            }
        }
    }

    /// Throws unless `rows` lie within the first dimension of `shape` (a scalar has no rows).
    func checkRows(_ rows: Range<Int>, of shape: [Int], _ name: String, reading: Bool) throws {
        guard let rowCount = shape.first else {
            throw error(.dataset, name, "is a scalar; it has no rows to \(reading ? "read" : "write")")
        }
        guard rows.lowerBound >= 0 && rows.upperBound <= rowCount else {
            throw error(.dataset, name, "rows \(rows.lowerBound)..<\(rows.upperBound) are outside 0..<\(rowCount)")
        }
    }

    /// Selects `rows` (all other dimensions whole) in `fileSpace` and returns the matching memory
    /// dataspace, which the caller closes.
    func selectRows(_ rows: Range<Int>, of shape: [Int], in fileSpace: hid_t, _ name: String) throws -> hid_t {
        var start = [hsize_t](repeating: 0, count: shape.count)
        start[0] = hsize_t(rows.lowerBound)
        var block = shape.map { hsize_t($0) }
        block[0] = hsize_t(rows.count)
        try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, block, nil),
                  .dataset, name, "cannot select rows \(rows)")
        return try check(H5Screate_simple(Int32(block.count), block, nil), .dataset, name,
                         "cannot create memory dataspace")
    }
}

extension HDF5File {
    /// Rows per chunk of the dataset at `path` (its chunk's first dimension); 1 when it is not
    /// chunked or is a scalar.
    public func rowsPerChunk(of path: String) throws -> Int {
        try withDataset(path) { dataset, name in
            let creation = try check(H5Dget_create_plist(dataset), .dataset, name, "cannot read creation properties")
            defer { H5Pclose(creation) }
            guard H5Pget_layout(creation) == H5D_CHUNKED else { return 1 }
            let space = try check(H5Dget_space(dataset), .dataset, name, "cannot read dataspace")
            defer { H5Sclose(space) }
            let rank = Int(try check(H5Sget_simple_extent_ndims(space), .dataset, name, "cannot read rank"))
            guard rank >= 1 else { return 1 }
            var chunk = [hsize_t](repeating: 0, count: rank)
            try check(H5Pget_chunk(creation, Int32(rank), &chunk), .dataset, name, "cannot read the chunk shape")
            return max(1, Int(chunk[0]))
        }
    }
}

/// Writes a dataset's rows in order, holding them back until they fill whole chunks. libhdf5
/// writes a partly filled chunk out whole (compressed and checksummed) each time the dataset is
/// closed, and reads it back for the next rows; rows written a sub-batch at a time made
/// `hfrnn predict` spend most of its time compressing the same chunks again. Holds at most one
/// chunk's rows beyond what was last appended.
public struct HDF5RowAppender<T: HDF5Element> {
    public let path: String
    /// Rows written to the file so far.
    public private(set) var writtenRows = 0
    private var alignment: ChunkAlignedRows
    private let rowSize: Int
    private var pending: [T] = []

    /// An appender for the existing dataset at `path` of `file`, from its first row.
    public init(file: HDF5File, path: String) throws {
        self.path = path
        let shape = try file.shape(of: path)
        try file.checkRows(0..<0, of: shape, HDF5File.normalized(path), reading: false)  // a scalar has no rows
        rowSize = shape.dropFirst().reduce(1, *)
        alignment = ChunkAlignedRows(rows: shape[0], rowsPerChunk: try file.rowsPerChunk(of: path))
    }

    /// Adds the next rows (`values.count` a multiple of the row size) and writes every whole chunk.
    public mutating func append(_ values: [T], to file: HDF5File) throws {
        precondition(rowSize > 0 && values.count % rowSize == 0, "\(values.count) values are not whole rows of \(rowSize)")
        pending.append(contentsOf: values)
        try write(alignment.add(values.count / rowSize), to: file)
    }

    /// Writes the rows still held (the last, partial chunk).
    public mutating func finish(to file: HDF5File) throws {
        try write(alignment.rest(), to: file)
    }

    private mutating func write(_ rows: Range<Int>?, to file: HDF5File) throws {
        guard let rows, !rows.isEmpty else { return }
        let count = rows.count * rowSize
        try file.writeRows(Array(pending.prefix(count)), rows: rows, to: path)
        pending.removeFirst(count)
        writtenRows = rows.upperBound
    }
}

/// Which rows to write as they arrive so that every write but the last covers whole chunks.
public struct ChunkAlignedRows: Sendable, Equatable {
    public let rows: Int
    public let rowsPerChunk: Int
    /// Rows written, and rows arrived but held back.
    public private(set) var written = 0, held = 0

    public init(rows: Int, rowsPerChunk: Int) {
        precondition(rows >= 0 && rowsPerChunk >= 1)
        (self.rows, self.rowsPerChunk) = (rows, rowsPerChunk)
    }

    /// `count` more rows arrived: the rows to write now (whole chunks, or up to the last row), if any.
    public mutating func add(_ count: Int) -> Range<Int>? {
        precondition(count >= 0 && written + held + count <= rows, "more rows than the dataset has")
        held += count
        let end = written + held == rows ? rows : written + held / rowsPerChunk * rowsPerChunk
        return take(upTo: end)
    }

    /// The rows still held, to write when no more arrive.
    public mutating func rest() -> Range<Int>? { take(upTo: written + held) }

    private mutating func take(upTo end: Int) -> Range<Int>? {
        guard end > written else { return nil }
        let due = written..<end
        held -= due.count
        written = end
        return due
    }
}
