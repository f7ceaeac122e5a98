import Tasks
import Training

/// A named set of extra `hfrnn train` options, e.g. "undamped" = ["--no-structural-damping"];
/// or a variant whose cells another grid runs (`sharedFrom`).
public struct GridVariant: Codable, Equatable, Sendable {
    public var name: String
    public var options: [String]
    /// Where this variant's cells are run: the same task, length and seed of another grid's
    /// variant, under the same budget. This grid lists them and never runs them, so two grids that
    /// need the same runs (a comparison and the paper's figure, say) share them instead of running
    /// them twice. Nil for a variant this grid runs.
    public var sharedFrom: SharedCells? = nil

    public init(name: String, options: [String], sharedFrom: SharedCells? = nil) {
        self.name = name
        self.options = options
        self.sharedFrom = sharedFrom
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, options, sharedFrom
    }

    public init(from decoder: any Decoder) throws {
        // A misspelt "shared_from" would otherwise leave a variant of default options that runs.
        if let unknown = try decoder.unknownKey(besides: CodingKeys.self) {
            throw GridError("a variant has the unknown key '\(unknown)'; its keys are \(CodingKeys.specSpelling)")
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        options = try container.decode([String].self, forKey: .options)
        sharedFrom = try container.decodeIfPresent(SharedCells.self, forKey: .sharedFrom)
    }

    /// The `--optimizer` its options give (hf when none).
    public var optimizerName: String {
        for (index, option) in options.enumerated() {
            if option == "--optimizer", index + 1 < options.count { return options[index + 1] }
            if option.hasPrefix("--optimizer=") { return String(option.dropFirst("--optimizer=".count)) }
        }
        return MethodSettings.hessianFreeName
    }

    /// Whether the variant trains with a first-order method (`--optimizer` other than hf).
    public var isFirstOrder: Bool { optimizerName != MethodSettings.hessianFreeName }

    /// What one step of the variant's runs is called.
    public var stepUnit: StepUnit { isFirstOrder ? .update : .iteration }
}

/// The grid whose cells a shared variant lists (`GridVariant.sharedFrom`).
public struct SharedCells: Codable, Equatable, Sendable {
    /// That grid's experiment folder, relative to this grid's folder (e.g. "../paper-figure").
    public var experiment: String
    /// That grid's variant.
    public var variant: String

    public init(experiment: String, variant: String) {
        self.experiment = experiment
        self.variant = variant
    }
}

/// What a cell trains on: a generated task at a minimum length, or a dataset file.
public enum GridProblem: Hashable, Sendable {
    case task(PathologicalTask, length: Int)
    /// The grid's dataset of this name.
    case dataset(String)

    /// As the cell names spell it: "addition-T30", or the dataset's name.
    public var name: String {
        switch self {
        case .task(let task, let length): "\(task.rawValue)-T\(length)"
        case .dataset(let name): name
        }
    }

    /// As the figures title it: "addition T = 30", or "dataset sums".
    public var title: String {
        switch self {
        case .task(let task, let length): "\(task.rawValue) T = \(length)"
        case .dataset(let name): "dataset \(name)"
        }
    }
}

/// One run of the grid.
public struct GridCell: Equatable, Sendable {
    public var problem: GridProblem
    public var seed: UInt64
    public var variant: GridVariant

    public init(problem: GridProblem, seed: UInt64, variant: GridVariant) {
        self.problem = problem
        self.seed = seed
        self.variant = variant
    }

    public init(task: PathologicalTask, length: Int, seed: UInt64, variant: GridVariant) {
        self.init(problem: .task(task, length: length), seed: seed, variant: variant)
    }

    /// The task of a task cell (nil for a dataset cell).
    public var task: PathologicalTask? {
        if case .task(let task, _) = problem { return task }
        return nil
    }

    /// The minimum length of a task cell (nil for a dataset cell).
    public var length: Int? {
        if case .task(_, let length) = problem { return length }
        return nil
    }

    /// The dataset's name of a dataset cell (nil for a task cell).
    public var dataset: String? {
        if case .dataset(let name) = problem { return name }
        return nil
    }

    /// The run folder's name inside the experiment's `runs/` folder: "addition-T30-seed1-damped",
    /// or for a dataset "sums-seed1-damped".
    public var name: String { "\(problem.name)-seed\(seed)-\(variant.name)" }

    /// Whether another grid runs this cell (its variant is shared).
    public var isShared: Bool { variant.sharedFrom != nil }

    /// Why a run of `config` cannot be this cell's (another task, length, seed or optimizer), or
    /// nil: a checkpoint copied into the wrong cell's folder was resumed and reported as that cell.
    public func problem(withRunOf config: TrainingConfig) -> String? {
        var stored: [String] = [], expected: [String] = []
        func compare(_ theirs: String, _ ours: String) {
            if theirs != ours { (stored, expected) = (stored + [theirs], expected + [ours]) }
        }
        switch config.data {
        case .task(let spec): compare(GridProblem.task(spec.task, length: spec.minimumLength).title, problem.title)
        // A dataset cell's file is checked by its content hash on resume.
        case .dataset: if case .task = problem { compare("a dataset", problem.title) }
        }
        compare("seed \(config.seed)", "seed \(seed)")
        compare("--optimizer \(config.optimizerName)", "--optimizer \(variant.optimizerName)")
        guard !stored.isEmpty else { return nil }
        return "holds a run of \(stored.joined(separator: ", ")), not of this cell (\(expected.joined(separator: ", "))); "
            + "move it out of the grid to run the cell from its seed"
    }
}
