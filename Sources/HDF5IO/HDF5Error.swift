import Foundation
internal import CHDF5

/// A failed HDF5 operation: which file, which object, what went wrong, and HDF5's own error
/// stack (innermost call first), collected right after the failing call instead of being printed.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    /// What kind of object `object` names.
    public enum ObjectKind: String, Sendable {
        case group, dataset, attribute, object
    }

    /// The file path as given to `create` / `open`.
    public let file: String
    /// The dataset, group or object path inside the file (for attributes: the owner), or nil.
    public let object: String?
    public let objectKind: ObjectKind?
    /// The attribute name when the error is about an attribute.
    public let attribute: String?
    public let message: String
    /// HDF5's error stack as "function: description" lines, innermost first.
    public let hdf5Stack: [String]
    /// Whether the file's bytes contradict themselves (a checksum does not match, a stored size
    /// exceeds what holds it): the file was damaged, as opposed to merely not what was expected.
    public let isDamage: Bool

    public init(file: String, objectKind: ObjectKind? = nil, object: String? = nil, attribute: String? = nil,
                message: String, hdf5Stack: [String] = [], isDamage: Bool = false) {
        self.file = file
        self.objectKind = objectKind
        self.object = object
        self.attribute = attribute
        self.message = message
        self.hdf5Stack = hdf5Stack
        self.isDamage = isDamage
    }

    /// One line: `<file>: dataset '/inputs': <message> (HDF5: <innermost stack entries>)`.
    public var description: String {
        var text = "\(file): "
        if let attribute {
            text += "attribute '\(attribute)' of '\(object ?? "/")': "
        } else if let object {
            text += "\((objectKind ?? .object).rawValue) '\(object)': "
        }
        text += message
        // The innermost two entries name the actual cause; the outer ones only repeat "failed".
        let cause = hdf5Stack.prefix(2)
        if !cause.isEmpty { text += " (HDF5: \(cause.joined(separator: " <- ")))" }
        return String(text.map { $0.isNewline ? " " : $0 })
    }
}

/// Library-wide information and the two things every wrapper entry point needs.
public enum HDF5Library {
    /// Held while a file is opened (until its descriptor is close-on-exec) or closed.
    static let descriptorChanges = NSRecursiveLock()  // a failed open closes its file while holding it

    /// Runs `body` (which starts a child process) while no HDF5 file is being opened or closed.
    /// A child holds copies of all the parent's descriptors from fork to exec, and with them
    /// HDF5's locks on the files: a file closed and reopened here in that instant would be
    /// refused as locked. Opened files are close-on-exec, so once `body` returns (posix_spawn
    /// returns after the exec) the child holds none of them.
    public static func whileNoFileOpensOrCloses<Result>(_ body: () throws -> Result) rethrows -> Result {
        descriptorChanges.lock()
        defer { descriptorChanges.unlock() }
        return try body()
    }

    /// Whether the conversion that reads stored variable-length elements is registered (done once,
    /// on first use; see HDF5StoredStrings.swift).
    static let storedElementConversion: Bool = {
        silenceErrorPrinting()
        return hfrnn_register_raw_vlen_conversion() >= 0
    }()

    /// What a failed call's error stack says about damage: a checksum HDF5 verified did not match
    /// (file-format metadata, or a dataset's Fletcher-32 filter). Nil when it says nothing of the kind.
    static func damage(in stack: [String]) -> String? {
        let lines = stack.map { $0.lowercased() }
        if lines.contains(where: { $0.contains("fletcher32") }) {
            return "its data do not match their Fletcher-32 checksum"
        }
        if lines.contains(where: { $0.contains("checksum") }) {
            return "HDF5 metadata do not match their checksum"
        }
        return nil
    }

    /// The linked HDF5 library version, e.g. "1.10.8".
    public static var version: String {
        silenceErrorPrinting()
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = H5get_libversion(&major, &minor, &release)
        return "\(major).\(minor).\(release)"
    }

    /// HDF5 prints its error stack to stderr unless told not to, and (thread-safe build) that
    /// setting is per thread: every public entry point of this module calls this first.
    static func silenceErrorPrinting() {
        _ = hfrnn_H5_silence_errors()
    }

    /// The current thread's HDF5 error stack, innermost first. Must run right after the failing
    /// call: the next HDF5 API call clears the stack.
    static func errorStack() -> [String] {
        var lines: [String] = []
        withUnsafeMutablePointer(to: &lines) { linesPointer in
            _ = H5Ewalk2(hfrnn_H5E_DEFAULT(), H5E_WALK_UPWARD, { _, entry, context in
                guard let entry, let context else { return 0 }
                let function = entry.pointee.func_name.map { String(cString: $0) } ?? "?"
                let detail = entry.pointee.desc.map { String(cString: $0) } ?? ""
                context.assumingMemoryBound(to: [String].self).pointee.append("\(function): \(detail)")
                return 0
            }, linesPointer)
        }
        return lines
    }
}
