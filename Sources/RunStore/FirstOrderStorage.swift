import DataFiles
import Diagnostics
import FirstOrder
import HDF5IO
import Linalg
import Training

// A first-order run in its checkpoint: the method's counters and vectors in /optimizer, its
// FirstOrderConfig in config/optimizer, one history column per `FirstOrderRecord` field
// (`FirstOrderHistory`).

extension FirstOrderTraining: StoredMethod where Scalar: HDF5Element {
    public static func methodName(_ settings: FirstOrderRunConfig) -> String { settings.method.rawValue }

    public static func optimizerJSON(_ settings: FirstOrderRunConfig) throws -> String {
        try JSONFormat.string(settings.optimizer)
    }

    public static func write(_ state: FirstOrderState<Scalar>, to file: HDF5File) throws {
        try file.setAttribute("step", to: Int64(state.step), on: "optimizer")
        try file.setAttribute("skipped_steps", to: Int64(state.skippedSteps), on: "optimizer")
        for (name, vector) in vectors(of: state) {
            try file.write(vector, shape: [vector.count], to: "optimizer/\(name)")
        }
    }

    /// The state vectors `method` keeps, by dataset name.
    static func vectors(of state: FirstOrderState<Scalar>) -> [(String, [Scalar])] {
        switch state.method {
        case .sgd: return []
        case .nesterov: return [("velocity", state.velocity)]
        case .adam: return [("first_moment", state.firstMoment), ("second_moment", state.secondMoment)]
        }
    }

    public static func write(_ history: [FirstOrderRecord], to file: HDF5File) throws {
        try FirstOrderHistory.columns.write(history, to: file)
    }

    public static func readConfig(from stored: CheckpointFile<Scalar>, version: Int64) throws -> TrainingConfig {
        let file = stored.file
        // First-order checkpoints exist from format 2 on: their configuration is snake_case.
        guard version >= 2 else { throw stored.fail("a format-\(version) checkpoint cannot hold a first-order run") }
        let text = try LegacyTrainingConfig.upgraded(try file.stringAttribute("training", on: "config"), version: version,
                                             keys: .snakeCase, path: stored.path)
        let config: TrainingConfig = try decodeJSON(text, "training configuration", path: stored.path, keys: .snakeCase)
        if let issue = config.issue { throw stored.fail("stored training configuration is invalid: \(issue.storedDescription)") }
        // That the configuration trains with a first-order method at all, `Checkpoint.load` checks.
        let storedMethod = try file.stringAttribute("method", on: "optimizer")
        if let run = config.firstOrder, storedMethod != run.method.rawValue {
            throw stored.fail("optimizer method is '\(storedMethod)' but the stored configuration trains with \(run.method.rawValue)")
        }
        return config
    }

    public static func readState(from stored: CheckpointFile<Scalar>, settings: FirstOrderRunConfig,
                                 parameterCount: Int) throws -> FirstOrderState<Scalar> {
        var state = FirstOrderState<Scalar>(parameterCount: 0, config: settings.optimizer)
        state.step = try stored.counter("step")
        state.skippedSteps = try stored.counter("skipped_steps")
        func stateVector(_ name: String) throws -> [Scalar] {
            try stored.checkVector("optimizer/\(name)", count: parameterCount)
            return try stored.file.read("optimizer/\(name)", as: Scalar.self, shape: [parameterCount])
        }
        switch settings.method {
        case .sgd: break
        case .nesterov: state.velocity = try stateVector("velocity")
        case .adam:
            state.firstMoment = try stateVector("first_moment")
            state.secondMoment = try stateVector("second_moment")
        }
        if let problem = state.mismatch(parameterCount: parameterCount, config: settings.optimizer) {
            throw stored.fail("optimizer state: \(problem)")
        }
        return state
    }

    public static func readHistory(from stored: CheckpointFile<Scalar>, state: FirstOrderState<Scalar>,
                                   config: TrainingConfig, version: Int64) throws -> [FirstOrderRecord] {
        let columns = try stored.file.shape(of: "history/evaluation")
        let (updates, overflow) = state.step.addingReportingOverflow(state.skippedSteps)
        guard !overflow else { throw stored.fail("optimizer step and skipped_steps are too large to be a count of updates") }
        guard columns.count == 1, columns[0] <= updates else {
            throw stored.fail("history has shape \(columns), more evaluations than the \(updates) updates done")
        }
        return try FirstOrderHistory.read(from: stored, count: columns[0])
    }

    public static func storedHistory(_ history: [FirstOrderRecord]) -> StoredHistory { .firstOrder(history) }

    public static func rejectedSteps(_ state: FirstOrderState<Scalar>) -> Int { state.skippedSteps }

    public static func nextLambda(_ state: FirstOrderState<Scalar>) -> Double? { nil }
}

/// The optimizer a checkpoint was written by: its `optimizer` group's `method` attribute, nil for
/// Hessian-free (HF checkpoints carry no such attribute). Unknown names are one error line.
public func checkpointFirstOrderMethod(_ path: String) throws -> FirstOrderMethod? {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    return try storedFirstOrderMethod(in: file, path: path)
}

/// `checkpointFirstOrderMethod` on a file already open: the one place that reads the method's name.
func storedFirstOrderMethod(in file: HDF5File, path: String) throws -> FirstOrderMethod? {
    guard try file.exists("optimizer"), try file.hasAttribute("method", on: "optimizer") else { return nil }
    let name = try file.stringAttribute("method", on: "optimizer")
    if name == MethodSettings.hessianFreeName { return nil }
    guard let method = FirstOrderMethod(rawValue: name) else {
        throw HFRNNError.file(path, "optimizer method '\(name)' is unknown (hf, "
                              + FirstOrderMethod.allCases.map(\.rawValue).joined(separator: ", ") + ")")
    }
    return method
}
