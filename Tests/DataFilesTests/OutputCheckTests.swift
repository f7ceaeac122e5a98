import DataFiles
import Foundation
import TestSupport
import Testing

/// The check every command makes of its output before any work.
@Suite struct OutputCheckTests {
    /// An output that is a FIFO or a device is refused: opening a FIFO blocked every command.
    @Test func aFIFOOrADeviceIsNoOutputFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let fifo = folder.file("fifo")
        try #require(mkfifo(fifo, 0o600) == 0)
        for path in [fifo, "/dev/null"] {
            let error = #expect(throws: (any Error).self) { try checkOutputFile(path) }
            #expect("\(error.map { "\($0)" } ?? "")" == "\(path): not a regular file (a device or a pipe?); give another output file")
        }
    }

    /// Threads of one process checking one folder at once all find it writable: the probe file the
    /// check creates was named by the process alone, so all but one of them found it taken and
    /// called the folder not writable (a test writing into /tmp failed that way).
    @Test func concurrentChecksOfOneFolderAgree() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let failures = Failures()
        let group = DispatchGroup()
        for thread in 0..<16 {
            group.enter()
            Thread {
                for check in 0..<200 {
                    do { try checkOutputFile(folder.file("out-\(thread)-\(check).h5")) } catch { failures.add("\(error)") }
                }
                group.leave()
            }.start()
        }
        group.wait()
        let failed = failures.all
        #expect(failed.count == 0, "\(failed.first ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}

/// Errors collected from several threads.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
