import DataFiles
import Foundation
import HDF5IO
import RunStore
import Training

/// Where a cell stands, read from its run folder and the runner's notes.
public enum CellStatus: String, Codable, Sendable {
    /// No checkpoint yet.
    case notRun = "not run"
    /// A checkpoint, but neither solved nor out of budget: the next run of the grid resumes it.
    case unfinished
    /// Solved, its budget spent, or stopped without progress.
    case finished
    /// `hfrnn` exited with an error; the cell is not retried unless asked (`--retry-failed`).
    case failed
}

/// The runner's own record of a cell, kept beside the run folder (`cells/<cell>.json`): what a
/// checkpoint cannot know.
public struct CellNotes: Codable, Equatable, Sendable {
    /// The largest resident set of any session of the cell, in bytes (from wait4's rusage).
    public var peakMemoryBytes: Int = 0
    public var sessions: Int = 0
    /// Processor time (user + system) of all sessions, in seconds (from wait4's rusage): unlike
    /// the wall time it barely moves when other work shares the CPU, so variants run at different
    /// loads stay comparable. Nil in notes written before it was recorded.
    public var cpuSeconds: Double? = nil
    /// The error line of a session that failed.
    public var failure: String? = nil
    /// Set by `hfrnn experiment --retry-failed`: the cell runs again although results.csv
    /// records it as failed (a new failure is recorded in `failure` as any other).
    public var retrying: Bool? = nil

    public init() {}

}

/// Why a cell ended, as results.csv spells it.
public enum CellStopReason: Equatable, Sendable, CustomStringConvertible {
    case solved, iterationBudget, timeBudget, processorBudget
    /// Every one of the run's last iterations rejected (its configuration's rejection limit): it
    /// cannot move, so it is finished, not solved.
    case noProgress
    /// `hfrnn` exited with this error, or its checkpoint cannot be read.
    case failed(String)

    private static let spelled: [(CellStopReason, String)] = [
        (.solved, "solved"), (.iterationBudget, "iteration budget"), (.timeBudget, "time budget"),
        (.processorBudget, "processor budget"), (.noProgress, "no progress"),
    ]

    public var description: String {
        if case .failed(let message) = self { return "failed: \(message)" }
        return Self.spelled.first { $0.0 == self }?.1 ?? ""
    }

    /// The reason results.csv spells `text` as; nil for any other text.
    public init?(recorded text: String) {
        if text.hasPrefix("failed: ") {
            self = .failed(String(text.dropFirst("failed: ".count)))
        } else if let known = Self.spelled.first(where: { $0.1 == text }) {
            self = known.0
        } else {
            return nil
        }
    }
}

/// One row of the results: the cell, where it stands, and its numbers when it has a checkpoint.
public struct CellOutcome: Sendable {
    public var cell: GridCell
    public var status: CellStatus
    public var solved: Bool?
    public var iterations: Int?
    public var cgSteps: Int?
    public var wallSeconds: Double?
    public var finalTestError: Double?
    public var peakMemoryBytes: Int?
    /// Processor time of all sessions (see `CellNotes.cpuSeconds`).
    public var cpuSeconds: Double? = nil
    /// Why the cell ended; nil while it may go on (or has not run).
    public var stopReason: CellStopReason?
    /// The run's learning curve, when read from its checkpoint (nil for a row kept from results.csv).
    public var curve: GridResults.Curve? = nil
    /// Every record of the run as curves.csv text (the method's columns, checkpoints/README.md),
    /// when read from its checkpoint.
    public var curvesCSV: String? = nil

    /// Why a run of `problem` with these numbers is finished under `spec`'s budget, or nil while
    /// it may go on.
    public static func stopReason(solved: Bool, iterations: Int, elapsedSeconds: Double, processorSeconds: Double? = nil,
                                  stoppedWithoutProgress: Bool, spec: GridSpec, problem: GridProblem) -> CellStopReason? {
        if solved { return .solved }
        if let limit = spec.maxIterations, iterations >= limit { return .iterationBudget }
        if let budget = spec.timeBudgetSeconds, elapsedSeconds >= budget { return .timeBudget }
        if let budget = spec.processorBudgetSeconds(for: problem), let processorSeconds, processorSeconds >= budget {
            return .processorBudget
        }
        if stoppedWithoutProgress { return .noProgress }
        return nil
    }
}

/// The files of an experiment folder.
public struct ExperimentFolder: Sendable {
    public let path: String
    /// `path` as given, less trailing slashes ("grid/" named "grid//results.csv").
    public init(_ path: String) {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        self.path = String(trimmed)
    }

