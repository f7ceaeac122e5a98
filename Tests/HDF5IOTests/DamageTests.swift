import CHDF5
import Foundation
import TestSupport
import Testing
@testable import HDF5IO

/// Variable-length strings keep their bytes in HDF5's global heap, which no checksum covers, and
/// libhdf5 1.10 trusts the sizes and indexes stored there: one flipped bit made it copy past its
/// buffers (SIGSEGV). hfrnn reads the heap itself; a damaged heap is one error, never a crash.
@Suite struct DamagedHeapTests {
    /// A file as h5py writes one, `format` = "hfrnn-dataset" and three notes; returns its path and
    /// the offset of the first byte of `text`'s heap object (its 16-byte header precedes it).
    private func uncheckedFile(locating text: String) throws -> (path: String, data: Int) {
        let path = temporaryPath()
        writeUncheckedStrings(path, format: "hfrnn-dataset", notes: ["first note", "second note", "third note"])
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let data = try #require(onlyOffset(of: Array(text.utf8), in: bytes))
        return (path, data)
    }

    @Test func uncheckedStringsReadAsWritten() throws {
        let (path, _) = try uncheckedFile(locating: "hfrnn-dataset")
        defer { removeFile(path) }
        let file = try HDF5File.open(path)
        #expect(try file.stringAttribute("format") == "hfrnn-dataset")
        #expect(try file.readStrings("notes") == ["first note", "second note", "third note"])
    }

