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
