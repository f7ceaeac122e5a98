import DataFiles
import Diagnostics
import FirstOrder
import Foundation
import HDF5IO
import Linalg
import SequenceModel
import Training

/// A first-order run's checkpoint: the layout of `TrainingCheckpoint` (format, version, precision,
/// parameters/, config/) with the first-order optimizer's state in optimizer/ and its own
/// history/ columns; `optimizer.method` names the method (documented in checkpoints/README.md).
public struct FirstOrderCheckpoint<Scalar: BLASScalar & HDF5Element> {
    public var config: TrainingConfig
    public var network: RecurrentNetwork
    public var parameters: [Scalar]
    public var state: FirstOrderState<Scalar>
    public var history: [FirstOrderRecord]
    public var elapsedSeconds: Double

    public init(config: TrainingConfig, network: RecurrentNetwork, parameters: [Scalar], state: FirstOrderState<Scalar>,
                history: [FirstOrderRecord], elapsedSeconds: Double) {
        self.config = config
        self.network = network
        self.parameters = parameters
        self.state = state
        self.history = history
        self.elapsedSeconds = elapsedSeconds
    }

    public init(_ trainer: FirstOrderTrainer<Scalar>) {
        self.init(config: trainer.config, network: trainer.network, parameters: trainer.parameters,
                  state: trainer.state, history: trainer.history, elapsedSeconds: trainer.elapsedSeconds)
    }

    /// Written atomically like `TrainingCheckpoint.save(to:)`.
    public func save(to path: String) throws {
        try CheckpointFile<Scalar>.createFolder(for: path)
        try AtomicFile.write(try image(name: path), to: path)
    }

    private func image(name path: String) throws -> [UInt8] {
        guard let run = config.firstOrder else { throw HFRNNError("\(path): the run has no first-order optimizer") }
        let file = try CheckpointFile<Scalar>.createInMemory(name: path)
        try CheckpointFile<Scalar>(file: file, path: path)
            .writeHeaderAndParameters(parameters, network: network, formatVersion: TrainingCheckpoint<Scalar>.formatVersion)

        try file.createGroup("optimizer")
        try file.setAttribute("method", to: state.method.rawValue, on: "optimizer")
        try file.setAttribute("step", to: Int64(state.step), on: "optimizer")
        try file.setAttribute("skipped_steps", to: Int64(state.skippedSteps), on: "optimizer")
        try file.setAttribute("elapsed_seconds", to: elapsedSeconds, on: "optimizer")
        try file.write(state.rng.state, shape: [state.rng.state.count], to: "optimizer/rng_state")
        for (name, vector) in Self.vectors(of: state) {
            try file.write(vector, shape: [vector.count], to: "optimizer/\(name)")
        }

        try file.createGroup("config")
        try file.setAttribute("training", to: try JSONFormat.string(config), on: "config")
        try file.setAttribute("network", to: try JSONFormat.string(network), on: "config")
        try file.setAttribute("optimizer", to: try JSONFormat.string(run.optimizer), on: "config")

        try file.createGroup("history")
        for (name, values) in FirstOrderHistoryColumns.doubles(history) {
            try file.write(values, shape: [values.count], to: "history/\(name)")
        }
        for (name, values) in FirstOrderHistoryColumns.integers(history) {
            try file.write(values, shape: [values.count], to: "history/\(name)")
        }
        return try CheckpointFile<Scalar>.sealedImage(of: file)
    }

    /// The state vectors `method` keeps, by dataset name.
    static func vectors(of state: FirstOrderState<Scalar>) -> [(String, [Scalar])] {
        switch state.method {
        case .sgd: return []
        case .nesterov: return [("velocity", state.velocity)]
        case .adam: return [("first_moment", state.firstMoment), ("second_moment", state.secondMoment)]
        }
    }

    /// Reads and checks a first-order checkpoint; every problem is one line naming the file.
    public static func load(from path: String) throws -> FirstOrderCheckpoint<Scalar> {
        let file = try HDF5File.open(path)
        defer { try? file.close() }
        let stored = CheckpointFile<Scalar>(file: file, path: path)
        let fail = stored.fail
        let version = try stored.readHeader(formatVersion: TrainingCheckpoint<Scalar>.formatVersion)
        // First-order checkpoints exist from format 2 on: their configuration is snake_case.
        guard version >= 2 else { throw fail("a format-\(version) checkpoint cannot hold a first-order run") }

        let config: TrainingConfig = try decodeJSON(try file.stringAttribute("training", on: "config"), path: path, keys: .snakeCase)
        if let issue = config.issue { throw fail("stored training configuration is invalid: \(issue)") }
        guard let run = config.firstOrder else { throw fail("stored training configuration has no first-order optimizer") }
        let storedMethod = try file.stringAttribute("method", on: "optimizer")
        guard storedMethod == run.method.rawValue else {
            throw fail("optimizer method is '\(storedMethod)' but the stored configuration trains with \(run.method.rawValue)")
        }
        let network = try stored.readNetwork(config: config, keys: .snakeCase,
                                             maximumLayerSize: TrainingCheckpoint<Scalar>.maximumLayerSize)
        let layout = network.layout
        let parameters = try stored.readParameters(network: network)
        let rng = try stored.readRNG()
        var state = FirstOrderState<Scalar>(parameterCount: 0, config: run.optimizer, rng: rng)
        state.step = try stored.counter("step")
        state.skippedSteps = try stored.counter("skipped_steps")
        func stateVector(_ name: String) throws -> [Scalar] {
            try stored.checkVector("optimizer/\(name)", count: layout.count)
            return try file.read("optimizer/\(name)", as: Scalar.self, shape: [layout.count])
        }
        switch run.method {
        case .sgd: break
        case .nesterov: state.velocity = try stateVector("velocity")
        case .adam:
            state.firstMoment = try stateVector("first_moment")
            state.secondMoment = try stateVector("second_moment")
        }
        if let problem = state.mismatch(parameterCount: layout.count, config: run.optimizer) {
            throw fail("optimizer state: \(problem)")
        }
        let elapsed = try stored.elapsedSeconds()

        let columns = try file.shape(of: "history/evaluation")
        let (updates, overflow) = state.step.addingReportingOverflow(state.skippedSteps)
        guard !overflow else { throw fail("optimizer step and skipped_steps are too large to be a count of updates") }
        guard columns.count == 1, columns[0] <= updates else {
            throw fail("history has shape \(columns), more evaluations than the \(updates) updates done")
        }
        let history = try FirstOrderHistoryColumns.read(from: file, count: columns[0], check: stored.checkVector)
        try stored.verifySeal(version: version)
        return FirstOrderCheckpoint(config: config, network: network, parameters: parameters, state: state,
                                    history: history, elapsedSeconds: elapsed)
    }

