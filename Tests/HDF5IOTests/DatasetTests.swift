import CHDF5
import Foundation
import TestSupport
import Testing
@testable import HDF5IO

/// `count` distinct values of each element type, including the extremes of the type.
protocol Sample: HDF5Element, Equatable {
    static func samples(_ count: Int) -> [Self]
}

/// The special values first, then `regular(i)` for the remaining indices.
func mix<T>(_ special: [T], _ count: Int, _ regular: (Int) -> T) -> [T] {
    (0..<count).map { (index: Int) -> T in index < special.count ? special[index] : regular(index) }
}

extension Float: Sample {
    static func samples(_ count: Int) -> [Float] {
        let special: [Float] = [.greatestFiniteMagnitude, -.leastNonzeroMagnitude, .pi, -0.5, .infinity]
        return mix(special, count) { i in Float(i) * 0.37 - 11 }
    }
}

extension Double: Sample {
    static func samples(_ count: Int) -> [Double] {
        let special: [Double] = [.greatestFiniteMagnitude, -.leastNonzeroMagnitude, .pi, 1e-300, -.infinity]
        return mix(special, count) { i in Double(i) * 0.1 - 1 / 3 }
    }
}

extension Int32: Sample {
    static func samples(_ count: Int) -> [Int32] {
        let special: [Int32] = [.min, .max, -1, 0]
        return mix(special, count) { i in Int32(i) * -7919 }
    }
}

extension Int64: Sample {
    static func samples(_ count: Int) -> [Int64] {
        let special: [Int64] = [.min, .max, -1, 0]
        return mix(special, count) { i in Int64(i) * 1_000_000_007 }
    }
}

extension UInt64: Sample {
    static func samples(_ count: Int) -> [UInt64] {
        let special: [UInt64] = [.max, 0, 1 << 63, 0x9E37_79B9_7F4A_7C15]
        return mix(special, count) { i in UInt64(i) &* 0xBF58_476D_1CE4_E5B9 }
    }
}

@Suite struct DatasetTests {
    static let types: [any Sample.Type] = [Float.self, Double.self, Int32.self, Int64.self, UInt64.self]

    func writeSamples<T: Sample>(_: T.Type, shape: [Int], compress: Bool, to file: HDF5File) throws {
        try file.write(T.samples(shape.reduce(1, *)), shape: shape, to: "data/\(T.self)", compress: compress)
    }

    func expectSamples<T: Sample>(_: T.Type, shape: [Int], in file: HDF5File) throws {
        let (values, readShape) = try file.read("data/\(T.self)", as: T.self)
        #expect(values == T.samples(shape.reduce(1, *)), "\(T.self) \(shape)")
        #expect(readShape == shape)
        #expect(try file.shape(of: "/data/\(T.self)") == shape)
    }