    public var spec: String { path + "/experiment.json" }
    public var runs: String { path + "/runs" }
    public var unfinished: String { path + "/unfinished" }
    /// The final checkpoints of solved cells at the spec's `keptNetworkLengths`, committed.
    public var networks: String { path + "/networks" }
    public func networkCheckpoint(_ cell: GridCell) -> String { networks + "/" + cell.name + ".h5" }
    /// The committed copy of an unfinished cell's latest checkpoint.
    public func unfinishedCheckpoint(_ cell: GridCell) -> String { unfinished + "/" + cell.name + ".h5" }
    public var notes: String { path + "/cells" }
    public var logs: String { path + "/logs" }
    public var locks: String { path + "/locks" }
    public var runnerLock: String { path + "/.runner.lock" }
    public var resultsCSV: String { path + "/results.csv" }
    public var resultsTable: String { path + "/results.md" }
    public var resultsFigure: String { path + "/results.svg" }
    public var resultsCurves: String { path + "/results-curves.svg" }
    /// Each cell's records, one CSV per cell: the data of results-curves.svg, committed with the
    /// results because run folders are not.
    public var curves: String { path + "/curves" }
    public func curvesFile(_ cell: GridCell) -> String { curves + "/" + cell.name + ".csv" }

    public func runFolder(_ cell: GridCell) -> String { runs + "/" + cell.name }
    public func notesFile(_ cell: GridCell) -> String { notes + "/" + cell.name + ".json" }
    public func logFile(_ cell: GridCell) -> String { logs + "/" + cell.name + ".log" }
    public func lockFile(_ cell: GridCell) -> String { locks + "/" + cell.name + ".lock" }

