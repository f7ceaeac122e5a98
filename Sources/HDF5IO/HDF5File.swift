// HDF5IO is the only module in hfrnn that talks to the HDF5 C library. Every public method silences
// HDF5's stderr error printing first (it is a per-thread setting) and turns each failed call
// into an `HDF5Error` carrying HDF5's own error stack. Nothing here prints.
import Foundation
internal import CHDF5

/// An open HDF5 file. The handle is closed by `close()` or, at the latest, when the object is
/// released. Paths inside the file are absolute or relative to the root ("a/b" == "/a/b").
public final class HDF5File {
    /// The path the file was created or opened with.
    public let path: String
    public let isWritable: Bool
    /// The HDF5 file id; negative once closed.
    private(set) var id: hid_t
    /// Made by `createInMemory`: its bytes are in memory, not in a file at `path`.
    let isInMemory: Bool

    init(path: String, id: hid_t, writable: Bool, inMemory: Bool = false) {
        self.path = path
        self.id = id
        self.isWritable = writable
        self.isInMemory = inMemory
    }

    deinit {
        if id >= 0 {
            HDF5Library.silenceErrorPrinting()
            HDF5Library.descriptorChanges.withLock { _ = H5Fclose(id) }
        }
    }

    /// Creates (or truncates) the file at `path`, opened for writing.
    public static func create(_ path: String) throws -> HDF5File {
        HDF5Library.silenceErrorPrinting()
        let access = try checkedAccessList(name: path, inMemory: false)
        defer { H5Pclose(access) }
        // Creating and marking the descriptor close-on-exec is one step for `whileNoFileOpensOrCloses`.
        HDF5Library.descriptorChanges.lock()
        defer { HDF5Library.descriptorChanges.unlock() }
        let creation = try untimedCreationList(hfrnn_H5P_FILE_CREATE(), file: path, kind: nil, object: nil)
        defer { H5Pclose(creation) }
        let id = H5Fcreate(path, hfrnn_H5F_ACC_TRUNC(), creation, access)
        guard id >= 0 else {
            let stack = HDF5Library.errorStack()
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            let message = if !FileManager.default.fileExists(atPath: directory) {
                "cannot create file: directory '\(directory)' does not exist"
            } else if stack.contains(where: { $0.contains("unable to lock") }) {
                "cannot create file: it is locked (open in another process?)"
            } else {
                "cannot create file"
            }
            throw HDF5Error(file: path, message: message, hdf5Stack: stack)
        }
        let file = HDF5File(path: path, id: id, writable: true)
        try file.closeDescriptorOnExec()
        return file
    }

    /// The file-access properties of new files (the caller closes them): in memory or not, and
    /// HDF5 1.10's file format, whose superblock, object headers, chunk indexes and other metadata
    /// carry checksums that HDF5 verifies whenever it reads them (the 1.8 format still indexes
    /// chunks with unchecked B-trees; earlier ones check nothing). HDF5 1.10 and later read it.
    static func checkedAccessList(name: String, inMemory: Bool) throws -> hid_t {
        let access = H5Pcreate(hfrnn_H5P_FILE_ACCESS())
        guard access >= 0 else {
            throw HDF5Error(file: name, message: "cannot create property list", hdf5Stack: HDF5Library.errorStack())
        }
        // In memory: grow 1 MiB at a time, no backing store (the driver tells open files apart by name).
        guard !inMemory || H5Pset_fapl_core(access, 1 << 20, false) >= 0 else {
            let stack = HDF5Library.errorStack()
            H5Pclose(access)
            throw HDF5Error(file: name, message: "cannot set up an in-memory file", hdf5Stack: stack)
        }
        guard H5Pset_libver_bounds(access, H5F_LIBVER_V110, H5F_LIBVER_V110) >= 0 else {
            let stack = HDF5Library.errorStack()
            H5Pclose(access)
            throw HDF5Error(file: name, message: "cannot select the HDF5 1.10 file format", hdf5Stack: stack)
        }
        return access
    }