    @Test(arguments: [[29], [5, 7], [2, 3, 4], [3, 1, 2, 5]], [false, true])
    func roundTripAllTypes(shape: [Int], compress: Bool) throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let writer = try HDF5File.create(path)
        for type in Self.types { try writeSamples(type, shape: shape, compress: compress, to: writer) }
        try writer.close()
        let file = try HDF5File.open(path)
        for type in Self.types { try expectSamples(type, shape: shape, in: file) }
        #expect(try file.elementClass(of: "data/Float") == .float)
        #expect(try file.elementClass(of: "data/UInt64") == .integer)
    }

    @Test func scalarAndEmptyDatasets() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        try file.write([2.5], shape: [], to: "scalar")
        try file.write([Float](), shape: [0, 3], to: "empty", compress: true)
        #expect(try file.read("scalar", as: Double.self) == ([2.5], []))
        #expect(try file.read("empty", as: Float.self) == ([], [0, 3]))
    }

    @Test func compressedDatasetIsChunkedAndSmaller() throws {
        let plainPath = temporaryPath(), packedPath = temporaryPath()
        defer { removeFile(plainPath); removeFile(packedPath) }
        let values = [Float](repeating: 1.5, count: 100_000)
        for (path, compress) in [(plainPath, false), (packedPath, true)] {
            let file = try HDF5File.create(path)
            try file.write(values, shape: [1000, 100], to: "x", compress: compress)
            try file.close()
        }
        let size = { (path: String) in try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int }
        #expect(try size(packedPath) * 10 < size(plainPath))
        #expect(try HDF5File.open(packedPath).read("x", as: Float.self).values == values)
    }

    @Test func chunkShapeKeepsWholeRowsWhenTheyFit() {
        #expect(HDF5File.chunkShape(for: [1000, 100], elementBytes: 4) == [500, 100])
        #expect(HDF5File.chunkShape(for: [3, 1_000_000], elementBytes: 4) == [1, 62500])
        #expect(HDF5File.chunkShape(for: [7, 0], elementBytes: 8) == [7, 1])
        #expect(HDF5File.chunkShape(for: [10], elementBytes: 8) == [10])
    }

    @Test(arguments: [false, true])
    func readRowsMatchesSlices(compress: Bool) throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        let cube = Double.samples(10 * 3 * 4)
        try file.write(cube, shape: [10, 3, 4], to: "cube", compress: compress)
        for rows in [0..<10, 2..<5, 9..<10, 0..<1, 4..<4] {
            let slice = try file.readRows("cube", rows: rows, as: Double.self)
            #expect(slice == Array(cube[(rows.lowerBound * 12)..<(rows.upperBound * 12)]), "rows \(rows)")
        }
        // Many chunks (5000 x 20 float32 = 400 KB): a read that straddles a chunk boundary.
        let big = (0..<100_000).map { Float($0) }
        try file.write(big, shape: [5000, 20], to: "big", compress: compress)
        let rows: [Float] = try file.readRows("big", rows: 2400..<2600)
        #expect(rows == Array(big[(2400 * 20)..<(2600 * 20)]))
        // Rank 1: rows are single elements.
        try file.write([Int64](10..<20), shape: [10], to: "line")
        #expect(try file.readRows("line", rows: 3..<6, as: Int64.self) == [13, 14, 15])
    }

    @Test func numericConversionsOnRead() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        let doubles = [0.1, -2.75, 1e10]
        try file.write(doubles, shape: [3], to: "d")
        #expect(try file.read("d", as: Float.self).values == doubles.map { Float($0) })
        try file.write([Int32.min, 7], shape: [2], to: "i32")
        #expect(try file.read("i32", as: Int64.self).values == [Int64(Int32.min), 7])
        // Narrowing or sign-changing integer reads could lose values: refused.
        try file.write([UInt64.max], shape: [1], to: "u64")
        let narrowing = #expect(throws: HDF5Error.self) { try file.read("u64", as: Int64.self) }
        #expect(narrowing?.description.contains("stored as uint64, which does not always fit in Int64") == true)
        let floatAsInt = #expect(throws: HDF5Error.self) { try file.read("d", as: Int64.self) }
        #expect(floatAsInt?.description.contains("stored as float64; it must hold integers") == true)
        let intAsFloat = #expect(throws: HDF5Error.self) { try file.readRows("i32", rows: 0..<1, as: Double.self) }
        #expect(intAsFloat?.description.contains("dataset '/i32': stored as int32; it must hold floating-point numbers") == true)
    }

    @Test func rewritingADatasetReplacesIt() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        try file.write([1, 2, 3, 4] as [Float], shape: [2, 2], to: "w")
        try file.write([5, 6, 7] as [Double], shape: [3], to: "w", compress: true)
        #expect(try file.read("w", as: Double.self) == ([5, 6, 7], [3]))
        try file.createGroup("g")
        let onGroup = #expect(throws: HDF5Error.self) { try file.write([1.0], shape: [1], to: "g") }
        #expect(onGroup?.description.contains("dataset '/g': exists and is a group, not a dataset") == true)
    }

    @Test func rowRangeAndShapeErrors() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        try file.write([Float](repeating: 0, count: 6), shape: [3, 2], to: "m")
        let outside = #expect(throws: HDF5Error.self) { try file.readRows("m", rows: 2..<4, as: Float.self) }
        #expect(outside?.description.contains("rows 2..<4 are outside 0..<3") == true)
        let negative = #expect(throws: HDF5Error.self) { try file.write([Float](), shape: [-1, 0], to: "n") }
        #expect(negative?.description.contains("invalid shape [-1, 0]") == true)
        let group = #expect(throws: HDF5Error.self) { try file.read("/", as: Float.self) }
        #expect(group?.description.contains("dataset '/': is a group, not a dataset") == true)
    }
}

