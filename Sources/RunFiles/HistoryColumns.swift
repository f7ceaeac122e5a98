import HDF5IO
import Training

/// The learning curves as one dataset per numeric column (h5py-friendly).
struct HistoryColumns {
    var doubles: [(String, [Double])]
    var integers: [(String, [Int64])]

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
            ("accepted", history.map { $0.accepted ? 1 : 0 }),
            ("line_search_tries", history.map { Int64($0.lineSearchTries) }),
        ]
    }

    /// Reads the columns, each checked by `check(name, count)` before it is read.
    static func read(from file: HDF5File, count: Int, cgStops: [String], decisions: [String],
                     check: (String, Int) throws -> Void) throws -> [IterationRecord] {
        func column<T: HDF5Element>(_ name: String, _: T.Type) throws -> [T] {
            try check("history/\(name)", count)
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
        let (backtrack, accepted) = (try column("backtrack_iteration", Int64.self), try column("accepted", Int64.self))
        // Columns added after format 2's first checkpoints: absent means not recorded.
        func optionalColumn<T: HDF5Element>(_ name: String, missing: T) throws -> [T] {
            try file.exists("history/\(name)") ? column(name, T.self) : [T](repeating: missing, count: count)
        }
        let stepError = try optionalColumn("test_step_error", missing: Double.nan)
        let lossRelative = try optionalColumn("test_loss_relative", missing: Double.nan)
        let processor = try optionalColumn("processor_seconds", missing: Double.nan)
        let tries = try optionalColumn("line_search_tries", missing: Int64(0))
        return (0..<count).map { k in
            IterationRecord(iteration: Int(iteration[k]), trainLoss: trainData[k], trainObjective: trainObjective[k],
                            testLoss: testLoss[k],
                            testError: testError[k], lambda: lambda[k], lambdaNext: lambdaNext[k], rho: rho[k],
                            cgIterations: Int(cg[k]), cgStop: CGStop(recorded: cgStops[k]), backtrackIteration: Int(backtrack[k]),
                            stepSize: stepSize[k], accepted: accepted[k] != 0, decision: StepDecision(recorded: decisions[k]),
                            elapsedSeconds: elapsed[k], lineSearchTries: Int(tries[k]), testStepError: stepError[k],
                            testLossRelative: lossRelative[k], processorSeconds: processor[k])
        }
    }
}
