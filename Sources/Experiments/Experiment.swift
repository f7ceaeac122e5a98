import DataFiles
import Foundation
import RunStore
import Training

/// An experiment folder and its grid: created once from a spec, continued and summarised from the
/// folder alone.
///
///     <folder>/experiment.json     the grid (GridSpec), written when the experiment is created
///     <folder>/runs/<cell>/        one ordinary run folder per cell (latest.h5, best.h5, …)
///     <folder>/unfinished/<cell>.h5  the latest checkpoint of a cell not yet finished, kept with
///                                  the results (committed), so the grid continues from the
///                                  repository alone; removed when the cell finishes
///     <folder>/networks/<cell>.h5  the final checkpoint of a solved cell at a length the spec
///                                  keeps networks of (`keptNetworkLengths`), committed
///     <folder>/cells/<cell>.json   the runner's notes: peak memory, sessions, a failure
///     <folder>/logs/<cell>.log     everything the cell's `hfrnn` sessions printed
///     <folder>/results.csv|md|svg  the results, rebuilt after every cell
public struct Experiment: Sendable {
    public let folder: ExperimentFolder
    public let spec: GridSpec

    /// Opens the experiment in `path`. With a `spec`, creates it, or extends the stored grid when
    /// `spec` only adds cells to it (`GridSpec.isExtended(by:)`); any other change is refused, so
    /// continuing a grid never changes it under its finished cells.
    ///
    /// A new spec's relative dataset paths are read as relative to the current folder; the stored
    /// spec has them relative to the experiment folder, with each file's content hash.
    public static func open(_ path: String, spec: GridSpec?) throws -> Experiment {
        let folder = ExperimentFolder(path)
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            throw GridError("\(path): is a file, not an experiment folder (give the folder that holds experiment.json)")
        }
        let exists = FileManager.default.fileExists(atPath: folder.spec)
        if let given = spec {
            if let problem = given.problem { throw GridError(problem) }
            let spec = try given.storedForm(in: path, base: FileManager.default.currentDirectoryPath)
            if exists {
                let stored = try GridSpec.load(from: folder.spec)
                if stored != spec {
                    if let difference = stored.whyNotExtended(by: spec) {
                        throw GridError("\(folder.spec): this folder holds another grid (\(difference)); continue it "
                                        + "without grid options, add only tasks, lengths, datasets, seeds or variants (same "
                                        + "budgets), or choose another folder")
                    }
                    _ = try Experiment(folder: folder, spec: spec).sharedSources()
                    // A runner at work here knows only the cells it started with, and would take the
                    // rows a summary writes for the new ones for damage: grow the grid when it has stopped.
                    let lock = try Experiment(folder: folder, spec: stored).lockRunner()
                    defer { close(lock) }
                    try writeFileAtomically(try spec.jsonText(), to: folder.spec)
                }
            } else {
                // A folder of ordinary runs (a checkpoint directory, say) would get a grid's files
                // mixed into it; an experiment's own runs are in runs/, below its experiment.json.
                if FileManager.default.fileExists(atPath: RunFolder(path: path).latest) || !runFolders(in: path).isEmpty {
                    throw GridError("\(path): holds training runs, not an experiment; give a new or empty folder")
                }
                // Checked before the folder exists: a refused grid leaves nothing behind.
                _ = try Experiment(folder: folder, spec: spec).sharedSources()
                // The nearest existing folder on the way must accept the new one: a reason, not "not possible".
                try checkOutputDirectory(path)
                do {
                    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                } catch {
                    throw GridError("\(path): cannot create the experiment folder: \(describeFolderError(error))")
                }
                try writeFileAtomically(try spec.jsonText(), to: folder.spec)
            }
            return Experiment(folder: folder, spec: spec)
        }
        guard exists else {
            throw GridError("\(folder.spec): no experiment here; give the grid (--tasks and --lengths, or --datasets; --seeds; a budget) or --spec FILE")
        }
        return Experiment(folder: folder, spec: try GridSpec.load(from: folder.spec))
    }

    /// Where each dataset of the grid is (name → absolute paths), after checking that every file is
    /// there and holds the data the grid was created with.
    public func datasetLocations() throws -> [String: DatasetFiles] {
        var locations: [String: DatasetFiles] = [:]
        for dataset in spec.datasets {
            let path = try checkedLocation(dataset.location(relativeTo: folder.path), stored: dataset.path,
                                           hash: dataset.contentHash, what: "dataset '\(dataset.name)'")
            let testPath = try dataset.testLocation(relativeTo: folder.path).map {
                try checkedLocation($0, stored: dataset.testPath ?? "", hash: dataset.testContentHash,
                                    what: "test file of dataset '\(dataset.name)'")
            }
            locations[dataset.name] = DatasetFiles(path: path, testPath: testPath)
        }
        return locations
    }

    private func checkedLocation(_ location: String, stored: String, hash expected: String?, what: String) throws -> String {
        guard FileManager.default.fileExists(atPath: location) else {
            throw GridError("\(location): file not found: the \(what) of \(folder.spec), stored as '\(stored)' "
                            + "relative to the experiment folder; put the file there")
        }
        if let expected {
            do { try requireContentHash(ofFileAt: location, expected: expected, what: "the grid's \(what)", holder: "the grid") }
            catch { throw GridError("\(error)") }
        }
        return location
    }

    /// Every cell's outcome, in the grid's order; a shared cell's as its own grid records it.
    public func outcomes() throws -> [CellOutcome] {
        let sources = try sharedSources()
        let rows = try folder.recordedOutcomes(spec: spec)
        let sourceRows = try sources.mapValues { try $0.folder.recordedOutcomes(spec: $0.spec) }
        return try spec.cells.map { cell in
            guard let shared = cell.variant.sharedFrom, let source = sources[shared.experiment] else {
                return try folder.outcome(of: cell, spec: spec, recorded: rows)
            }
            var outcome = try source.folder.outcome(of: source.sharedCell(for: cell), spec: source.spec,
                                                    recorded: sourceRows[shared.experiment])
            outcome.cell = cell
            outcome.curve?.cell = cell
            outcome.curvesCSV = nil  // its own grid keeps its records
            return outcome
        }
    }

    /// The cells of `selection` that this grid runs and whose `hfrnn` exited with an error: they
    /// are not retried, so every later call still reports them.
    /// Lets the failed cells of `selection` run again (`ExperimentFolder.retry`); returns them.
    public func retryFailedCells(in selection: CellSelection) throws -> [GridCell] {
        let failed = try failedCells(in: selection)
        for cell in failed { try folder.retry(cell) }
        return failed
    }

    public func failedCells(in selection: CellSelection) throws -> [GridCell] {
        let rows = try folder.recordedOutcomes(spec: spec)
        return try spec.cells.filter { selection.contains($0) && !$0.isShared }
            .filter { try folder.outcome(of: $0, spec: spec, recorded: rows).status == .failed }
    }

    /// The grids that run this grid's shared variants (by `SharedCells.experiment`), each checked:
    /// it holds every shared cell, under the same budgets, so that a shared cell is exactly the
    /// run this grid would have made. Empty when no variant is shared.
    public func sharedSources() throws -> [String: Experiment] {
        var sources: [String: Experiment] = [:]
        for variant in spec.variants {
            guard let shared = variant.sharedFrom else { continue }
            if sources[shared.experiment] == nil {
                let path = resolvedPath(shared.experiment, against: folder.path)
                guard FileManager.default.fileExists(atPath: ExperimentFolder(path).spec) else {
                    throw GridError("variant '\(variant.name)': \(path): no experiment here to share cells from")
                }
                sources[shared.experiment] = try Experiment.open(path, spec: nil)
            }
            let source = sources[shared.experiment]!
            guard let theirs = source.spec.variants.first(where: { $0.name == shared.variant }) else {
                throw GridError("variant '\(variant.name)': \(source.folder.spec) has no variant '\(shared.variant)'")
            }
            if theirs.sharedFrom != nil {
                throw GridError("variant '\(variant.name)': variant '\(shared.variant)' of \(source.folder.spec) is shared itself; share from the grid that runs it")
            }
            let sourceCells = Set(source.spec.cells.map(\.name))
            for cell in spec.cells where cell.variant == variant {
                let theirCell = source.sharedCell(for: cell)
                guard sourceCells.contains(theirCell.name) else {
                    throw GridError("variant '\(variant.name)': \(source.folder.spec) has no cell \(theirCell.name)")
                }
                guard spec.processorBudgetSeconds(for: cell.problem) == source.spec.processorBudgetSeconds(for: cell.problem),
                      spec.timeBudgetSeconds == source.spec.timeBudgetSeconds, spec.maxIterations == source.spec.maxIterations else {
                    throw GridError("variant '\(variant.name)': \(source.folder.spec) gives \(theirCell.name) other budgets than this grid gives its cells")
                }
            }
        }
        return sources
    }

    /// This grid's cell of the variant that shares `cell` (same problem and seed).
    func sharedCell(for cell: GridCell) -> GridCell {
        let name = cell.variant.sharedFrom?.variant ?? cell.variant.name
        let variant = spec.variants.first { $0.name == name } ?? GridVariant(name: name, options: [])
        return GridCell(problem: cell.problem, seed: cell.seed, variant: variant)
    }

    /// Rewrites results.csv, results.md, results.svg, results-curves.svg and each cell's
    /// curves/<cell>.csv from the run folders (a cell without a checkpoint keeps its curves file),
    /// and keeps the networks the spec asks for.
    public func writeResults(command: String?) throws {
        let outcomes = try outcomes()
        let records = outcomes.compactMap { outcome in outcome.curvesCSV.map { (cell: outcome.cell, text: $0) } }
        if !records.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder.curves, withIntermediateDirectories: true)
            } catch {
                throw GridError("\(folder.curves): cannot create the folder: \(error.localizedDescription)")
            }
        }
        for record in records { try writeFileAtomically(record.text, to: folder.curvesFile(record.cell)) }
        for outcome in outcomes where !outcome.cell.isShared { try folder.keepNetwork(of: outcome, spec: spec) }
        try writeFileAtomically(GridResults.csv(outcomes), to: folder.resultsCSV)
        try writeFileAtomically(GridResults.markdown(outcomes, spec: spec, command: command), to: folder.resultsTable)
        let title = "hfrnn experiment: \(spec.cells.count) cells"
        try writeFileAtomically(GridResults.svg(outcomes, spec: spec, title: title), to: folder.resultsFigure)
        // The curves come with the outcomes: each checkpoint is read once.
        try writeFileAtomically(GridResults.curvesSVG(outcomes.compactMap(\.curve), spec: spec,
                                                      title: "Test error against training time and sequences processed"),
                                to: folder.resultsCurves)
    }

    private static func describeFolderError(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        guard let code = underlying?.code, underlying?.domain == NSPOSIXErrorDomain else { return "not possible here" }
        return String(cString: strerror(Int32(code)))
    }

    /// Holds the folder's runner lock for the life of the returned descriptor: one runner per
    /// experiment at a time. Close-on-exec, so children never hold it.
    public func lockRunner() throws -> Int32 {
        let lock: Int32?
        do { lock = try exclusiveLock(on: folder.runnerLock, isFolder: false) } catch { throw GridError("\(error)") }
        guard let lock else { throw GridError("\(folder.path): another hfrnn experiment is running in this folder") }
        return lock
    }
}