    /// Opens an existing file, read-only unless `writable`.
    public static func open(_ path: String, writable: Bool = false) throws -> HDF5File {
        HDF5Library.silenceErrorPrinting()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HDF5Error(file: path, message: missingFileProblem(path))
        }
        guard !isDirectory.boolValue else { throw HDF5Error(file: path, message: "is a folder, not an HDF5 file") }
        guard isRegularFile(path) else { throw HDF5Error(file: path, message: notARegularFileProblem(path)) }
        let flags = writable ? hfrnn_H5F_ACC_RDWR() : hfrnn_H5F_ACC_RDONLY()
        HDF5Library.descriptorChanges.lock()
        defer { HDF5Library.descriptorChanges.unlock() }
        let id = H5Fopen(path, flags, hfrnn_H5P_DEFAULT())
        guard id >= 0 else {
            let stack = HDF5Library.errorStack()
            let manager = FileManager.default
            let damage = HDF5Library.damage(in: stack)
            let message = if let damage {
                "cannot open: the file is damaged: \(damage)"
            } else if stack.contains(where: { $0.contains("unable to lock") }) {
                "cannot open: the file is locked (open for writing in another process?)"
            } else if stack.contains(where: { $0.contains("already open") }) {
                "cannot open: already open in this process with other access flags"
            } else if !manager.isReadableFile(atPath: path) || (writable && !manager.isWritableFile(atPath: path)) {
                "cannot open: permission denied"
            } else {
                "cannot open: not an HDF5 file or corrupt/truncated"
            }
            throw HDF5Error(file: path, message: message, hdf5Stack: stack, isDamage: damage != nil)
        }
        let file = HDF5File(path: path, id: id, writable: writable)
        try file.closeDescriptorOnExec()
        return file
    }

    /// HDF5 opens files without O_CLOEXEC, so a child process started while the file is open
    /// would inherit the descriptor and, with it, HDF5's lock on the file (the lock belongs to the
    /// open file, shared by every copy of the descriptor): opening the file again fails with "the
    /// file is locked" until the child exits. Marking the descriptor close-on-exec right away keeps
    /// open files (and their locks) out of every program this process starts.
    private func closeDescriptorOnExec() throws {
        var handle: UnsafeMutableRawPointer? = nil
        try check(H5Fget_vfd_handle(id, hfrnn_H5P_DEFAULT(), &handle), nil, nil, "cannot get the file descriptor")
        // The default (sec2) driver's handle is a pointer to the POSIX descriptor.
        guard let descriptor = handle?.assumingMemoryBound(to: Int32.self).pointee,
              case let flags = fcntl(descriptor, F_GETFD), flags >= 0,
              fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) == 0 else {
            throw error(nil, nil, "cannot mark the file descriptor close-on-exec: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes buffered data and metadata to disk.
    public func flush() throws {
        let file = try enter()
        try check(H5Fflush(file, H5F_SCOPE_LOCAL), nil, nil, "cannot flush file")
    }

    /// Closes the file; later calls on this object throw. Closing twice is harmless.
    public func close() throws {
        HDF5Library.silenceErrorPrinting()
        guard id >= 0 else { return }
        let status = HDF5Library.descriptorChanges.withLock { H5Fclose(id) }
        id = -1
        try check(status, nil, nil, "cannot close file")
    }

    // MARK: Helpers shared by the extensions (HDF5Groups, HDF5InMemory, HDF5Dataset, ...)

    /// Every public entry point starts here: silence HDF5 on this thread, refuse a closed file.
    func enter() throws -> hid_t {
        HDF5Library.silenceErrorPrinting()
        guard id >= 0 else { throw HDF5Error(file: path, message: "file is closed") }
        return id
    }

    /// `enter()` for methods that modify the file.
    func enterForWriting(_ kind: HDF5Error.ObjectKind, _ object: String, attribute: String? = nil) throws -> hid_t {
        let file = try enter()
        guard isWritable else {
            throw error(kind, Self.normalized(object), attribute: attribute, "the file is open read-only")
        }
        return file
    }

    /// An error with HDF5's stack; when the stack shows that a checksum did not match, the
    /// message says the file is damaged.
    func error(_ kind: HDF5Error.ObjectKind?, _ object: String?, attribute: String? = nil, _ message: String,
               stack: [String] = []) -> HDF5Error {
        let damage = HDF5Library.damage(in: stack)
        return HDF5Error(file: path, objectKind: kind, object: object, attribute: attribute,
                         message: damage.map { "\(message): the file is damaged: \($0)" } ?? message, hdf5Stack: stack,
                         isDamage: damage != nil)
    }

    /// Returns `status` if it is non-negative (success), else throws with HDF5's error stack.
    @discardableResult
    func check<Status: BinaryInteger>(_ status: Status, _ kind: HDF5Error.ObjectKind?, _ object: String?,
                                      attribute: String? = nil, _ message: @autoclosure () -> String) throws -> Status {
        guard status < 0 else { return status }
        let stack = HDF5Library.errorStack()
        throw error(kind, object, attribute: attribute, message(), stack: stack)
    }

    /// After a failed call: throws if HDF5's error stack shows damage, else returns.
    func throwIfDamaged(_ kind: HDF5Error.ObjectKind, _ object: String) throws {
        let stack = HDF5Library.errorStack()
        if HDF5Library.damage(in: stack) != nil { throw error(kind, object, "cannot be read", stack: stack) }
    }

    /// "a//b/" -> "/a/b"; "" -> "/".
    static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/").joined(separator: "/")
    }

    /// The kind of object at `name`, or nil if nothing is there.
    func objectKind(_ name: String) throws -> HDF5Error.ObjectKind? {
        guard try exists(name) else { return nil }
        let objectID = try check(H5Oopen(id, name, hfrnn_H5P_DEFAULT()), .object, name, "cannot open object")
        defer { H5Oclose(objectID) }
        switch H5Iget_type(objectID) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .object
        }
    }

    /// Builds the error for a failed H5Dopen2/H5Gopen2: missing, or present but of another kind.
    func diagnoseOpenFailure(_ name: String, expected: HDF5Error.ObjectKind) throws -> HDF5Error {
        let stack = HDF5Library.errorStack()
        if HDF5Library.damage(in: stack) != nil { return error(expected, name, "cannot open", stack: stack) }
        let message = switch try objectKind(name) {
        case nil: "not found"
        case let kind? where kind != expected: "is a \(kind.rawValue), not a \(expected.rawValue)"
        default: "cannot open"
        }
        return error(expected, name, message, stack: stack)
    }

    /// A link-creation property list that also creates missing parent groups. Parents made so are
    /// stamped with the clock (HDF5 gives them its default group properties): writers create their
    /// groups with `createGroup` first, so that a file written twice stays the same bytes.
    func linkCreationList(for name: String, kind: HDF5Error.ObjectKind) throws -> hid_t {
        let list = try check(H5Pcreate(hfrnn_H5P_LINK_CREATE()), kind, name, "cannot create property list")
        guard H5Pset_create_intermediate_group(list, 1) >= 0 else {
            let stack = HDF5Library.errorStack()
            H5Pclose(list)
            throw error(kind, name, "cannot set up parent-group creation", stack: stack)
        }
        return list
    }

    /// A creation property list of `propertyClass` (dataset, group or file creation) that records
    /// no times in the object's header: HDF5 stamps new objects with the clock by default, and a
    /// file written twice from the same data must be the same bytes (runs check datasets by hash).
    static func untimedCreationList(_ propertyClass: hid_t, file: String, kind: HDF5Error.ObjectKind?,
                                    object: String?) throws -> hid_t {
        let list = H5Pcreate(propertyClass)
        guard list >= 0 else {
            throw HDF5Error(file: file, objectKind: kind, object: object, message: "cannot create property list",
                            hdf5Stack: HDF5Library.errorStack())
        }
        guard H5Pset_obj_track_times(list, false) >= 0 else {
            let stack = HDF5Library.errorStack()
            H5Pclose(list)
            throw HDF5Error(file: file, objectKind: kind, object: object, message: "cannot turn off time stamps",
                            hdf5Stack: stack)
        }
        return list
    }

    /// Runs a C "get name" call twice: once for the length, once to fill a buffer.
    func fetchString(_ kind: HDF5Error.ObjectKind, _ object: String, attribute: String? = nil, _ message: String,
                     _ call: (UnsafeMutablePointer<CChar>?, Int) -> Int) throws -> String {
        let length = try check(call(nil, 0), kind, object, attribute: attribute, message)
        var buffer = [CChar](repeating: 0, count: length + 1)
        try check(buffer.withUnsafeMutableBufferPointer { call($0.baseAddress, $0.count) },
                  kind, object, attribute: attribute, message)
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