    /// A trainer that continues this run on `source`; `config` (default: the stored one) may change
    /// only the stop limits, success threshold and folder, as for HF.
    public func makeTrainer(source: any SequenceSource<Scalar>, config: TrainingConfig? = nil,
                            path: String) throws -> FirstOrderTrainer<Scalar> {
        do {
            return try FirstOrderTrainer<Scalar>(config: config ?? self.config, network: network, parameters: parameters,
                                                 state: state, history: history, earlierSeconds: elapsedSeconds,
                                                 source: source)
        } catch let error as HFRNNError {
            throw HFRNNError("\(path): cannot resume: \(error.message)")
        }
    }
}

/// A first-order history as one dataset per column, named as in curves.csv.
enum FirstOrderHistoryColumns {
    static func doubles(_ h: [FirstOrderRecord]) -> [(String, [Double])] {
        [("train_loss", h.map(\.trainLoss)), ("test_loss", h.map(\.testLoss)), ("test_error", h.map(\.testError)),
         ("learning_rate", h.map(\.learningRate)), ("momentum", h.map(\.momentum)),
         ("clipped_fraction", h.map(\.clippedFraction)), ("gradient_norm", h.map(\.gradientNorm)),
         ("elapsed_seconds", h.map(\.elapsedSeconds)), ("vanishing_term", h.map(\.vanishingTerm))]
    }

    static func integers(_ h: [FirstOrderRecord]) -> [(String, [Int64])] {
        [("evaluation", h.map { Int64($0.evaluation) }), ("updates", h.map { Int64($0.updates) }),
         ("sequences", h.map { Int64($0.sequences) }), ("skipped_updates", h.map { Int64($0.skippedUpdates) }),
         ("trailing_skipped_updates", h.map { Int64($0.trailingSkippedUpdates) })]
    }

    static func read(from file: HDF5File, count: Int, check: (String, Int) throws -> Void) throws -> [FirstOrderRecord] {
        var doubles: [String: [Double]] = [:], integers: [String: [Int64]] = [:]
        for (name, _) in Self.doubles([]) {
            // Histories written before vanishing_term existed read it as NaN (no regulariser).
            if name == "vanishing_term", !(try file.exists("history/\(name)")) {
                doubles[name] = [Double](repeating: .nan, count: count)
                continue
            }
            try check("history/\(name)", count)
            doubles[name] = try file.read("history/\(name)", as: Double.self, shape: [count])
        }
        for (name, _) in Self.integers([]) {
            // Histories written before trailing_skipped_updates existed read it as 0.
            if name == "trailing_skipped_updates", !(try file.exists("history/\(name)")) {
                integers[name] = [Int64](repeating: 0, count: count)
                continue
            }
            try check("history/\(name)", count)
            integers[name] = try file.read("history/\(name)", as: Int64.self, shape: [count])
        }
        return (0..<count).map { (k: Int) -> FirstOrderRecord in
            func real(_ name: String) -> Double { doubles[name]![k] }
            func whole(_ name: String) -> Int { Int(integers[name]![k]) }
            return FirstOrderRecord(
                evaluation: whole("evaluation"), updates: whole("updates"), sequences: whole("sequences"),
                trainLoss: real("train_loss"), testLoss: real("test_loss"), testError: real("test_error"),
                learningRate: real("learning_rate"), momentum: real("momentum"),
                clippedFraction: real("clipped_fraction"), gradientNorm: real("gradient_norm"),
                skippedUpdates: whole("skipped_updates"), elapsedSeconds: real("elapsed_seconds"),
                trailingSkippedUpdates: whole("trailing_skipped_updates"), vanishingTerm: real("vanishing_term"))
        }
    }
}

/// The optimizer a checkpoint was written by: its `optimizer` group's `method` attribute, nil for
/// Hessian-free (HF checkpoints carry no such attribute). Unknown names are one error line.
public func checkpointFirstOrderMethod(_ path: String) throws -> FirstOrderMethod? {
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    guard try file.exists("optimizer"), try file.hasAttribute("method", on: "optimizer") else { return nil }
    let name = try file.stringAttribute("method", on: "optimizer")
    if name == "hf" { return nil }
    guard let method = FirstOrderMethod(rawValue: name) else {
        throw HFRNNError("\(path): optimizer method '\(name)' is unknown (hf, "
                         + FirstOrderMethod.allCases.map(\.rawValue).joined(separator: ", ") + ")")
    }
    return method
}
