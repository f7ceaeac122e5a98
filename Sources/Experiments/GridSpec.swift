import DataFiles
import Diagnostics
import Foundation
import Tasks
import Training

// An experiment: a grid of tasks × lengths × seeds × variants, or of dataset files × seeds ×
// variants, each cell one ordinary training run with a per-cell budget. The spec is stored as
// `experiment.json` in the experiment folder when the grid is created, so continuing or summarising
// a grid needs only the folder.

/// The grid and its per-cell budget. JSON schema (docs/experiments.md): snake_case keys, a format
/// name and version. Version 2 added `datasets`, version 3 `processor_budget_seconds_by_length` and
/// `excluded_cells`, version 4 `kept_network_lengths`, version 5 a variant's `shared_from`; a spec
/// is written with the lowest version
/// that holds it (a grid of tasks with one budget stays version 1), so that an older hfrnn
/// continues it, and refuses what it could not honour.
public struct GridSpec: Codable, Equatable, Sendable {
    public static let formatName = "hfrnn-experiment"
    public static let formatVersion = 5
    /// The versions this hfrnn reads.
    public static let readableVersions = 1...5

    public var tasks: [PathologicalTask]
    public var lengths: [Int]
    /// Dataset files, each trained on as `hfrnn train --dataset` does; a grid has tasks (with
    /// lengths) or datasets, not both.
    public var datasets: [GridDataset] = []
    public var seeds: [UInt64]
    public var variants: [GridVariant]
    /// Training wall time per cell, over all its sessions (nil: no time budget).
    public var timeBudgetSeconds: Double?
    /// Processor time (user + system) per cell, over all its sessions (nil: none). Fairer than
    /// wall time on a shared machine.
    public var processorBudgetSeconds: Double? = nil
    /// Processor time per cell of the lengths listed, over all its sessions: a T = 200 cell may need
    /// hours where a T = 30 one needs minutes. Other lengths use `processorBudgetSeconds`. Task grids
    /// only; empty: none.
    public var processorBudgetSecondsByLength: [Int: Double] = [:]
    /// Cells left out of the product (none: every task × length × seed × variant).
    public var excludedCells: [GridExclusion] = []
    /// Lengths whose solved cells keep their final checkpoint in `networks/`, committed with the
    /// results, so that those networks can be evaluated later on any machine (run folders are not
    /// committed). Task grids only; empty: none. Changes no cell's numbers.
    public var keptNetworkLengths: [Int] = []
    /// Iterations per cell — HF iterations, or updates of a first-order variant (nil: no iteration
    /// budget). At least one budget must be set.
    public var maxIterations: Int?

    public init(tasks: [PathologicalTask], lengths: [Int], seeds: [UInt64], variants: [GridVariant],
                timeBudgetSeconds: Double?, maxIterations: Int?, processorBudgetSeconds: Double? = nil,
                processorBudgetSecondsByLength: [Int: Double] = [:], excludedCells: [GridExclusion] = [],
                datasets: [GridDataset] = [], keptNetworkLengths: [Int] = []) {
        self.tasks = tasks
        self.lengths = lengths
        self.datasets = datasets
        self.seeds = seeds
        self.variants = variants
        self.timeBudgetSeconds = timeBudgetSeconds
        self.maxIterations = maxIterations
        self.processorBudgetSeconds = processorBudgetSeconds
        self.processorBudgetSecondsByLength = processorBudgetSecondsByLength
        self.excludedCells = excludedCells
        self.keptNetworkLengths = keptNetworkLengths
    }

    /// The processor budget of a cell of `problem`: its length's, or the grid's (nil: none).
    public func processorBudgetSeconds(for problem: GridProblem) -> Double? {
        if case .task(_, let length) = problem, let budget = processorBudgetSecondsByLength[length] { return budget }
        return processorBudgetSeconds
    }

    /// Options a variant may not set: the runner sets them for every cell.
    public static let reservedOptions = ["--task", "--length", "-T", "--seed", "--dataset", "--test-dataset",
                                         "--run-name", "--checkpoint-dir", "--time-limit", "--max-iterations",
                                         "--processor-time-limit", "--threads"]

    /// A budget in seconds: positive, and not beyond the longest a run may be given.
    static func isValidBudget(_ seconds: Double) -> Bool { seconds > 0 && seconds <= TrainingConfig.longestDurationSeconds }

