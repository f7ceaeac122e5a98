import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `hfrnn` executable that `swift build` put next to the test bundle. Looked for in the
/// folder of the running test process (Linux runs the `.xctest` as an executable), next to any
/// loaded `.xctest` bundle (macOS), and in `.build/debug` of the package this file belongs to.
func hfrnnExecutable() throws -> URL {
    var folders: [URL] = []
    if let running = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        folders.append(URL(fileURLWithPath: running).deletingLastPathComponent())
    }
    if let first = CommandLine.arguments.first, first.contains("/") {
        folders.append(URL(fileURLWithPath: first).resolvingSymlinksInPath().deletingLastPathComponent())
    }
    folders.append(Bundle.main.bundleURL)
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
        folders.append(bundle.bundleURL.deletingLastPathComponent())
    }
    let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    folders.append(packageRoot.appendingPathComponent(".build/debug"))
    for folder in folders {
        let candidate = folder.appendingPathComponent("hfrnn")
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
           FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
    }
    throw CLITestError("no hfrnn executable in \(folders.map(\.path)); run `swift build --build-tests` first")
}

struct CLITestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh folder in the temporary directory with a UUID name; `remove()` deletes it.
struct TemporaryFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("hfrnn-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A running `hfrnn` whose stdout and stderr go to files, so nothing blocks on a full pipe and
/// the output can be watched while it runs.
final class HFRNNProcess {
    let process = Process()
    let stdoutPath: String
    let stderrPath: String
    let started = Date()

    /// Starts `hfrnn arguments…` in `folder` (which also receives the two output files), with
    /// OPENBLAS_NUM_THREADS=1 and `environment` added to this process's environment.
    init(_ arguments: [String], in folder: TemporaryFolder, environment extra: [String: String] = [:]) throws {
        let id = UUID().uuidString
        stdoutPath = folder.file(".stdout-\(id)")
        stderrPath = folder.file(".stderr-\(id)")
        for path in [stdoutPath, stderrPath] where !FileManager.default.createFile(atPath: path, contents: nil) {
            throw CLITestError("cannot create \(path)")
        }
        process.executableURL = try hfrnnExecutable()
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        try process.run()
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Polls stdout until a line satisfies `predicate`; throws if the process exits first or
    /// `timeout` seconds pass.
    func waitForLine(timeout: Double, where predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let lines = stdout.split(separator: "\n").map(String.init)
            if let line = lines.first(where: predicate) { return line }
            guard process.isRunning else {
                throw CLITestError("hfrnn exited (\(process.terminationStatus)) before the expected line; stdout:\n\(stdout)\nstderr:\n\(stderr)")
            }
            usleep(10_000)
        }
        throw CLITestError("no expected line within \(timeout) s; stdout so far:\n\(stdout)")
    }

    /// Waits for exit (killing the process after `timeout` seconds) and returns the exit status.
    func wait(timeout: Double) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw CLITestError("hfrnn did not finish within \(timeout) s; stdout:\n\(stdout)")
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Runs `hfrnn arguments…` to completion: exit status, stdout, stderr.
func runHFRNN(_ arguments: [String], in folder: TemporaryFolder, environment: [String: String] = [:],
              timeout: Double = 20) throws -> (status: Int32, stdout: String, stderr: String) {
    let run = try HFRNNProcess(arguments, in: folder, environment: environment)
    let status = try run.wait(timeout: timeout)
    return (status, run.stdout, run.stderr)
}
