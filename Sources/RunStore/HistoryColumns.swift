import HDF5IO
import Linalg
import Training

/// The learning curves as one dataset per column (h5py-friendly); how CG ended and the step's
/// decision are `StatusColumns`.
struct HistoryColumns {
    var doubles: [(String, [Double])]
    var integers: [(String, [Int64])]
    var statuses: StatusColumns

    init(_ history: [IterationRecord]) {
        doubles = [
            ("train_loss", history.map(\.trainLoss)), ("train_objective", history.map(\.trainObjective)),
            ("test_loss", history.map(\.testLoss)),
            ("test_error", history.map(\.testError)), ("lambda", history.map(\.lambda)),
            ("lambda_next", history.map(\.lambdaNext)), ("rho", history.map(\.rho)),
            ("step_size", history.map(\.stepSize)), ("elapsed_seconds", history.map(\.elapsedSeconds)),
            ("test_step_error", history.map(\.testStepError)), ("test_loss_relative", history.map(\.testLossRelative)),
            ("processor_seconds", history.map(\.processorSeconds)),
        ]
        integers = [
            ("iteration", history.map { Int64($0.iteration) }), ("cg_iterations", history.map { Int64($0.cgIterations) }),
            ("backtrack_iteration", history.map { Int64($0.backtrackIteration) }),
            ("line_search_tries", history.map { Int64($0.lineSearchTries) }),
        ]
        statuses = StatusColumns(history)
    }

    /// Writes every column into `/history`.
    func write(to file: HDF5File) throws {
        for (name, values) in doubles { try file.write(values, shape: [values.count], to: "history/\(name)") }
        for (name, values) in integers { try file.write(values, shape: [values.count], to: "history/\(name)") }
        try statuses.write(to: file)
    }

    /// Reads `count` records from a checkpoint of format `version`, each column's shape checked
    /// before it is read.
    static func read<Scalar: BLASScalar & HDF5Element>(from stored: CheckpointFile<Scalar>, count: Int,
                                                       version: Int64) throws -> [IterationRecord] {
        let file = stored.file
        func column<T: HDF5Element>(_ name: String, _: T.Type) throws -> [T] {
            try stored.checkVector("history/\(name)", count: count)
            return try file.read("history/\(name)", as: T.self, shape: [count])
        }
        let (trainLoss, testLoss, testError) = (try column("train_loss", Double.self), try column("test_loss", Double.self),
                                                try column("test_error", Double.self))
        // Checkpoints from before train_objective stored the objective as train_loss.
        let (trainData, trainObjective) = try file.exists("history/train_objective")
            ? (trainLoss, try column("train_objective", Double.self))
            : ([Double](repeating: .nan, count: count), trainLoss)
        let (lambda, lambdaNext, rho) = (try column("lambda", Double.self), try column("lambda_next", Double.self),
                                         try column("rho", Double.self))
        let (stepSize, elapsed) = (try column("step_size", Double.self), try column("elapsed_seconds", Double.self))
        let (iteration, cg) = (try column("iteration", Int64.self), try column("cg_iterations", Int64.self))
        let backtrack = try column("backtrack_iteration", Int64.self)
        // Columns added after format 2's first checkpoints: absent means not recorded.
        func optionalColumn<T: HDF5Element>(_ name: String, missing: T) throws -> [T] {
            try file.exists("history/\(name)") ? column(name, T.self) : [T](repeating: missing, count: count)
        }
        let stepError = try optionalColumn("test_step_error", missing: Double.nan)
        let lossRelative = try optionalColumn("test_loss_relative", missing: Double.nan)
        let processor = try optionalColumn("processor_seconds", missing: Double.nan)
        let tries = try optionalColumn("line_search_tries", missing: Int64(0))
        let statuses = version >= 4 ? try StatusColumns.read(from: stored, count: count)
                                    : try LegacyStatusSentences.read(from: stored, count: count)
        return (0..<count).map { k in
            IterationRecord(iteration: Int(iteration[k]), trainLoss: trainData[k], trainObjective: trainObjective[k],
                            testLoss: testLoss[k],
                            testError: testError[k], lambda: lambda[k], lambdaNext: lambdaNext[k], rho: rho[k],
                            cgIterations: Int(cg[k]), cgStop: statuses[k].cgStop, backtrackIteration: Int(backtrack[k]),
                            stepSize: stepSize[k], decision: statuses[k].decision,
                            elapsedSeconds: elapsed[k], lineSearchTries: Int(tries[k]), testStepError: stepError[k],
                            testLossRelative: lossRelative[k], processorSeconds: processor[k])
        }
    }
}
