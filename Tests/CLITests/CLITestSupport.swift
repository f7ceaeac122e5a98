import Foundation
import HDF5IO
import TestSupport
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

/// glibc's (2.34+) spawn actions "chdir" and "close every descriptor from n on", which Swift's
/// Glibc module does not import (they need _GNU_SOURCE): looked up at run time.
private enum GNUSpawnActions {
    typealias Chdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static func symbol<F>(_ name: String, as _: F.Type) -> F {
        guard let address = dlsym(nil, name) else {  // nil handle: RTLD_DEFAULT, the global symbols
            fatalError("glibc has no \(name) (needs glibc 2.34 or later)")
        }
        return unsafeBitCast(address, to: F.self)
    }

    static func addChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: String) -> Int32 {
        symbol("posix_spawn_file_actions_addchdir_np", as: Chdir.self)(actions, path)
    }

    static func addCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ first: Int32) -> Int32 {
        symbol("posix_spawn_file_actions_addclosefrom_np", as: CloseFrom.self)(actions, first)
    }
}

/// A running `hfrnn` whose stdout and stderr go to files, so nothing blocks on a full pipe and
/// the output can be watched while it runs.
///
/// Started with posix_spawn and `closefrom(3)` in the child rather than Foundation's `Process`:
/// on Linux, `Process` closes only the descriptors that were open when it listed them, so a file
/// another test thread opened in between would leak into the child, with its HDF5 lock.
final class HFRNNProcess {
    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    let started = Date()
    private var exitStatus: Int32? = nil

    /// Starts `hfrnn arguments…` in `folder` (which also receives the two output files), with
    /// OPENBLAS_NUM_THREADS=1 and `environment` added to this process's environment.
    convenience init(_ arguments: [String], in folder: TemporaryFolder, environment extra: [String: String] = [:],
                     launcher: [String] = []) throws {
        try self.init(arguments, inDirectory: folder.path, environment: extra, launcher: launcher)
    }

    /// `launcher`: a command that starts hfrnn (mpirun and its options, the first word an
    /// absolute path), or none to start hfrnn itself.
    convenience init(_ arguments: [String], inDirectory directory: String, environment extra: [String: String] = [:],
                     launcher: [String] = []) throws {
        try self.init(program: launcher + [try hfrnnExecutable().path] + arguments, inDirectory: directory,
                      environment: extra)
    }

    /// Starts any program, `program[0]` an absolute path, the same way (the tests' other tools).
    init(program: [String], inDirectory directory: String, environment extra: [String: String] = [:]) throws {
        let id = UUID().uuidString
        stdoutPath = directory + "/.stdout-\(id)"
        stderrPath = directory + "/.stderr-\(id)"
        let executable = program[0]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        environment.merge(extra) { $1 }
        let argv: [UnsafeMutablePointer<CChar>?] = program.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0)=\($1)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard GNUSpawnActions.addChdir(&actions, directory) == 0, GNUSpawnActions.addCloseFrom(&actions, 3) == 0 else {
            throw CLITestError("cannot set up the spawn actions")
        }
        // An empty signal mask: a launcher such as mpirun would otherwise inherit the test runner's
        // blocked signals and never see the SIGTERM a test sends it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        // SIGHUP as a terminal would have it, even when the test runner was started under nohup.
        var hangUp = sigset_t()
        sigemptyset(&hangUp)
        sigaddset(&hangUp, SIGHUP)
        posix_spawnattr_setsigdefault(&attributes, &hangUp)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let status = HDF5Library.whileNoFileOpensOrCloses { posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        guard status == 0 else { throw CLITestError("cannot start \(executable): \(String(cString: strerror(status)))") }
        self.pid = pid
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return true }
        exitStatus = status
        return false
    }

    /// Sends SIGINT, as Ctrl-C does.
    func interrupt(_ signalNumber: Int32 = SIGINT) { kill(pid, signalNumber) }

    /// Whether the process exited (rather than being killed by a signal); only once it ended.
    var exitedNormally: Bool { (exitStatus ?? 0) & 0x7f == 0 }

    /// Polls stdout until a line satisfies `predicate`; throws if the process exits first or
    /// `timeout` seconds pass.
    func waitForLine(timeout: Double, where predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let lines = stdout.split(separator: "\n").map(String.init)
            if let line = lines.first(where: predicate) { return line }
            guard isRunning else {
                throw CLITestError("hfrnn exited before the expected line; stdout:\n\(stdout)\nstderr:\n\(stderr)")
            }
            usleep(10_000)
        }
        throw CLITestError("no expected line within \(timeout) s; stdout so far:\n\(stdout)")
    }

    /// Waits for exit (killing the process after `timeout` seconds) and returns the exit status
    /// (128 + the signal number if a signal ended it).
    func wait(timeout: Double) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { usleep(10_000) }
        if isRunning {
            kill(pid, SIGKILL)
            while isRunning { usleep(10_000) }
            throw CLITestError("hfrnn did not finish within \(timeout) s; stdout:\n\(stdout)")
        }
        let status = exitStatus ?? 0
        return exitedNormally ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            while isRunning { usleep(10_000) }
        }
        unlink(stdoutPath)
        unlink(stderrPath)
    }
}

/// What a finished `hfrnn` run left: its exit status and output.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }
}

/// Runs `hfrnn arguments…` in `directory` to completion (killed after `timeout` seconds).
func runHFRNN(_ arguments: [String], in directory: String, environment: [String: String] = [:],
              timeout: Double = 120, launcher: [String] = []) throws -> CommandResult {
    let run = try HFRNNProcess(arguments, inDirectory: directory, environment: environment, launcher: launcher)
    let status = try run.wait(timeout: timeout)
    return CommandResult(status: status, stdout: run.stdout, stderr: run.stderr)
}

/// Runs `program` (its first word an absolute path) in `directory` to completion.
func runProgram(_ program: [String], in directory: String, timeout: Double = 120) throws -> CommandResult {
    let run = try HFRNNProcess(program: program, inDirectory: directory)
    let status = try run.wait(timeout: timeout)
    return CommandResult(status: status, stdout: run.stdout, stderr: run.stderr)
}

/// The first `python3` on PATH (then the system's) that can `import module…`, or nil. Python
/// programs are part of what users do with hfrnn's files; `make test` installs python3-h5py.
func python(importing modules: [String]) -> String? {
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
    let candidates = (directories + ["/usr/bin"]).map { $0 + "/python3" }.filter(FileManager.default.isExecutableFile)
    let probe = modules.isEmpty ? "pass" : "import " + modules.joined(separator: ", ")
    return candidates.first { candidate in
        (try? runProgram([candidate, "-c", probe], in: NSTemporaryDirectory()).status) == 0
    }
}

/// Runs `hfrnn arguments…` in `folder` to completion.
func runHFRNN(_ arguments: [String], in folder: TemporaryFolder, environment: [String: String] = [:],
              timeout: Double = 120, launcher: [String] = []) throws -> CommandResult {
    try runHFRNN(arguments, in: folder.path, environment: environment, timeout: timeout, launcher: launcher)
}
