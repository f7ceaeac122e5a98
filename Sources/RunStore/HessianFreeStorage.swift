import DataFiles
import FirstOrder
import HDF5IO
import HessianFree
import Linalg
import Training

// An HF run in its checkpoint: λ, the warm start and the counters in /optimizer, HFConfig in
// config/optimizer, one history column per `IterationRecord` field (`HessianFreeHistory`).

extension HessianFreeTraining: StoredMethod where Scalar: HDF5Element {
    public static func methodName(_ settings: HFConfig) -> String { MethodSettings.hessianFreeName }

    public static func optimizerJSON(_ settings: HFConfig) throws -> String { try JSONFormat.string(settings) }

    public static func write(_ state: HFState<Scalar>, to file: HDF5File) throws {
        try file.setAttribute("lambda", to: state.lambda, on: "optimizer")
        try file.setAttribute("iteration", to: Int64(state.iteration), on: "optimizer")
        try file.setAttribute("total_cg_iterations", to: Int64(state.totalCGIterations), on: "optimizer")
        try file.setAttribute("rejected_steps", to: Int64(state.rejectedSteps), on: "optimizer")
        try file.setAttribute("nonfinite_steps", to: Int64(state.nonFiniteSteps), on: "optimizer")
        try file.write(state.warmStart, shape: [state.warmStart.count], to: "optimizer/warm_start")
    }

    public static func write(_ history: [IterationRecord], to file: HDF5File) throws {
        try HessianFreeHistory.columns.write(history, to: file)
        try StatusColumns(history).write(to: file)
    }

    public static func readConfig(from stored: CheckpointFile<Scalar>, version: Int64) throws -> TrainingConfig {
        let file = stored.file, path = stored.path
        if let method = try storedFirstOrderMethod(in: file, path: path) {
            throw stored.fail("a first-order checkpoint (\(method.rawValue)), not a Hessian-free one")
        }
        // Format 1 spelled the configuration's keys in camelCase; fields added since take their defaults.
        let keys: JSONFormat.KeyStyle = version == 1 ? .camelCase : .snakeCase
        // A run stored without `sub_batch_size` predates sub-batches: nil keeps its arithmetic.
        var defaults = TrainingConfig(data: .dataset(path: "", testPath: nil))
        defaults.batches.subBatchSize = nil
        let text = try LegacyTrainingConfig.upgraded(try file.stringAttribute("training", on: "config"), version: version,
                                             keys: keys, path: path)
        let config: TrainingConfig = try decodeJSON(text, "training configuration", path: path, defaults: defaults, keys: keys, wholeKeys: ["data"])
        if let issue = config.issue { throw stored.fail("stored training configuration is invalid: \(issue.storedDescription)") }
        return config
    }

    public static func readState(from stored: CheckpointFile<Scalar>, settings: HFConfig,
                                 parameterCount: Int) throws -> HFState<Scalar> {
        let file = stored.file
        try stored.checkVector("optimizer/warm_start", count: parameterCount)
        let warmStart = try file.read("optimizer/warm_start", as: Scalar.self, shape: [parameterCount])
        guard Vec.isFinite(warmStart) else { throw stored.fail("optimizer/warm_start has non-finite values") }
        var state = HFState<Scalar>(parameterCount: parameterCount, config: settings)
        state.lambda = try file.doubleAttribute("lambda", on: "optimizer")
        guard state.lambda > 0 && state.lambda.isFinite else {
            throw stored.fail("optimizer λ = \(state.lambda) is not positive and finite")
        }
        state.warmStart = warmStart
        state.iteration = try stored.counter("iteration")
        state.totalCGIterations = try stored.counter("total_cg_iterations")
        state.rejectedSteps = try stored.counter("rejected_steps")
        state.nonFiniteSteps = try stored.counter("nonfinite_steps")
        return state
    }

    public static func readHistory(from stored: CheckpointFile<Scalar>, state: HFState<Scalar>,
                                   config: TrainingConfig, version: Int64) throws -> [IterationRecord] {
        let columns = try stored.file.shape(of: "history/cg_stop")
        guard columns == [state.iteration] else {
            throw stored.fail("history has " + (columns.count == 1 ? "\(columns[0]) iterations" : "shape \(columns)")
                              + " but the optimizer is at iteration \(state.iteration)")
        }
        return try HessianFreeHistory.read(from: stored, count: state.iteration, version: version,
                                           sequencesPerIteration: config.trainingSequencesPerIteration)
    }

    public static func storedHistory(_ history: [IterationRecord]) -> StoredHistory { .hessianFree(history) }

    public static func rejectedSteps(_ state: HFState<Scalar>) -> Int { state.rejectedSteps }

    public static func nextLambda(_ state: HFState<Scalar>) -> Double? { state.lambda }
}
