import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import Linalg
import SequenceModel
import Training

/// Everything needed to continue a run exactly, whatever its method: weights, the method's
/// optimizer state, the RNG, the configuration, the history so far and the format version.
/// The HDF5 layout is documented in checkpoints/README.md.
public struct Checkpoint<Method: StoredMethod> {
    public typealias Scalar = Method.Scalar
    /// The newest format this hfrnn reads and writes. A checkpoint is written in the oldest
    /// version that holds it (`writtenVersion`), so that an older hfrnn reads every run whose
    /// meaning it knows and refuses the rest.
    public static var formatVersion: Int64 { 7 }

    /// 7 for runs with bf16 curvature products (an hfrnn that reads only up to 6 would continue
    /// them in float), else 6.
    static func writtenVersion(for config: TrainingConfig) -> Int64 { config.curvatureArithmetic == .float ? 6 : 7 }

    public var config: TrainingConfig
    public var network: RecurrentNetwork
    public var parameters: [Scalar]
    public var state: Method.State
    /// The trainer's RNG: the next minibatch is drawn from it.
    public var rng: SeededGenerator
    public var history: [Method.Record]
    public var elapsedSeconds: Double

    // MARK: Writing

    /// Writes the checkpoint to `path` atomically: a temporary file in the same folder, flushed
    /// and fsynced, then renamed over `path` (and the folder fsynced). A crash at any instant
    /// leaves either the old file or the new one, never a partial file; a failed save removes
    /// its temporary file and leaves the old checkpoint as it was. The folder must exist: a run's
    /// is made once, before its first step (`RunFolder.prepare`).
    public func save(to path: String) throws {
        try save(to: path, beforeRename: { _ in })
    }

    /// `save(to:)` with a hook that runs after the temporary file is complete, just before the
    /// rename; it receives the temporary path. Tests throw from it to simulate an interrupted save.
    func save(to path: String, beforeRename: (String) throws -> Void) throws {
        try AtomicFile.write(try image(name: path), to: path, beforeRename: beforeRename)
    }

    /// The checkpoint file's bytes, built in memory.
    private func image(name path: String) throws -> [UInt8] {
        let settings: Method.Settings
        do {
            settings = try Method.settings(of: config)
        } catch let error as HFRNNError {
            throw error.reported(at: path, "")
        }
        let file = try CheckpointFile<Scalar>.createInMemory(name: path)
        try CheckpointFile<Scalar>(file: file, path: path)
            .writeHeaderAndParameters(parameters, network: network, formatVersion: Self.writtenVersion(for: config))

        try file.createGroup("optimizer")
        try file.setAttribute("method", to: Method.methodName(settings), on: "optimizer")
        try Method.write(state, to: file)
        try file.setAttribute("elapsed_seconds", to: elapsedSeconds, on: "optimizer")
        try file.write(rng.state, shape: [rng.state.count], to: "optimizer/rng_state")

        try file.createGroup("config")
        try file.setAttribute("training", to: try JSONFormat.string(config), on: "config")
        try file.setAttribute("network", to: try JSONFormat.string(network), on: "config")
        try file.setAttribute("optimizer", to: try Method.optimizerJSON(settings), on: "config")

        try file.createGroup("history")
        try Method.write(history, to: file)
        return try CheckpointFile<Scalar>.sealedImage(of: file)
    }

    // MARK: Reading

    /// Reads and checks a checkpoint; every problem is a one-line `HFRNNError` or `HDF5Error`
    /// naming the file. The file is opened read-only and never modified.
    public static func load(from path: String) throws -> Checkpoint {
        let file = try HDF5File.open(path)
        defer { try? file.close() }
        let stored = CheckpointFile<Scalar>(file: file, path: path)
        let version = try stored.readHeader(formatVersion: formatVersion)
        let config = try Method.readConfig(from: stored, version: version)
        // Format 1 spelled its JSON keys in camelCase.
        let network = try stored.readNetwork(config: config, keys: version == 1 ? .camelCase : .snakeCase,
                                             maximumLayerSize: maximumLayerSize)
        let parameters = try stored.readParameters(network: network)
        let settings: Method.Settings
        do {
            settings = try Method.settings(of: config)
        } catch let error as HFRNNError {
            throw error.reported(at: path, "stored training configuration: ")
        }
        let state = try Method.readState(from: stored, settings: settings, parameterCount: network.layout.count)
        let rng = try stored.readRNG()
        let elapsed = try stored.elapsedSeconds()
        let history = try Method.readHistory(from: stored, state: state, config: config, version: version)
        try stored.verifySeal(version: version)
        return Checkpoint(config: config, network: network, parameters: parameters, state: state, rng: rng,
                          history: history, elapsedSeconds: elapsed)
    }

    /// Layer sizes a checkpoint may declare (a 2²⁰ × 2²⁰ recurrent matrix is far beyond any run).
    static var maximumLayerSize: Int { NetworkShape.largestLayer }

    // MARK: Resuming

    /// A trainer that continues this checkpoint's run on `source` exactly where it stopped.
    /// `config` defaults to the stored one; a resumed session may change its stop limits, success
    /// threshold and checkpoint folder, nothing that affects the arithmetic. Errors (the data does not fit the
    /// stored network, say) are one line naming `path`, the checkpoint's file.
    public func makeTrainer(source: any SequenceSource<Scalar>, config: TrainingConfig? = nil,
                            path: String, group: any WorkerGroup = SingleWorker(),
                            threads: ComputeThreads = .single) throws -> Trainer<Method> {
        do {
            return try Trainer(config: config ?? self.config, network: network, parameters: parameters, state: state,
                               rng: rng, history: history, earlierSeconds: elapsedSeconds, source: source,
                               group: group, threads: threads)
        } catch let error as HFRNNError {
            throw error.reported(at: path, "cannot resume: ")
        }
    }
}

// In an extension, so that the memberwise initialiser stays: internal, since outside this module a
// checkpoint is made from a trainer or read from a file (`load`).
extension Checkpoint {
    public init(_ trainer: Trainer<Method>) {
        self.init(config: trainer.config, network: trainer.network, parameters: trainer.parameters,
                  state: trainer.state, rng: trainer.rng, history: trainer.history,
                  elapsedSeconds: trainer.elapsedSeconds)
    }
}

/// A stored JSON document (`what`, as messages call it), or one line naming the file and where
/// decoding failed.
func decodeJSON<T: Decodable>(_ text: String, _ what: String, path: String, keys: JSONFormat.KeyStyle) throws -> T {
    do {
        return try JSONFormat.decoder(keys: keys).decode(T.self, from: Data(text.utf8))
    } catch {
        throw HFRNNError.file(path, "stored \(what) is not readable: \(describeDecodingError(error))")
    }
}

/// As above, with every key the document lacks taken from `defaults` (see `JSONFormat.decode`).
func decodeJSON<T: Codable>(_ text: String, _ what: String, path: String, defaults: T, keys: JSONFormat.KeyStyle,
                            wholeKeys: Set<String>) throws -> T {
    do {
        return try JSONFormat.decode(text, defaults: defaults, keys: keys, wholeKeys: wholeKeys)
    } catch {
        throw HFRNNError.file(path, "stored \(what) is not readable: \(describeDecodingError(error))")
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
