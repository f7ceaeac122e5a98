import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import RunStore
import Training

/// Runs the unfinished cells of a grid as `hfrnn train` / `hfrnn resume` child processes, up to
/// `jobs` at a time, each with one BLAS thread and its output in `logs/<cell>.log`.
///
/// Crash safety comes from the runs themselves: every cell checkpoints each record (HF iteration or
/// first-order evaluation) and resumes bit for bit, so a runner killed at any moment loses at most
/// the record in flight. Children run in their own process group and are told to stop only by the
/// runner, once.
/// Each child inherits an exclusive lock on `locks/<cell>.lock`, held until the child exits even if
/// the runner was killed, so a second runner never starts a cell that is still running. A runner
/// asked to stop (`shouldStop`) sends SIGTERM to its children, which save and exit, and waits.
/// The runner prints nothing: `onEvent` receives what happens.
public final class GridRunner {
    public enum Event: Sendable {
        /// A child ended: `done` of the `total` selected cells are finished; `secondsLeft` estimates
        /// the rest.
        case ended(CellOutcome, done: Int, total: Int, secondsLeft: Double?)
        /// A cell whose lock another process holds (a child of an earlier, killed runner).
        case busyElsewhere(GridCell)
        /// A running cell has recorded more iterations since the last such event (at most one
        /// event per cell every `progressInterval` seconds).
        case progress(GridCell, CellProgress)
    }

    public struct Summary: Sendable {
        public var ranSessions: Int
        public var interrupted: Bool
        public var busyElsewhere: Int
    }

    let folder: ExperimentFolder
    let spec: GridSpec
    let executable: String
    let jobs: Int
    /// Each dataset's files (name → absolute paths), from `Experiment.datasetLocations()`.
    let datasetPaths: [String: DatasetFiles]
    /// The cells this runner works on; the others are left as they are.
    let selection: CellSelection

    public init(folder: ExperimentFolder, spec: GridSpec, executable: String, jobs: Int,
                datasetPaths: [String: DatasetFiles] = [:], selection: CellSelection = .everyCell) {
        self.folder = folder
        self.spec = spec
        self.executable = executable
        self.jobs = max(1, jobs)
        self.datasetPaths = datasetPaths
        self.selection = selection
    }

    /// Seconds between copies of the running cells' checkpoints into `unfinished/`.
    static let unfinishedCopyInterval = 300.0
    /// Seconds between progress events of one running cell.
    public static let progressInterval = 60.0

    private struct Child {
        let cell: GridCell
        let lock: Int32
        let started: Double
    }

