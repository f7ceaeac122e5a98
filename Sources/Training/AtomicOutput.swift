import Foundation

/// Checks, before any work, that files can be written into `directory`: it is a writable folder,
/// or it does not exist yet and its nearest existing ancestor is a writable folder (it would be
/// created). Throws a one-line `TrainingError` otherwise. Nothing is created.
public func checkOutputDirectory(_ directory: String) throws {
    let manager = FileManager.default
    var url = URL(fileURLWithPath: directory).standardizedFileURL
    var missing = false
    while true {
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw TrainingError(missing ? "cannot create output folder \(directory): \(url.path) is a file, not a folder"
                                            : "output folder \(directory) is a file, not a folder")
            }
            guard manager.isWritableFile(atPath: url.path) else {
                throw TrainingError(missing ? "cannot create output folder \(directory): \(url.path) is not writable"
                                            : "output folder \(directory) is not writable")
            }
            return
        }
        missing = true
        let parent = url.deletingLastPathComponent()
        guard parent.path != url.path else { throw TrainingError("output folder \(directory): no existing parent folder") }
        url = parent
    }
}

/// Checks that a file can be written at `path` (its folder as `checkOutputDirectory`, and the path
/// itself is not a folder).
public func checkOutputFile(_ path: String) throws {
    guard !path.isEmpty else { throw TrainingError("output file path is empty") }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw TrainingError("output \(path) is a folder, not a file")
    }
    try checkOutputDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
}

/// Writes a set of files all or nothing: each is first written to a hidden temporary file in the
/// output folder; `commit` fsyncs and renames them into place once all were written. A failure
/// before `commit` removes the temporaries (and a folder this object created), so no partial
/// output is ever left under a final name.
final class StagedFiles {
    let directory: URL
    private var staged: [(temporary: String, final: String)] = []
    /// The topmost folder this object created, removed again if nothing is committed.
    private var createdFolder: String?
    private var committed = false

    init(directory: String) throws {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL
        let manager = FileManager.default
        var top: URL? = nil
        var probe = self.directory
        while !manager.fileExists(atPath: probe.path) {
            top = probe
            let parent = probe.deletingLastPathComponent()
            if parent.path == probe.path { break }
            probe = parent
        }
        do {
            try manager.createDirectory(at: self.directory, withIntermediateDirectories: true)
        } catch {
            throw TrainingError("cannot create output folder \(directory): \(error.localizedDescription)")
        }
        createdFolder = top?.path
    }

    deinit {
        if !committed { discard() }
    }

    /// The final path of `name` in the output folder.
    func path(of name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes `name` through `write`, which receives the temporary path to create.
    func stage(_ name: String, _ write: (String) throws -> Void) throws {
        let temporary = directory.appendingPathComponent(".\(name).tmp-\(getpid())").path
        staged.append((temporary, path(of: name)))
        try write(temporary)
    }

    /// Writes `name` with the given bytes.
    func stage(_ name: String, contents: String) throws {
        try stage(name) { temporary in
            guard FileManager.default.createFile(atPath: temporary, contents: Data(contents.utf8)) else {
                throw TrainingError("\(temporary): cannot write: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// fsyncs every staged file, renames each over its final name, then fsyncs the folder.
    func commit() throws {
        for file in staged { try fsyncFile(file.temporary) }
        for file in staged {
            guard rename(file.temporary, file.final) == 0 else {
                throw TrainingError("\(file.final): cannot move into place: \(String(cString: strerror(errno)))")
            }
        }
        committed = true
        try fsyncFile(directory.path)
    }

    /// Removes the temporaries and the folder this object created.
    func discard() {
        for file in staged { unlink(file.temporary) }
        staged = []
        if let createdFolder { try? FileManager.default.removeItem(atPath: createdFolder) }
        createdFolder = nil
    }
}
