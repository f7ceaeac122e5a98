import Experiments
import Foundation
import TestSupport
import Testing

/// `hfrnn experiment --datasets`: a grid whose cells train on HDF5 dataset files, stored so that it
/// continues from a copy of the folder elsewhere, and never on other data.
@Suite struct DatasetGridTests {
    private static let tiny = "--hidden-units 8 --gradient-batch 40 --curvature-batch 20 --evaluation-batch 20 "
        + "--test-sequences 20 --max-cg 10"

    /// A workspace with `data/sums.h5` (addition at T = 8) and `data/other.h5` (different rows).
    private func workspaceWithData() throws -> Workspace {
        let workspace = try Workspace(train: false)
        try FileManager.default.createDirectory(atPath: workspace.path + "/data", withIntermediateDirectories: true)
        for (seed, name) in [("3", "sums"), ("4", "other")] {
            let generated = try runHFRNN(["generate", "addition", "--length", "8", "--count", "60", "--seed", seed,
                                          "--output", "data/\(name).h5"], in: workspace.path)
            try #require(generated.status == 0, "\(generated.stderr)")
        }
        return workspace
    }

    @Test func aGridOfDatasetsRunsAndNamesItsDatasets() throws {
        let workspace = try workspaceWithData()
        let result = try runHFRNN(["experiment", "grids/sums", "--datasets", "data/sums.h5,data/other.h5", "--seeds", "1-2",
                                   "--variant", "tiny=\(Self.tiny)", "--iteration-budget", "2"], in: workspace.path)
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let ended = result.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }.map { $0.split(separator: " ")[1] }
        #expect(ended == ["sums-seed1-tiny:", "other-seed1-tiny:", "sums-seed2-tiny:", "other-seed2-tiny:"], "\(result.stdout)")

        // Stored relative to the experiment folder, with the file's content hash, as version 2.
        let stored = try GridSpec.load(from: workspace.path + "/grids/sums/experiment.json")
        #expect(stored.datasets.map(\.path) == ["../../data/sums.h5", "../../data/other.h5"])
        #expect(stored.datasets.map(\.name) == ["sums", "other"])
        #expect(stored.datasets.allSatisfy { $0.contentHash?.hasPrefix("fnv1a64:") == true })
        let json = try String(contentsOfFile: workspace.path + "/grids/sums/experiment.json", encoding: .utf8)
        #expect(json.contains("\"format_version\" : 2") && json.contains("\"content_hash\""), "\(json)")

