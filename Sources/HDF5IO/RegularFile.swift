import Foundation

/// Whether `path` names a regular file (symbolic links followed). A device or a FIFO is not one:
/// reading /dev/zero never ends, and opening a FIFO blocks until something writes to it, so the
/// commands refuse them as inputs and outputs in one line instead.
public func isRegularFile(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
}

/// What every command says of an input or output path that `isRegularFile` refuses.
public let notARegularFileProblem = "not a regular file (a device or a pipe?)"