    /// The first problem with the spec, as one line, or nil.
    public var problem: String? { issue?.requirement }

    /// The first problem with the spec, with the spec key it concerns (so that the command line can
    /// name the flag that set it), or nil.
    public var issue: FieldIssue? {
        if !datasets.isEmpty {
            if !tasks.isEmpty { return Self.specIssue("datasets", "a grid trains on tasks or on datasets, not both") }
            if !lengths.isEmpty {
                return Self.specIssue("lengths",
                                      "lengths apply to tasks, not to datasets (a dataset's sequences have the lengths of its file): give no lengths")
            }
        } else {
            if tasks.isEmpty { return Self.specIssue("tasks", "the grid has no task or dataset") }
            if lengths.isEmpty { return Self.specIssue("lengths", "the grid has no length") }
        }
        if seeds.isEmpty { return Self.specIssue("seeds", "the grid has no seed") }
        if variants.isEmpty { return Self.specIssue("variants", "the grid has no variant") }
        if let task = firstRepeat(tasks) { return Self.specIssue("tasks", "task '\(task.rawValue)' is listed twice") }
        for dataset in datasets {
            let allowed = dataset.name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
            if dataset.name.isEmpty || dataset.name.hasPrefix(".") || !allowed {
                return Self.specIssue("datasets",
                                      "dataset name '\(dataset.name)' must be letters, digits, '-', '_' and '.', not starting with '.'")
            }
            if dataset.path.isEmpty || dataset.testPath?.isEmpty == true {
                return Self.specIssue("datasets", "dataset '\(dataset.name)' has an empty path")
            }
        }
        if let name = firstRepeat(datasets.map(\.name)) {
            return Self.specIssue("datasets",
                                  "two datasets are named '\(name)' (a dataset's name is its file's name without extension unless the spec names it)")
        }
        if let length = firstRepeat(lengths) { return Self.specIssue("lengths", "length \(length) is listed twice") }
        if let seed = firstRepeat(seeds) { return Self.specIssue("seeds", "seed \(seed) is listed twice") }
        if seeds.count > Self.largestSeedCount {
            return Self.specIssue("seeds", "\(seeds.count) seeds; a grid takes at most \(Self.largestSeedCount)")
        }
        // The product is what costs (100,000 lengths hung the runner); counted before exclusions.
        // No key of its own, so the message names no flag.
        let problemCount = datasets.isEmpty ? tasks.count * lengths.count : datasets.count
        let (cellCount, overflow) = problemCount.multipliedReportingOverflow(by: seeds.count * variants.count)
        if overflow || cellCount > Self.largestCellCount {
            return Self.specIssue("cells", "the grid has \(overflow ? "more than \(Int.max)" : "\(cellCount)") cells "
                                  + "(\(datasets.isEmpty ? "tasks × lengths" : "datasets") × seeds × variants); a grid takes at most "
                                  + "\(Self.largestCellCount)")
        }
        for task in tasks {
            for length in lengths {
                do { _ = try TaskSpec(task: task, minimumLength: length) } catch {
                    return Self.specIssue("lengths",
                                          "\(error)")
                }
            }
        }
        var names = Set<String>()
        for variant in variants {
            let allowed = variant.name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }
            if variant.name.isEmpty || !allowed {
                return Self.specIssue("variants",
                                      "variant name '\(variant.name)' must be non-empty lowercase letters, digits and '-'")
            }
            if !names.insert(variant.name).inserted {
                return Self.specIssue("variants",
                                      "variant '\(variant.name)' is listed twice")
            }
            if let shared = variant.sharedFrom {
                if !variant.options.isEmpty {
                    return Self.specIssue("variants",
                                          "variant '\(variant.name)' is shared from another grid, whose variant gives its options: give it none")
                }
                if shared.experiment.isEmpty || shared.variant.isEmpty {
                    return Self.specIssue("variants",
                                          "variant '\(variant.name)' is shared from an experiment or variant with an empty name")
                }
                if !datasets.isEmpty {
                    return Self.specIssue("variants",
                                          "variant '\(variant.name)': shared variants are for grids of tasks, not of datasets")
                }
            }
            for option in variant.options {
                let flag = String(option.split(separator: "=", maxSplits: 1).first ?? "")
                // "-T8" is "-T 8": a short option may carry its value.
                if let reserved = Self.reservedOptions.first(where: { $0 == flag || ($0 == "-T" && flag.hasPrefix("-T")) }) {
                    return Self.specIssue("variants",
                                          "variant '\(variant.name)' sets \(reserved), which the experiment sets for every cell")
                }
            }
        }
        for exclusion in excludedCells {
            if exclusion.task == nil && exclusion.length == nil && exclusion.dataset == nil && exclusion.variant == nil {
                return Self.specIssue("excluded_cells",
                                      "an excluded cell names no task, length, dataset or variant: it would leave out every cell")
            }
            if let task = exclusion.task, !tasks.contains(task) {
                return Self.specIssue("excluded_cells",
                                      "an excluded cell names task '\(task.rawValue)', which the grid does not have")
            }
            if let length = exclusion.length, !lengths.contains(length) {
                return Self.specIssue("excluded_cells",
                                      "an excluded cell names length \(length), which the grid does not have")
            }
            if let name = exclusion.dataset, dataset(named: name) == nil {
                return Self.specIssue("excluded_cells",
                                      "an excluded cell names dataset '\(name)', which the grid does not have")
            }
            if let name = exclusion.variant, !variants.contains(where: { $0.name == name }) {
                return Self.specIssue("excluded_cells",
                                      "an excluded cell names variant '\(name)', which the grid does not have")
            }
            if (exclusion.task != nil || exclusion.length != nil) && exclusion.dataset != nil {
                return Self.specIssue("excluded_cells",
                                      "an excluded cell names a task or length and a dataset: it matches no cell")
            }
        }
        if !excludedCells.isEmpty && cells.isEmpty {
            return Self.specIssue("excluded_cells",
                                  "the excluded cells leave the grid without a cell")
        }
        if !processorBudgetSecondsByLength.isEmpty {
            if !datasets.isEmpty {
                return Self.specIssue("processor_budget_seconds_by_length",
                                      "processor budgets by length are for grids of tasks, not of datasets")
            }
            for (length, budget) in processorBudgetSecondsByLength.sorted(by: { $0.key < $1.key }) {
                if !lengths.contains(length) {
                    return Self.specIssue("processor_budget_seconds_by_length",
                                          "a processor budget is given for length \(length), which the grid does not have")
                }
                if !Self.isValidBudget(budget) {
                    return Self.specIssue("processor_budget_seconds_by_length",
                                          "the processor-time budget of length \(length) must be positive and at most a year, got \(budget) s")
                }
            }
        }
        if !keptNetworkLengths.isEmpty {
            if !datasets.isEmpty {
                return Self.specIssue("kept_network_lengths",
                                      "kept network lengths are for grids of tasks, not of datasets")
            }
            if let length = keptNetworkLengths.first(where: { !lengths.contains($0) }) {
                return Self.specIssue("kept_network_lengths",
                                      "networks are to be kept at length \(length), which the grid does not have")
            }
            if let length = firstRepeat(keptNetworkLengths) {
                return Self.specIssue("kept_network_lengths",
                                      "kept network length \(length) is listed twice")
            }
        }
        if timeBudgetSeconds == nil && maxIterations == nil && processorBudgetSeconds == nil {
            if processorBudgetSecondsByLength.isEmpty {
                return Self.specIssue("budgets",
                                      "give a per-cell budget: a time budget, a processor-time budget, an iteration budget, or several")
            }
            if let length = lengths.sorted().first(where: { processorBudgetSecondsByLength[$0] == nil }) {
                return Self.specIssue("processor_budget_seconds_by_length",
                                      "length \(length) has no budget: give it a processor budget, or give one for every length")
            }
        }
        if let processorBudgetSeconds, !Self.isValidBudget(processorBudgetSeconds) {
            return Self.specIssue("processor_budget_seconds",
                                  "the processor-time budget must be positive and at most a year, got \(processorBudgetSeconds) s")
        }
        if let timeBudgetSeconds, !Self.isValidBudget(timeBudgetSeconds) {
            return Self.specIssue("time_budget_seconds",
                                  "the time budget must be positive and at most a year, got \(timeBudgetSeconds) s")
        }
        if let maxIterations, maxIterations < 1 {
            return Self.specIssue("max_iterations",
                                  "the iteration budget must be at least 1, got \(maxIterations)")
        }
        return nil
    }

    /// The most seeds a grid may have: 10,000, more than any study needs (a damaged spec's 99,999
    /// cells ran on as asked).
    public static let largestSeedCount = 10_000
    /// The most cells a grid may have: far beyond any study (the paper's figure has 152), and few
    /// enough that reading and summarizing them stays quick.
    public static let largestCellCount = 10_000

    /// The longest spec file read: 16 MiB, a thousand times a 10,000-seed grid's.
    static let largestSpecBytes = 1 << 24

    /// A problem with the value under `key` of experiment.json.
    private static func specIssue(_ key: String, _ requirement: String) -> FieldIssue {
        FieldIssue(field: key, requirement: requirement)
    }

    /// What the cells train on, in the order of the results: by length, then task; or the datasets.
    public var problems: [GridProblem] { problemsByLength.flatMap { $0 } }

    /// The problems in groups that run seed by seed: one group per length, or the datasets.
    private var problemsByLength: [[GridProblem]] {
        lengths.sorted().map { length in tasks.map { GridProblem.task($0, length: length) } }
            + (datasets.isEmpty ? [] : [datasets.map { GridProblem.dataset($0.name) }])
    }

    /// Every cell, in the order of the results: length, task (or dataset), variant, seed; without
    /// the excluded ones.
    public var cells: [GridCell] {
        problems.flatMap { problem in
            variants.flatMap { variant in
                seeds.map { GridCell(problem: problem, seed: $0, variant: variant) }
            }
        }.filter(isIncluded)
    }

    /// Whether `cell` is in the grid, not left out by `excludedCells`.
    public func isIncluded(_ cell: GridCell) -> Bool {
        !excludedCells.contains { $0.matches(cell) }
    }

    /// Every cell, in the order they run: shorter sequences first, then seed, task (or dataset) and
    /// variant, so that a grid cut short has every task and variant with the same number of seeds
    /// (give or take one) rather than all seeds of the first tasks and none of the last.
    public var runOrder: [GridCell] {
        problemsByLength.flatMap { group in
            seeds.flatMap { seed in
                group.flatMap { problem in
                    variants.map { GridCell(problem: problem, seed: seed, variant: $0) }
                }
            }
        }.filter(isIncluded)
    }

    /// The grid's dataset of this name.
    public func dataset(named name: String) -> GridDataset? {
        datasets.first { $0.name == name }
    }

    // Spelled in snake_case by JSONFormat's key strategy.
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case format, formatVersion, tasks, lengths, datasets, seeds, variants, timeBudgetSeconds, maxIterations,
             processorBudgetSeconds, processorBudgetSecondsByLength, excludedCells, keptNetworkLengths
    }

    public init(from decoder: any Decoder) throws {
        if let unknown = try decoder.unknownKey(besides: CodingKeys.self) {
            throw GridError("unknown key '\(unknown)'; the keys of a spec are \(CodingKeys.specSpelling)")
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let format = try container.decode(String.self, forKey: .format)
        guard format == Self.formatName else {
            throw GridError("format is '\(format)'; it must be '\(Self.formatName)'")
        }
        let version = try container.decode(Int.self, forKey: .formatVersion)
        guard Self.readableVersions.contains(version) else {
            throw GridError("format_version is \(version); this hfrnn reads versions "
                            + "\(Self.readableVersions.lowerBound) to \(Self.readableVersions.upperBound)")
        }
        // A key of a later version than the spec declares is refused, not ignored: an older
        // reader would drop it, and the grid would run cells its author excluded.
        for (key, introduced) in Self.keysIntroducedAfterVersionOne where version < introduced && container.contains(key) {
            throw GridError("'\(JSONFormat.snakeCase(key.stringValue))' needs format_version \(introduced) or later; "
                            + "the spec says \(version)")
        }
        if version == 1 {
            tasks = try container.decode([PathologicalTask].self, forKey: .tasks)
            lengths = try container.decode([Int].self, forKey: .lengths)
        } else {
            tasks = try container.decodeIfPresent([PathologicalTask].self, forKey: .tasks) ?? []
            lengths = try container.decodeIfPresent([Int].self, forKey: .lengths) ?? []
            datasets = try container.decodeIfPresent([GridDataset].self, forKey: .datasets) ?? []
        }
        seeds = try container.decode([UInt64].self, forKey: .seeds)
        variants = try container.decode([GridVariant].self, forKey: .variants)
        timeBudgetSeconds = try container.decodeIfPresent(Double.self, forKey: .timeBudgetSeconds)
        maxIterations = try container.decodeIfPresent(Int.self, forKey: .maxIterations)
        processorBudgetSeconds = try container.decodeIfPresent(Double.self, forKey: .processorBudgetSeconds)
        // Keys of later versions than the spec's were refused above, so each is read where present.
        if let byLength = try container.decodeIfPresent([String: Double].self, forKey: .processorBudgetSecondsByLength) {
            for (key, budget) in byLength {
                guard let length = Int(key) else {
                    throw GridError("'processor_budget_seconds_by_length' has the key '\(key)', which is not a length")
                }
                processorBudgetSecondsByLength[length] = budget
            }
        }
        excludedCells = try container.decodeIfPresent([GridExclusion].self, forKey: .excludedCells) ?? []
        keptNetworkLengths = try container.decodeIfPresent([Int].self, forKey: .keptNetworkLengths) ?? []
        if version < 5, variants.contains(where: { $0.sharedFrom != nil }) {
            throw GridError("a variant's 'shared_from' needs format_version 5 or later; the spec says \(version)")
        }
    }

    /// The keys later versions added, with the version that added each (`shared_from`, a variant's
    /// key, is checked after the variants are read).
    private static let keysIntroducedAfterVersionOne: [(CodingKeys, Int)] = [
        (.datasets, 2), (.processorBudgetSecondsByLength, 3), (.excludedCells, 3), (.keptNetworkLengths, 4),
    ]

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.formatName, forKey: .format)
        // The lowest version that holds the spec, so that older versions of hfrnn read what they can.
        let needsThree = !processorBudgetSecondsByLength.isEmpty || !excludedCells.isEmpty
        let version = variants.contains(where: { $0.sharedFrom != nil }) ? 5
            : !keptNetworkLengths.isEmpty ? 4 : needsThree ? 3 : datasets.isEmpty ? 1 : 2
        try container.encode(version, forKey: .formatVersion)
        try container.encode(tasks, forKey: .tasks)
        try container.encode(lengths, forKey: .lengths)
        if !datasets.isEmpty { try container.encode(datasets, forKey: .datasets) }
        try container.encode(seeds, forKey: .seeds)
        try container.encode(variants, forKey: .variants)
        try container.encode(timeBudgetSeconds, forKey: .timeBudgetSeconds)
        try container.encode(maxIterations, forKey: .maxIterations)
        try container.encodeIfPresent(processorBudgetSeconds, forKey: .processorBudgetSeconds)
        if !processorBudgetSecondsByLength.isEmpty {
            try container.encode(Dictionary(uniqueKeysWithValues: processorBudgetSecondsByLength.map { ("\($0.key)", $0.value) }),
                                 forKey: .processorBudgetSecondsByLength)
        }
        if !excludedCells.isEmpty { try container.encode(excludedCells, forKey: .excludedCells) }
        if !keptNetworkLengths.isEmpty { try container.encode(keptNetworkLengths, forKey: .keptNetworkLengths) }
    }

    /// Whether `larger` is this grid with cells added and nothing else changed: the same budgets,
    /// every task, length and seed still there, every variant still there with the same options,
    /// and every cell still there (an exclusion may be dropped, not added); kept network lengths may
    /// be added.
    /// Such a spec may replace the stored one: finished cells stay finished, new ones run.
    public func isExtended(by larger: GridSpec) -> Bool { whyNotExtended(by: larger) == nil }

    /// What keeps `larger` from extending this grid (`isExtended(by:)`, whose one rule this is), in
    /// the words of the spec's keys (the first such difference), or nil when it does extend it: the
    /// line that refuses a changed grid says what changed instead of leaving the user to compare two
    /// JSON files.
    public func whyNotExtended(by larger: GridSpec) -> String? {
        func listed<T>(_ missing: [T]) -> String { missing.map { "\($0)" }.joined(separator: ", ") }
        if timeBudgetSeconds != larger.timeBudgetSeconds { return "time_budget_seconds differs" }
        if maxIterations != larger.maxIterations { return "max_iterations differs" }
        if processorBudgetSeconds != larger.processorBudgetSeconds { return "processor_budget_seconds differs" }
        if let length = lengths.first(where: { processorBudgetSecondsByLength[$0] != larger.processorBudgetSecondsByLength[$0] }) {
            return "the processor budget at length \(length) differs"
        }
        for variant in variants where !larger.variants.contains(variant) {
            guard let changed = larger.variants.first(where: { $0.name == variant.name }) else {
                return "variant '\(variant.name)' is missing"
            }
            return changed.sharedFrom != variant.sharedFrom ? "variant '\(variant.name)' is shared from elsewhere"
                : "variant '\(variant.name)' has other options (stored: '\(variant.options.joined(separator: " "))')"
        }
        let missingTasks = tasks.filter { !larger.tasks.contains($0) }
        if !missingTasks.isEmpty { return "tasks \(listed(missingTasks.map(\.rawValue))) are missing" }
        let missingLengths = lengths.filter { !larger.lengths.contains($0) }
        if !missingLengths.isEmpty { return "lengths \(listed(missingLengths)) are missing" }
        let missingSeeds = seeds.filter { !larger.seeds.contains($0) }
        if !missingSeeds.isEmpty { return "seeds \(listed(missingSeeds)) are missing" }
        if let dataset = datasets.first(where: { !larger.datasets.contains($0) }) {
            return "dataset '\(dataset.name)' is missing or changed"
        }
        let missingKept = keptNetworkLengths.filter { !larger.keptNetworkLengths.contains($0) }
        if !missingKept.isEmpty { return "kept_network_lengths \(listed(missingKept)) are missing" }
        if !Set(cells.map(\.name)).isSubset(of: larger.cells.map(\.name)) {
            return "excluded_cells leave out cells the stored grid has"
        }
        return nil
    }

    /// Where in a spec a decoding error is, as its author wrote it: `variants[1].options`.
    private static func specPlace(_ codingPath: [any CodingKey]) -> String {
        codingPath.reduce("") { place, key in
            if let index = key.intValue { return place + "[\(index)]" }
            return (place.isEmpty ? "" : place + ".") + JSONFormat.snakeCase(key.stringValue)
        }
    }

    /// Reads and validates a spec file; every problem is one line naming the file.
    public static func load(from path: String) throws -> GridSpec {
        // A pipe (`--spec <(…)`) is read like a file, up to a size no spec reaches: /dev/zero never ends.
        guard FileManager.default.fileExists(atPath: path), let handle = FileHandle(forReadingAtPath: path),
              let read = try? handle.read(upToCount: Self.largestSpecBytes + 1) else {
            throw GridError("\(path): cannot read the file")
        }
        try? handle.close()
        guard read.count <= Self.largestSpecBytes else {
            throw GridError("\(path): longer than \(Self.largestSpecBytes) bytes, which no grid's spec is")
        }
        let data = read
        let spec: GridSpec
        do {
            spec = try JSONFormat.decoder().decode(GridSpec.self, from: data)
        } catch let error as GridError {
            throw GridError("\(path): \(error)")
        } catch let DecodingError.keyNotFound(key, _) {
            throw GridError("\(path): '\(JSONFormat.snakeCase(key.stringValue))' is missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let place = specPlace(context.codingPath)
            if place.isEmpty { throw GridError("\(path): a spec is one JSON object ({\"format\": \"hfrnn-experiment\", ...})") }
            throw GridError("\(path): '\(place)' has the wrong type")
        } catch let DecodingError.dataCorrupted(context) {
            let place = specPlace(context.codingPath)
            if place.hasPrefix("tasks[") {
                throw GridError("\(path): '\(place)' is not a task (tasks: "
                                + PathologicalTask.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            if !place.isEmpty { throw GridError("\(path): '\(place)' has an invalid value") }
            // Valid JSON whose number does not fit its key (2.5 iterations) is not a syntax error.
            guard (try? JSONSerialization.jsonObject(with: data)) != nil else { throw GridError("\(path): not valid JSON") }
            throw GridError("\(path): valid JSON, but a number does not fit its key (a fraction where a whole "
                            + "number belongs, or out of range)")
        } catch {
            throw GridError("\(path): not a valid experiment spec")
        }
        if let problem = spec.problem { throw GridError("\(path): \(problem)") }
        return spec
    }

    /// The spec as the JSON text stored in an experiment folder.
    public func jsonText() throws -> String {
        try JSONFormat.string(self, pretty: true)
    }
}

/// The first element that occurs twice, or nil.
private func firstRepeat<Element: Hashable>(_ elements: [Element]) -> Element? {
    var seen = Set<Element>()
    return elements.first { !seen.insert($0).inserted }
}

/// An experiment problem, reported as one line.
public struct GridError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