    /// The second example in the issue: a heap object's size with bit 39 flipped.
    @Test func aHeapObjectLargerThanItsCollectionIsAnError() throws {
        let (path, data) = try uncheckedFile(locating: "hfrnn-dataset")
        defer { removeFile(path) }
        try editBytes(path) { $0[data - 8 + 4] ^= 0x80 }  // 13 + 2³⁹ bytes
        let error = #expect(throws: HDF5Error.self) { try HDF5File.open(path).stringAttribute("format") }
        #expect(error?.isDamage == true)
        #expect(error?.description.hasPrefix("\(path): attribute 'format' of '/': is damaged: in the global heap "
                                             + "collection at address ") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("claims \(13 + (1 << 39)) bytes, more than the collection holds") == true)
    }

    /// libhdf5 looked the object up without checking that it exists ("Bad pointer dereference at 0x10").
    @Test func aStringPointingAtAMissingHeapObjectIsAnError() throws {
        let (path, data) = try uncheckedFile(locating: "second note")
        defer { removeFile(path) }
        try editBytes(path) { $0[data - 16] ^= 0x40 }  // the object's own index: 3 becomes 67
        let file = try HDF5File.open(path)
        #expect(try file.stringAttribute("format") == "hfrnn-dataset")  // its object comes first: untouched
        let error = #expect(throws: HDF5Error.self) { try file.readStrings("notes") }
        #expect(error?.isDamage == true)
        #expect(error?.description.contains("dataset '/notes': is damaged: string 1 refers to global heap object 3 at "
                                            + "address ") == true, "\(error?.description ?? "")")
        #expect(error?.description.hasSuffix("which does not exist") == true)
    }

    /// A size that still fits the collection but not the element's length: libhdf5 copied the
    /// object's 43 bytes into the 11 bytes allocated for the string.
    @Test func aHeapObjectOfAnotherLengthThanItsStringIsAnError() throws {
        let (path, data) = try uncheckedFile(locating: "first note")
        defer { removeFile(path) }
        try editBytes(path) { $0[data - 8] ^= 0x20 }  // 10 bytes become 42 (HDF5 stored the notes last to first)
        let error = #expect(throws: HDF5Error.self) { try HDF5File.open(path).readStrings("notes") }
        #expect(error?.isDamage == true)
        #expect(error?.description.contains("is damaged: string 0 has length 10 but its global heap object 4 at address ")
                == true, "\(error?.description ?? "")")
    }

    @Test func aStringPointingAtNoHeapCollectionIsAnError() throws {
        let (path, _) = try uncheckedFile(locating: "hfrnn-dataset")
        defer { removeFile(path) }
        // The collection's signature: the string then points at something that is not a heap.
        try editBytes(path) { bytes in bytes[try #require(onlyOffset(of: Array("GCOL".utf8), in: bytes))] ^= 0x01 }
        let error = #expect(throws: HDF5Error.self) { try HDF5File.open(path).stringAttribute("format") }
        #expect(error?.isDamage == true)
        #expect(error?.description.contains("where no global heap collection starts") == true, "\(error?.description ?? "")")
    }
}

/// What hfrnn writes checks itself: HDF5 1.10's file format checksums its metadata, every
/// non-empty numeric dataset carries a Fletcher-32 checksum, and every string a CRC-32.
@Suite struct ChecksummedFileTests {
    /// A file with a string attribute, a string dataset and a numeric dataset, each unique in its bytes.
    private func checkedFile() throws -> String {
        let path = temporaryPath()
        let file = try HDF5File.create(path)
        try file.setAttribute("note", to: "a note to damage")
        try file.writeStrings(["a line to damage", "another line"], to: "lines")
        try file.write([Float](repeating: 1.5, count: 6) + [Float(-1234.5)], shape: [7], to: "values")
        try file.write([Double](), shape: [0], to: "empty")
        try file.close()
        return path
    }

    @Test func stringsCarryTheirCRC32() throws {
        let path = try checkedFile()
        defer { removeFile(path) }
        let file = try HDF5File.open(path)
        #expect(try file.int64Attribute("note.crc32") == Int64(CRC32.checksum("a note to damage".utf8)))
        #expect(try file.int64Attribute("crc32", on: "lines")
                == Int64(CRC32.checksum(Array("a line to damage".utf8) + [0] + Array("another line".utf8) + [0])))
        #expect(try file.stringAttribute("note") == "a note to damage")
        #expect(try file.readStrings("lines") == ["a line to damage", "another line"])
        #expect(try file.read("empty", as: Double.self).values == [])
    }

    @Test func theFileFormatIsHDF5OneTenWithFletcher32OnEveryArray() throws {
        let path = try checkedFile()
        defer { removeFile(path) }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes[8] == 3, "superblock version \(bytes[8])")  // the 1.10 format's checksummed superblock
        // Under the library's lock, as HDF5File's opens are: this descriptor is not close-on-exec,
        // and a child process started meanwhile by another test would hold it and its file lock.
        HDF5Library.whileNoFileOpensOrCloses {
            let id = H5Fopen(path, hfrnn_H5F_ACC_RDONLY(), hfrnn_H5P_DEFAULT())
            defer { H5Fclose(id) }
            let dataset = H5Dopen2(id, "values", hfrnn_H5P_DEFAULT())
            defer { H5Dclose(dataset) }
            let creation = H5Dget_create_plist(dataset)
            defer { H5Pclose(creation) }
            #expect(H5Pget_layout(creation) == H5D_CHUNKED)
            var flags: UInt32 = 0
            var count = 0
            var configuration = [UInt32](repeating: 0, count: 4)
            var name = [CChar](repeating: 0, count: 64)
            #expect(H5Pget_nfilters(creation) == 1)
            #expect(H5Pget_filter2(creation, 0, &flags, &count, &configuration, name.count, &name, nil) == H5Z_FILTER_FLETCHER32)
        }
    }

    /// In the files hfrnn builds in memory too (HDF5 1.10.8's image has a stale superblock checksum,
    /// and no user block).
    @Test func inMemoryImagesOpen() throws {
        for userBlock in [0, 512] {
            let path = temporaryPath()
            defer { removeFile(path) }
            let file = try HDF5File.createInMemory(name: path, userBlockBytes: userBlock)
            try file.setAttribute("note", to: "in memory")
            try file.write([1, 2, 3] as [Int64], shape: [3], to: "x")
            let image = try file.image()
            try file.close()
            #expect(image.prefix(userBlock).allSatisfy { $0 == 0 })
            #expect(image[userBlock..<(userBlock + 4)].elementsEqual([0x89, 0x48, 0x44, 0x46]))
            try Data(image).write(to: URL(fileURLWithPath: path))
            let reopened = try HDF5File.open(path)
            #expect(try reopened.stringAttribute("note") == "in memory")
            #expect(try reopened.read("x", as: Int64.self).values == [1, 2, 3])
        }
    }

    @Test func aDamagedStringAttributeIsNamed() throws {
        let path = try checkedFile()
        defer { removeFile(path) }
        try editBytes(path) { bytes in bytes[try #require(onlyOffset(of: Array("a note".utf8), in: bytes)) + 2] ^= 0x01 }
        let error = #expect(throws: HDF5Error.self) { try HDF5File.open(path).stringAttribute("note") }
        #expect(error?.isDamage == true)
        #expect(error?.description == "\(path): attribute 'note' of '/': is damaged: its value does not match its CRC-32 "
                + "checksum (attribute 'note.crc32')")
    }

    @Test func aDamagedStringDatasetIsNamed() throws {
        let path = try checkedFile()
        defer { removeFile(path) }
        try editBytes(path) { bytes in bytes[try #require(onlyOffset(of: Array("a line".utf8), in: bytes)) + 3] ^= 0x10 }
        let error = #expect(throws: HDF5Error.self) { try HDF5File.open(path).readStrings("lines") }
        #expect(error?.isDamage == true)
        #expect(error?.description == "\(path): dataset '/lines': is damaged: its strings do not match their CRC-32 "
                + "checksum (attribute 'crc32')")
    }

    @Test func aDamagedNumberIsNamed() throws {
        let path = try checkedFile()
        defer { removeFile(path) }
        let pattern = withUnsafeBytes(of: Float(-1234.5).bitPattern.littleEndian) { Array($0) }
        try editBytes(path) { bytes in bytes[try #require(onlyOffset(of: pattern, in: bytes))] ^= 0x01 }
        let file = try HDF5File.open(path)
        let reads: [() throws -> Void] = [{ _ = try file.read("values", as: Float.self) },
                                          { _ = try file.readRows("values", rows: 5..<7, as: Float.self) }]
        for read in reads {
            let error = #expect(throws: HDF5Error.self) { try read() }
            #expect(error?.isDamage == true)
            #expect(error?.description.hasPrefix("\(path): dataset '/values': cannot read data: the file is damaged: its data "
                                                 + "do not match their Fletcher-32 checksum (HDF5: ") == true,
                    "\(error?.description ?? "")")
        }
    }

    /// The dataset's shape lives in its object header, which HDF5 checksums: a flipped dimension is
    /// damage found when the dataset is opened.
    @Test func aDamagedShapeIsDamage() throws {
        let path = try checkedFile()
        defer { removeFile(path) }
        let file = try HDF5File.open(path)
        #expect(try file.shape(of: "values") == [7])
        try file.close()
        // The dataspace message (version 2): version, rank 1, flags, type "simple", then the size 7.
        try editBytes(path) { bytes in
            bytes[try #require(onlyOffset(of: [2, 1, 1, 1, 7, 0, 0, 0, 0, 0, 0, 0], in: bytes)) + 4] ^= 0x08
        }
        let error = #expect(throws: HDF5Error.self) { try HDF5File.open(path).shape(of: "values") }
        #expect(error?.isDamage == true)
        #expect(error?.description.hasPrefix("\(path): dataset '/values': cannot open: the file is damaged: "
                                             + "HDF5 metadata do not match their checksum (HDF5: ") == true,
                "\(error?.description ?? "")")
    }

    /// A damaged group is damage, not a group without the member (which callers may take for an
    /// older file that lacks it).
    @Test func aDamagedGroupDoesNotLookEmpty() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        try file.write([1.0, 2.0], shape: [2], to: "group/member")
        try file.close()
        #expect(try HDF5File.open(path).exists("group/member"))
        // The link's name lives in the group's object header.
        try editBytes(path) { bytes in bytes[try #require(onlyOffset(of: Array("member".utf8), in: bytes))] ^= 0x01 }
        let error = #expect(throws: HDF5Error.self) { try HDF5File.open(path).exists("group/member") }
        #expect(error?.isDamage == true)
        #expect(error?.description.hasPrefix("\(path): object '/group/member': cannot be read: the file is damaged: "
                                             + "HDF5 metadata do not match their checksum") == true, "\(error?.description ?? "")")
    }
}

