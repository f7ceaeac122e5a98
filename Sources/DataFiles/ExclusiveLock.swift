import Diagnostics
import Foundation

/// Opens `path` — a folder (`isFolder`), or a lock file made if missing — and takes an exclusive
/// `flock` on it without waiting. Returns the descriptor, which holds the lock until it is closed
/// (close-on-exec, so children never hold it unless given it), or nil when another process holds
/// it. A file system without locks (ENOLCK, some network mounts) gives an unlocked descriptor:
/// the work goes on unguarded rather than not at all.
package func exclusiveLock(on path: String, isFolder: Bool) throws -> Int32? {
    let descriptor = isFolder ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw HFRNNError.file(path, "cannot open: \(String(cString: strerror(errno)))") }
    if flock(descriptor, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK {
        close(descriptor)
        return nil
    }
    return descriptor
}
