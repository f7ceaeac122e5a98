@testable import Experiments
import Foundation
import RunStore
import TestSupport
import Testing
import Training

/// A grid's spec, its results table and its cells' progress, without running a cell.
@Suite struct GridSpecTests {
    /// results.md states every budget of the grid, the processor-time one included.
    @Test func resultsTableStatesTheProcessorBudget() {
        let spec = GridSpec(tasks: [.addition], lengths: [10], seeds: [1], variants: [GridVariant(name: "isc", options: ["--settings", "isc"])],
                            timeBudgetSeconds: nil, maxIterations: nil, processorBudgetSeconds: 3600)
        let text = GridResults.markdown([], spec: spec, command: nil)
        #expect(text.contains("Per-cell budget: ") && text.contains("of training processor time"), "\(text)")
        #expect(!text.contains("Per-cell budget: ."))
    }

    /// A running cell's progress line comes from the last complete row of its metrics.csv, HF or
    /// first-order (a row being written is passed over).
    @Test func cellProgressReadsTheLastMetricsRow() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let hf = folder.file("hf.csv"), firstOrder = folder.file("sgd.csv"), empty = folder.file("empty.csv")
        try (IterationRecord.curvesHeader + "\n" + "1,0.5,0.4,0.9,1,1,1,3,2,1,1,10.5,0.5,progress,accepted,1,0.9,0.99,9.5,1200\n"
             + "2,0.4,0.3,0.25,1,1,1,3,2,1,1,20.0,0.4,progress,accepted,1,0.2,0.5,18.25,2400\n" + "3,0.3,0.2")
            .write(toFile: hf, atomically: true, encoding: .utf8)
        #expect(CellProgress(metricsAt: hf) == CellProgress(iteration: 2, testError: 0.25, elapsedSeconds: 20, processorSeconds: 18.25))
        try (FirstOrderRecord.curvesHeader + "\n" + "1,500,10000,0.1,0.1,0.75,0.01,0.9,0,1,0,12.0,nan,11.5\n")
            .write(toFile: firstOrder, atomically: true, encoding: .utf8)
        #expect(CellProgress(metricsAt: firstOrder) == CellProgress(iteration: 500, testError: 0.75, elapsedSeconds: 12, processorSeconds: 11.5))
        try (FirstOrderRecord.curvesHeader + "\n" + "1,500,10000,0.1,0.1,0.75,0.01,0.9,0,1,0,12.0,nan,nan\n")
            .write(toFile: firstOrder, atomically: true, encoding: .utf8)
        #expect(CellProgress(metricsAt: firstOrder) == CellProgress(iteration: 500, testError: 0.75, elapsedSeconds: 12, processorSeconds: nil))
        try (IterationRecord.curvesHeader + "\n").write(toFile: empty, atomically: true, encoding: .utf8)
        #expect(CellProgress(metricsAt: empty) == nil && CellProgress(metricsAt: folder.file("missing.csv")) == nil)
    }

    /// The curve read back from curves.csv text is the records' own: HF and first-order, and HF
    /// files from before the `sequences` column (their sequences unknown, NaN).
    @Test func curvesFilesReadBackAsTheRecordsCurves() throws {
        let hf = (1...3).map { k in
            IterationRecord(iteration: k, trainLoss: 1 / Double(k), testLoss: 0.5 / Double(k), testError: 0.25, lambda: 0.1,
                            lambdaNext: 0.2, rho: .nan, cgIterations: 3, cgStop: nil, backtrackIteration: 0, stepSize: 1,
                            decision: .accepted, elapsedSeconds: 0.1 * Double(k), processorSeconds: 0.3 * Double(k),
                            sequences: 1200 * k)
        }
        let firstOrder = (1...2).map { k in
            FirstOrderRecord(evaluation: k, updates: 500 * k, sequences: 10_000 * k, trainLoss: 0.1, testLoss: 0.2,
                             testError: 0.75, learningRate: 0.01, momentum: 0.9, clippedFraction: 0, gradientNorm: 1,
                             skippedUpdates: 0, elapsedSeconds: 12 * Double(k))
        }
        #expect(curvePoints(fromCurvesCSV: curvesCSV(hf)) == hf.map(\.curvePoint))
        let readFirstOrder = try #require(curvePoints(fromCurvesCSV: curvesCSV(firstOrder)))
        #expect(readFirstOrder.map(\.steps) == [500, 1000] && readFirstOrder.map(\.sequences) == [10_000, 20_000])
        #expect(readFirstOrder.allSatisfy { $0.processorSeconds.isNaN })
        let before = curvesCSV(hf).split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
        let old = try #require(curvePoints(fromCurvesCSV: before.joined(separator: "\n")))
        #expect(old.map(\.steps) == [1, 2, 3] && old.allSatisfy { $0.sequences.isNaN })
        #expect(curvePoints(fromCurvesCSV: "a,b\n1,2\n") == nil)
    }

    /// Writes `spec` as `spec.json` in `folder`; its path and the text written.
    private func writeSpec(_ spec: GridSpec, in folder: TemporaryFolder) throws -> (path: String, json: String) {
        let path = folder.path + "/spec.json"
        let json = try spec.jsonText()
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return (path, json)
    }

    /// A spec file describes the same grid as the options, and a folder never changes grid.
    @Test func specFileRoundTripsAndAFolderKeepsItsGrid() throws {
        let spec = GridSpec(tasks: [.addition, .xor], lengths: [30, 10], seeds: [1, 2, 3],
                            variants: [GridVariant(name: "damped", options: []),
                                       GridVariant(name: "undamped", options: ["--no-structural-damping"])],
                            timeBudgetSeconds: 600, maxIterations: nil)
        let workspace = try TemporaryFolder()
        defer { workspace.remove() }
        let (path, json) = try writeSpec(spec, in: workspace)
        #expect(try GridSpec.load(from: path) == spec)
        #expect(json.contains("\"time_budget_seconds\"") && json.contains("\"format_version\" : 1"))
        #expect(spec.cells.count == 24)
        #expect(spec.cells.first?.name == "addition-T10-seed1-damped")
        #expect(spec.cells.last?.name == "xor-T30-seed3-undamped")

        _ = try Experiments.Experiment.open(workspace.path + "/grid", spec: spec)
        var other = spec
        other.seeds = [1]
        #expect(throws: GridError.self) { _ = try Experiments.Experiment.open(workspace.path + "/grid", spec: other) }
        var otherBudget = spec
        otherBudget.timeBudgetSeconds = 60
        #expect(throws: GridError.self) { _ = try Experiments.Experiment.open(workspace.path + "/grid", spec: otherBudget) }
        // More seeds and another variant extend the grid in place.
        var extended = spec
        extended.seeds = [1, 2, 3, 4]
        extended.variants.append(GridVariant(name: "isc", options: ["--settings", "isc"]))
        #expect(spec.isExtended(by: extended) && !extended.isExtended(by: spec))
        #expect(spec.whyNotExtended(by: extended) == nil)
        // A refused grid says what differs (it only said "another grid").
        #expect(spec.whyNotExtended(by: other) == "seeds 2, 3 are missing")
        #expect(spec.whyNotExtended(by: otherBudget) == "time_budget_seconds differs")
        var otherOptions = spec
        otherOptions.variants[1].options = ["--mu", "0"]
        #expect(spec.whyNotExtended(by: otherOptions)
                == "variant '\(spec.variants[1].name)' has other options (stored: '\(spec.variants[1].options.joined(separator: " "))')")
        #expect(extended.whyNotExtended(by: spec) == "variant 'isc' is missing")
        #expect(throws: GridError("\(workspace.path)/grid/experiment.json: this folder holds another grid (seeds 2, 3 are "
                                  + "missing); continue it without grid options, add only tasks, lengths, datasets, seeds or "
                                  + "variants (same budgets), or choose another folder")) {
            _ = try Experiments.Experiment.open(workspace.path + "/grid", spec: other)
        }
        #expect(try Experiments.Experiment.open(workspace.path + "/grid", spec: extended).spec == extended)
        #expect(try GridSpec.load(from: workspace.path + "/grid/experiment.json") == extended)
    }

    /// Budgets by length: each cell gets its length's (or the grid's), the spec is written as
    /// version 3 with the lengths as keys and read back, results.md states them, and a grid may
    /// grow only with the budgets of its lengths unchanged.
    @Test func processorBudgetsByLength() throws {
        let spec = GridSpec(tasks: [.addition], lengths: [30, 200, 50], seeds: [1], variants: [GridVariant(name: "d", options: [])],
                            timeBudgetSeconds: nil, maxIterations: nil, processorBudgetSeconds: 1200,
                            processorBudgetSecondsByLength: [200: 7200, 30: 600])
        #expect(spec.problem == nil)
        #expect(spec.processorBudgetSeconds(for: .task(.addition, length: 30)) == 600)
        #expect(spec.processorBudgetSeconds(for: .task(.addition, length: 50)) == 1200)
        #expect(spec.processorBudgetSeconds(for: .task(.addition, length: 200)) == 7200)
        #expect(CellOutcome.stopReason(solved: false, iterations: 9, elapsedSeconds: 900, processorSeconds: 700,
                                       stoppedWithoutProgress: false, spec: spec, problem: .task(.addition, length: 30)) == .processorBudget)
        #expect(CellOutcome.stopReason(solved: false, iterations: 9, elapsedSeconds: 900, processorSeconds: 700,
                                       stoppedWithoutProgress: false, spec: spec, problem: .task(.addition, length: 200)) == nil)

        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (path, json) = try writeSpec(spec, in: folder)
        #expect(json.contains("\"format_version\" : 3") && json.contains("\"200\" : 7200"), "\(json)")
        #expect(try GridSpec.load(from: path) == spec)
        try Data(json.replacingOccurrences(of: "\"200\" :", with: "\"long\" :").utf8).write(to: URL(fileURLWithPath: path))
        let notALength = #expect(throws: GridError.self) { _ = try GridSpec.load(from: path) }
        #expect(notALength?.description.contains("has the key 'long', which is not a length") == true,
                "\(String(describing: notALength))")

        let text = GridResults.markdown([], spec: spec, command: nil)
        #expect(text.contains("20.0 min of training processor time (other lengths) and training processor time by length: "
                              + "10.0 min at T = 30, 2.00 h at T = 200"), "\(text)")

        var longer = spec
        longer.lengths.append(500)
        longer.processorBudgetSecondsByLength[500] = 14400
        #expect(spec.isExtended(by: longer))
        longer.processorBudgetSecondsByLength[200] = 3600
        #expect(!spec.isExtended(by: longer))

        var uncovered = spec
        uncovered.processorBudgetSeconds = nil
        #expect(uncovered.problem == "length 50 has no budget: give it a processor budget, or give one for every length")
        var onDatasets = spec
        onDatasets.tasks = []
        onDatasets.lengths = []
        onDatasets.datasets = [GridDataset(path: "sums.h5", testPath: nil)]
        #expect(onDatasets.problem == "processor budgets by length are for grids of tasks, not of datasets")

        // A budget beyond a year (1e300 s printed as hundreds of digits of hours) is refused.
        var endless = spec
        endless.processorBudgetSeconds = 1e300
        #expect(endless.problem == "the processor-time budget must be positive and at most a year, got 1e+300 s")
        endless = spec
        endless.processorBudgetSecondsByLength[30] = .infinity
        #expect(endless.problem == "the processor-time budget of length 30 must be positive and at most a year, got inf s")
    }

    /// A grid that is not a whole product: T = 200 without structural damping for two of three
    /// tasks. The excluded cells never run and appear nowhere in the results; the spec is written
    /// as version 3 and read back; dropping an exclusion grows the grid, adding one does not.
    /// A key of a later format version than the spec declares is refused in one line, not dropped
    /// (a version-1 spec with `excluded_cells` ran the excluded cells).
    @Test(arguments: [
        ("\"datasets\": [{\"path\": \"a.h5\", \"sha256\": \"00\"}]", "datasets", 2),
        ("\"processor_budget_seconds_by_length\": {\"10\": 60}", "processor_budget_seconds_by_length", 3),
        ("\"excluded_cells\": [{\"seed\": 2}]", "excluded_cells", 3),
        ("\"kept_network_lengths\": [10]", "kept_network_lengths", 4),
    ])
    func aKeyOfALaterVersionIsRefused(_ entry: String, _ key: String, _ introduced: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path + "/spec.json"
        let text = """
            {"format": "hfrnn-experiment", "format_version": \(introduced - 1), "tasks": ["addition"], "lengths": [10],
             "seeds": [1, 2], "variants": [{"name": "d", "options": []}], "processor_budget_seconds": 60, \(entry)}
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: GridError("\(path): '\(key)' needs format_version \(introduced) or later; the spec says \(introduced - 1)")) {
            _ = try GridSpec.load(from: path)
        }
    }

    /// A misspelt key of an excluded cell is named: `{"taks": "xor"}` was read as an exclusion
    /// naming nothing, refused with a message that did not say why.
    @Test func anExcludedCellsUnknownKeyIsNamed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path + "/spec.json"
        let text = """
            {"format": "hfrnn-experiment", "format_version": 5, "tasks": ["addition"], "lengths": [10], "seeds": [1],
             "variants": [{"name": "d", "options": []}], "processor_budget_seconds": 60, "excluded_cells": [{"taks": "addition"}]}
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect { try GridSpec.load(from: path) } throws: {
            "\($0)".contains("an excluded cell has the unknown key 'taks'; its keys are task, length, dataset, variant")
        }
    }

    @Test func aSharedVariantNeedsVersionFive() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.path + "/spec.json"
        let text = """
            {"format": "hfrnn-experiment", "format_version": 4, "tasks": ["addition"], "lengths": [10], "seeds": [1],
             "variants": [{"name": "hf", "options": [], "shared_from": {"experiment": "../other", "variant": "d"}}], "processor_budget_seconds": 60}
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: GridError("\(path): a variant's 'shared_from' needs format_version 5 or later; the spec says 4")) {
            _ = try GridSpec.load(from: path)
        }
        try Data(text.replacingOccurrences(of: "\"format_version\": 4", with: "\"format_version\": 5").utf8)
            .write(to: URL(fileURLWithPath: path))
        #expect(try GridSpec.load(from: path).variants.first?.sharedFrom != nil)
    }

    @Test func excludedCellsLeaveTheProduct() throws {
        let variants = [GridVariant(name: "damped", options: []), GridVariant(name: "undamped", options: ["--no-structural-damping"])]
        let spec = GridSpec(tasks: [.addition, .xorRelease, .temporalOrder], lengths: [30, 200], seeds: [1, 2], variants: variants,
                            timeBudgetSeconds: nil, maxIterations: nil, processorBudgetSeconds: 600,
                            excludedCells: [GridExclusion(task: .xorRelease, length: 200, variant: "undamped")])
        #expect(spec.problem == nil)
        #expect(spec.cells.count == 3 * 2 * 2 * 2 - 2)
        #expect(!spec.cells.contains { $0.name.hasPrefix("xor-isc-T200") && $0.variant.name == "undamped" })
        #expect(spec.cells.contains { $0.name == "xor-isc-T200-seed1-damped" })
        #expect(spec.runOrder.map(\.name).sorted() == spec.cells.map(\.name).sorted())
        let groups = GridResults.groups(spec.cells.map { CellOutcome(cell: $0, status: .notRun, solved: nil, iterations: nil, cgSteps: nil, wallSeconds: nil, finalTestError: nil, peakMemoryBytes: nil, stopReason: nil) }, spec: spec)
        #expect(groups.count == 3 * 2 * 2 - 1 && groups.allSatisfy { $0.cells == 2 })

        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (path, json) = try writeSpec(spec, in: folder)
        #expect(json.contains("\"format_version\" : 3") && json.contains("\"excluded_cells\""), "\(json)")
        #expect(try GridSpec.load(from: path) == spec)

        var all = spec
        all.excludedCells = []
        #expect(spec.isExtended(by: all) && !all.isExtended(by: spec))

        for (exclusion, problem) in [
            (GridExclusion(), "an excluded cell names no task, length, dataset or variant: it would leave out every cell"),
            (GridExclusion(variant: "isc"), "an excluded cell names variant 'isc', which the grid does not have"),
            (GridExclusion(length: 100), "an excluded cell names length 100, which the grid does not have"),
            (GridExclusion(task: .multiplication), "an excluded cell names task 'multiplication', which the grid does not have"),
        ] {
            var wrong = spec
            wrong.excludedCells.append(exclusion)
            #expect(wrong.problem == problem)
        }
        var empty = spec
        empty.excludedCells = [GridExclusion(length: 30), GridExclusion(length: 200)]
        #expect(empty.problem == "the excluded cells leave the grid without a cell")
    }

    /// Networks kept at some lengths: the spec is written as version 4 and read back, may gain kept
    /// lengths when it grows, and is refused for lengths the grid does not have; a solved cell at a
    /// kept length has its final checkpoint copied into networks/, any other cell does not.
    @Test func solvedCellsKeepTheirNetworksAtTheKeptLengths() throws {
        let spec = GridSpec(tasks: [.addition], lengths: [30, 200], seeds: [1, 2], variants: [GridVariant(name: "d", options: [])],
                            timeBudgetSeconds: nil, maxIterations: nil, processorBudgetSeconds: 600, keptNetworkLengths: [200])
        #expect(spec.problem == nil)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (path, json) = try writeSpec(spec, in: folder)
        #expect(json.contains("\"format_version\" : 4") && json.contains("\"kept_network_lengths\""), "\(json)")
        #expect(try GridSpec.load(from: path) == spec)
        var without = spec
        without.keptNetworkLengths = []
        #expect(without.isExtended(by: spec) && !spec.isExtended(by: without))
        #expect(!(try without.jsonText()).contains("kept_network_lengths"))
        var wrong = spec
        wrong.keptNetworkLengths = [100]
        #expect(wrong.problem == "networks are to be kept at length 100, which the grid does not have")

        let experiment = ExperimentFolder(folder.path + "/grid")
        func outcome(_ name: String, status: CellStatus, solved: Bool) throws -> CellOutcome {
            let cell = try #require(spec.cells.first { $0.name == name })
            try FileManager.default.createDirectory(atPath: experiment.runFolder(cell), withIntermediateDirectories: true)
            try Data(name.utf8).write(to: URL(fileURLWithPath: experiment.runFolder(cell) + "/latest.h5"))
            return CellOutcome(cell: cell, status: status, solved: solved, iterations: 1, cgSteps: 1, wallSeconds: 1,
                               finalTestError: 0, peakMemoryBytes: nil, stopReason: solved ? .solved : nil)
        }
        let kept = try outcome("addition-T200-seed1-d", status: .finished, solved: true)
        for candidate in [kept, try outcome("addition-T200-seed2-d", status: .finished, solved: false),
                          try outcome("addition-T30-seed1-d", status: .finished, solved: true)] {
            try experiment.keepNetwork(of: candidate, spec: spec)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: experiment.networks)
        #expect(files == ["addition-T200-seed1-d.h5"])
        #expect(FileManager.default.contents(atPath: experiment.networkCheckpoint(kept.cell)) == Data("addition-T200-seed1-d".utf8))
    }

    /// A shared variant: written as version 5 and read back, with no options of its own; a
    /// misspelt key of a variant is refused rather than read as a variant of default options.
    @Test func sharedVariantsRoundTripAndTakeNoOptions() throws {
        let shared = GridVariant(name: "hf", options: [], sharedFrom: SharedCells(experiment: "../paper-figure", variant: "damped"))
        let spec = GridSpec(tasks: [.addition], lengths: [100], seeds: [1, 2], variants: [shared, GridVariant(name: "adam", options: ["--optimizer", "adam"])],
                            timeBudgetSeconds: nil, maxIterations: nil, processorBudgetSeconds: 3600)
        #expect(spec.problem == nil)
        #expect(spec.cells.filter(\.isShared).map(\.name) == ["addition-T100-seed1-hf", "addition-T100-seed2-hf"])
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (path, json) = try writeSpec(spec, in: folder)
        #expect(json.contains("\"format_version\" : 5") && json.contains("\"shared_from\""), "\(json)")
        #expect(try GridSpec.load(from: path) == spec)
        var withOptions = spec
        withOptions.variants[0].options = ["--mu", "0.01"]
        #expect(withOptions.problem == "variant 'hf' is shared from another grid, whose variant gives its options: give it none")
        try json.replacingOccurrences(of: "\"shared_from\"", with: "\"shared_form\"").write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try GridSpec.load(from: path) } throws: { "\($0)".contains("unknown key 'shared_form'") }
    }
}
