import HDF5IO
import Linalg
import Training

/// A method's learning curves as one numeric dataset per column of `/history` (h5py-friendly),
/// declared once per method (`HessianFreeHistory.columns`, `FirstOrderHistory.columns`): the
/// column's name, how a record gives its value, and what the column reads as in checkpoints
/// written before it existed (nil: every checkpoint of the method has it).
struct HistoryColumns<Record> {
    struct Column<Value> {
        let name: String
        let value: (Record) -> Value
        let absent: Value?

        init(_ name: String, absent: Value? = nil, _ value: @escaping (Record) -> Value) {
            self.name = name
            self.value = value
            self.absent = absent
        }
    }

    let reals: [Column<Double>]
    let integers: [Column<Int64>]

    /// Writes every column of `history` into the existing `/history` group, reals first.
    func write(_ history: [Record], to file: HDF5File) throws {
        for column in reals {
            try file.write(history.map(column.value), shape: [history.count], to: "history/\(column.name)")
        }
        for column in integers {
            try file.write(history.map(column.value), shape: [history.count], to: "history/\(column.name)")
        }
    }

    /// The columns of `count` records, each one's shape checked before it is read; an absent
    /// column reads as its `absent` value, or is an error naming it when it has none.
    func read<Scalar: BLASScalar & HDF5Element>(from stored: CheckpointFile<Scalar>, count: Int) throws -> StoredColumns {
        var columns = StoredColumns()
        func read<Value: HDF5Element>(_ column: Column<Value>) throws -> [Value] {
            let path = "history/\(column.name)"
            if let absent = column.absent, !(try stored.file.exists(path)) {
                return [Value](repeating: absent, count: count)
            }
            try stored.checkVector(path, count: count)
            columns.present.insert(column.name)
            return try stored.file.read(path, as: Value.self, shape: [count])
        }
        for column in reals { columns.reals[column.name] = try read(column) }
        for column in integers { columns.integers[column.name] = try read(column) }
        return columns
    }
}

/// The numeric columns of a stored history, by name, for a method to build its records from.
struct StoredColumns {
    var reals: [String: [Double]] = [:]
    var integers: [String: [Int64]] = [:]
    /// The columns the file has (the others were read as their `absent` values).
    var present: Set<String> = []

    /// Record `k`'s value in a column the method declared (a name it did not declare is a bug).
    func real(_ name: String, _ k: Int) -> Double { reals[name]![k] }
    func integer(_ name: String, _ k: Int) -> Int { Int(integers[name]![k]) }

    /// Throws naming the first value of column `name` (if the file has it) for which `holds` is
    /// false: reports, grids and resumes take these numbers as they are (a test error of −1 made
    /// a run "solved" and a grid's results.csv unreadable).
    func require<Scalar>(_ name: String, _ rule: String, in stored: CheckpointFile<Scalar>,
                         _ holds: (Double) -> Bool) throws {
        guard present.contains(name) else { return }
        let values = reals[name] ?? integers[name]!.map(Double.init)
        if let k = values.firstIndex(where: { !holds($0) }) {
            throw stored.fail("history/\(name)[\(k)] is \(values[k]); \(rule)")
        }
    }

    /// Throws unless column `name` counts up (each value above the one before).
    func requireIncreasing<Scalar>(_ name: String, in stored: CheckpointFile<Scalar>) throws {
        guard present.contains(name), let values = integers[name] else { return }
        if let k = values.indices.dropFirst().first(where: { values[$0] <= values[$0 - 1] }) {
            throw stored.fail("history/\(name)[\(k)] is \(values[k]) after \(values[k - 1]); it must count up")
        }
    }

    /// The checks every history shares: test errors are fractions, times and counts not negative.
    func requireCommonRanges<Scalar>(in stored: CheckpointFile<Scalar>, counts: [String]) throws {
        try require("test_error", "a test error is in [0, 1]", in: stored) { (0...1).contains($0) }
        try require("elapsed_seconds", "a time is finite and not negative", in: stored) { $0.isFinite && $0 >= 0 }
        for name in counts { try require(name, "a count is not negative", in: stored) { $0 >= 0 } }
    }
}

/// HF's history: one column per `IterationRecord` number; how CG ended and the step's decision are
/// `StatusColumns` (text and their values).
enum HessianFreeHistory {
    static var columns: HistoryColumns<IterationRecord> {
        HistoryColumns(
            reals: [
                .init("train_loss", \.trainLoss),
                // Checkpoints from before train_objective stored the objective as train_loss (below).
                .init("train_objective", absent: .nan, \.trainObjective),
                .init("test_loss", \.testLoss), .init("test_error", \.testError), .init("lambda", \.lambda),
                .init("lambda_next", \.lambdaNext), .init("rho", \.rho), .init("step_size", \.stepSize),
                .init("elapsed_seconds", \.elapsedSeconds),
                // Columns added after format 2's first checkpoints: absent means not recorded.
                .init("test_step_error", absent: .nan, \.testStepError),
                .init("test_loss_relative", absent: .nan, \.testLossRelative),
                .init("processor_seconds", absent: .nan, \.processorSeconds),
            ],
            integers: [
                .init("iteration") { Int64($0.iteration) }, .init("cg_iterations") { Int64($0.cgIterations) },
                .init("backtrack_iteration") { Int64($0.backtrackIteration) },
                .init("line_search_tries", absent: 0) { Int64($0.lineSearchTries) },
                // Histories written before it existed read it as iterations × the run's sequences
                // per iteration (`read`), which is what it records.
                .init("sequences", absent: -1) { Int64($0.sequences) },
            ])
    }