    public func run(shouldStop: () -> Bool, onEvent: (Event) -> Void) throws -> Summary {
        // A shared cell is run by its own grid, never here.
        let cells = spec.runOrder.filter { selection.contains($0) && !$0.isShared }
        // Reading the cells' outcomes checks results.csv: a damaged one stops the runner before it
        // has made any folder.
        var pending = Self.workOrder(cells, statuses: try { () throws -> [CellStatus] in
            let rows = try folder.recordedOutcomes(spec: spec)
            return try cells.map { try folder.outcome(of: $0, spec: spec, recorded: rows).status }
        }())
        for path in [folder.runs, folder.notes, folder.logs, folder.locks] {
            try createFolder(path)
        }
        var done = cells.count - pending.count
        var running: [pid_t: Child] = [:]
        var sessionSeconds: [Double] = []
        var summary = Summary(ranSessions: 0, interrupted: false, busyElsewhere: 0)
        var stopping = false
        var lastCopy = now(), lastProgress = now()
        var reportedIterations: [String: Int] = [:]
        // Whatever goes wrong here, no cell is left running unwatched: each saves and ends.
        defer {
            for (pid, child) in running {
                kill(pid, SIGTERM)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                close(child.lock)
            }
        }

        while !pending.isEmpty || !running.isEmpty {
            if !stopping && shouldStop() {
                stopping = true
                summary.interrupted = true
                pending.removeAll()
                // SIGTERM, not SIGINT: a runner started in the background of a script passes on
                // an ignored SIGINT (as shells set it), which its cells, like it, keep ignoring.
                for pid in running.keys { kill(pid, SIGTERM) }
            }
            while !stopping && running.count < jobs && !pending.isEmpty {
                let cell = pending.removeFirst()
                guard let lock = try acquireLock(for: cell) else {
                    summary.busyElsewhere += 1
                    onEvent(.busyElsewhere(cell))
                    continue
                }
                do {
                    try folder.restoreUnfinished(cell)
                    let pid = try spawn(arguments(for: cell), log: folder.logFile(cell), lock: lock)
                    running[pid] = Child(cell: cell, lock: lock, started: now())
                } catch {
                    close(lock)
                    throw error
                }
            }
            if now() - lastProgress >= Self.progressInterval {
                lastProgress = now()
                for child in running.values.sorted(by: { $0.started < $1.started }) {
                    guard let progress = CellProgress(metricsAt: RunFolder(path: folder.runFolder(child.cell)).metrics),
                          progress.iteration != reportedIterations[child.cell.name] else { continue }
                    reportedIterations[child.cell.name] = progress.iteration
                    onEvent(.progress(child.cell, progress))
                }
            }
            // The committed copies follow the running cells, so a session killed from outside
            // loses at most this interval.
            if now() - lastCopy >= Self.unfinishedCopyInterval {
                lastCopy = now()
                for child in running.values { try folder.updateUnfinishedCopy(child.cell, status: .unfinished) }
            }
            var status: Int32 = 0
            var usage = rusage()
            let pid = wait4(-1, &status, WNOHANG, &usage)
            guard pid > 0, let child = running.removeValue(forKey: pid) else {
                usleep(50_000)
                continue
            }
            close(child.lock)
            summary.ranSessions += 1
            sessionSeconds.append(now() - child.started)
            let cpuSeconds = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
            try record(child.cell, status: status, peakKilobytes: Int(usage.ru_maxrss), cpuSeconds: cpuSeconds,
                       stopping: stopping)
            let outcome = try folder.outcome(of: child.cell, spec: spec)
            try folder.updateUnfinishedCopy(child.cell, status: outcome.status)
            if needsWork(outcome) && !stopping {
                pending.insert(child.cell, at: 0)  // e.g. a child that was stopped from outside
            } else if !needsWork(outcome) {
                done += 1
            }
            let left = cells.count - done
            let estimate = sessionSeconds.isEmpty || left == 0
                ? nil : sessionSeconds.reduce(0, +) / Double(sessionSeconds.count) * Double(left) / Double(jobs)
            onEvent(.ended(outcome, done: done, total: cells.count, secondsLeft: left == 0 ? 0 : estimate))
        }
        return summary
    }

    /// The cells that need work, in the order they run: interrupted ones first, so that a continued
    /// grid finishes what it started before it opens more, then those not run, each in run order.
    static func workOrder(_ cells: [GridCell], statuses: [CellStatus]) -> [GridCell] {
        zip(cells, statuses).filter { $0.1 == .unfinished }.map(\.0) + zip(cells, statuses).filter { $0.1 == .notRun }.map(\.0)
    }

    private func needsWork(_ outcome: CellOutcome) -> Bool {
        outcome.status == .notRun || outcome.status == .unfinished
    }

    /// `hfrnn train …` for a new cell, `hfrnn resume …` for one with a checkpoint, with what is left
    /// of the cell's budget as this session's limits.
    func arguments(for cell: GridCell) throws -> [String] {
        var limits: [String] = []
        var iterationsDone = 0, secondsDone = 0.0, processorSecondsDone = 0.0
        if let checkpoint = folder.checkpoint(cell) {
            let run = try StoredRun<Double>.load(from: checkpoint)
            iterationsDone = run.iteration
            secondsDone = run.elapsedSeconds
            processorSecondsDone = run.processorSeconds ?? 0
        }
        if let limit = spec.maxIterations { limits += ["--max-iterations", "\(max(1, limit - iterationsDone))"] }
        if let budget = spec.timeBudgetSeconds {
            limits += ["--time-limit", String(format: "%.3fs", max(0.001, budget - secondsDone))]
        }
        if let budget = spec.processorBudgetSeconds(for: cell.problem) {
            limits += ["--processor-time-limit", String(format: "%.3fs", max(0.001, budget - processorSecondsDone))]
        }
        // The machine's processors shared among the cells that run at once (first-order runs use one).
        let threads = cell.variant.isFirstOrder ? [] : ["--threads", "\(max(1, ThreadCount.availableProcessors / jobs))"]
        let data: [String], moved: [String]
        switch cell.problem {
        case .task(let task, let length):
            data = ["--task", task.rawValue, "--length", "\(length)"]
            moved = []
        case .dataset(let name):
            guard let files = datasetPaths[name] else { throw GridError("dataset '\(name)': no file given to the runner") }
            data = ["--dataset", files.path] + (files.testPath.map { ["--test-dataset", $0] } ?? [])
            // The run stored its files' absolute paths, perhaps on another machine: a resumed cell
            // is told where the grid's files are now (resume checks their content hashes).
            moved = ["--dataset-moved-to", files.path] + (files.testPath.map { ["--test-dataset-moved-to", $0] } ?? [])
        }
        if let checkpoint = folder.checkpoint(cell) {
            return ["resume", checkpoint] + limits + threads + moved
        }
        return ["train"] + data + ["--seed", "\(cell.seed)"]
            + cell.variant.options + ["--checkpoint-dir", folder.runs, "--run-name", cell.name] + limits + threads
    }

