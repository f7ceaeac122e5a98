import Diagnostics
import Foundation
import HDF5IO
#if canImport(Glibc)
import Glibc
#endif

/// Checks, before any work, that files can be written into `directory`: it is a writable folder,
/// or it does not exist yet and its nearest existing ancestor is a writable folder (it would be
/// created). Throws a one-line `HFRNNError` otherwise. Nothing is created.
public func checkOutputDirectory(_ directory: String) throws {
    let start = URL(fileURLWithPath: directory).standardizedFileURL
    guard let existing = nearestExistingAncestor(of: start) else {
        throw HFRNNError.file(directory, "cannot create the output folder: no existing parent folder")
    }
    let path = existing.url.path, missing = path != start.path
    guard existing.isFolder else {
        throw HFRNNError.file(directory, missing ? "cannot create the output folder: \(path) is a file, not a folder"
                                                 : "exists and is not a folder")
    }
    guard FileManager.default.isWritableFile(atPath: path), canCreateFile(in: path) else {
        throw HFRNNError.file(directory, missing ? "cannot create the output folder: \(path) is not writable"
                                                 : "the output folder is not writable")
    }
}

/// Whether a file can really be created in `folder`: access(2) says yes to root even where creating
/// fails (a read-only or special file system), so a hidden probe is created and removed.
private func canCreateFile(in folder: String) -> Bool {
    // Unique per call: threads of one process may check the same folder at once.
    let probe = URL(fileURLWithPath: folder).appendingPathComponent(".hfrnn-write-probe-\(getpid())-\(UUID().uuidString)").path
    let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { return false }
    close(descriptor)
    unlink(probe)
    return true
}

/// Creates the missing folders on the way to `directory`, outermost first, with mkdir(2) so that a
/// failure gives the system's reason; returns the outermost one it created (nil: none was
/// missing). On failure nothing it created is left, and the error names `directory` as `what`.
package func createMissingFolders(_ directory: String, what: String = "output folder") throws -> String? {
    let manager = FileManager.default
    var missing: [URL] = []
    var probe = URL(fileURLWithPath: directory).standardizedFileURL
    while !manager.fileExists(atPath: probe.path) {
        missing.insert(probe, at: 0)
        let parent = probe.deletingLastPathComponent()
        if parent.path == probe.path { break }
        probe = parent
    }
    for folder in missing where mkdir(folder.path, 0o777) != 0 && errno != EEXIST {
        let reason = String(cString: strerror(errno))
        if let top = missing.first { try? manager.removeItem(at: top) }
        throw HFRNNError.file(directory, "cannot create the \(what): \(reason)")
    }
    return missing.first?.path
}

/// Runs `write`, which writes the file `path`, with its folder in place: missing folders are
/// created first and removed again if `write` throws, so that a failed command leaves nothing.
package func withOutputFolder<T>(of path: String, _ write: () throws -> T) throws -> T {
    let created = try createMissingFolders(URL(fileURLWithPath: path).deletingLastPathComponent().path)
    do {
        return try write()
    } catch {
        if let created { try? FileManager.default.removeItem(atPath: created) }
        throw error
    }
}

/// The first path that exists on the way up from `url` (`url` itself when it exists), and whether
/// it is a folder; nil when none does. Where a missing folder would be created, this is the folder
/// that must accept it.
package func nearestExistingAncestor(of url: URL) -> (url: URL, isFolder: Bool)? {
    var url = url
    while true {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) { return (url, isDirectory.boolValue) }
        let parent = url.deletingLastPathComponent()
        guard parent.path != url.path else { return nil }
        url = parent
    }
}