@Suite struct FileAndGroupTests {
    @Test func groupsLinksAndChildren() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        try file.createGroup("a/b/c")
        try file.createGroup("/a/b/c")  // already there: no-op
        try file.write([1.0], shape: [1], to: "x/y/z")  // parents created on the way
        try file.createGroup("a/zeta")
        try file.createGroup("a/alpha")
        #expect(try file.exists("/"))
        #expect(try file.exists("a"))
        #expect(try file.exists("/a/b/c"))
        #expect(try file.exists("x/y/z"))
        #expect(try !file.exists("a/nope"))
        #expect(try !file.exists("a/b/c/d/e"))
        #expect(try !file.exists("x/y/z/w"))  // below a dataset
        #expect(try file.children(of: "/") == ["a", "x"])
        #expect(try file.children(of: "a") == ["alpha", "b", "zeta"])
        #expect(try file.children(of: "a/b/c") == [])
        let notGroup = #expect(throws: HDF5Error.self) { try file.children(of: "x/y/z") }
        #expect(notGroup?.description.contains("group '/x/y/z': is a dataset, not a group") == true)
        let overDataset = #expect(throws: HDF5Error.self) { try file.createGroup("x/y/z") }
        #expect(overDataset?.description.contains("exists and is a dataset, not a group") == true)
    }

    @Test func createTruncatesAndOpenAppends() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        do {
            let file = try HDF5File.create(path)
            try file.write([1.0], shape: [1], to: "old")
        }  // closed by deinit
        do {
            let file = try HDF5File.create(path)
            #expect(try file.children() == [])
            try file.write([2.0], shape: [1], to: "first")
            try file.flush()
            try file.close()
        }
        do {
            let file = try HDF5File.open(path, writable: true)
            try file.write([3.0], shape: [1], to: "second")
        }
        let file = try HDF5File.open(path)
        #expect(try file.children() == ["first", "second"])
        #expect(!file.isWritable)
        let readOnly = #expect(throws: HDF5Error.self) { try file.write([4.0], shape: [1], to: "third") }
        #expect(readOnly?.description == "\(path): dataset '/third': the file is open read-only")
        let readOnlyAttribute = #expect(throws: HDF5Error.self) { try file.setAttribute("a", to: "b") }
        #expect(readOnlyAttribute?.description == "\(path): attribute 'a' of '/': the file is open read-only")
        try file.close()
        try file.close()
        let closed = #expect(throws: HDF5Error.self) { try file.read("first", as: Double.self) }
        #expect(closed?.description == "\(path): file is closed")
    }

    @Test func createInMissingDirectory() {
        let path = "/nonexistent-\(UUID().uuidString)/x.h5"
        let error = #expect(throws: HDF5Error.self) { try HDF5File.create(path) }
        #expect(error?.description.hasPrefix("\(path): cannot create file: directory '/nonexistent-") == true)
        #expect(error?.hdf5Stack.isEmpty == false)
    }

    @Test func libraryVersionLooksLikeAVersion() {
        let parts = HDF5Library.version.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count == 3)
        #expect((parts.first ?? 0) >= 1)
    }

    @Test func errorDescriptionIsOneLine() {
        let dataset = HDF5Error(file: "f.h5", objectKind: .dataset, object: "/inputs", message: "bad\nthing",
                                hdf5Stack: ["inner: cause", "middle: context", "outer: failed"])
        #expect(dataset.description == "f.h5: dataset '/inputs': bad thing (HDF5: inner: cause <- middle: context)")
        let attribute = HDF5Error(file: "f.h5", objectKind: .attribute, object: "/g", attribute: "lr", message: "not found")
        #expect(attribute.description == "f.h5: attribute 'lr' of '/g': not found")
        #expect(HDF5Error(file: "f.h5", message: "file not found").description == "f.h5: file not found")
    }
}

