import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import HessianFree
import Linalg
import SequenceModel
import Training

/// Everything needed to continue a run exactly: weights, optimizer state (λ, warm start,
/// counters, RNG), both configs, the history so far and the format version.
/// The HDF5 layout is documented in checkpoints/README.md.
public struct TrainingCheckpoint<Scalar: BLASScalar & HDF5Element> {
    public static var formatVersion: Int64 { 4 }

    public var config: TrainingConfig
    public var network: RecurrentNetwork
    public var parameters: [Scalar]
    public var state: HFState<Scalar>
    public var history: [IterationRecord]
    public var elapsedSeconds: Double

    public init(config: TrainingConfig, network: RecurrentNetwork, parameters: [Scalar], state: HFState<Scalar>,
                history: [IterationRecord], elapsedSeconds: Double) {
        self.config = config
        self.network = network
        self.parameters = parameters
        self.state = state
        self.history = history
        self.elapsedSeconds = elapsedSeconds
    }

    public init(_ trainer: HFTrainer<Scalar>) {
        self.init(config: trainer.config, network: trainer.network, parameters: trainer.parameters,
                  state: trainer.state, history: trainer.history, elapsedSeconds: trainer.elapsedSeconds)
    }

    // MARK: Writing

    /// Writes the checkpoint to `path` atomically: a temporary file in the same folder, flushed
    /// and fsynced, then renamed over `path` (and the folder fsynced). A crash at any instant
    /// leaves either the old file or the new one, never a partial file; a failed save removes
    /// its temporary file and leaves the old checkpoint as it was.
    public func save(to path: String) throws {
        try save(to: path, beforeRename: { _ in })
    }

    /// `save(to:)` with a hook that runs after the temporary file is complete, just before the
    /// rename; it receives the temporary path. Tests throw from it to simulate an interrupted save.
    func save(to path: String, beforeRename: (String) throws -> Void) throws {
        try CheckpointFile<Scalar>.createFolder(for: path)
        try AtomicFile.write(try image(name: path), to: path, beforeRename: beforeRename)
    }

    /// The checkpoint file's bytes, built in memory.
    private func image(name path: String) throws -> [UInt8] {
        let file = try CheckpointFile<Scalar>.createInMemory(name: path)
        try CheckpointFile<Scalar>(file: file, path: path)
            .writeHeaderAndParameters(parameters, network: network, formatVersion: Self.formatVersion)

        try file.createGroup("optimizer")
        try file.setAttribute("method", to: "hf", on: "optimizer")
        try file.setAttribute("lambda", to: state.lambda, on: "optimizer")
        try file.setAttribute("iteration", to: Int64(state.iteration), on: "optimizer")
        try file.setAttribute("total_cg_iterations", to: Int64(state.totalCGIterations), on: "optimizer")
        try file.setAttribute("rejected_steps", to: Int64(state.rejectedSteps), on: "optimizer")
        try file.setAttribute("nonfinite_steps", to: Int64(state.nonFiniteSteps), on: "optimizer")
        try file.setAttribute("elapsed_seconds", to: elapsedSeconds, on: "optimizer")
        try file.write(state.warmStart, shape: [state.warmStart.count], to: "optimizer/warm_start")
        try file.write(state.rng.state, shape: [state.rng.state.count], to: "optimizer/rng_state")

        try file.createGroup("config")
        try file.setAttribute("training", to: try JSONFormat.string(config), on: "config")
        try file.setAttribute("network", to: try JSONFormat.string(network), on: "config")
        try file.setAttribute("optimizer", to: try JSONFormat.string(config.optimizer), on: "config")

        try file.createGroup("history")
        try HistoryColumns(history).write(to: file)
        return try CheckpointFile<Scalar>.sealedImage(of: file)
    }

    // MARK: Reading