@Suite struct ChecksumAlgorithmTests {
    @Test func crc32IsZlibs() {
        #expect(CRC32.checksum("123456789".utf8) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        let whole = CRC32.checksum("hello, world".utf8)
        #expect(CRC32.checksum(", world".utf8, continuing: CRC32.checksum("hello".utf8)) == whole)
    }

    /// The superblock HDF5 writes when it closes a file carries HDF5's own checksum of it.
    @Test func metadataChecksumIsHDF5s() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        try HDF5File.create(path).close()
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes[8] == 3)
        let stored = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[44 + $1]) << (8 * UInt32($1)) }
        #expect(MetadataChecksum.checksum(bytes[0..<44]) == stored)
    }
}

/// libhdf5 1.10 copies a chunk's worth of bytes by the stored chunk shape, however few the chunk
/// holds: in a file without checksums a flipped chunk dimension made it copy past its buffer.
@Suite struct DamagedChunkShapeTests {
    @Test func aChunkLargerThanItsDatasetIsAnError() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        writeUncheckedFloats(path, (0..<(11 * 7)).map(Float.init), shape: [11, 7], compress: true)
        #expect(try HDF5File.open(path).read("x", as: Float.self).values == (0..<(11 * 7)).map(Float.init))
        // The layout message's chunk shape [1, 7] and element size 4, as 4-byte numbers.
        try editBytes(path) { bytes in
            bytes[try #require(onlyOffset(of: [1, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0, 0], in: bytes)) + 6] ^= 0x02  // 7 + 2¹⁷
        }
        let file = try HDF5File.open(path)
        for read in [{ _ = try file.read("x", as: Float.self) }, { try file.checkStorage(of: "x") }] as [() throws -> Void] {
            let error = #expect(throws: HDF5Error.self) { try read() }
            #expect(error?.description == "\(path): dataset '/x': is damaged: its chunk shape [1, 131079] does not fit its "
                    + "shape [11, 7]")
        }
    }
}