    /// The checkpoint a cell resumes from: latest.h5, or best.h5 when a kill came between the two
    /// saves, or the committed copy in `unfinished/` when the run folder is gone (another machine).
    public func checkpoint(_ cell: GridCell) -> String? {
        let run = RunFolder(path: runFolder(cell))
        return [run.latest, run.best, unfinishedCheckpoint(cell)].first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Puts the committed copy of an unfinished cell back as its run folder's latest.h5, so that
    /// `hfrnn resume` continues it in its run folder; nothing when the run folder has a checkpoint.
    public func restoreUnfinished(_ cell: GridCell) throws {
        let folder = runFolder(cell), run = RunFolder(path: folder), copy = unfinishedCheckpoint(cell)
        let manager = FileManager.default
        guard manager.fileExists(atPath: copy),
              ![run.latest, run.best].contains(where: { manager.fileExists(atPath: $0) }) else { return }
        do {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try copyFileAtomically(from: copy, to: run.latest)
        } catch let error as GridError {
            throw error
        } catch {
            throw GridError("\(folder): cannot restore the unfinished checkpoint: \(error.localizedDescription)")
        }
    }

    /// Keeps the committed copy in step with the cell: its latest checkpoint while unfinished,
    /// nothing once it is finished or failed.
    public func updateUnfinishedCopy(_ cell: GridCell, status: CellStatus) throws {
        let latest = RunFolder(path: runFolder(cell)).latest, copy = unfinishedCheckpoint(cell)
        let manager = FileManager.default
        if status == .unfinished {
            guard manager.fileExists(atPath: latest) else { return }
            try manager.createDirectory(atPath: unfinished, withIntermediateDirectories: true)
            try copyFileAtomically(from: latest, to: copy)
        } else if manager.fileExists(atPath: copy) {
            try manager.removeItem(atPath: copy)
        }
    }

    /// Copies a solved cell's final checkpoint into `networks/` when `spec` keeps networks at its
    /// length and the copy is not there yet; nothing otherwise (or when its run folder is gone).
    public func keepNetwork(of outcome: CellOutcome, spec: GridSpec) throws {
        guard outcome.status == .finished, outcome.solved == true, case .task(_, let length) = outcome.cell.problem,
              spec.keptNetworkLengths.contains(length) else { return }
        let latest = RunFolder(path: runFolder(outcome.cell)).latest, copy = networkCheckpoint(outcome.cell)
        let manager = FileManager.default
        guard manager.fileExists(atPath: latest), !manager.fileExists(atPath: copy) else { return }
        do {
            try manager.createDirectory(atPath: networks, withIntermediateDirectories: true)
        } catch {
            throw GridError("\(networks): cannot create the folder: \(error.localizedDescription)")
        }
        try copyFileAtomically(from: latest, to: copy)
    }

    public func readNotes(_ cell: GridCell) -> CellNotes {
        // The runner's own notes: anything but a file (a FIFO would block) counts as none.
        guard isRegularFile(notesFile(cell)), let data = FileManager.default.contents(atPath: notesFile(cell)),
              let notes = try? JSONFormat.decoder().decode(CellNotes.self, from: data) else { return CellNotes() }
        return notes
    }

    public func writeNotes(_ notes: CellNotes, for cell: GridCell) throws {
        try writeFileAtomically(try JSONFormat.string(notes, pretty: true), to: notesFile(cell))
    }

    /// Lets a failed cell run again: its failure is forgotten and its recorded failed row set
    /// aside; a checkpoint it has is resumed, otherwise it starts from its seed.
    public func retry(_ cell: GridCell) throws {
        var notes = readNotes(cell)
        notes.failure = nil
        notes.retrying = true
        if !FileManager.default.fileExists(atPath: self.notes) {
            try FileManager.default.createDirectory(atPath: self.notes, withIntermediateDirectories: true)
        }
        try writeNotes(notes, for: cell)
    }

    /// Every cell's outcome as the results file records it, by cell name, read once.
    public func recordedOutcomes(spec: GridSpec) throws -> [String: CellOutcome] {
        try GridResults.recordedOutcomes(in: resultsCSV, grid: spec)
    }

    /// Where the cell stands under `spec`'s budget, with its numbers.
    ///
    /// A cell without a run folder that `results.csv` records as finished or failed keeps that
    /// row, and its learning curve from its committed file in `curves/`: results committed
    /// without their checkpoints (which are not kept) continue on another machine without running
    /// finished cells again, and without losing their curves from results-curves.svg. A failed
    /// row counts until the cell is retried (`retryFailed`).
    /// `recorded`: the results file's outcomes (`recordedOutcomes(spec:)`), when the caller has read
    /// them for many cells; nil reads them.
    public func outcome(of cell: GridCell, spec: GridSpec, recorded: [String: CellOutcome]? = nil) throws -> CellOutcome {
        let recordedRow = try recorded.map { $0[cell.name] } ?? GridResults.recordedOutcome(of: cell, in: resultsCSV, grid: spec)
        let retried = recordedRow?.status == .failed && readNotes(cell).retrying == true
        if checkpoint(cell) == nil, !retried, var recorded = recordedRow, recorded.status == .finished || recorded.status == .failed {
            if isRegularFile(curvesFile(cell)), let text = try? String(contentsOfFile: curvesFile(cell), encoding: .utf8),
               let history = curvePoints(fromCurvesCSV: text), !history.isEmpty {
                recorded.curve = GridResults.Curve(cell: cell, history: history)
            }
            return recorded
        }
        let notes = readNotes(cell)
        var outcome = CellOutcome(cell: cell, status: .notRun, solved: nil, iterations: nil, cgSteps: nil,
                                  wallSeconds: nil, finalTestError: nil,
                                  // Notes stay on the machine that ran the sessions; elsewhere the
                                  // committed row keeps the peak they measured.
                                  peakMemoryBytes: notes.sessions > 0 ? notes.peakMemoryBytes : recordedRow?.peakMemoryBytes,
                                  cpuSeconds: notes.cpuSeconds,
                                  stopReason: nil)
        if let path = checkpoint(cell) {
            let run: StoredRun<Double>
            do {
                run = try StoredRun<Double>.load(from: path)
            } catch {
                // One damaged checkpoint fails its cell, not the grid: the other cells run and the
                // results are written (removing the run folder resumes from `unfinished/`).
                outcome.status = .failed
                outcome.stopReason = .failed("\(error)")
                return outcome
            }
            if let problem = cell.problem(withRunOf: run.config) {
                outcome.status = .failed
                outcome.stopReason = .failed("\(path): \(problem)")
                return outcome
            }
            let error = run.curve.last?.testError
            let solved = error.map { run.config.isSolved(testError: $0) } ?? false
            outcome.solved = solved
            outcome.iterations = run.iteration
            outcome.cgSteps = run.totalCGIterations
            outcome.wallSeconds = run.elapsedSeconds
            // The checkpoint's processor time outlives sessions killed from outside; the runner's
            // notes only count sessions it saw end.
            if let processor = run.processorSeconds { outcome.cpuSeconds = processor }
            outcome.finalTestError = error
            outcome.curve = GridResults.Curve(cell: cell, history: run.curve)
            outcome.curvesCSV = run.history.curvesCSV
            outcome.stopReason = CellOutcome.stopReason(
                solved: solved, iterations: run.iteration, elapsedSeconds: run.elapsedSeconds,
                processorSeconds: run.processorSeconds, stoppedWithoutProgress: run.stoppedWithoutProgress, spec: spec,
                problem: cell.problem)
            outcome.status = outcome.stopReason == nil ? .unfinished : .finished
        }
        // hfrnn exits 1 when training stops without progress: a finished run that did not solve.
        if let failure = notes.failure, outcome.stopReason != .noProgress {
            outcome.status = .failed
            outcome.stopReason = .failed(failure)
        }
        return outcome
    }
}

/// Copies `source` to `destination` as every file is written (`AtomicFile`: a temporary file,
/// fsynced, renamed), so a reader, a kill or a power cut never meets half a checkpoint.
func copyFileAtomically(from source: String, to destination: String) throws {
    guard isRegularFile(source), let data = FileManager.default.contents(atPath: source) else {
        throw GridError("\(source): cannot read the checkpoint to copy")
    }
    try AtomicFile.write([UInt8](data), to: destination)
}
