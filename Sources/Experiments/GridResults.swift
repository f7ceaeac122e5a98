import Foundation
import HDF5IO
import Tasks

// The results of a grid, rebuilt from its run folders whenever a cell ends and by
// `hfrnn experiment --summarize`: results.csv (one row per cell), results.md (a summary per task,
// length and variant, then every cell) and results.svg (GridFigure.swift).

public enum GridResults {
    public static let csvHeader = "task,length,seed,variant,status,solved,hf_iterations,cg_steps,wall_seconds,"
        + "final_test_error,peak_memory_mb,stop_reason,cpu_seconds,dataset"

    /// One row per cell, in the grid's order; empty fields where a cell has no value yet. A task
    /// cell has its task and length and no dataset; a dataset cell its dataset's name and no task
    /// or length.
    public static func csv(_ outcomes: [CellOutcome]) -> String {
        var lines = [csvHeader]
        for outcome in outcomes {
            let cell = outcome.cell
            let problem = csvProblemFields(cell.problem)
            let fields: [String] = [
                problem.task, problem.length, "\(cell.seed)", cell.variant.name,
                outcome.status.rawValue, outcome.solved.map { $0 ? "yes" : "no" } ?? "",
                outcome.iterations.map(String.init) ?? "", outcome.cgSteps.map(String.init) ?? "",
                outcome.wallSeconds.map { String(format: "%.1f", $0) } ?? "",
                outcome.finalTestError.map { String(format: "%.6f", $0) } ?? "",
                outcome.peakMemoryBytes.map { String(format: "%.1f", Double($0) / 1_048_576) } ?? "",
                csvField(outcome.stopReason?.description ?? ""),
                outcome.cpuSeconds.map { String(format: "%.1f", $0) } ?? "",
                csvField(problem.dataset),
            ]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The largest peak memory a results table may record, in MiB: an exbibyte, far above any
    /// machine's, and small enough that its count of bytes fits an Int.
    static let largestRecordedPeakMegabytes = 1_099_511_627_776.0

    /// The row of `cell` in the results file at `path`, read back as an outcome; nil when the file
    /// or the row is missing. Files written before `cpu_seconds` existed have 12 columns, before
    /// `dataset` 13. The whole file is checked: where the run folders are gone (a clone) it is the
    /// only record of the finished cells, and a damaged one read as empty would run them again.
    static func recordedOutcome(of cell: GridCell, in path: String, grid: GridSpec) throws -> CellOutcome? {
        try recordedOutcomes(in: path, grid: grid)[cell.name]
    }

    /// Every cell's recorded row, by cell name, read in one pass (a row per cell read the whole
    /// file once per cell: 8,000 cells took two minutes to summarize).
    static func recordedOutcomes(in path: String, grid: GridSpec) throws -> [String: CellOutcome] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        func damaged(_ problem: String) -> GridError {
            GridError("\(path): \(problem); restore the file (with git, say): it records the cells whose run folders are not here")
        }
        guard isRegularFile(path) else { throw damaged(notARegularFileProblem(path)) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw damaged("not UTF-8 text") }
        // An editor or a checkout on Windows may have ended the lines with CR LF.
        let lines = text.split { $0 == "\n" || $0 == "\r\n" }  // "\r\n" is one Character
        guard let header = lines.first, csvHeader.hasPrefix(header), header.split(separator: ",").count >= 12 else {
            throw damaged("its first line is not the header of a results table")
        }
        // Every row is a cell of the grid: a row whose seed or length was damaged matched no cell,
        // was dropped, and its finished cell ran again from its seed.
        var cellsByKey: [[String]: GridCell] = [:]
        for cell in grid.cells {
            let fields = csvProblemFields(cell.problem)
            cellsByKey[[fields.task, fields.length, "\(cell.seed)", cell.variant.name, fields.dataset]] = cell
        }
        var found: [String: CellOutcome] = [:]
        for (index, line) in lines.enumerated().dropFirst() {
            let row = csvFields(String(line))
            func field(_ column: Int, _ parses: (String) -> Bool) throws {
                guard row[column].isEmpty || parses(row[column]) else {
                    throw damaged("line \(index + 1): '\(row[column])' is not a valid \(csvHeader.split(separator: ",")[column])")
                }
            }
            guard (12...14).contains(row.count) else { throw damaged("line \(index + 1) has \(row.count) fields, not 12 to 14") }
            guard let status = CellStatus(rawValue: row[4]) else { throw damaged("line \(index + 1): '\(row[4])' is not a cell status") }
            let stopReason = CellStopReason(recorded: row[11])
            guard row[11].isEmpty || stopReason != nil else { throw damaged("line \(index + 1): '\(row[11])' is not a stop reason") }
            try field(5) { $0 == "yes" || $0 == "no" }
            for column in [6, 7] { try field(column) { Int($0).map { $0 >= 0 } ?? false } }
            // Finite and in range: a peak of 1e300 MB became an integer count of bytes and trapped.
            for column in [8] + (row.count > 12 ? [12] : []) { try field(column) { Double($0).map { $0.isFinite && $0 >= 0 } ?? false } }
            try field(9) { Double($0).map { (0...1).contains($0) } ?? false }
            try field(10) { Double($0).map { (0...Self.largestRecordedPeakMegabytes).contains($0) } ?? false }
            guard let cell = cellsByKey[[row[0], row[1], row[2], row[3], row.count > 13 ? row[13] : ""]] else {
                throw damaged("line \(index + 1) names no cell of the grid ('\(row[0...3].joined(separator: ","))')")
            }
            found[cell.name] = CellOutcome(cell: cell, status: status, solved: row[5].isEmpty ? nil : row[5] == "yes",
                                           iterations: Int(row[6]), cgSteps: Int(row[7]), wallSeconds: Double(row[8]),
                                           finalTestError: Double(row[9]),
                                           peakMemoryBytes: Double(row[10]).map { Int(($0 * 1_048_576).rounded()) },
                                           cpuSeconds: row.count > 12 ? Double(row[12]) : nil, stopReason: stopReason)
        }
        return found
    }

    /// The task, length and dataset columns of a cell: a task cell has no dataset, a dataset cell
    /// no task or length.
    static func csvProblemFields(_ problem: GridProblem) -> (task: String, length: String, dataset: String) {
        switch problem {
        case .task(let task, let length): (task.rawValue, String(length), "")
        case .dataset(let name): ("", "", name)
        }
    }

    /// The fields of one CSV line (RFC 4180 quoting).
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            if quoted {
                if character == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { field.append("\"") } else {
                            quoted = false
                            if next == "," { fields.append(field); field = "" } else { field.append(next) }
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field)
        return fields
    }

    /// A field quoted when it holds a comma, quote or newline (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Cells of one task and length (or dataset) and variant, summarised.
    public struct Group: Sendable {
        public var problem: GridProblem
        public var variant: String
        public var cells: Int
        public var run: Int
        public var solved: Int
        /// Median training wall time of the solved cells.
        public var medianSecondsToSolve: Double?
        /// Median processor time of the solved cells, when every solved cell has it recorded.
        public var medianCPUSecondsToSolve: Double?

        /// Solved seeds out of all of the group's seeds, finished or not (nil for an empty group).
        public var solvedFraction: Double? { cells > 0 ? Double(solved) / Double(cells) : nil }
    }

    public static func groups(_ outcomes: [CellOutcome], spec: GridSpec) -> [Group] {
        spec.problems.flatMap { problem in
            spec.variants.map { variant in
                let members = outcomes.filter { $0.cell.problem == problem && $0.cell.variant.name == variant.name }
                let finished = members.filter { $0.status == .finished || $0.status == .failed }
                let solved = members.filter { $0.solved == true }
                let times = solved.compactMap(\.wallSeconds).sorted()
                let cpuTimes = solved.compactMap(\.cpuSeconds).sorted()
                return Group(problem: problem, variant: variant.name, cells: members.count,
                             run: finished.count, solved: times.count, medianSecondsToSolve: median(times),
                             medianCPUSecondsToSolve: cpuTimes.count == solved.count ? median(cpuTimes) : nil)
            }
        }.filter { $0.cells > 0 }  // a task and variant whose cells are all excluded
    }

    static func median(_ sorted: [Double]) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The Markdown report: the summary per task × length × variant, then every cell.
    public static func markdown(_ outcomes: [CellOutcome], spec: GridSpec, command: String?) -> String {
        var text = "# Experiment results\n\n"
        // A grid is usually run by several calls (sessions, `--only`): the last one wrote this
        // file, and each row is its cell's, whichever call ran it.
        if let command { text += "Last written by `\(command)`; each row is its cell's, whichever call ran it.\n\n" }
        let budget = [spec.timeBudgetSeconds.map { "\(formatSeconds($0)) of training wall time" },
                      spec.processorBudgetSeconds.map {
                          "\(formatSeconds($0)) of training processor time" + (spec.processorBudgetSecondsByLength.isEmpty ? "" : " (other lengths)")
                      },
                      spec.processorBudgetSecondsByLength.isEmpty ? nil
                          : "training processor time by length: " + spec.processorBudgetSecondsByLength.sorted { $0.key < $1.key }
                              .map { "\(formatSeconds($0.value)) at T = \($0.key)" }.joined(separator: ", "),
                      spec.maxIterations.map { "\($0) iteration\($0 == 1 ? "" : "s") (HF iterations, or first-order updates)" }].compactMap { $0 }.joined(separator: " and ")
        text += "Per-cell budget: \(budget). Variants: "
            + spec.variants.map { variant in
                if let shared = variant.sharedFrom { return "`\(variant.name)` (the cells of `\(shared.experiment)`, variant `\(shared.variant)`)" }
                return "`\(variant.name)` (\(variant.options.isEmpty ? "defaults" : variant.options.joined(separator: " ")))"
            }.joined(separator: ", ") + ".\n\n"
        if !spec.datasets.isEmpty {
            text += "Datasets (paths relative to the experiment folder): "
                + spec.datasets.map { dataset in
                    "`\(dataset.name)` (`\(dataset.path)`, \(dataset.contentHash ?? "no content hash")"
                        + (dataset.testPath.map { "; test file `\($0)`, \(dataset.testContentHash ?? "no content hash")" } ?? "") + ")"
                }
                    .joined(separator: ", ") + ".\n\n"
        }
        // A grid of datasets names each dataset where a grid of tasks has the task and length.
        let byDataset = !spec.datasets.isEmpty
        let problemHeader = byDataset ? "| dataset |" : "| task | T |"
        let problemRule = byDataset ? "|---|" : "|---|---|"
        func problemCells(_ problem: GridProblem) -> String {
            switch problem {
            case .task(let task, let length): "| \(task.rawValue) | \(length) |"
            case .dataset(let name): "| \(name) |"
            }
        }
        text += "\(problemHeader) variant | solved / finished | not finished | median time to solve | median CPU time to solve |\n"
        text += "\(problemRule)---|---|---|---|---|\n"
        for group in groups(outcomes, spec: spec) {
            text += "\(problemCells(group.problem)) \(group.variant) | \(group.solved) / \(group.run) | "
                + "\(group.cells - group.run) | \(group.medianSecondsToSolve.map(formatSeconds) ?? "–") | "
                + "\(group.medianCPUSecondsToSolve.map(formatSeconds) ?? "–") |\n"
        }
        text += "\n\(problemHeader) seed | variant | status | solved | iterations | CG steps | wall time | CPU time | final test error | peak memory | stop reason |\n"
        text += "\(problemRule)---|---|---|---|---|---|---|---|---|---|---|\n"
        for outcome in outcomes {
            let cell = outcome.cell
            let cells: [String] = [
                "\(cell.seed)", cell.variant.name, outcome.status.rawValue,
                outcome.solved.map { $0 ? "yes" : "no" } ?? "–",
                outcome.iterations.map(String.init) ?? "–", outcome.cgSteps.map(String.init) ?? "–",
                outcome.wallSeconds.map(formatSeconds) ?? "–", outcome.cpuSeconds.map(formatSeconds) ?? "–",
                outcome.finalTestError.map { String(format: "%.2f %%", 100 * $0) } ?? "–",
                outcome.peakMemoryBytes.map { String(format: "%.0f MB", Double($0) / 1_048_576) } ?? "–",
                outcome.stopReason.map { $0.description.replacingOccurrences(of: "|", with: "\\|") } ?? "–",
            ]
            text += problemCells(cell.problem) + " " + cells.joined(separator: " | ") + " |\n"
        }
        return text
    }

    static func formatSeconds(_ seconds: Double) -> String {
        seconds < 120 ? String(format: "%.0f s", seconds)
            : seconds < 7200 ? String(format: "%.1f min", seconds / 60) : String(format: "%.2f h", seconds / 3600)
    }
}
