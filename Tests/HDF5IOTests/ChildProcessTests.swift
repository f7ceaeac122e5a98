import Foundation
import TestSupport
import Testing
import HDF5IO
#if canImport(Glibc)
import Glibc
#endif

/// A program that starts a child process while an HDF5 file is open must not hand the child the
/// file's descriptor: the child would keep HDF5's lock on the file (the lock belongs to the open
/// file, shared by every copy of the descriptor) until it exits, and opening the file again in
/// the meantime fails with "the file is locked". Foundation's `Process` on Linux only closes the
/// descriptors that were open when it listed them, so a file opened by another thread just before
/// the spawn leaks unless it is close-on-exec; the test spawns with plain `posix_spawn`, which
/// closes nothing, to see that deterministically.
@Suite struct ChildProcessTests {
    @Test func childProcessesDoNotInheritOpenFiles() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        try file.write([Float](repeating: 1, count: 4), shape: [4], to: "x")
        try file.flush()

        let child = try spawnSleep()
        defer {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
        }
        // Once /proc shows /bin/sleep, exec has happened: what the child holds now it keeps.
        let manager = FileManager.default
        for _ in 0..<500 {
            if (try? manager.destinationOfSymbolicLink(atPath: "/proc/\(child)/exe"))?.hasSuffix("sleep") == true { break }
            usleep(10_000)
        }
        let fdFolder = "/proc/\(child)/fd"
        let descriptors = try manager.contentsOfDirectory(atPath: fdFolder)
        let targets = descriptors.compactMap { try? manager.destinationOfSymbolicLink(atPath: fdFolder + "/" + $0) }
        #expect(!targets.isEmpty)
        #expect(!targets.contains(path), "the child process inherited \(path)")

        // The lock: with the file closed here, it opens for writing while the child still runs.
        try file.close()
        try HDF5File.open(path, writable: true).close()
    }

    /// Starts `/bin/sleep 30` with posix_spawn and no file actions (every descriptor without
    /// close-on-exec is inherited); returns its pid.
    private func spawnSleep() throws -> pid_t {
        var pid: pid_t = 0
        let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("30"), nil]
        defer { arguments.forEach { free($0) } }
        // (Under the library's lock, so other tests' files are not caught between fork and exec.)
        let status = HDF5Library.whileNoFileOpensOrCloses { posix_spawn(&pid, "/bin/sleep", nil, nil, arguments, environ) }
        guard status == 0 else { throw CocoaError(.executableLoad) }
        return pid
    }
}
