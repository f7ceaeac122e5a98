import Experiments
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import RunStore
import TestSupport
import Testing

/// `hfrnn experiment`: a tiny grid end to end, continued after an interruption, run again
/// (no work), and its spec errors.
@Suite struct ExperimentTests {
    /// A few milliseconds per HF iteration: 2 tasks × T = 10 × 2 seeds, 3 iterations per cell.
    private static let tinyTraining = "--hidden-units 8 --gradient-batch 40 --curvature-batch 20 --evaluation-batch 20 "
        + "--test-sequences 40 --max-cg 10"
    private static let grid = ["--tasks", "addition,temporal-order", "--lengths", "10", "--seeds", "1-2",
                               "--variant", "tiny=\(tinyTraining)", "--iteration-budget", "3"]

    /// results.csv without the columns that measure the machine (wall time, peak memory, CPU time).
    private func deterministicColumns(_ csv: String) -> [[String]] {
        csv.split(separator: "\n").map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return fields.enumerated().filter { ![8, 10, 12].contains($0.offset) }.map(\.element)
        }
    }

    @Test func tinyGridRunsResultsParseBackAndASecondRunDoesNothing() throws {
        let workspace = try Workspace(train: false)
        let first = try runHFRNN(["experiment", "grid"] + Self.grid, in: workspace.path)
        #expect(first.status == 0, "stdout: \(first.stdout)\nstderr: \(first.stderr)")
        let progress = first.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }
        #expect(progress.count == 4, "\(first.stdout)")
        #expect(progress.last?.hasPrefix("[4/4] ") == true)
        #expect(first.stdout.contains("results: grid/results.csv, grid/results.md, grid/results.svg, grid/results-curves.svg"),
                "every results file is named: \(first.stdout)")
        // Seed by seed, so a grid cut short has every task with the same number of seeds.
        #expect(progress.map { $0.split(separator: " ")[1] } == ["addition-T10-seed1-tiny:", "temporal-order-T10-seed1-tiny:",
                                                                 "addition-T10-seed2-tiny:", "temporal-order-T10-seed2-tiny:"])

        let csv = try String(contentsOfFile: workspace.path + "/grid/results.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.first.map { $0.joined(separator: ",") } == GridResults.csvHeader)
        #expect(rows.count == 5)
        for row in rows.dropFirst() {
            #expect(row.count == 14 && row[13].isEmpty, "a task cell has no dataset: \(row)")
            #expect(Double(row[12]) != nil, "processor time recorded: \(row)")
            let notes = workspace.path + "/grid/cells/\(row[0])-T10-seed\(row[2])-tiny.json"
            let noted = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: notes))) as? [String: Any]
            #expect((noted?["cpu_seconds"] as? Double).map { $0 > 0 } == true, "\(notes): \(String(describing: noted))")
            #expect(row[4] == "finished", "\(row)")
            #expect(row[11] == "solved" || (row[11] == "iteration budget" && row[6] == "3"), "\(row)")
            #expect(Double(row[9]) != nil && Double(row[10]).map { $0 > 0 } == true, "\(row)")
            // The cell's records, committed with the results: a header and one row per iteration.
            let records = try String(contentsOfFile: workspace.path + "/grid/curves/\(row[0])-T10-seed\(row[2])-tiny.csv",
                                     encoding: .utf8).split(separator: "\n")
            #expect(records.first?.hasPrefix("iteration,train_loss,") == true, "\(records.first ?? "")")
            #expect(records.count == (Int(row[6]) ?? -1) + 1, "\(row)")
        }
        #expect(Set(rows.dropFirst().map { "\($0[0])/\($0[2])" })
                == ["addition/1", "addition/2", "temporal-order/1", "temporal-order/2"])
        let table = try String(contentsOfFile: workspace.path + "/grid/results.md", encoding: .utf8)
        #expect(table.contains("| addition | 10 | tiny |"))
        #expect(table.split(separator: "\n").filter { $0.hasPrefix("| addition | 10 | 1 | tiny | finished") }.count == 1)
        let svg = try Data(contentsOf: URL(fileURLWithPath: workspace.path + "/grid/results.svg"))
        let bars = BarCollector()
        let parser = XMLParser(data: svg)
        parser.delegate = bars
        #expect(parser.parse(), "results.svg is not well-formed XML")
        #expect(bars.successBars == 2, "one success bar per task × length × variant")
        let curves = try Data(contentsOf: URL(fileURLWithPath: workspace.path + "/grid/results-curves.svg"))
        let panels = BarCollector()
        let curvesParser = XMLParser(data: curves)
        curvesParser.delegate = panels
        #expect(curvesParser.parse(), "results-curves.svg is not well-formed XML")
        #expect(panels.panels == ["addition-T10", "addition-T10-sequences", "temporal-order-T10", "temporal-order-T10-sequences"],
                "two panels (wall time, sequences) per task × length")

        // Run again: nothing to do, and the results stay the same.
        let again = try runHFRNN(["experiment", "grid"], in: workspace.path)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.hasPrefix("nothing to do: every cell is finished\n"), "\(again.stdout)")
        #expect(try String(contentsOfFile: workspace.path + "/grid/results.csv", encoding: .utf8) == csv)

        // --summarize rebuilds the same files from the run folders.
        try FileManager.default.removeItem(atPath: workspace.path + "/grid/results.csv")
        let summary = try runHFRNN(["experiment", "grid", "--summarize"], in: workspace.path)
        #expect(summary.status == 0, "\(summary.stderr)")
        #expect(try String(contentsOfFile: workspace.path + "/grid/results.csv", encoding: .utf8) == csv)
        // results.md says which call wrote it last, a summary too, and not that it produced every row.
        #expect(try String(contentsOfFile: workspace.path + "/grid/results.md", encoding: .utf8)
            .contains("Last written by `hfrnn experiment grid --summarize`; each row is its cell's, whichever call ran it."))

        // Committed results without their run folders (which are not kept): nothing runs again,
        // and the recorded rows stay as they were.
        for folder in ["runs", "cells", "logs", "locks"] {
            try FileManager.default.removeItem(atPath: workspace.path + "/grid/" + folder)
        }
        let elsewhere = try runHFRNN(["experiment", "grid"], in: workspace.path)
        #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
        #expect(elsewhere.stdout.hasPrefix("nothing to do: every cell is finished\n"), "\(elsewhere.stdout)")
        #expect(try String(contentsOfFile: workspace.path + "/grid/results.csv", encoding: .utf8) == csv)

        // Results written before the dataset column, or before the cpu_seconds column, existed are
        // still read as finished.
        for dropped in [1, 2] {
            let older = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false)
                .dropLast(dropped).joined(separator: ",") }.joined(separator: "\n") + "\n"
            try older.write(toFile: workspace.path + "/grid/results.csv", atomically: true, encoding: .utf8)
            let continued = try runHFRNN(["experiment", "grid"], in: workspace.path)
            #expect(continued.status == 0, "\(continued.stderr)")
            #expect(continued.stdout.hasPrefix("nothing to do: every cell is finished\n"), "\(continued.stdout)")
        }
    }

    /// A grid left mid-way — its first cell done, its second stopped after 7 of its 20 iterations, as
    /// Ctrl-C or a kill leaves it — continued gives the same results as one run in one go, bit for
    /// bit in every column that does not measure the machine.
    @Test func anInterruptedGridContinuedMatchesAnUninterruptedOne() throws {
        let workspace = try Workspace(train: false)
        let grid = Self.grid.dropLast(2) + ["--iteration-budget", "20"]
        let straight = try runHFRNN(["experiment", "straight"] + grid, in: workspace.path)
        #expect(straight.status == 0, "\(straight.stderr)")

        // The state an interruption leaves, made with the commands the runner itself runs.
        let stored = try String(contentsOfFile: workspace.path + "/straight/experiment.json", encoding: .utf8)
        try FileManager.default.createDirectory(atPath: workspace.path + "/stopped/runs", withIntermediateDirectories: true)
        try stored.write(toFile: workspace.path + "/stopped/experiment.json", atomically: true, encoding: .utf8)
        let tiny = Self.tinyTraining.split(separator: " ").map(String.init)
        for (task, iterations) in [("addition", 20), ("temporal-order", 7)] {
            let cell = try runHFRNN(["train", "--task", task, "--length", "10", "--seed", "1"] + tiny
                                    + ["--checkpoint-dir", "stopped/runs", "--run-name", "\(task)-T10-seed1-tiny",
                                       "--max-iterations", "\(iterations)"], in: workspace.path)
            #expect(cell.status == 0, "\(cell.stderr)")
        }
        let continued = try runHFRNN(["experiment", "stopped"], in: workspace.path)
        #expect(continued.status == 0, "\(continued.stderr)")
        let lines = continued.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("[2/4] temporal-order-T10-seed1-tiny: finished") == true, "\(continued.stdout)")
        let resumedLog = try String(contentsOfFile: workspace.path + "/stopped/logs/temporal-order-T10-seed1-tiny.log",
                                    encoding: .utf8)
        #expect(resumedLog.contains("at iteration 7"), "the second cell resumed: \(resumedLog)")
        let expected = try String(contentsOfFile: workspace.path + "/straight/results.csv", encoding: .utf8)
        let actual = try String(contentsOfFile: workspace.path + "/stopped/results.csv", encoding: .utf8)
        #expect(deterministicColumns(actual) == deterministicColumns(expected))
    }

    /// Ctrl-C stops the running cell at its next safe point (it saves), exits 130, and the next
    /// call resumes that cell from its checkpoint.
    /// SIGHUP (a closed terminal) stops a grid as Ctrl-C does: it killed the runner, leaving no
    /// results and its cell running on its own.
    /// SIGTERM stops a runner started with SIGINT ignored (`nohup hfrnn experiment … &` in a
    /// script): it passed SIGINT on to its cells, which ignored it too and ran on to their budgets.
    @Test(arguments: zip([SIGINT, SIGHUP, SIGTERM], [false, false, true]))
    func ctrlCStopsTheRunningCellAndTheNextCallResumesIt(signal: Int32, interruptsIgnored: Bool) throws {
        let workspace = try Workspace(train: false)
        // One cell that cannot solve in its 60 s budget, so it is surely running when the signal comes.
        let arguments = ["experiment", workspace.path + "/grid", "--tasks", "addition", "--lengths", "10", "--seeds", "1",
                         "--variant", "tiny=\(Self.tinyTraining)", "--time-budget", "60s"]
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // `trap '' INT` leaves SIGINT ignored across the exec, as a shell does for a background job.
        let launcher = interruptsIgnored ? ["/bin/sh", "-c", "trap '' INT; exec \"$@\"", "sh"] : []
        let runner = try HFRNNProcess(arguments, in: folder, launcher: launcher)
        let log = workspace.path + "/grid/logs/addition-T10-seed1-tiny.log"
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.split(separator: "\n").contains(where: { $0.hasPrefix("    2  ") }) { break }
            usleep(5_000)
        }
        runner.interrupt(signal)
        #expect(try runner.wait(timeout: 30) == 128 + signal, "\(runner.stdout)\n\(runner.stderr)")
        #expect(runner.stdout.contains("interrupted: run `hfrnn experiment "), "\(runner.stdout)")
        let csv = try String(contentsOfFile: workspace.path + "/grid/results.csv", encoding: .utf8)
        #expect(csv.contains(",unfinished,"), "\(csv)")
        let saved = (try String(contentsOfFile: log, encoding: .utf8)).contains("interrupted: checkpoint saved")
        #expect(saved, "the cell saved before exiting")
        // The unfinished cell's checkpoint is kept with the results, to be committed.
        let copy = workspace.path + "/grid/unfinished/addition-T10-seed1-tiny.h5"
        #expect(FileManager.default.contents(atPath: copy)
                == FileManager.default.contents(atPath: workspace.path + "/grid/runs/addition-T10-seed1-tiny/latest.h5"))
    }

    /// A finished grid summarised again where its run folders are gone (another machine, a fresh
    /// clone) draws the same curves, from the committed `curves/` files: it used to draw only the
    /// cells whose checkpoints were at hand, so a grid continued elsewhere lost every finished curve.
    @Test func aGridWithoutItsRunFoldersDrawsItsCurvesFromTheCommittedFiles() throws {
        let workspace = try Workspace(train: false)
        let first = try runHFRNN(["experiment", "grid"] + Self.grid, in: workspace.path)
        #expect(first.status == 0, "\(first.stderr)")
        let figure = workspace.path + "/grid/results-curves.svg"
        let drawn = try String(contentsOfFile: figure, encoding: .utf8)
        #expect(drawn.components(separatedBy: "<polyline").count - 1 == 8, "4 cells in 2 panels each")

        try FileManager.default.removeItem(atPath: workspace.path + "/grid/runs")
        try FileManager.default.removeItem(atPath: figure)
        let summary = try runHFRNN(["experiment", "grid", "--summarize"], in: workspace.path)
        #expect(summary.status == 0, "\(summary.stderr)")
        #expect(try String(contentsOfFile: figure, encoding: .utf8) == drawn)
    }

    /// A dataset file that `hfrnn train --dataset` would refuse is refused when the grid is made,
    /// in one line naming it, with no experiment folder left (a grid of failed cells was made, exit 0).
    @Test func aBadDatasetFileIsRefusedBeforeTheGridIsMade() throws {
        let workspace = try Workspace(train: false)
        try "not HDF5".write(toFile: workspace.path + "/bad.h5", atomically: true, encoding: .utf8)
        let result = try runHFRNN(["experiment", "grid", "--datasets", "bad.h5", "--seeds", "1", "--iteration-budget", "1"],
                                  in: workspace.path)
        #expect(result.status == 1 && result.stderrLines.count == 1 && result.stderr.contains("bad.h5"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: workspace.path + "/grid"))
    }

    /// A file given as the experiment folder (experiment.json itself, say) is named as a file; it
    /// was reported as "<file>/experiment.json: no experiment here".
    @Test func aFileIsNotAnExperimentFolder() throws {
        let workspace = try Workspace(train: false)
        try "{}".write(toFile: workspace.path + "/experiment.json", atomically: true, encoding: .utf8)
        let result = try runHFRNN(["experiment", "experiment.json"], in: workspace.path)
        #expect(result.status == 1 && result.stderrLines.count == 1
                && result.stderr.hasPrefix("hfrnn: error: experiment.json: is a file, not an experiment folder"), "\(result.stderr)")
    }

    /// `--only` runs the cells it matches and leaves the others, which a later call runs; the
    /// results cover the whole grid throughout.
    @Test func onlyRunsTheMatchingCellsAndLeavesTheOthersForLater() throws {
        let workspace = try Workspace(train: false)
        func progress(_ stdout: String) -> [String] {
            stdout.split(separator: "\n").filter { $0.hasPrefix("[") }.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
        }
        let first = try runHFRNN(["experiment", "grid"] + Self.grid + ["--only", "temporal-order-*,*-seed2-*"], in: workspace.path)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(progress(first.stdout) == ["[1/3] temporal-order-T10-seed1-tiny:", "[2/3] addition-T10-seed2-tiny:",
                                           "[3/3] temporal-order-T10-seed2-tiny:"], "\(first.stdout)")
        let csv = try String(contentsOfFile: workspace.path + "/grid/results.csv", encoding: .utf8)
        #expect(csv.contains("\naddition,10,1,tiny,not run,"), "\(csv)")
        #expect(csv.split(separator: "\n").filter { $0.contains(",tiny,finished,") }.count == 3, "\(csv)")

        let again = try runHFRNN(["experiment", "grid", "--only", "temporal-order-*"], in: workspace.path)
        #expect(again.status == 0 && again.stdout.hasPrefix("nothing to do: every cell that --only selects is finished\n"),
                "\(again.stdout)\(again.stderr)")
        let rest = try runHFRNN(["experiment", "grid"], in: workspace.path)
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(progress(rest.stdout) == ["[4/4] addition-T10-seed1-tiny:"], "\(rest.stdout)")
    }

    /// A variant shared from another grid lists that grid's cells (same task, length, seed and
    /// budget) under its own name, with their numbers, and never runs them; a grid whose budgets or
    /// cells do not match its source is refused before it is made.
    @Test func aSharedVariantListsTheOtherGridsCellsAndRunsOnlyItsOwn() throws {
        let workspace = try Workspace(train: false)
        let source = try runHFRNN(["experiment", "figure"] + Self.grid, in: workspace.path)
        #expect(source.status == 0, "\(source.stderr)")
        let ownOptions = (Self.tinyTraining.split(separator: " ").map { "\"\($0)\"" } + ["\"--mu\"", "\"0.01\""]).joined(separator: ", ")
        func writeSpec(_ name: String, iterations: Int, seeds: String, sharedKey: String = "shared_from") throws {
            try """
                {"format": "hfrnn-experiment", "format_version": 5, "tasks": ["addition"], "lengths": [10], "seeds": [\(seeds)],
                 "variants": [{"name": "hf", "options": [], "\(sharedKey)": {"experiment": "../figure", "variant": "tiny"}},
                              {"name": "own", "options": [\(ownOptions)]}],
                 "max_iterations": \(iterations)}
                """.write(toFile: workspace.path + "/\(name).json", atomically: true, encoding: .utf8)
        }
        try writeSpec("compare", iterations: 3, seeds: "1, 2")
        let compare = try runHFRNN(["experiment", "compare", "--spec", "compare.json"], in: workspace.path)
        #expect(compare.status == 0, "\(compare.stderr)")
        let progress = compare.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
        #expect(progress == ["[1/2] addition-T10-seed1-own:", "[2/2] addition-T10-seed2-own:"], "\(compare.stdout)")
        #expect(!FileManager.default.fileExists(atPath: workspace.path + "/compare/runs/addition-T10-seed1-hf"))
        // The shared rows are the source's rows, renamed.
        let theirs = deterministicColumns(try String(contentsOfFile: workspace.path + "/figure/results.csv", encoding: .utf8))
            .filter { $0.first == "addition" }
        let ours = deterministicColumns(try String(contentsOfFile: workspace.path + "/compare/results.csv", encoding: .utf8))
            .filter { $0.count > 3 && $0[3] == "hf" }
        #expect(ours.count == 2 && ours == theirs.map { row in row.enumerated().map { $0.offset == 3 ? "hf" : $0.element } }, "\(ours) \(theirs)")
        #expect(try String(contentsOfFile: workspace.path + "/compare/results.md", encoding: .utf8)
            .contains("`hf` (the cells of `../figure`, variant `tiny`)"))

        for (name, iterations, seeds, key, expected) in [
            ("budget", 4, "1", "shared_from", "gives addition-T10-seed1-tiny other budgets than this grid gives its cells"),
            ("seeds", 3, "1, 3", "shared_from", "has no cell addition-T10-seed3-tiny"),
            ("misspelt", 3, "1", "shared_form", "a variant has the unknown key 'shared_form'"),
        ] {
            try writeSpec(name, iterations: iterations, seeds: seeds, sharedKey: key)
            let refused = try runHFRNN(["experiment", name, "--spec", "\(name).json"], in: workspace.path)
            #expect(refused.status == 1 && refused.stderrLines.count == 1 && refused.stderr.contains(expected), "\(refused.stderr)")
            #expect(!FileManager.default.fileExists(atPath: workspace.path + "/" + name), "a refused grid leaves no folder")
        }
    }

    /// A budget given alone to a folder that holds a grid says how to continue or extend it (it
    /// said a new grid needs --tasks, as if there were none).
    @Test func aBudgetAloneForAnExistingGridSaysHowToContinueIt() throws {
        let workspace = try Workspace(train: false)
        let first = try runHFRNN(["experiment", "grid"] + Self.grid.prefix(8) + ["--iteration-budget", "1"], in: workspace.path)
        #expect(first.status == 0, "\(first.stderr)")
        let again = try runHFRNN(["experiment", "grid", "--iteration-budget", "5"], in: workspace.path)
        #expect(again.status == 64 && again.stderrLines.count == 1
                && again.stderr.contains("grid holds a grid already"), "\(again.stderr)")
    }

    /// An unfinished cell summarised where its run folder and its runner's notes are gone keeps the
    /// peak memory its committed row recorded (it was blanked: the notes stay on the machine).
    @Test func anUnfinishedCellKeepsItsRecordedPeakMemoryElsewhere() throws {
        let workspace = try Workspace(train: false)
        let first = try runHFRNN(["experiment", "grid"] + Self.grid, in: workspace.path)
        #expect(first.status == 0, "\(first.stderr)")
        let manager = FileManager.default, grid = workspace.path + "/grid"
        try manager.createDirectory(atPath: grid + "/unfinished", withIntermediateDirectories: true)
        for name in try manager.contentsOfDirectory(atPath: grid + "/runs") {
            try manager.copyItem(atPath: grid + "/runs/\(name)/latest.h5", toPath: grid + "/unfinished/\(name).h5")
        }
        // A larger iteration budget, pinned by hand: every cell is unfinished under it.
        let spec = try String(contentsOfFile: grid + "/experiment.json", encoding: .utf8)
        try spec.replacingOccurrences(of: "\"max_iterations\" : 3", with: "\"max_iterations\" : 30")
            .write(toFile: grid + "/experiment.json", atomically: true, encoding: .utf8)
        func peaks() throws -> [String] {
            try String(contentsOfFile: grid + "/results.csv", encoding: .utf8).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",", omittingEmptySubsequences: false)[10...10].joined() }
        }
        #expect(try runHFRNN(["experiment", "grid", "--summarize"], in: workspace.path).status == 0)
        let measured = try peaks()
        #expect(measured.count == 4 && measured.allSatisfy { Double($0).map { $0 > 0 } == true }, "\(measured)")
        try manager.removeItem(atPath: grid + "/runs")
        try manager.removeItem(atPath: grid + "/cells")
        #expect(try runHFRNN(["experiment", "grid", "--summarize"], in: workspace.path).status == 0)
        #expect(try String(contentsOfFile: grid + "/results.csv", encoding: .utf8).contains(",unfinished,"))
        #expect(try peaks() == measured)
    }

    /// A cell stopped by its time budget is finished in one session: the run judges its limit on
    /// the time its checkpoint records, so the grid reads the budget as spent (it used to read it
    /// as a few milliseconds short and resume the cell for a session that did nothing).
    @Test func aCellStoppedByItsTimeBudgetIsFinishedInOneSession() throws {
        let workspace = try Workspace(train: false)
        let result = try runHFRNN(["experiment", "grid", "--tasks", "memorization-20bit", "--lengths", "10", "--seeds", "1",
                                   "--variant", "tiny=\(Self.tinyTraining)", "--time-budget", "2s"], in: workspace.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("unfinished"), "\(result.stdout)")
        let csv = try String(contentsOfFile: workspace.path + "/grid/results.csv", encoding: .utf8)
        #expect(csv.contains(",finished,no,") && csv.contains(",time budget,"), "\(csv)")
        let notes = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath:
            workspace.path + "/grid/cells/memorization-20bit-T10-seed1-tiny.json"))) as? [String: Any]
        #expect(notes?["sessions"] as? Int == 1, "\(String(describing: notes))")
    }

    /// A grid whose run folders are gone (another machine, a fresh clone) continues each unfinished
    /// cell from its copy in `unfinished/`, bit for bit as if it had never stopped, and the copy
    /// goes once the cell is finished.
    @Test func aGridContinuesFromItsCommittedUnfinishedCheckpoints() throws {
        let workspace = try Workspace(train: false)
        let grid = Self.grid.dropLast(2) + ["--iteration-budget", "20"]
        let straight = try runHFRNN(["experiment", "straight"] + grid, in: workspace.path)
        #expect(straight.status == 0, "\(straight.stderr)")

        let stored = try String(contentsOfFile: workspace.path + "/straight/experiment.json", encoding: .utf8)
        let manager = FileManager.default
        try manager.createDirectory(atPath: workspace.path + "/moved/unfinished", withIntermediateDirectories: true)
        try stored.write(toFile: workspace.path + "/moved/experiment.json", atomically: true, encoding: .utf8)
        let tiny = Self.tinyTraining.split(separator: " ").map(String.init)
        let cell = "temporal-order-T10-seed1-tiny"
        let partial = try runHFRNN(["train", "--task", "temporal-order", "--length", "10", "--seed", "1"] + tiny
                                   + ["--checkpoint-dir", "elsewhere", "--run-name", cell, "--max-iterations", "7"],
                                   in: workspace.path)
        #expect(partial.status == 0, "\(partial.stderr)")
        try manager.copyItem(atPath: workspace.path + "/elsewhere/\(cell)/latest.h5",
                             toPath: workspace.path + "/moved/unfinished/\(cell).h5")
        try manager.removeItem(atPath: workspace.path + "/elsewhere")

        let continued = try runHFRNN(["experiment", "moved"], in: workspace.path)
        #expect(continued.status == 0, "\(continued.stderr)")
        let resumedLog = try String(contentsOfFile: workspace.path + "/moved/logs/\(cell).log", encoding: .utf8)
        #expect(resumedLog.contains("at iteration 7"), "the cell resumed: \(resumedLog)")
        let expected = try String(contentsOfFile: workspace.path + "/straight/results.csv", encoding: .utf8)
        let actual = try String(contentsOfFile: workspace.path + "/moved/results.csv", encoding: .utf8)
        #expect(deterministicColumns(actual) == deterministicColumns(expected))
        #expect(try checkpointFingerprint(workspace.path + "/moved/runs/\(cell)/latest.h5")
                == checkpointFingerprint(workspace.path + "/straight/runs/\(cell)/latest.h5"))
        #expect(try manager.contentsOfDirectory(atPath: workspace.path + "/moved/unfinished").isEmpty)
    }

    /// A first-order cell whose updates all overflow stops without progress: finished and not
    /// solved, not a failed cell (hfrnn exits 1 for it, as for an HF run that cannot move).
    @Test func aDivergingFirstOrderCellIsFinishedWithoutProgress() throws {
        let workspace = try Workspace(train: false)
        let result = try runHFRNN(["experiment", "grid", "--tasks", "addition", "--lengths", "10", "--seeds", "1",
                                   "--variant", "huge=--optimizer nesterov --learning-rate 1e30 --hidden-units 8 --test-sequences 40 --evaluate-every 50",
                                   "--iteration-budget", "2000"], in: workspace.path)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let csv = try String(contentsOfFile: workspace.path + "/grid/results.csv", encoding: .utf8)
        #expect(csv.contains(",finished,no,") && csv.contains(",no progress,"), "\(csv)")
    }

    /// A cell whose hfrnn exits with an error fails, and the grid's exit status says so, on the call
    /// that ran it and on every later one (a failed cell is not retried); the other cells run.
    /// Before, both calls exited 0 and the second said every cell was finished.
    @Test func aFailedCellMakesTheGridExitNonZero() throws {
        let workspace = try Workspace(train: false)
        let grid = ["--tasks", "addition", "--lengths", "10", "--seeds", "1",
                    "--variant", "huge=--hidden-units 1000000", "--variant", "tiny=\(Self.tinyTraining)",
                    "--iteration-budget", "1"]
        let first = try runHFRNN(["experiment", "grid"] + grid, in: workspace.path)
        #expect(first.status == 1, "\(first.stdout)\n\(first.stderr)")
        let failedLine = try #require(first.stdout.split(separator: "\n").first { $0.contains("seed1-huge") })
        #expect(failedLine.hasPrefix("[1/2] addition-T10-seed1-huge: failed: --hidden-units: "), "\(failedLine)")
        // Nothing after the reason but the time left (it ended ", 0.0 processor-min").
        #expect(!failedLine.contains("processor-min"), "\(failedLine)")
        #expect(first.stdout.contains("[2/2] addition-T10-seed1-tiny: finished (iteration budget), 1 iteration,"),
                "\(first.stdout)")
        let error = "hfrnn: error: grid: 1 of its cells failed (addition-T10-seed1-huge); their errors are in results.csv; "
            + "--retry-failed runs them again\n"
        #expect(first.stderr == error)
        let again = try runHFRNN(["experiment", "grid"], in: workspace.path)
        #expect(again.status == 1)
        #expect(again.stdout.hasPrefix("nothing to do: every cell has ended\n"), "\(again.stdout)")
        #expect(again.stderr == error)
        // A selection without the failed cell is a success.
        let tinyOnly = try runHFRNN(["experiment", "grid", "--only", "*-tiny"], in: workspace.path)
        #expect(tinyOnly.status == 0 && tinyOnly.stderr.isEmpty, "\(tinyOnly.stderr)")
        // Retried as the message says, also where the run folder and notes are gone (a clone): the
        // docs' way, removing them, left its row in results.csv failed, and nothing ran.
        try? FileManager.default.removeItem(atPath: workspace.path + "/grid/runs/addition-T10-seed1-huge")
        try FileManager.default.removeItem(atPath: workspace.path + "/grid/cells/addition-T10-seed1-huge.json")
        let notRetried = try runHFRNN(["experiment", "grid"], in: workspace.path)
        #expect(notRetried.stdout.hasPrefix("nothing to do: every cell has ended\n"), "\(notRetried.stdout)")
        let retried = try runHFRNN(["experiment", "grid", "--retry-failed"], in: workspace.path)
        #expect(retried.stdout.hasPrefix("retrying addition-T10-seed1-huge\n"), "\(retried.stdout)")
        #expect(retried.stdout.contains("] addition-T10-seed1-huge: failed: --hidden-units: "), "\(retried.stdout)")
        #expect(retried.status == 1)
        // Failed again, it stays failed.
        let after = try runHFRNN(["experiment", "grid"], in: workspace.path)
        #expect(after.stdout.hasPrefix("nothing to do: every cell has ended\n"), "\(after.stdout)")
    }

    /// An empty folder name said ": cannot create the experiment folder".
    @Test func anEmptyFolderNameIsAUsageError() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try runHFRNN(["experiment", "", "--tasks", "addition", "--lengths", "10", "--seeds", "1",
                                   "--iteration-budget", "1"], in: folder)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("hfrnn: error: the experiment folder must not be empty"), "\(result.stderr)")
        #expect(folder.contents().isEmpty)
    }

    /// A damaged checkpoint fails its own cell and no other: it stopped the whole grid, and a
    /// cell that then ran with --only was never written into results.csv.
    @Test func aDamagedCheckpointFailsOnlyItsCell() throws {
        let workspace = try Workspace(train: false)
        let first = try runHFRNN(["experiment", "grid"] + Self.grid, in: workspace.path)
        try #require(first.status == 0, "\(first.stderr)")
        let run = workspace.path + "/grid/runs/addition-T10-seed1-tiny"
        try "garbage".write(toFile: run + "/latest.h5", atomically: true, encoding: .utf8)
        let summary = try runHFRNN(["experiment", "grid", "--summarize"], in: workspace.path)
        #expect(summary.status == 0, "\(summary.stderr)")
        let rows = try String(contentsOfFile: workspace.path + "/grid/results.csv", encoding: .utf8).split(separator: "\n")
        #expect(rows.filter { $0.contains(",failed,") }.count == 1)
        #expect(rows.first { $0.hasPrefix("addition,10,1,tiny,failed,") }?.contains("latest.h5") == true, "\(rows)")
        #expect(rows.filter { $0.contains(",finished,") }.count == 3, "\(rows)")
        let again = try runHFRNN(["experiment", "grid"], in: workspace.path)
        #expect(again.status == 1)
        #expect(again.stderr.hasPrefix("hfrnn: error: grid: 1 of its cells failed (addition-T10-seed1-tiny)"), "\(again.stderr)")
    }

    /// A checkpoint of another cell in a cell's folder fails that cell: seed 2's run copied over
    /// seed 1's was summarized (and, from unfinished/, resumed) as seed 1.
    @Test func anotherCellsCheckpointFailsTheCell() throws {
        let workspace = try Workspace(train: false)
        let first = try runHFRNN(["experiment", "grid"] + Self.grid, in: workspace.path)
        try #require(first.status == 0, "\(first.stderr)")
        let runs = workspace.path + "/grid/runs/"
        try FileManager.default.removeItem(atPath: runs + "addition-T10-seed1-tiny/latest.h5")
        try FileManager.default.copyItem(atPath: runs + "addition-T10-seed2-tiny/latest.h5", toPath: runs + "addition-T10-seed1-tiny/latest.h5")
        // The folder with a trailing slash: its files were named "grid//results.csv".
        let summary = try runHFRNN(["experiment", "grid/", "--summarize"], in: workspace.path)
        #expect(summary.status == 0, "\(summary.stderr)")
        #expect(summary.stdout.contains("grid/results.csv") && !summary.stdout.contains("//"), "\(summary.stdout)")
        let rows = try String(contentsOfFile: workspace.path + "/grid/results.csv", encoding: .utf8).split(separator: "\n")
        let row = try #require(rows.first { $0.hasPrefix("addition,10,1,tiny,") })
        #expect(row.contains(",failed,") && row.contains("holds a run of seed 2, not of this cell (seed 1); move it out of the grid"),
                "\(row)")
    }

    /// A results.csv whose lines end in CR LF (an editor's or a Windows checkout's) reads as the
    /// same table: it was refused as "its first line is not the header".
    @Test func aResultsFileWithWindowsLineEndsReadsTheSame() throws {
        let workspace = try Workspace(train: false)
        let first = try runHFRNN(["experiment", "grid"] + Self.grid, in: workspace.path)
        try #require(first.status == 0, "\(first.stderr)")
        let results = workspace.path + "/grid/results.csv"
        let text = try String(contentsOfFile: results, encoding: .utf8)
        try FileManager.default.removeItem(atPath: workspace.path + "/grid/runs")
        try text.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: results, atomically: true, encoding: .utf8)
        let curves = workspace.path + "/grid/curves/addition-T10-seed1-tiny.csv"
        let curvesText = try String(contentsOfFile: curves, encoding: .utf8)
        try curvesText.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: curves, atomically: true, encoding: .utf8)
        let figure = try String(contentsOfFile: workspace.path + "/grid/results-curves.svg", encoding: .utf8)
        let again = try runHFRNN(["experiment", "grid"], in: workspace.path)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!FileManager.default.fileExists(atPath: workspace.path + "/grid/runs/addition-T10-seed1-tiny/latest.h5"))
        #expect(try String(contentsOfFile: results, encoding: .utf8) == text)
        // The cell's curve is still drawn from its curves file (a CR LF file drew none).
        #expect(try String(contentsOfFile: workspace.path + "/grid/results-curves.svg", encoding: .utf8) == figure)
    }

    /// A variant's options edited into experiment.json by hand are checked before any work, as a
    /// problem of that file: an unknown option failed every cell it reached.
    @Test func aStoredSpecsOptionsAreCheckedBeforeAnyWork() throws {
        let workspace = try Workspace(train: false)
        let first = try runHFRNN(["experiment", "grid", "--tasks", "addition", "--lengths", "10", "--seeds", "1",
                                  "--variant", "tiny=\(Self.tinyTraining)", "--iteration-budget", "1"], in: workspace.path)
        try #require(first.status == 0, "\(first.stderr)")
        let spec = workspace.path + "/grid/experiment.json"
        let text = try String(contentsOfFile: spec, encoding: .utf8)
        try text.replacingOccurrences(of: "\"options\" : [", with: "\"options\" : [\"--frobnicate\", ")
            .write(toFile: spec, atomically: true, encoding: .utf8)
        let before = workspace.listing()
        let again = try runHFRNN(["experiment", "grid"], in: workspace.path)
        #expect(again.status == 1)
        #expect(again.stderr == "hfrnn: error: grid/experiment.json: variant 'tiny': --frobnicate: unknown option\n",
                "\(again.stderr)")
        #expect(workspace.listing() == before)
    }

    /// A grid grows only while no runner works in its folder: a runner knows only the cells it
    /// started with, and would take a summary's rows for the new cells as damage.
    @Test func aGridDoesNotGrowUnderARunningRunner() throws {
        let workspace = try Workspace(train: false)
        let first = try runHFRNN(["experiment", "grid"] + Self.grid, in: workspace.path)
        try #require(first.status == 0, "\(first.stderr)")
        let spec = workspace.path + "/grid/experiment.json"
        let before = try String(contentsOfFile: spec, encoding: .utf8)
        let lock = open(workspace.path + "/grid/.runner.lock", O_RDWR | O_CREAT, 0o644)
        try #require(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
        defer { close(lock) }
        let grown = Self.grid.map { $0 == "1-2" ? "1-3" : $0 }
        let refused = try runHFRNN(["experiment", "grid"] + grown, in: workspace.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("hfrnn: error: grid: another hfrnn experiment is running in this folder"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: spec, encoding: .utf8) == before)
    }

    /// A damaged results.csv where the run folders are gone (a clone) is refused in one line
    /// naming it, and left as it is: it was read as empty, so every finished cell showed as not
    /// run and the next call trained them all again from their seeds.
    @Test func aDamagedResultsFileIsRefusedNotReadAsEmpty() throws {
        let workspace = try Workspace(train: false)
        let first = try runHFRNN(["experiment", "grid"] + Self.grid, in: workspace.path)
        try #require(first.status == 0, "\(first.stderr)")
        try FileManager.default.removeItem(atPath: workspace.path + "/grid/runs")
        let results = workspace.path + "/grid/results.csv"
        let good = try String(contentsOfFile: results, encoding: .utf8)
        let goodLines = good.split(separator: "\n").map(String.init)
        let damages = [
            ("garbage\n", "its first line is not the header of a results table"),
            (goodLines[0] + "\n" + goodLines[1].replacingOccurrences(of: ",finished,", with: ",finshed,") + "\n",
             "line 2: 'finshed' is not a cell status"),
            (goodLines[0] + "\n" + goodLines[1].split(separator: ",", omittingEmptySubsequences: false).enumerated()
                .map { $0.offset == 6 ? "abc" : String($0.element) }.joined(separator: ",") + "\n",
             "line 2: 'abc' is not a valid hf_iterations"),
        ] + [
            // A damaged seed matched no cell: the row was dropped and the finished cell ran again.
            (goodLines[0] + "\n" + goodLines[1].split(separator: ",", omittingEmptySubsequences: false).enumerated()
                .map { $0.offset == 2 ? "7" : String($0.element) }.joined(separator: ",") + "\n",
             "line 2 names no cell of the grid ('"
                + goodLines[1].split(separator: ",").prefix(4).enumerated().map { $0.offset == 2 ? "7" : String($0.element) }
                    .joined(separator: ",") + "')"),
        ] + [(10, "1e300", "peak_memory_mb"), (10, "inf", "peak_memory_mb"), (9, "1.5", "final_test_error"),
             (8, "nan", "wall_seconds")].map { column, value, name in
            // A peak of 1e300 MB trapped (converted to an integer count of bytes).
            (goodLines[0] + "\n" + goodLines[1].split(separator: ",", omittingEmptySubsequences: false).enumerated()
                .map { $0.offset == column ? value : String($0.element) }.joined(separator: ",") + "\n",
             "line 2: '\(value)' is not a valid \(name)")
        }
        for (damaged, problem) in damages {
            try damaged.write(toFile: results, atomically: true, encoding: .utf8)
            for command in [["experiment", "grid", "--summarize"], ["experiment", "grid"]] {
                let refused = try runHFRNN(command, in: workspace.path)
                #expect(refused.status == 1, "\(command): \(refused.stdout)")
                #expect(refused.stderr == "hfrnn: error: grid/results.csv: \(problem); restore the file (with git, say): "
                        + "it records the cells whose run folders are not here\n", "\(command): \(refused.stderr)")
                #expect(try String(contentsOfFile: results, encoding: .utf8) == damaged)
                // Nothing made either: the runner created its folders before reading the table.
                #expect(!FileManager.default.fileExists(atPath: workspace.path + "/grid/runs"), "\(command)")
            }
        }
        try good.write(toFile: results, atomically: true, encoding: .utf8)
        let restored = try runHFRNN(["experiment", "grid", "--summarize"], in: workspace.path)
        #expect(restored.status == 0, "\(restored.stderr)")
    }

    /// A grid is not created in a folder of ordinary runs, where its files would mix with theirs
    /// (it was, silently); the runs are left as they were.
    @Test func aGridIsNotCreatedAmongRuns() throws {
        let workspace = try Workspace(train: true)
        let before = workspace.listing()
        let result = try runHFRNN(["experiment", "runs"] + Self.grid, in: workspace.path)
        #expect(result.status == 1)
        #expect(result.stderr == "hfrnn: error: runs: holds training runs, not an experiment; give a new or empty folder\n")
        #expect(workspace.listing() == before)
    }

    /// A first-order cell under a processor budget ends at it, finished, with its processor time in
    /// results.csv: the head-to-head gives HF and first-order methods the same budget (every such
    /// cell failed before, when `--processor-time-limit` was HF's alone).
    @Test func aFirstOrderCellEndsAtItsProcessorBudget() throws {
        let workspace = try Workspace(train: false)
        let result = try runHFRNN(["experiment", "grid", "--tasks", "addition", "--lengths", "10", "--seeds", "1",
                                   "--variant", "adam=--optimizer adam --learning-rate 1e-7 --hidden-units 8 --test-sequences 40 --evaluate-every 20",
                                   "--processor-budget", "1s"], in: workspace.path)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        // Its end line counts updates, as its progress lines do (it said "iterations").
        let ended = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("[1/1] ") })
        #expect(ended.contains(" updates, ") && !ended.contains("iterations"), "\(ended)")
        let csv = try String(contentsOfFile: workspace.path + "/grid/results.csv", encoding: .utf8)
        let row = try #require(csv.split(separator: "\n").last?.split(separator: ",", omittingEmptySubsequences: false))
        #expect(row[4] == "finished" && row[11] == "processor budget", "\(csv)")
        #expect((Double(row[12]) ?? 0) >= 0.9, "\(csv)")
    }

    /// Spec problems: one line on stderr, a non-zero exit, nothing created.
    @Test(arguments: [
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1"], "give a per-cell budget"),
        (["--tasks", "addition", "--lengths", "10,10", "--seeds", "1", "--iteration-budget", "2"], "--lengths: length 10 is listed twice"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "0"],
         "--iteration-budget: the iteration budget must be at least 1, got 0"),
        (["--tasks", "sudoku", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2"], "--tasks: unknown task 'sudoku'"),
        (["--tasks", "addition", "--lengths", "ten", "--seeds", "1", "--iteration-budget", "2"], "--lengths: 'ten' is not a whole number"),
        (["--tasks", "addition", "--lengths", "2", "--seeds", "1", "--iteration-budget", "2"], "--lengths: addition needs minimum length"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "3-1", "--iteration-budget", "2"],
         "--seeds: '3-1' is not a valid range (its end is below its start)"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1-20000", "--iteration-budget", "2"],
         "--seeds: '1-20000' names more than 10000 seeds; a grid takes fewer"),
        // A spec file took any number (99,999 cells ran on as asked); the options the same limit.
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1-9000,9001-10001", "--iteration-budget", "2"],
         "--seeds: 10001 seeds; a grid takes at most 10000"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "-1", "--iteration-budget", "2"], "--seeds: '-1' is not a seed"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "2-", "--iteration-budget", "2"], "--seeds: '2-' is not a seed"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2", "--variant", "x"],
         "--variant: 'x' must be NAME=OPTIONS"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2", "--variant", "a=--seed 4"],
         "--variant: variant 'a' sets --seed"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2", "--variant", "a=-T8"],
         "variant 'a' sets -T"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2", "--variant", "a=--mu -1"],
         "variant 'a': --mu: must be non-negative"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2", "--variant", "a=--frob"],
         "variant 'a': --frob: unknown option"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2", "--variant", "a=--hiden-units 4"],
         "variant 'a': --hiden-units: unknown option; did you mean --hidden-units?"),
        // The whole of `train --help` used to be the error line.
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2", "--variant", "a=--help"],
         "variant 'a': its options ask for help or the version, not a run"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2", "--jobs", "0"], "--jobs: must be at least 1"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--time-budget", "soon"],
         "--time-budget 'soon' is not a positive duration"),
        (["--tasks", "addition,xor,addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2"],
         "--tasks: task 'addition' is listed twice"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1-3,2", "--iteration-budget", "2"], "--seeds: seed 2 is listed twice"),
        // 100,000 lengths hung the runner; each list alone is small enough, their product is not.
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1-6000", "--variant", "a=", "--variant", "b=", "--iteration-budget", "2"],
         "the grid has 12000 cells (tasks × lengths × seeds × variants); a grid takes at most 10000"),
        // An empty entry was dropped: `--lengths 10,,12` ran 10 and 12.
        (["--tasks", "addition", "--lengths", "10,,12", "--seeds", "1", "--iteration-budget", "2"],
         "--lengths: '10,,12' has an empty entry (a value left out?)"),
        (["--tasks", "addition,", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2"],
         "--tasks: 'addition,' has an empty entry (a value left out?)"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1,,2", "--iteration-budget", "2"],
         "--seeds: '1,,2' has an empty entry (a value left out?)"),
        (["--tasks", "addition", "--lengths", "10,20", "--seeds", "1", "--processor-budget", "10=1m"],
         "--processor-budget: length 20 has no budget"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--processor-budget", "10=1m,30=2m"],
         "--processor-budget: a processor budget is given for length 30, which the grid does not have"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--processor-budget", "ten=1m"],
         "--processor-budget: 'ten=1m' is not LENGTH=DURATION"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--processor-budget", "10=1m,10=2m"],
         "--processor-budget: length 10 is given twice"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--processor-budget", "10=soon"],
         "--processor-budget 'soon' is not a positive duration"),
        (["--summarize", "--seeds", "1"], "--summarize: takes only the folder"),
        (["--summarize", "--only", "a*"], "--summarize: takes only the folder"),
        (["--summarize", "--jobs", "2"], "--summarize: takes only the folder"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2", "--only", ","],
         "--only: no pattern given"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2", "--only", "addition-*,xor-*"],
         "--only: 'xor-*' matches no cell of the grid (its cells are named like addition-T10-seed1-default)"),
        ([String](), "no experiment here"),
        (["--spec", "missing.json"], "missing.json: cannot read the file"),
        // A device never ends (a pipe that does, as `--spec <(…)`, is read like a file).
        (["--spec", "/dev/zero"], "/dev/zero: longer than 16777216 bytes, which no grid's spec is"),
        (["--spec", "bad.json"], "bad.json: not valid JSON"),
        // A spec file's options are the file's problem, named as such (it said only "variant 'a': …", exit 64).
        (["--spec", "bad-options.json"], "bad-options.json: variant 'a': --frob: unknown option"),
        (["--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2", "--only", "addition*,,x"],
         "--only: 'addition*,,x' has an empty entry (a value left out?)"),
        (["--spec", "wrong.json"], "wrong.json: format is 'something'; it must be 'hfrnn-experiment'"),
        // Valid JSON with a wrong value is not called invalid JSON, and an array element is named
        // as the author wrote it (they were "not valid JSON" and 'seeds.index 1').
        (["--spec", "fraction.json"], "fraction.json: valid JSON, but a number does not fit its key"),
        (["--spec", "word-seed.json"], "word-seed.json: 'seeds[1]' has the wrong type"),
        // "'' has the wrong type" and "'tasks[1]' has an invalid value" said too little.
        (["--spec", "array.json"], "array.json: a spec is one JSON object ({\"format\": \"hfrnn-experiment\", ...})"),
        (["--spec", "misnamed-task.json"], "misnamed-task.json: 'tasks[1]' is not a task (tasks: addition, "),
        (["--spec", "misspelt.json"], "misspelt.json: unknown key 'procesor_budget_seconds'; the keys of a spec are"),
    ])
    func specErrorsAreOneLine(arguments: [String], expected: String) throws {
        let workspace = try Workspace(train: false)
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: workspace.path + "/bad.json"))
        try Data(#"{"format": "something", "format_version": 1}"#.utf8).write(to: URL(fileURLWithPath: workspace.path + "/wrong.json"))
        try Data(#"{"format": "hfrnn-experiment", "format_version": 1, "tasks": ["addition"], "lengths": [10], "seeds": [1], "variants": [{"name": "a", "options": []}], "procesor_budget_seconds": 60}"#.utf8)
            .write(to: URL(fileURLWithPath: workspace.path + "/misspelt.json"))
        let spec = #"{"format": "hfrnn-experiment", "format_version": 1, "tasks": ["addition"], "lengths": [10], "seeds": SEEDS, "variants": [{"name": "a", "options": []}], "max_iterations": ITERATIONS}"#
        try Data(spec.replacingOccurrences(of: "SEEDS", with: "[1]").replacingOccurrences(of: "ITERATIONS", with: "2.5").utf8)
            .write(to: URL(fileURLWithPath: workspace.path + "/fraction.json"))
        try Data(spec.replacingOccurrences(of: "SEEDS", with: #"[1, "two"]"#).replacingOccurrences(of: "ITERATIONS", with: "2").utf8)
            .write(to: URL(fileURLWithPath: workspace.path + "/word-seed.json"))
        try Data("[]".utf8).write(to: URL(fileURLWithPath: workspace.path + "/array.json"))
        try Data(spec.replacingOccurrences(of: "SEEDS", with: "[1]").replacingOccurrences(of: "ITERATIONS", with: "2")
                    .replacingOccurrences(of: #""options": []"#, with: #""options": ["--frob"]"#).utf8)
            .write(to: URL(fileURLWithPath: workspace.path + "/bad-options.json"))
        try Data(spec.replacingOccurrences(of: "SEEDS", with: "[1]").replacingOccurrences(of: "ITERATIONS", with: "2")
                    .replacingOccurrences(of: #"["addition"]"#, with: #"["addition", "xorr"]"#).utf8)
            .write(to: URL(fileURLWithPath: workspace.path + "/misnamed-task.json"))
        let before = workspace.listing()
        let result = try runHFRNN(["experiment", "grid"] + arguments, in: workspace.path)
        #expect(result.status != 0)
        // Flags that do not fit the grid are usage errors, however late they are found.
        if expected.hasPrefix("--only:") { #expect(result.status == 64) }
        if expected.hasPrefix("bad-options.json:") { #expect(result.status == 1) }
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("hfrnn: error: "), "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(workspace.listing() == before)
    }

}

/// Counts the success-panel bars of results.svg.
private final class BarCollector: NSObject, XMLParserDelegate {
    var successBars = 0
    var panels: [String] = []
    private var inSuccessPanel = false

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "g" && attributes["id"] == "success" { inSuccessPanel = true }
        if name == "g" && attributes["id"] == "time" { inSuccessPanel = false }
        if name == "rect" && attributes["class"] == "bar" && inSuccessPanel { successBars += 1 }
        if name == "g" && attributes["class"] == "panel", let id = attributes["id"] { panels.append(id) }
    }
}