/// A dimension corrupted in the file (one bit flipped) must not make `read` allocate what the
/// shape promises. In files without checksums (h5py's, hfrnn's before format checksums) the read
/// is refused because the file stores far less; in hfrnn's files HDF5's checksum of the dataset's
/// header already refuses to open it (`ChecksummedFileTests.aDamagedShapeIsDamage`).
@Suite struct CorruptShapeTests {
    @Test func aShapeLargerThanTheStoredDataIsRefused() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        for compress in [false, true] {
            writeUncheckedFloats(path, (0..<(11 * 7)).map(Float.init), shape: [11, 7], compress: compress)
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let pattern: [UInt8] = [11, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]
            let at = try #require((0...(bytes.count - 16)).first { Array(bytes[$0..<($0 + 16)]) == pattern })
            bytes[at + 4] ^= 0x02  // the first dimension becomes 11 + 2³³
            try Data(bytes).write(to: URL(fileURLWithPath: path))

            let file = try HDF5File.open(path)
            #expect(try file.shape(of: "x") == [11 + (1 << 33), 7])
            let error = #expect(throws: HDF5Error.self) { try file.read("x", as: Float.self) }
            #expect(error?.description.hasPrefix("\(path): dataset '/x': is corrupt: its shape needs \((11 + (1 << 33)) * 7 * 4) bytes but the file stores ") == true,
                    "\(error?.description ?? "")")
            #expect(throws: HDF5Error.self) { try file.checkStorage(of: "x") }
            let expected = #expect(throws: HDF5Error.self) { try file.read("x", as: Float.self, shape: [11, 7]) }
            #expect(expected?.description == "\(path): dataset '/x': has shape [\(11 + (1 << 33)), 7], expected [11, 7]")
        }
    }
}

/// Data in another file is refused: a raw file shorter than the dataset's shape was read with its
/// missing rows as zeros, and a run's content hash of the HDF5 file does not cover it.
@Suite struct ExternalDataTests {
    @Test func externalStorageIsRefused() throws {
        let path = temporaryPath(), raw = temporaryPath(".bin")
        defer { removeFile(path); removeFile(raw) }
        try Data(count: 10 * 2 * 4).write(to: URL(fileURLWithPath: raw))  // 10 of the 100 rows
        writeUncheckedFloats(path, [], shape: [100, 2], compress: false, external: raw)
        let file = try HDF5File.open(path)
        let error = #expect(throws: HDF5Error.self) { try file.read("x", as: Float.self) }
        #expect(error?.description == "\(path): dataset '/x': keeps its data in other files (external storage), which "
                + "hfrnn does not read; copy the data into the file (h5py: f.create_dataset(name, data=values))")
        #expect(throws: HDF5Error.self) { try file.checkStorage(of: "x") }
    }

    /// An external link (h5py's `f[name] = h5py.ExternalLink(other, path)`) was followed: a run's
    /// dataset then changed with the other file while its content hash stayed the same. Soft links
    /// are refused with them (one may lead to another file); hard links, HDF5's own, are read.
    @Test func linksOtherThanHardOnesAreRefused() throws {
        let other = temporaryPath(), path = temporaryPath()
        defer { removeFile(other); removeFile(path) }
        try HDF5File.create(other).write([1, 2, 3] as [Float], shape: [3], to: "x")
        try HDF5File.create(path).write([4, 5] as [Float], shape: [2], to: "group/y")
        HDF5Library.whileNoFileOpensOrCloses {
            let file = H5Fopen(path, hfrnn_H5F_ACC_RDWR(), hfrnn_H5P_DEFAULT())
            precondition(file >= 0)
            defer { H5Fclose(file) }
            precondition(H5Lcreate_external(other, "/x", file, "outside", hfrnn_H5P_DEFAULT(), hfrnn_H5P_DEFAULT()) >= 0)
            precondition(H5Lcreate_external(other, "/", file, "elsewhere", hfrnn_H5P_DEFAULT(), hfrnn_H5P_DEFAULT()) >= 0)
            precondition(H5Lcreate_soft("/group/y", file, "alias", hfrnn_H5P_DEFAULT(), hfrnn_H5P_DEFAULT()) >= 0)
        }
        let file = try HDF5File.open(path)
        #expect(try file.read("group/y", as: Float.self).values == [4, 5])
        let outside = #expect(throws: HDF5Error.self) { try file.read("outside", as: Float.self) }
        #expect(outside?.description.contains("'/outside': is an external link to another file, which hfrnn does not follow") == true,
                "\(String(describing: outside))")
        let under = #expect(throws: HDF5Error.self) { try file.read("elsewhere/x", as: Float.self) }
        #expect(under?.description.contains("lies under /elsewhere, which is an external link to another file") == true,
                "\(String(describing: under))")
        #expect(throws: HDF5Error.self) { try file.exists("outside") }
        #expect(throws: HDF5Error.self) { try file.children(of: "elsewhere") }
        let alias = #expect(throws: HDF5Error.self) { try file.read("alias", as: Float.self) }
        #expect(alias?.description.contains("is a soft link") == true, "\(String(describing: alias))")
    }
}

