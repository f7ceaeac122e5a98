import Foundation
internal import CHDF5
#if canImport(Glibc)
import Glibc
#endif

/// Variable-length strings, read without libhdf5's global-heap code. The heap holds their bytes,
/// and no HDF5 file-format version checksums it; libhdf5 1.10 copies a heap object by the size the
/// heap claims and looks objects up by an index it never bounds, so a single flipped bit there
/// made it copy past its buffers. Here the stored elements (length, heap collection address,
/// object index) come through an opaque type (`hfrnn_raw_vlen_conversion` in CHDF5's shim.h), and
/// the collections they point to are read from the file and checked: every size against the bytes
/// that hold it, every element's length against its object's size.
extension HDF5File {
    /// How the file stores addresses and lengths, and where HDF5's address 0 lies (after the user block).
    struct StorageGeometry {
        let base: UInt64
        let addressBytes: Int
        let lengthBytes: Int
        /// A stored variable-length element: 4-byte length, heap collection address, 4-byte object index.
        var elementBytes: Int { 4 + addressBytes + 4 }
    }

    func storageGeometry(_ kind: HDF5Error.ObjectKind, _ object: String, attribute: String? = nil) throws -> StorageGeometry {
        let creation = try check(H5Fget_create_plist(id), kind, object, attribute: attribute,
                                 "cannot read the file creation properties")
        defer { H5Pclose(creation) }
        var addressBytes = 0, lengthBytes = 0
        var userBlock: hsize_t = 0
        try check(H5Pget_sizes(creation, &addressBytes, &lengthBytes), kind, object, attribute: attribute,
                  "cannot read the file's address and length sizes")
        try check(H5Pget_userblock(creation, &userBlock), kind, object, attribute: attribute,
                  "cannot read the file's user block size")
        guard [2, 4, 8].contains(addressBytes), [2, 4, 8].contains(lengthBytes) else {
            throw damage(kind, object, attribute: attribute,
                         "the superblock declares \(addressBytes)-byte addresses and \(lengthBytes)-byte lengths")
        }
        return StorageGeometry(base: UInt64(userBlock), addressBytes: addressBytes, lengthBytes: lengthBytes)
    }

    /// The opaque memory type that receives stored variable-length elements. The caller closes it.
    func storedElementType(_ geometry: StorageGeometry, _ kind: HDF5Error.ObjectKind, _ object: String,
                           attribute: String? = nil) throws -> hid_t {
        guard HDF5Library.storedElementConversion else {
            throw error(kind, object, attribute: attribute, "cannot register the conversion that reads stored strings",
                        stack: HDF5Library.errorStack())
        }
        return try check(hfrnn_raw_vlen_type(geometry.elementBytes), kind, object, attribute: attribute,
                         "cannot create the type for stored strings")
    }

    /// The bytes of each of `count` stored variable-length strings in `raw` (up to a NUL, as C
    /// reads them), from the global heap collections they point to.
    func heapStrings(_ raw: [UInt8], count: Int, _ geometry: StorageGeometry, _ kind: HDF5Error.ObjectKind,
                     _ object: String, attribute: String? = nil) throws -> [[UInt8]] {
        func damaged(_ message: String) -> HDF5Error { damage(kind, object, attribute: attribute, message) }
        precondition(raw.count == count * geometry.elementBytes)
        let source = try fileBytes(kind, object, attribute: attribute)
        var collections: [UInt64: GlobalHeapCollection] = [:]
        var used = Set<[UInt64]>()
        var strings: [[UInt8]] = []
        strings.reserveCapacity(count)
        for element in 0..<count {
            let start = element * geometry.elementBytes
            let length = littleEndian(raw, at: start, bytes: 4)
            let address = littleEndian(raw, at: start + 4, bytes: geometry.addressBytes)
            let index = littleEndian(raw, at: start + 4 + geometry.addressBytes, bytes: 4)
            // HDF5 reads address 0 as a null string (an element never written).
            guard address != 0 else {
                strings.append([])
                continue
            }
            let which = count == 1 ? "its string" : "string \(element)"
            guard used.insert([address, index]).inserted else {
                throw damaged("\(which) refers to global heap object \(index) at address \(address), as an earlier one does")
            }
            if collections[address] == nil {
                collections[address] = try GlobalHeapCollection(at: address, geometry, source, damaged)
            }
            guard let range = try collections[address]!.object(index, damaged) else {
                throw damaged("\(which) refers to global heap object \(index) at address \(address), which does not exist")
            }
            guard UInt64(range.count) == length else {
                throw damaged("\(which) has length \(length) but its global heap object \(index) at address \(address) "
                              + "holds \(range.count) bytes")
            }
            let bytes = try collections[address]!.read(range)
            strings.append(Array(bytes.prefix { $0 != 0 }))
        }
        return strings
    }

    /// An error for a file whose bytes contradict themselves (`isDamage`).
    func damage(_ kind: HDF5Error.ObjectKind?, _ object: String?, attribute: String? = nil, _ what: String) -> HDF5Error {
        HDF5Error(file: path, objectKind: kind, object: object, attribute: attribute, message: "is damaged: \(what)",
                  isDamage: true)
    }

