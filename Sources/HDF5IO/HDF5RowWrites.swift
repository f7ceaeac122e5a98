internal import CHDF5

/// Datasets written a block of rows at a time, so that a large result never has to be held whole
/// in memory (`hfrnn predict` on a large file): create the dataset, then write its rows in any order.
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
            guard let rowCount = shape.first else { throw error(.dataset, name, "is a scalar; it has no rows to write") }
            guard rows.lowerBound >= 0 && rows.upperBound <= rowCount else {
                throw error(.dataset, name, "rows \(rows.lowerBound)..<\(rows.upperBound) are outside 0..<\(rowCount)")
            }
            let rowSize = shape.dropFirst().reduce(1, *)
            guard values.count == rows.count * rowSize else {
                throw error(.dataset, name, "\(rows.count) rows hold \(rows.count * rowSize) values but \(values.count) were given")
            }
            if rows.isEmpty { return }
            var start = [hsize_t](repeating: 0, count: shape.count)
            start[0] = hsize_t(rows.lowerBound)
            var block = shape.map { hsize_t($0) }
            block[0] = hsize_t(rows.count)
            try check(H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, block, nil),
                      .dataset, name, "cannot select rows \(rows)")
            let memorySpace = try check(H5Screate_simple(Int32(block.count), block, nil), .dataset, name,
                                        "cannot create memory dataspace")
            defer { H5Sclose(memorySpace) }
            let type = T.hdf5Type
            _ = try values.withUnsafeBytes { bytes in
                try check(H5Dwrite(dataset, type.memoryType, memorySpace, fileSpace, hfrnn_H5P_DEFAULT(), bytes.baseAddress),
                          .dataset, name, "cannot write rows \(rows)")
            }
        }
    }
}
