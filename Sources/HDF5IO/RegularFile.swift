import Foundation

/// Whether `path` names a regular file (symbolic links followed). A device or a FIFO is not one:
/// reading /dev/zero never ends, and opening a FIFO blocks until something writes to it, so the
/// commands refuse them as inputs and outputs in one line instead.
public func isRegularFile(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
}

/// What every command says of an input or output path that `isRegularFile` refuses: a folder is
/// called one (`--dataset-moved-to <folder>` was "a device or a pipe?").
public func notARegularFileProblem(_ path: String) -> String {
    var status = stat()
    if stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR { return "is a folder, not a file" }
    return "not a regular file (a device or a pipe?)"
}

/// What to say of a path that leads to no file: "file not found", or why a symbolic link there
/// leads nowhere (a loop of links was reported as a missing file).
public func missingFileProblem(_ path: String) -> String {
    var status = stat()
    guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { return "file not found" }
    if stat(path, &status) != 0 && errno == ELOOP { return "a loop of symbolic links" }
    let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " (to \($0))" } ?? ""
    return "a symbolic link to a missing file\(target)"
}