    /// Random access to the file's bytes as HDF5 sees them now (a file open for writing is flushed
    /// first; an in-memory file is copied).
    private func fileBytes(_ kind: HDF5Error.ObjectKind, _ object: String, attribute: String?) throws -> FileBytes {
        if isInMemory { return FileBytes(image: try image()) }
        if isWritable { try check(H5Fflush(id, H5F_SCOPE_LOCAL), kind, object, attribute: attribute, "cannot flush file") }
        var handle: UnsafeMutableRawPointer? = nil
        try check(H5Fget_vfd_handle(id, hfrnn_H5P_DEFAULT(), &handle), kind, object, attribute: attribute,
                  "cannot get the file descriptor")
        // The default (sec2) driver's handle is a pointer to the POSIX descriptor.
        guard let descriptor = handle?.assumingMemoryBound(to: Int32.self).pointee else {
            throw error(kind, object, attribute: attribute, "cannot get the file descriptor")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw error(kind, object, attribute: attribute, "cannot read the file size: \(String(cString: strerror(errno)))")
        }
        return FileBytes(descriptor: descriptor, size: UInt64(status.st_size), path: path)
    }
}

/// The little-endian unsigned number of `bytes` bytes at `offset`.
private func littleEndian(_ bytes: [UInt8], at offset: Int, bytes width: Int) -> UInt64 {
    (0..<width).reduce(UInt64(0)) { value, k in value | UInt64(bytes[offset + k]) << (8 * UInt64(k)) }
}

/// Reads bytes of a file that HDF5 has open, or of an in-memory image.
private struct FileBytes {
    let size: UInt64
    private let descriptor: Int32
    private let image: [UInt8]
    private let path: String

    init(image: [UInt8]) {
        (self.image, size, descriptor, path) = (image, UInt64(image.count), -1, "")
    }

    init(descriptor: Int32, size: UInt64, path: String) {
        (self.descriptor, self.size, self.path, image) = (descriptor, size, path, [])
    }

    /// `count` bytes from file offset `offset`; the caller has checked that they lie within `size`.
    func read(_ offset: Int, _ count: Int) throws -> [UInt8] {
        precondition(offset >= 0 && count >= 0 && UInt64(offset) + UInt64(count) <= size)
        if descriptor < 0 { return Array(image[offset..<(offset + count)]) }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw HDF5Error(file: path, message: got == 0 ? "the file ended while being read (was it truncated?)"
                                                             : "cannot read: \(String(cString: strerror(errno)))")
            }
            done += got
        }
        return bytes
    }
}

/// One global heap collection: a header ("GCOL", version 1, its size in bytes), then objects,
/// each a 2-byte index, 2-byte reference count, 4 reserved bytes, its length and its bytes padded
/// to 8; index 0 is the free space, which HDF5 keeps after every object. Objects are found by
/// walking from the start, only as far as needed, so damage after an object does not touch it.
private final class GlobalHeapCollection {
    let address: UInt64
    private let source: FileBytes
    private let lengthBytes: Int
    private let end: Int
    /// Where the walk goes on; nil once it reached the free space or the end.
    private var position: Int?
    /// Object index → the file offsets of its bytes, for the objects walked so far.
    private var objects: [UInt64: Range<Int>] = [:]

    init(at address: UInt64, _ geometry: HDF5File.StorageGeometry, _ source: FileBytes,
         _ damaged: (String) -> HDF5Error) throws {
        self.address = address
        self.source = source
        lengthBytes = geometry.lengthBytes
        let headerBytes = Self.aligned(4 + 1 + 3 + lengthBytes)
        let (start, overflow) = geometry.base.addingReportingOverflow(address)
        guard !overflow, start < source.size, source.size - start >= UInt64(headerBytes) else {
            throw damaged("a string refers to global heap address \(address), beyond the end of the file")
        }
        let header = try source.read(Int(start), headerBytes)
        guard header[0..<4].elementsEqual("GCOL".utf8), header[4] == 1 else {
            throw damaged("a string refers to address \(address), where no global heap collection starts")
        }
        let size = littleEndian(header, at: 8, bytes: lengthBytes)
        guard size >= UInt64(headerBytes), size <= source.size - start else {
            throw damaged("the global heap collection at address \(address) claims \(size) bytes, "
                          + "more than the file holds after it")
        }
        end = Int(start) + Int(size)
        position = Int(start) + headerBytes
    }

    private static func aligned(_ size: Int) -> Int { (size + 7) / 8 * 8 }

    /// The file offsets of object `index`'s bytes; nil if the collection has no such object.
    func object(_ index: UInt64, _ damaged: (String) -> HDF5Error) throws -> Range<Int>? {
        let objectHeaderBytes = 2 + 2 + 4 + lengthBytes
        while objects[index] == nil, let at = position {
            guard end - at >= objectHeaderBytes else {
                position = nil
                break
            }
            let header = try source.read(at, objectHeaderBytes)
            let found = littleEndian(header, at: 0, bytes: 2)
            guard found != 0 else {
                position = nil
                break
            }
            let length = littleEndian(header, at: 8, bytes: lengthBytes)
            let first = at + objectHeaderBytes
            guard length <= UInt64(end - first) else {
                throw damaged("in the global heap collection at address \(address), which holds its text, "
                              + "object \(found) claims \(length) bytes, more than the collection holds")
            }
            guard objects[found] == nil else {
                throw damaged("the global heap collection at address \(address), which holds its text, "
                              + "has two objects \(found)")
            }
            objects[found] = first..<(first + Int(length))
            position = first + Self.aligned(Int(length))
        }
        return objects[index]
    }

    func read(_ range: Range<Int>) throws -> [UInt8] { try source.read(range.lowerBound, range.count) }
}
