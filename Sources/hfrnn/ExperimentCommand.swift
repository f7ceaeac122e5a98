import ArgumentParser
import Diagnostics
import Experiments
import Foundation
import Tasks
import Training

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Run a grid of tasks × lengths (or dataset files) × seeds × variants, resumably, and summarise it.",
        discussion: """
            Every cell is an ordinary run folder in <folder>/runs/. The first call creates the \
            experiment from the grid options (or --spec FILE) and stores it in <folder>/experiment.json; \
            calling it again with just the folder continues it: finished cells are skipped, interrupted \
            ones resume exactly from their checkpoints. Ctrl-C stops every running cell at its next \
            safe point. A variant is a name and the extra `hfrnn train` options of its cells, e.g. \
            --variant damped= --variant undamped=--no-structural-damping. Instead of tasks and lengths, \
            a grid may train on HDF5 dataset files (--datasets, as `hfrnn train --dataset` does); it \
            stores them relative to the experiment folder with their content hashes. Results: \
            results.csv, results.md, results.svg and results-curves.svg in the folder, rewritten after \
            every cell (docs/experiments.md).

            Examples:
              hfrnn experiment grid --tasks addition,xor --lengths 30 --seeds 1-3 \\
                  --variant damped= --variant undamped=--no-structural-damping \\
                  --time-budget 30m --jobs 2
              hfrnn experiment grid
              hfrnn experiment grid --only 'xor-T30-*,*-seed1-undamped'
              hfrnn experiment grid --summarize
              hfrnn experiment sums --datasets sums.h5,products.h5 --seeds 1-3 \\
                  --processor-budget 20m
            """)

    @Argument(help: ArgumentHelp("The experiment folder.", valueName: "folder"))
    var folder: String

    @Option(help: ArgumentHelp("Read the grid from this JSON spec (docs/experiments.md).", valueName: "file"))
    var spec: String?

    @Option(help: ArgumentHelp("Comma-separated tasks: \(taskNames).", valueName: "tasks"))
    var tasks: String?

    @Option(help: ArgumentHelp("Comma-separated minimum lengths T.", valueName: "lengths"))
    var lengths: String?

    @Option(help: ArgumentHelp("Comma-separated HDF5 dataset files to train on instead of tasks and lengths (datasets/README.md), each FILE or FILE:TESTFILE (a separate test set); each is named by its file name without extension.",
                               valueName: "files"))
    var datasets: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seeds: a list and/or ranges, e.g. 1-3 or 1,2,5.", valueName: "seeds"))
    var seeds: String?

    @Option(help: ArgumentHelp("A variant NAME=OPTIONS, repeated for more (default: one variant 'default' with no options).",
                               valueName: "name=options"))
    var variant: [String] = []

    @Option(help: ArgumentHelp("Training wall time per cell, e.g. 10m, 1h or 1h30m.", valueName: "duration"))
    var timeBudget: String?

    @Option(help: ArgumentHelp("""
        Processor time (user + system) per cell, e.g. 60m: fair however busy the machine is. Per length \
        as LENGTH=DURATION entries, e.g. 30=10m,200=2h (an entry without a length covers the others).
        """, valueName: "duration"))
    var processorBudget: String?

    @Option(parsing: .unconditional, help: "Iterations per cell: HF iterations, or updates for a first-order variant.")
    var iterationBudget: Int?

    @Option(parsing: .unconditional, help: "Cells run side by side; the processors are shared among them (--threads processors/jobs each, first-order cells one; default 1).")
    var jobs: Int?

    @Option(help: ArgumentHelp("""
        Work only on the cells whose names match one of these comma-separated shell patterns, e.g. \
        '*-T100-*-undamped'; the others wait for a later call. The results cover the whole grid.
        """, valueName: "patterns"))
    var only: String?

    @Flag(help: "Only rebuild the results files (results.csv, .md, .svg, results-curves.svg) from the run folders.")
    var summarize = false

    @Flag(help: "Run the failed cells (of --only, if given) again: each resumes its checkpoint, or starts from its seed without one.")
    var retryFailed = false

    private var givesGrid: Bool {
        tasks != nil || lengths != nil || datasets != nil || seeds != nil || !variant.isEmpty || timeBudget != nil || iterationBudget != nil
            || processorBudget != nil
    }

    func validate() throws {
        if folder.isEmpty { throw ValidationError("the experiment folder must not be empty") }
        if spec != nil && givesGrid { throw ValidationError("give the grid either as --spec FILE or as options, not both") }
        if summarize && (spec != nil || givesGrid || only != nil || jobs != nil) {
            throw ValidationError("--summarize: takes only the folder")
        }
        if summarize && retryFailed { throw ValidationError("--retry-failed: runs cells; --summarize runs none") }
        if let only {
            if cellPatterns(only).isEmpty { throw ValidationError("--only: no pattern given") }
            _ = try Self.entries(of: only, "--only")
        }
        if let jobs, jobs < 1 { throw ValidationError("--jobs: must be at least 1, got \(jobs)") }
        if let grid = try gridFromOptions() { try checkVariants(grid) }
    }

    /// The grid the options describe, or nil when none is given.
    func gridFromOptions() throws -> GridSpec? {
        guard givesGrid else { return nil }
        if datasets != nil {
            if tasks != nil { throw ValidationError("give --tasks or --datasets, not both: a grid trains on tasks or on datasets") }
            if lengths != nil {
                throw ValidationError("--lengths: applies to --tasks, not to --datasets (a dataset's sequences have the lengths of its file)")
            }
        }
        guard let seeds, datasets != nil || (tasks != nil && lengths != nil) else {
            if FileManager.default.fileExists(atPath: ExperimentFolder(folder).spec) {
                throw ValidationError("\(folder) holds a grid already, with its budgets fixed in its experiment.json: continue it "
                                      + "with `hfrnn experiment \(shellQuoted(folder))`, or grow it by giving the whole grid again with more in it "
                                      + "(its tasks, lengths, seeds, variants and budget; docs/experiments.md)")
            }
            throw ValidationError("a new grid needs --tasks, --lengths and --seeds, or --datasets and --seeds")
        }
        let taskList = try Self.entries(of: tasks, "--tasks").map { name -> PathologicalTask in
            guard let task = PathologicalTask(rawValue: String(name)) else {
                throw ValidationError("--tasks: unknown task '\(name)'; choose from \(taskNames)")
            }
            return task
        }
        let lengthList = try Self.entries(of: lengths, "--lengths").map { text -> Int in
            guard let length = Int(text) else { throw ValidationError("--lengths: '\(text)' is not a whole number") }
            return length
        }
        let datasetList = try Self.entries(of: datasets, "--datasets").map { entry -> GridDataset in
            let files = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard files.count <= 2, files.allSatisfy({ !$0.isEmpty }) else {
                throw ValidationError("--datasets: '\(entry)' is not FILE or FILE:TESTFILE")
            }
            return GridDataset(path: files[0], testPath: files.count == 2 ? files[1] : nil)
        }
        if datasets != nil && datasetList.isEmpty { throw ValidationError("--datasets: no file given") }
        let variants = try (variant.isEmpty ? ["default="] : variant).map { text -> GridVariant in
            guard let equals = text.firstIndex(of: "=") else {
                throw ValidationError("--variant: '\(text)' must be NAME=OPTIONS (OPTIONS may be empty)")
            }
            return GridVariant(name: String(text[..<equals]),
                               options: text[text.index(after: equals)...].split(separator: " ").map(String.init))
        }
        let processor = try processorBudget.map(parseProcessorBudget) ?? (all: nil, byLength: [:])
        let grid = GridSpec(tasks: taskList, lengths: lengthList, seeds: try parseSeeds(seeds), variants: variants,
                            timeBudgetSeconds: try timeBudget.map { try parseDuration($0, flag: "--time-budget") }, maxIterations: iterationBudget,
                            processorBudgetSeconds: processor.all, processorBudgetSecondsByLength: processor.byLength,
                            datasets: datasetList)
        if let issue = grid.issue { throw ValidationError((Self.flagOfSpecKey[issue.field].map { "\($0): " } ?? "") + issue.requirement) }
        return grid
    }

    /// The flag that sets each key of experiment.json, to name it in messages.
    static let flagOfSpecKey = [
        "tasks": "--tasks", "lengths": "--lengths", "datasets": "--datasets", "seeds": "--seeds", "variants": "--variant",
        "time_budget_seconds": "--time-budget", "max_iterations": "--iteration-budget",
        "processor_budget_seconds": "--processor-budget", "processor_budget_seconds_by_length": "--processor-budget",
    ]

    /// "60m" → one budget for every cell; "30=10m,200=2h" → budgets by length; "1h,200=2h" → both.
    private func parseProcessorBudget(_ text: String) throws -> (all: Double?, byLength: [Int: Double]) {
        var all: Double?, byLength: [Int: Double] = [:]
        for entry in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            if parts.count == 1 {
                if all != nil { throw ValidationError("--processor-budget: '\(text)' gives more than one budget without a length") }
                all = try parseDuration(entry, flag: "--processor-budget")
                continue
            }
            guard let length = Int(parts[0]), length > 0 else {
                throw ValidationError("--processor-budget: '\(entry)' is not LENGTH=DURATION, e.g. 200=2h")
            }
            if byLength[length] != nil { throw ValidationError("--processor-budget: length \(length) is given twice") }
            byLength[length] = try parseDuration(parts[1], flag: "--processor-budget")
        }
        return (all, byLength)
    }

    /// The comma-separated entries of a list flag (none when it is not given). An empty entry
    /// ("30,,100") is refused: it is usually a value deleted by mistake, and was dropped silently.
    private static func entries(of text: String?, _ flag: String) throws -> [Substring] {
        guard let text, !text.isEmpty else { return [] }
        let entries = text.split(separator: ",", omittingEmptySubsequences: false)
        if entries.contains(where: \.isEmpty) { throw ValidationError("\(flag): '\(text)' has an empty entry (a value left out?)") }
        return entries
    }

    /// "1-3,7" → [1, 2, 3, 7].
    private func parseSeeds(_ text: String) throws -> [UInt64] {
        try Self.entries(of: text, "--seeds").flatMap { part -> [UInt64] in
            let bounds = part.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { UInt64($0) }
            guard !bounds.isEmpty, bounds.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--seeds: '\(part)' is not a seed or a range like 1-3")
            }
            let low = bounds[0]!, high = bounds.last!!
            guard low <= high else { throw ValidationError("--seeds: '\(part)' is not a valid range (its end is below its start)") }
            guard high - low < UInt64(GridSpec.largestSeedCount) else {
                throw ValidationError("--seeds: '\(part)' names more than \(GridSpec.largestSeedCount) seeds; a grid takes fewer")
            }
            return Array(low...high)
        }
    }

    /// Every dataset file of a grid opened and checked as `hfrnn train --dataset` does, before the
    /// grid is created: a bad file is one line naming it, not a grid of failed cells.
    private func checkDatasets(_ grid: GridSpec) throws {
        let manager = FileManager.default
        // A missing file is left to the grid, which names the dataset it belongs to.
        for dataset in grid.datasets where manager.fileExists(atPath: dataset.path)
            && dataset.testPath.map(manager.fileExists(atPath:)) ?? true {
            _ = try DatasetSource<Float>(path: dataset.path, testPath: dataset.testPath, testSequences: 1)
        }
    }

    /// "a*,b" → ["a*", "b"].
    private func cellPatterns(_ text: String) -> [String] {
        text.split(separator: ",").map(String.init)
    }

    /// A pattern that matches no cell of the grid is a mistake (a misspelt task or variant), not
    /// an empty selection: refused before any work.
    private func checkSelection(_ selection: CellSelection, in grid: GridSpec) throws {
        if let pattern = selection.unmatchedPattern(in: grid.runOrder) {
            let example = grid.runOrder.first.map { " (its cells are named like \($0.name))" } ?? ""
            throw ValidationError("--only: '\(pattern)' matches no cell of the grid" + example)
        }
    }

    /// Every variant's options must be ones `hfrnn train` accepts, checked before any work: a
    /// usage error for a grid given on the command line, a problem of the file `storedIn` for a
    /// stored one.
    private func checkVariants(_ grid: GridSpec, storedIn spec: String? = nil) throws {
        do {
            try checkVariantOptions(grid)
        } catch let problem as ValidationError where spec != nil {
            throw HFRNNError.file(spec!, problem.message)
        }
    }

    private func checkVariantOptions(_ grid: GridSpec) throws {
        for variant in grid.variants {
            let data = grid.datasets.first.map { ["--dataset", $0.path] + ($0.testPath.map { ["--test-dataset", $0] } ?? []) }
                ?? ["--task", grid.tasks[0].rawValue, "--length", "\(grid.lengths.max() ?? 100)"]
            let sample = data + variant.options
            do {
                _ = try Train.parse(sample)
            } catch {
                // --help or --version among the options: a request, not a run (its text is pages long).
                if Train.exitCode(for: error) == .success {
                    throw ValidationError("variant '\(variant.name)': its options ask for help or the version, not a run")
                }
                var message = String(Train.message(for: error).map { $0.isNewline ? " " : $0 })
                // ArgumentParser's "Unknown option '--x'. Did you mean '--y'?" in hfrnn's words.
                if let unknown = message.wholeMatch(of: /Unknown option '([^']+)'(?:\. Did you mean '([^']+)'\?)?/) {
                    message = HFRNNCommand.unknownOptionProblem(String(unknown.output.1), nearest: unknown.output.2.map(String.init))
                }
                throw ValidationError("variant '\(variant.name)': \(message)")
            }
        }
    }

    func run() throws {
        try runGuarded {
            // A spec file's relative dataset paths are relative to its own folder.
            let grid = try spec.map { path in
                try GridSpec.load(from: path).resolvingDatasets(against: URL(fileURLWithPath: path).deletingLastPathComponent().path)
            } ?? gridFromOptions()
            let selection = CellSelection(patterns: only.map(cellPatterns) ?? [])
            if let grid {
                try checkVariants(grid, storedIn: spec)
                try checkDatasets(grid)
                try checkSelection(selection, in: grid)
            }
            let experiment = try Experiment.open(folder, spec: summarize ? nil : grid)
            let command = (["hfrnn", "experiment"] + CommandLine.arguments.dropFirst(2)).map(shellQuoted).joined(separator: " ")
            if summarize {
                try experiment.writeResults(command: command)
                printResults(experiment)
                return
            }
            if grid == nil {  // a given grid was checked above
                // experiment.json may have been edited by hand since: its options, before any work.
                try checkVariants(experiment.spec, storedIn: experiment.folder.spec)
                try checkSelection(selection, in: experiment.spec)
            }
            let lock = try experiment.lockRunner()
            defer { close(lock) }
            if retryFailed {
                let retried = try experiment.retryFailedCells(in: selection)
                print(retried.isEmpty ? "no failed cell to retry" : "retrying " + retried.map(\.name).joined(separator: ", "))
            }
            let datasetPaths = try experiment.datasetLocations()
            Interruption.install()
            let runner = GridRunner(folder: experiment.folder, spec: experiment.spec,
                                    executable: try currentExecutable(), jobs: jobs ?? 1, datasetPaths: datasetPaths,
                                    selection: selection)
            let summary = try runner.run(shouldStop: { Interruption.requested() }) { event in
                switch event {
                case .progress(let cell, let progress):
                    printNow(runningLine(cell, progress, spec: experiment.spec))
                case .busyElsewhere(let cell):
                    printNow("\(cell.name): still running in another process (an earlier experiment run); skipped")
                case .ended(let outcome, let done, let total, let secondsLeft):
                    printNow(progressLine(outcome, done: done, total: total, secondsLeft: secondsLeft))
                    do {
                        try experiment.writeResults(command: command)
                    } catch {
                        // The cells go on; the results are written again after the next one.
                        FileHandle.standardError.write(Data("hfrnn: warning: \(error)\n".utf8))
                    }
                }
            }
            try experiment.writeResults(command: command)
            let failed = try experiment.failedCells(in: selection)
            if summary.ranSessions == 0 && summary.busyElsewhere == 0 {
                let cells = selection == .everyCell ? "every cell" : "every cell that --only selects"
                print(failed.isEmpty ? "nothing to do: \(cells) is finished" : "nothing to do: \(cells) has ended")
            }
            printResults(experiment)
            if summary.interrupted {
                let again = (["hfrnn", "experiment", folder] + (only.map { ["--only", $0] } ?? [])).map(shellQuoted)
                print("interrupted: run `\(again.joined(separator: " "))` to continue")
                throw ExitCode(Interruption.exitStatus)
            }
            // Scripts see a grid with failed cells by its exit status, on this call and every later one.
            if !failed.isEmpty {
                let listed = failed.prefix(4).map(\.name).joined(separator: ", ") + (failed.count > 4 ? ", …" : "")
                throw HFRNNError.file(folder, "\(failed.count) of its cells failed (\(listed)); their errors are in "
                                      + "results.csv; --retry-failed runs them again")
            }
        }
    }

    /// "  xor-T100-seed1-isc: iteration 47, test error 24.19%, 16.6 of 60 processor-min".
    private func runningLine(_ cell: GridCell, _ progress: CellProgress, spec: GridSpec) -> String {
        var line = "  \(cell.name): \(cell.variant.stepUnit.name) \(progress.iteration), test error \(formatPercent(progress.testError))"
        if let budget = spec.processorBudgetSeconds(for: cell.problem), let used = progress.processorSeconds {
            line += String(format: ", %.1f of %.0f processor-min", used / 60, budget / 60)
        } else if let budget = spec.timeBudgetSeconds {
            line += String(format: ", %.1f of %.0f min", progress.elapsedSeconds / 60, budget / 60)
        } else if let limit = spec.maxIterations {
            line += ", of \(limit)"
        }
        return line
    }

    private func progressLine(_ outcome: CellOutcome, done: Int, total: Int, secondsLeft: Double?) -> String {
        var parts = ["[\(done)/\(total)] \(outcome.cell.name): \(outcome.status.rawValue)"]
        let left = secondsLeft.map { seconds -> String in
            if seconds == 0 { return "done" }
            return seconds < 60 ? "under a minute left" : String(format: "about %.0f min left", seconds / 60)
        } ?? "estimating time left"
        // A failure's reason is the whole line: numbers after it read as part of its message.
        if case .failed? = outcome.stopReason, let reason = outcome.stopReason {
            return "[\(done)/\(total)] \(outcome.cell.name): \(reason) · " + left
        } else if let reason = outcome.stopReason {
            parts[0] += " (\(reason))"
        }
        if let iterations = outcome.iterations {
            parts.append(outcome.cell.variant.stepUnit.counted(iterations))
        }
        if let seconds = outcome.wallSeconds { parts.append(String(format: seconds < 10 ? "%.1f s" : "%.0f s", seconds)) }
        if let processor = outcome.cpuSeconds { parts.append(String(format: "%.1f processor-min", processor / 60)) }
        if let error = outcome.finalTestError { parts.append("test error " + formatPercent(error)) }
        return parts.joined(separator: ", ") + " · " + left
    }

    private func printResults(_ experiment: Experiment) {
        print("results: \(experiment.folder.resultsCSV), \(experiment.folder.resultsTable), \(experiment.folder.resultsFigure), "
              + experiment.folder.resultsCurves)
    }

    /// The running hfrnn, which every cell runs as a child process.
    private func currentExecutable() throws -> String {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            throw GridError("/proc/self/exe: cannot find the running hfrnn to start the cells with")
        }
        return path
    }
}