/// Checks that a file can be written at `path` (its folder as `checkOutputDirectory`, and the path
/// itself is not a folder).
///
/// An existing file is replaced, unless it is one of the command's `inputs` (the same file by
/// device and inode, whatever the path says), an hfrnn checkpoint, or an hfrnn dataset when the
/// output is not one (`replacesDatasets`: generate's): a mistyped output must not destroy a run
/// or data.
public func checkOutputFile(_ path: String, inputs: [String] = [], replacesDatasets: Bool = false) throws {
    guard !path.isEmpty else { throw HFRNNError.file(path: path, message: "output file path is empty") }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
        if isDirectory.boolValue { throw HFRNNError.file(path, "is a folder, not a file") }
        // Replacing a device or a FIFO by rename would not write to it, and opening a FIFO blocks.
        if !isRegularFile(path) { throw HFRNNError.file(path, "\(notARegularFileProblem(path)); give another output file") }
        if let input = inputs.first(where: { isSameFile($0, path) }) {
            throw HFRNNError.file(path, "is the input \(input); give another output file")
        }
        switch hfrnnFormat(of: path) {
        case checkpointFormatName?:
            throw HFRNNError.file(path, "is an hfrnn checkpoint, which this output would replace; give another output file")
        case DatasetSchema.format? where !replacesDatasets:
            throw HFRNNError.file(path, "is an hfrnn dataset, which this output would replace; give another output file")
        default:
            break
        }
    }
    try checkOutputDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
}

/// Whether two paths name the same existing file.
private func isSameFile(_ first: String, _ second: String) -> Bool {
    var a = stat(), b = stat()
    return stat(first, &a) == 0 && stat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
}

/// The root `format` attribute of an HDF5 file, or nil (not HDF5, unreadable, or none).
private func hfrnnFormat(of path: String) -> String? {
    guard HDF5File.hasSignature(atPath: path), let file = try? HDF5File.open(path) else { return nil }
    defer { try? file.close() }
    return (try? file.optionalStringAttribute("format")) ?? nil
}

/// Files written so that no reader ever sees a partial one, and a failure leaves nothing behind:
/// the bytes go to a hidden temporary file in the same folder (`.<name>.tmp-<pid>`), which is
/// fsynced and then renamed over the final name, and the folder is fsynced. Any failure (a full
/// disk, say) removes the temporary file and throws one line naming the final file. Checkpoints,
/// datasets, probe files and exports are all written through here; HDF5 files are built in memory
/// (`HDF5File.createInMemory`) and handed over as bytes.
package enum AtomicFile {
    /// Writes `bytes` to `path` atomically. `beforeRename` runs once the temporary file (its
    /// argument) is complete and fsynced; tests throw from it to simulate an interrupted write.
    package static func write(_ bytes: [UInt8], to path: String, beforeRename: (String) throws -> Void = { _ in }) throws {
        let temporary = try writeTemporary(bytes, for: path)
        do {
            try beforeRename(temporary)
            try moveIntoPlace(temporary, over: path)
        } catch {
            unlink(temporary)
            throw error
        }
        try fsyncFile(folder(of: path))
    }

    /// The hidden temporary file this process uses for `path`.
    package static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(temporaryPrefix(of: url.lastPathComponent) + "\(getpid())").path
    }

    /// The temporary files of `name` are ".<name>.tmp-<pid>".
    static func temporaryPrefix(of name: String) -> String { ".\(name).tmp-" }

    /// Writes `bytes` to the temporary file of `path` and fsyncs it; returns its path. On failure
    /// the temporary file is removed.
    package static func writeTemporary(_ bytes: [UInt8], for path: String) throws -> String {
        let temporary = temporaryPath(for: path)
        func failure(_ what: String) -> HFRNNError {
            HFRNNError.file(path, "cannot \(what): \(String(cString: strerror(errno)))")
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("create a temporary file in its folder") }
        var problem: HFRNNError? = nil
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    problem = failure("write")
                    return
                }
                offset += written
            }
        }
        if problem == nil && fsync(descriptor) != 0 { problem = failure("write (fsync)") }
        if close(descriptor) != 0 && problem == nil { problem = failure("write (close)") }
        if let problem {
            unlink(temporary)
            throw problem
        }
        return temporary
    }

    /// Makes a temporary file that its writer completed (`temporaryPath(for: path)`) the file at
    /// `path`: fsyncs it, renames it into place and fsyncs the folder. For files written in place
    /// by a library (a large HDF5 file written row by row) rather than from bytes in memory.
    package static func commit(_ temporary: String, to path: String) throws {
        try fsyncFile(temporary)
        try moveIntoPlace(temporary, over: path)
        try fsyncFile(folder(of: path))
    }

    /// Renames `temporary` over `path`.
    package static func moveIntoPlace(_ temporary: String, over path: String) throws {
        guard rename(temporary, path) == 0 else {
            throw HFRNNError.file(path, "cannot move the new file into place: \(String(cString: strerror(errno)))")
        }
    }

    package static func folder(of path: String) -> String { URL(fileURLWithPath: path).deletingLastPathComponent().path }

    /// Removes temporary files (`.<name>.tmp-<pid>`) in `folder` left by processes that no longer
    /// run, i.e. by writes that were killed before their rename. Files of running processes
    /// (this one included) are left alone; failures are ignored (this is tidying, not a write).
    /// `file`: only the temporaries of that file name (in a folder that is not hfrnn's own).
    package static func removeStaleTemporaries(in folder: String, of file: String? = nil) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(file.map(temporaryPrefix(of:)) ?? ".") {
            guard let marker = name.range(of: ".tmp-", options: .backwards),
                  let pid = pid_t(name[marker.upperBound...]), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(folder + "/" + name) }
        }
    }
}