        // The results name the dataset, and have no task or length for it.
        let csv = try String(contentsOfFile: workspace.path + "/grids/sums/results.csv", encoding: .utf8)
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 4)
        for row in rows {
            #expect(row.count == 14 && row[0].isEmpty && row[1].isEmpty && ["sums", "other"].contains(row[13]), "\(row)")
            #expect(row[4] == "finished", "\(row)")
        }
        let table = try String(contentsOfFile: workspace.path + "/grids/sums/results.md", encoding: .utf8)
        #expect(table.contains("| dataset | variant |") && table.contains("| sums | tiny |")
                && table.contains("| other | 2 | tiny | finished"), "\(table)")
        #expect(table.contains("`sums` (`../../data/sums.h5`, fnv1a64:"), "\(table)")
        let svg = try String(contentsOfFile: workspace.path + "/grids/sums/results.svg", encoding: .utf8)
        #expect(svg.contains("data-dataset=\"sums\"") && svg.contains(">dataset other</text>"))
        let curves = try String(contentsOfFile: workspace.path + "/grids/sums/results-curves.svg", encoding: .utf8)
        #expect(curves.contains("dataset sums, against processor time"))

        // Given the same options again: the same grid, nothing to do; --summarize the same results.
        let again = try runHFRNN(["experiment", "grids/sums", "--datasets", "data/sums.h5,data/other.h5", "--seeds", "1-2",
                                  "--variant", "tiny=\(Self.tiny)", "--iteration-budget", "2"], in: workspace.path)
        #expect(again.status == 0 && again.stdout.hasPrefix("nothing to do"), "\(again.stdout)\n\(again.stderr)")
        let summary = try runHFRNN(["experiment", "../grids/sums", "--summarize"], in: workspace.path + "/data")
        #expect(summary.status == 0, "\(summary.stderr)")
        #expect(try String(contentsOfFile: workspace.path + "/grids/sums/results.csv", encoding: .utf8) == csv)

        // scripts/tables.py tables such a grid by its datasets, in a copy laid out like the repository.
        let interpreter = try #require(python(importing: []), "needs python3")
        let repository = workspace.path + "/repository"
        let manager = FileManager.default
        for folder in ["scripts", "docs", "experiments"] {
            try manager.createDirectory(atPath: repository + "/" + folder, withIntermediateDirectories: true)
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        try manager.copyItem(atPath: packageRoot + "/scripts/tables.py", toPath: repository + "/scripts/tables.py")
        try manager.copyItem(atPath: workspace.path + "/grids/sums", toPath: repository + "/experiments/sums")
        let marker = "<!-- table: grid-cells (generated by scripts/tables.py from experiments/sums/results.csv; edit the data, not the table) -->\n"
        try (marker + "<!-- end table -->\n").write(toFile: repository + "/docs/sums.md", atomically: true, encoding: .utf8)
        for document in ["README.md", "experiments/README.md"] {
            try "# empty\n".write(toFile: repository + "/" + document, atomically: true, encoding: .utf8)
        }
        let tabled = try runProgram([interpreter, repository + "/scripts/tables.py"], in: repository)
        #expect(tabled.status == 0, "\(tabled.stderr)")
        let document = try String(contentsOfFile: repository + "/docs/sums.md", encoding: .utf8)
        #expect(document.contains("| dataset sums | — | 1 | tiny |") && document.contains("| dataset other | — | 2 | tiny |"),
                "\(document)")
    }

    /// A grid made from a spec file (its dataset path relative to the file) continues its
    /// unfinished cell from the committed copy, though that checkpoint stored the dataset's old
    /// absolute path; moved again with its data beside it, the folder still finds the file; other
    /// data under the dataset's name is refused.
    @Test func aMovedGridContinuesOnItsDatasetAndRefusesOtherData() throws {
        let workspace = try workspaceWithData()
        let manager = FileManager.default
        let tiny = Self.tiny.split(separator: " ").map(String.init)
        try manager.createDirectory(atPath: workspace.path + "/one", withIntermediateDirectories: true)
        try manager.moveItem(atPath: workspace.path + "/data", toPath: workspace.path + "/one/data")
        let spec = GridSpec(tasks: [], lengths: [], seeds: [1], variants: [GridVariant(name: "tiny", options: tiny)],
                            timeBudgetSeconds: nil, maxIterations: 3, datasets: [GridDataset(path: "data/sums.h5")])
        try spec.jsonText().write(toFile: workspace.path + "/one/spec.json", atomically: true, encoding: .utf8)
        // A cell stopped after one of its three iterations, its checkpoint in unfinished/.
        let cell = "sums-seed1-tiny"
        let partial = try runHFRNN(["train", "--dataset", "one/data/sums.h5", "--seed", "1"] + tiny
                                   + ["--checkpoint-dir", "scratch", "--run-name", cell, "--max-iterations", "1"], in: workspace.path)
        try #require(partial.status == 0, "\(partial.stderr)")
        try manager.createDirectory(atPath: workspace.path + "/one/grid/unfinished", withIntermediateDirectories: true)
        try manager.copyItem(atPath: workspace.path + "/scratch/\(cell)/latest.h5",
                             toPath: workspace.path + "/one/grid/unfinished/\(cell).h5")
        try manager.removeItem(atPath: workspace.path + "/scratch")

        // Another machine: the folder and its data moved together.
        try manager.moveItem(atPath: workspace.path + "/one", toPath: workspace.path + "/two")
        let continued = try runHFRNN(["experiment", "two/grid", "--spec", "two/spec.json"], in: workspace.path)
        #expect(continued.status == 0, "\(continued.stdout)\n\(continued.stderr)")
        #expect(try GridSpec.load(from: workspace.path + "/two/grid/experiment.json").datasets.map(\.path) == ["../data/sums.h5"])
        let log = try String(contentsOfFile: workspace.path + "/two/grid/logs/\(cell).log", encoding: .utf8)
        #expect(log.contains("at iteration 1"), "the cell resumed: \(log)")
        let csv = try String(contentsOfFile: workspace.path + "/two/grid/results.csv", encoding: .utf8)
        #expect(csv.contains(",1,tiny,finished,") && csv.hasSuffix(",sums\n"), "\(csv)")

        // Moved once more, continued from inside its data folder: the stored path still finds it.
        try manager.moveItem(atPath: workspace.path + "/two", toPath: workspace.path + "/three")
        let again = try runHFRNN(["experiment", "../grid"], in: workspace.path + "/three/data")
        #expect(again.status == 0 && again.stdout.hasPrefix("nothing to do"), "\(again.stdout)\n\(again.stderr)")

        // Other data where the grid's file was: refused before any work, naming the file.
        try manager.removeItem(atPath: workspace.path + "/three/data/sums.h5")
        try manager.copyItem(atPath: workspace.path + "/three/data/other.h5", toPath: workspace.path + "/three/data/sums.h5")
        let wrong = try runHFRNN(["experiment", "three/grid"], in: workspace.path)
        #expect(wrong.status == 1)
        #expect(wrong.stderrLines.count == 1 && wrong.stderr.contains("\(workspace.path)/three/data/sums.h5: not the grid's dataset 'sums'"),
                "\(wrong.stderr)")
        try manager.removeItem(atPath: workspace.path + "/three/data/sums.h5")
        let missing = try runHFRNN(["experiment", "three/grid"], in: workspace.path)
        #expect(missing.status == 1 && missing.stderr.contains("three/data/sums.h5: file not found: the dataset 'sums' of three/grid/experiment.json"), "\(missing.stderr)")
    }

    /// A dataset with a separate test file (FILE:TESTFILE) is stored with both hashes, and its
    /// cells are evaluated on the test file; a grid grows by datasets, never changes one.
    @Test func aDatasetWithATestFileIsEvaluatedOnIt() throws {
        let workspace = try workspaceWithData()
        let result = try runHFRNN(["experiment", "grid", "--datasets", "data/sums.h5:data/other.h5", "--seeds", "1",
                                   "--variant", "tiny=\(Self.tiny)", "--iteration-budget", "1"], in: workspace.path)
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let stored = try GridSpec.load(from: workspace.path + "/grid/experiment.json")
        let dataset = try #require(stored.datasets.first)
        #expect(dataset.name == "sums" && dataset.path == "../data/sums.h5" && dataset.testPath == "../data/other.h5")
        #expect(dataset.testContentHash?.hasPrefix("fnv1a64:") == true && dataset.testContentHash != dataset.contentHash)
        let evaluated = try runHFRNN(["evaluate", "grid/runs/sums-seed1-tiny"], in: workspace.path)
        #expect(evaluated.status == 0 && evaluated.stdout.contains("(\(workspace.path)/data/other.h5)"), "\(evaluated.stdout)")

        var larger = stored
        larger.datasets.append(GridDataset(name: "more", path: "more.h5", contentHash: "fnv1a64:0000000000000000"))
        #expect(stored.isExtended(by: larger) && !larger.isExtended(by: stored))
        var otherTest = stored
        otherTest.datasets[0].testContentHash = "fnv1a64:0000000000000000"
        #expect(!stored.isExtended(by: otherTest))
    }

    /// Lengths and tasks do not go with datasets: one line, nothing created.
    @Test(arguments: [
        (["--datasets", "data/sums.h5", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2"],
         "--lengths: applies to --tasks, not to --datasets"),
        (["--datasets", "data/sums.h5", "--tasks", "addition", "--lengths", "10", "--seeds", "1", "--iteration-budget", "2"],
         "give --tasks or --datasets, not both"),
        (["--datasets", "data/missing.h5", "--seeds", "1", "--iteration-budget", "2"], "data/missing.h5: file not found"),
        (["--datasets", "data/sums.h5,data/sums.h5", "--seeds", "1", "--iteration-budget", "2"], "--datasets: two datasets are named 'sums'"),
        (["--datasets", "data/sums.h5:", "--seeds", "1", "--iteration-budget", "2"], "--datasets: 'data/sums.h5:' is not FILE or FILE:TESTFILE"),
        (["--datasets", "data/sums.h5:data/missing.h5", "--seeds", "1", "--iteration-budget", "2"],
         "data/missing.h5: file not found (the test file of dataset 'sums' of the grid)"),
        (["--datasets", "data/sums.h5", "--seeds", "1", "--iteration-budget", "2", "--variant", "a=--length 5"],
         "variant 'a' sets --length"),
    ])
    func datasetGridErrorsAreOneLine(arguments: [String], expected: String) throws {
        let workspace = try workspaceWithData()
        let before = workspace.listing()
        let result = try runHFRNN(["experiment", "grid"] + arguments, in: workspace.path)
        #expect(result.status != 0)
        #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("hfrnn: error: "), "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(workspace.listing() == before)
    }

    /// Version 1 specs (tasks only) still load, and a grid of tasks is still written as version 1.
    @Test func versionOneSpecsStillLoad() throws {
        let workspace = try Workspace(train: false)
        let text = #"{"format": "hfrnn-experiment", "format_version": 1, "tasks": ["addition"], "lengths": [10], "seeds": [1], "#
            + #""variants": [{"name": "a", "options": []}], "time_budget_seconds": 60, "max_iterations": null}"#
        try text.write(toFile: workspace.path + "/v1.json", atomically: true, encoding: .utf8)
        let spec = try GridSpec.load(from: workspace.path + "/v1.json")
        #expect(spec.tasks == [.addition] && spec.datasets.isEmpty)
        #expect(try spec.jsonText().contains("\"format_version\" : 1"))
    }
}