    /// Reads and checks a checkpoint; every problem is a one-line `HFRNNError` or `HDF5Error`
    /// naming the file. The file is opened read-only and never modified.
    public static func load(from path: String) throws -> TrainingCheckpoint<Scalar> {
        let file = try HDF5File.open(path)
        defer { try? file.close() }
        let stored = CheckpointFile<Scalar>(file: file, path: path)
        let fail = stored.fail
        let version = try stored.readHeader(formatVersion: formatVersion)
        if let method = try file.optionalStringAttribute("method", on: "optimizer"), method != "hf" {
            throw fail("a \(method) checkpoint, not a Hessian-free one")
        }

        // Format 1 spelled the configuration's keys in camelCase; fields added since take their defaults.
        let keys: JSONFormat.KeyStyle = version == 1 ? .camelCase : .snakeCase
        // A run stored without `sub_batch_size` predates sub-batches: nil keeps its arithmetic.
        var defaults = TrainingConfig(data: .dataset(path: "", testPath: nil))
        defaults.subBatchSize = nil
        let config: TrainingConfig = try decodeJSON(try file.stringAttribute("training", on: "config"), path: path,
                                                    defaults: defaults, keys: keys, wholeKeys: ["data"])
        if let issue = config.issue { throw fail("stored training configuration is invalid: \(issue)") }
        let network = try stored.readNetwork(config: config, keys: keys, maximumLayerSize: Self.maximumLayerSize)
        let layout = network.layout
        let parameters = try stored.readParameters(network: network)

        try stored.checkVector("optimizer/warm_start", count: layout.count)
        let warmStart = try file.read("optimizer/warm_start", as: Scalar.self, shape: [layout.count])
        guard Vec.isFinite(warmStart) else { throw fail("optimizer/warm_start has non-finite values") }
        let rng = try stored.readRNG()
        var state = HFState<Scalar>(parameterCount: layout.count, config: config.optimizer, rng: rng)
        state.lambda = try file.doubleAttribute("lambda", on: "optimizer")
        guard state.lambda > 0 && state.lambda.isFinite else { throw fail("optimizer λ = \(state.lambda) is not positive and finite") }
        state.warmStart = warmStart
        state.iteration = try stored.counter("iteration")
        state.totalCGIterations = try stored.counter("total_cg_iterations")
        state.rejectedSteps = try stored.counter("rejected_steps")
        state.nonFiniteSteps = try stored.counter("nonfinite_steps")
        let elapsed = try stored.elapsedSeconds()

        let columns = try file.shape(of: "history/cg_stop")
        guard columns == [state.iteration] else {
            throw fail("history has " + (columns.count == 1 ? "\(columns[0]) iterations" : "shape \(columns)")
                       + " but the optimizer is at iteration \(state.iteration)")
        }
        let history = try HistoryColumns.read(from: stored, count: state.iteration, version: version)
        try stored.verifySeal(version: version)
        return TrainingCheckpoint(config: config, network: network, parameters: parameters, state: state,
                                  history: history, elapsedSeconds: elapsed)
    }

    /// Layer sizes a checkpoint may declare (a 2²⁰ × 2²⁰ recurrent matrix is far beyond any run).
    static var maximumLayerSize: Int { 1 << 20 }

    // MARK: Resuming

    /// A trainer that continues this checkpoint's run on `source` exactly where it stopped.
    /// `config` defaults to the stored one; a resumed session may change its stop limits, success
    /// threshold and checkpoint folder, nothing that affects the arithmetic. Errors (the data does not fit the
    /// stored network, say) are one line naming `path`, the checkpoint's file.
    public func makeTrainer(source: any SequenceSource<Scalar>, config: TrainingConfig? = nil,
                            path: String, group: any WorkerGroup = SingleWorker(),
                            threads: ComputeThreads = .single) throws -> HFTrainer<Scalar> {
        do {
            return try HFTrainer<Scalar>(config: config ?? self.config, network: network, parameters: parameters,
                                         state: state, history: history, earlierSeconds: elapsedSeconds, source: source,
                                         group: group, threads: threads)
        } catch let error as HFRNNError {
            throw error.reported(at: path, "cannot resume: ")
        }
    }
}


/// A stored JSON document, or one line naming the file and where decoding failed.
func decodeJSON<T: Decodable>(_ text: String, path: String, keys: JSONFormat.KeyStyle) throws -> T {
    do {
        return try JSONFormat.decoder(keys: keys).decode(T.self, from: Data(text.utf8))
    } catch {
        throw HFRNNError.file(path, "stored \(T.self) is not readable: \(describeDecodingError(error))")
    }
}

/// As above, with every key the document lacks taken from `defaults` (see `JSONFormat.decode`).
func decodeJSON<T: Codable>(_ text: String, path: String, defaults: T, keys: JSONFormat.KeyStyle,
                            wholeKeys: Set<String>) throws -> T {
    do {
        return try JSONFormat.decode(text, defaults: defaults, keys: keys, wholeKeys: wholeKeys)
    } catch {
        throw HFRNNError.file(path, "stored \(T.self) is not readable: \(describeDecodingError(error))")
    }
}

/// One line saying where decoding failed and why (`localizedDescription` only says "isn't in the
/// correct format").
func describeDecodingError(_ error: any Error) -> String {
    func at(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? JSONFormat.snakeCase($0.stringValue) }
        return keys.isEmpty ? "" : "at \(keys.joined(separator: ".")): "
    }
    let text: String
    switch error as? DecodingError {
    case .keyNotFound(let key, let context)?: text = "\(at(context))key '\(JSONFormat.snakeCase(key.stringValue))' is missing"
    case .valueNotFound(_, let context)?, .typeMismatch(_, let context)?, .dataCorrupted(let context)?:
        let cause = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
        text = at(context) + context.debugDescription + (cause.map { " (\($0))" } ?? "")
    default: text = "\(error)"
    }
    return String(text.map { $0.isNewline ? " " : $0 })
}