    /// An exclusive lock on the cell's lock file, or nil when another process holds it.
    private func acquireLock(for cell: GridCell) throws -> Int32? {
        do { return try exclusiveLock(on: folder.lockFile(cell), isFolder: false) } catch { throw GridError("\(error)") }
    }

    /// The lock's descriptor number in the child: any number above the standard three works.
    private static let inheritedLockDescriptor: Int32 = 100

    /// Starts `executable arguments…` with stdout and stderr appended to `log`, one BLAS thread,
    /// and the cell's lock inherited (dup2 onto a fixed number clears close-on-exec in the child).
    private func spawn(_ arguments: [String], log: String, lock: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO)
        posix_spawn_file_actions_adddup2(&actions, lock, Self.inheritedLockDescriptor)
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // A process group of its own: a terminal's Ctrl-C reaches only the runner, which passes it
        // on once (as SIGTERM), so the cell saves at its next safe point (a second would end it at once).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var pid: pid_t = 0
        // Not while an HDF5 file is being opened or closed: from fork to exec the child holds the
        // runner's descriptors, and with them HDF5's locks (see `whileNoFileOpensOrCloses`).
        let result = HDF5Library.whileNoFileOpensOrCloses { posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        guard result == 0 else {
            throw GridError("\(executable): cannot start: \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Updates the cell's notes after a session: peak memory, processor time, session count, and why a session
    /// failed: its error line (exit status 1), or the signal that killed it unless the runner was
    /// stopping (the statuses of `ExitStatus.stopSignals` are interruptions that saved, not failures).
    private func record(_ cell: GridCell, status: Int32, peakKilobytes: Int, cpuSeconds: Double,
                        stopping: Bool) throws {
        var notes = folder.readNotes(cell)
        // A cell whose earlier sessions predate the record has no total to add to.
        notes.cpuSeconds = notes.sessions == 0 ? cpuSeconds : notes.cpuSeconds.map { $0 + cpuSeconds }
        notes.sessions += 1
        notes.peakMemoryBytes = max(notes.peakMemoryBytes, peakKilobytes * 1024)
        let exited = (status & 0x7f) == 0
        let exitStatus = (status >> 8) & 0xff
        // Exit status 1 with a checkpoint whose last iterations were all rejected is a run that
        // stopped without progress: finished and not solved, not an error.
        let stuck = exitStatus == 1 && (try? folder.outcome(of: cell, spec: spec))?.stopReason == .noProgress
        if exited && exitStatus != 0 && !ExitStatus.isStop(exitStatus) && !stuck {
            notes.failure = lastErrorLine(in: folder.logFile(cell)) ?? "hfrnn exited with status \(exitStatus)"
        } else if !exited && !stopping {
            // Killed from outside (out of memory, say): not retried forever; its checkpoint stays.
            notes.failure = "hfrnn was killed by signal \(status & 0x7f)"
        }
        try folder.writeNotes(notes, for: cell)
    }

    private func lastErrorLine(in log: String) -> String? {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").last { $0.hasPrefix(ExitStatus.errorLinePrefix) }
            .map { String($0.dropFirst(ExitStatus.errorLinePrefix.count)) }
    }

    private func createFolder(_ path: String) throws {
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw GridError("\(path): cannot create the folder: \(String(cString: strerror(errno)))")
        }
    }

    private func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