/// Writes a set of files all or nothing: each is first written (through `AtomicFile`) to its
/// hidden temporary file in the output folder; `commit` renames them into place once all were
/// written. A failure before `commit` removes the temporaries (and a folder this object created),
/// so no partial output is ever left under a final name.
package final class StagedFiles {
    package let directory: URL
    private var staged: [(temporary: String, final: String)] = []
    /// The topmost folder this object created, removed again if nothing is committed.
    private var createdFolder: String?
    private var committed = false

    package init(directory: String) throws {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL
        createdFolder = try createMissingFolders(directory)
    }

    deinit {
        if !committed { discard() }
    }

    /// The final path of `name` in the output folder.
    package func path(of name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes `name` with the given bytes (to its temporary file, fsynced).
    package func stage(_ name: String, bytes: [UInt8]) throws {
        let final = path(of: name)
        staged.append((try AtomicFile.writeTemporary(bytes, for: final), final))
    }

    /// Writes `name` with the given text.
    package func stage(_ name: String, contents: String) throws {
        try stage(name, bytes: Array(contents.utf8))
    }

    /// Renames every staged file over its final name, then fsyncs the folder. A final name taken by
    /// a folder, which no rename can replace, is refused before any file moves.
    package func commit() throws {
        for file in staged {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: file.final, isDirectory: &isDirectory), isDirectory.boolValue {
                throw HFRNNError.file(file.final, "is a folder, so the files cannot take their names; none was written")
            }
        }
        for file in staged { try AtomicFile.moveIntoPlace(file.temporary, over: file.final) }
        committed = true
        try fsyncFile(directory.path)
    }

    /// Removes the temporaries and the folder this object created.
    package func discard() {
        for file in staged { unlink(file.temporary) }
        staged = []
        if let createdFolder { try? FileManager.default.removeItem(atPath: createdFolder) }
        createdFolder = nil
    }
}

/// fsync a file or directory by path.
func fsyncFile(_ path: String) throws {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw HFRNNError.file(path, "cannot open for fsync: \(String(cString: strerror(errno)))") }
    defer { close(descriptor) }
    guard fsync(descriptor) == 0 else { throw HFRNNError.file(path, "fsync failed: \(String(cString: strerror(errno)))") }
}