    /// Reads `count` records from a checkpoint of format `version` of a run that draws
    /// `sequencesPerIteration` training sequences per iteration.
    static func read<Scalar: BLASScalar & HDF5Element>(from stored: CheckpointFile<Scalar>, count: Int,
                                                       version: Int64, sequencesPerIteration: Int) throws -> [IterationRecord] {
        let c = try columns.read(from: stored, count: count)
        try c.requireCommonRanges(in: stored, counts: ["cg_iterations", "sequences"])
        for name in ["lambda", "lambda_next"] {
            try c.require(name, "λ is positive and finite", in: stored) { $0 > 0 && $0.isFinite }
        }
        let storedSequences = c.present.contains("sequences")
        let statuses = version >= 4 ? try StatusColumns.read(from: stored, count: count)
                                    : try LegacyStatusSentences.read(from: stored, count: count)
        let separateObjective = c.present.contains("train_objective")
        // Without a sequences column the count is derived: a damaged iteration must not overflow it.
        var derivedSequences = [Int](repeating: 0, count: storedSequences ? 0 : count)
        for k in derivedSequences.indices {
            let iteration = c.integer("iteration", k)
            let (sequences, overflow) = iteration.multipliedReportingOverflow(by: sequencesPerIteration)
            guard iteration >= 0, !overflow else {
                throw stored.fail("history/iteration[\(k)] is \(iteration), not an iteration count")
            }
            derivedSequences[k] = sequences
        }
        try c.requireIncreasing("iteration", in: stored)
        return (0..<count).map { k in
            IterationRecord(
                iteration: c.integer("iteration", k),
                trainLoss: separateObjective ? c.real("train_loss", k) : .nan,
                trainObjective: separateObjective ? c.real("train_objective", k) : c.real("train_loss", k),
                testLoss: c.real("test_loss", k), testError: c.real("test_error", k), lambda: c.real("lambda", k),
                lambdaNext: c.real("lambda_next", k), rho: c.real("rho", k), cgIterations: c.integer("cg_iterations", k),
                cgStop: statuses[k].cgStop, backtrackIteration: c.integer("backtrack_iteration", k),
                stepSize: c.real("step_size", k), decision: statuses[k].decision,
                elapsedSeconds: c.real("elapsed_seconds", k), lineSearchTries: c.integer("line_search_tries", k),
                testStepError: c.real("test_step_error", k), testLossRelative: c.real("test_loss_relative", k),
                processorSeconds: c.real("processor_seconds", k),
                sequences: storedSequences ? c.integer("sequences", k) : derivedSequences[k])
        }
    }
}

/// A first-order history: one column per `FirstOrderRecord` field, named as in curves.csv.
enum FirstOrderHistory {
    static var columns: HistoryColumns<FirstOrderRecord> {
        HistoryColumns(
            reals: [
                .init("train_loss", \.trainLoss), .init("test_loss", \.testLoss), .init("test_error", \.testError),
                .init("learning_rate", \.learningRate), .init("momentum", \.momentum),
                .init("clipped_fraction", \.clippedFraction), .init("gradient_norm", \.gradientNorm),
                .init("elapsed_seconds", \.elapsedSeconds),
                // Histories written before the regulariser existed read it as NaN (none).
                .init("vanishing_term", absent: .nan, \.vanishingTerm),
                // Histories written before first-order runs recorded it read it as NaN (unknown).
                .init("processor_seconds", absent: .nan, \.processorSeconds),
            ],
            integers: [
                .init("evaluation") { Int64($0.evaluation) }, .init("updates") { Int64($0.updates) },
                .init("sequences") { Int64($0.sequences) }, .init("skipped_updates") { Int64($0.skippedUpdates) },
                // Histories written before it existed read it as 0.
                .init("trailing_skipped_updates", absent: 0) { Int64($0.trailingSkippedUpdates) },
            ])
    }

    static func read<Scalar: BLASScalar & HDF5Element>(from stored: CheckpointFile<Scalar>, count: Int) throws
        -> [FirstOrderRecord] {
        let c = try columns.read(from: stored, count: count)
        try c.requireCommonRanges(in: stored, counts: ["updates", "sequences", "skipped_updates", "trailing_skipped_updates"])
        try c.requireIncreasing("evaluation", in: stored)
        try c.requireIncreasing("updates", in: stored)
        return (0..<count).map { k in
            FirstOrderRecord(
                evaluation: c.integer("evaluation", k), updates: c.integer("updates", k), sequences: c.integer("sequences", k),
                trainLoss: c.real("train_loss", k), testLoss: c.real("test_loss", k), testError: c.real("test_error", k),
                learningRate: c.real("learning_rate", k), momentum: c.real("momentum", k),
                clippedFraction: c.real("clipped_fraction", k), gradientNorm: c.real("gradient_norm", k),
                skippedUpdates: c.integer("skipped_updates", k), elapsedSeconds: c.real("elapsed_seconds", k),
                trailingSkippedUpdates: c.integer("trailing_skipped_updates", k), vanishingTerm: c.real("vanishing_term", k),
                processorSeconds: c.real("processor_seconds", k))
        }
    }
}