/// Rows appended in pieces reach the file in whole chunks: libhdf5 compressed a partly written
/// chunk again on every write that touched it, and `hfrnn predict` spent most of its time there.
@Suite struct RowAppenderTests {
    @Test func everyWriteButTheLastCoversWholeChunks() {
        var rows = ChunkAlignedRows(rows: 23, rowsPerChunk: 5)
        var writes: [Range<Int>] = []
        for piece in [3, 3, 1, 9, 2, 4, 1] {
            if let due = rows.add(piece) { writes.append(due) }
        }
        // The dataset's last row arrived with the last piece: everything is written.
        #expect(writes == [0..<5, 5..<15, 15..<20, 20..<23])
        #expect(rows.rest() == nil)
        var open = ChunkAlignedRows(rows: 100, rowsPerChunk: 8)
        #expect(open.add(7) == nil)
        #expect(open.add(10) == 0..<16)
        #expect(open.rest() == 16..<17)
        #expect(open.rest() == nil)
    }

    @Test(arguments: [false, true])
    func appendedRowsReadBackAsWritten(compress: Bool) throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        // 3,000 rows of 30 floats: chunks of fewer rows than the dataset has.
        let (rowCount, width) = (3_000, 30)
        try file.createDataset("values", of: Float.self, shape: [rowCount, width], compress: compress)
        let chunkRows = try file.rowsPerChunk(of: "values")
        #expect(chunkRows > 1 && chunkRows < rowCount)
        var appender = try HDF5RowAppender<Float>(file: file, path: "values")
        let expected = (0..<(rowCount * width)).map { Float($0) * 0.5 }
        var start = 0
        while start < rowCount {
            let end = min(rowCount, start + 47)
            try appender.append(Array(expected[(start * width)..<(end * width)]), to: file)
            #expect(appender.writtenRows % chunkRows == 0 || appender.writtenRows == rowCount)
            start = end
        }
        try appender.finish(to: file)
        #expect(appender.writtenRows == rowCount)
        try file.close()
        #expect(try HDF5File.open(path).read("values", as: Float.self) == (expected, [rowCount, width]))
    }
}

/// A symbolic link that leads nowhere says so: a loop of links was "file not found".
@Suite struct BrokenLinkTests {
    @Test func aLoopAndADanglingLinkAreNamed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (a, b, dangling) = (folder.file("a.h5"), folder.file("b.h5"), folder.file("gone.h5"))
        try FileManager.default.createSymbolicLink(atPath: a, withDestinationPath: b)
        try FileManager.default.createSymbolicLink(atPath: b, withDestinationPath: a)
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: folder.file("missing.h5"))
        let loop = #expect(throws: HDF5Error.self) { try HDF5File.open(a) }
        #expect(loop?.description == "\(a): a loop of symbolic links")
        let missing = #expect(throws: HDF5Error.self) { try HDF5File.open(dangling) }
        #expect(missing?.description == "\(dangling): a symbolic link to a missing file (to \(folder.file("missing.h5")))")
        let absent = #expect(throws: HDF5Error.self) { try HDF5File.open(folder.file("none.h5")) }
        #expect(absent?.description == "\(folder.file("none.h5")): file not found")
    }
}
