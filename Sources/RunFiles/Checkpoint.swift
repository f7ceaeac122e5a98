import DataFiles
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
    public static var formatVersion: Int64 { 2 }

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

    public init(_ trainer: Trainer<Scalar>) {
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
        let directory = AtomicFile.folder(of: path)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.file(directory, "cannot create the checkpoint folder: \(error.localizedDescription)")
        }
        try AtomicFile.write(try image(name: path), to: path, beforeRename: beforeRename)
    }

    /// The checkpoint file's bytes, built in memory.
    private func image(name path: String) throws -> [UInt8] {
        let file = try HDF5File.createInMemory(name: path)
        try file.setAttribute("format", to: "hfrnn-checkpoint")
        try file.setAttribute("format_version", to: Self.formatVersion)
        try file.setAttribute("hfrnn_version", to: hfrnnVersion)
        try file.setAttribute("precision", to: Scalar.self == Float.self ? "float" : "double")

        try file.createGroup("parameters")
        for block in network.layout.blocks {
            try file.write(Array(parameters[block.range]), shape: block.shape, to: "parameters/\(block.name)")
        }

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
        let columns = HistoryColumns(history)
        for (name, values) in columns.doubles { try file.write(values, shape: [values.count], to: "history/\(name)") }
        for (name, values) in columns.integers { try file.write(values, shape: [values.count], to: "history/\(name)") }
        // Text columns grow with the run: one string per iteration, as 1-D datasets like the numbers.
        try file.writeStrings(history.map(\.cgStop.reason), to: "history/cg_stop")
        try file.writeStrings(history.map(\.decision.reason), to: "history/decision")
        let bytes = try file.image()
        try file.close()
        return bytes
    }

    // MARK: Reading

    /// Reads and checks a checkpoint; every problem is a one-line `TrainingError` or `HDF5Error`
    /// naming the file. The file is opened read-only and never modified.
    public static func load(from path: String) throws -> TrainingCheckpoint<Scalar> {
        let file = try HDF5File.open(path)
        defer { try? file.close() }
        func fail(_ message: String) -> TrainingError { TrainingError.file(path, "\(message)") }
        guard try file.hasAttribute("format"), (try? file.stringAttribute("format")) == "hfrnn-checkpoint" else {
            throw fail("not an hfrnn checkpoint (no format = 'hfrnn-checkpoint' attribute)")
        }
        let version = try file.int64Attribute("format_version")
        guard (1...formatVersion).contains(version) else {
            throw fail("checkpoint format version \(version) is not supported (this hfrnn reads versions 1 to \(formatVersion))")
        }
        let precision = try file.stringAttribute("precision")
        let expected = Scalar.self == Float.self ? "float" : "double"
        guard precision == expected else { throw fail("checkpoint precision is \(precision), expected \(expected)") }
        if (try? file.hasAttribute("method", on: "optimizer")) == true,
           let method = try? file.stringAttribute("method", on: "optimizer"), method != "hf" {
            throw fail("a \(method) checkpoint, not a Hessian-free one")
        }

        // Format 1 spelled the configuration's keys in camelCase; fields added since take their defaults.
        let keys: JSONFormat.KeyStyle = version == 1 ? .camelCase : .snakeCase
        let config: TrainingConfig = try decodeJSON(try file.stringAttribute("training", on: "config"), path: path,
                                                    defaults: TrainingConfig(data: .dataset(path: "", testPath: nil)),
                                                    keys: keys, wholeKeys: ["data"])
        if let problem = config.validationError { throw fail("stored training configuration is invalid: \(problem)") }
        let network: RecurrentNetwork = try decodeJSON(try file.stringAttribute("network", on: "config"), path: path,
                                                       keys: keys)
        let sizes = [network.shape.inputs, network.shape.hidden, network.shape.outputs]
        // Bounded so that the layout arithmetic cannot overflow; the stored blocks must match anyway.
        guard sizes.allSatisfy({ (1...Self.maximumLayerSize).contains($0) }) else {
            throw fail("stored network \(network.shape) has a size outside 1...\(Self.maximumLayerSize)")
        }
        guard network.shape.hidden == config.hiddenUnits else {
            throw fail("stored network \(network.shape) does not have the configured \(config.hiddenUnits) hidden units")
        }
        let layout = network.layout
        // Every dataset's shape is checked before it is read: a corrupted dimension must not
        // make the read allocate (HDF5IO also refuses shapes larger than the stored data).
        func vector(_ name: String, count: Int) throws -> [Int] {
            let shape = try file.shape(of: name)
            guard shape == [count] else {
                throw fail("\(name) has " + (shape.count == 1 ? "\(shape[0]) entries" : "shape \(shape)") + ", expected \(count)")
            }
            return shape
        }
        var blocks: [[Scalar]] = []
        for block in layout.blocks {
            let shape = try file.shape(of: "parameters/\(block.name)")
            guard shape == block.shape else {
                throw fail("parameters/\(block.name) has shape \(shape), the \(network.shape) network needs \(block.shape)")
            }
            let values = try file.read("parameters/\(block.name)", as: Scalar.self, shape: block.shape)
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("parameters/\(block.name) has \(values[bad]) at index \(bad); a network with non-finite parameters is unusable")
            }
            blocks.append(values)
        }
        let parameters = Array(blocks.joined())

        _ = try vector("optimizer/warm_start", count: layout.count)
        let warmStart = try file.read("optimizer/warm_start", as: Scalar.self, shape: [layout.count])
        guard Vec.isFinite(warmStart) else { throw fail("optimizer/warm_start has non-finite values") }
        let rngWords = 4  // xoshiro256** state
        guard try file.shape(of: "optimizer/rng_state") == [rngWords],
              let rng = SeededGenerator(state: try file.read("optimizer/rng_state", as: UInt64.self, shape: [rngWords])) else {
            throw fail("optimizer/rng_state is not a valid generator state (\(rngWords) words, not all zero)")
        }
        var state = HFState<Scalar>(parameterCount: layout.count, config: config.optimizer, rng: rng)
        state.lambda = try file.doubleAttribute("lambda", on: "optimizer")
        guard state.lambda > 0 && state.lambda.isFinite else { throw fail("optimizer λ = \(state.lambda) is not positive and finite") }
        state.warmStart = warmStart
        func counter(_ name: String) throws -> Int {
            let value = try file.int64Attribute(name, on: "optimizer")
            guard value >= 0 else { throw fail("optimizer \(name) = \(value) is negative") }
            return Int(value)
        }
        state.iteration = try counter("iteration")
        state.totalCGIterations = try counter("total_cg_iterations")
        state.rejectedSteps = try counter("rejected_steps")
        state.nonFiniteSteps = try counter("nonfinite_steps")
        let elapsed = try file.doubleAttribute("elapsed_seconds", on: "optimizer")
        guard elapsed >= 0 && elapsed.isFinite else { throw fail("optimizer elapsed_seconds = \(elapsed) is not a duration") }

        let stored = try file.shape(of: "history/cg_stop")
        guard stored == [state.iteration] else {
            throw fail("history has " + (stored.count == 1 ? "\(stored[0]) iterations" : "shape \(stored)")
                       + " but the optimizer is at iteration \(state.iteration)")
        }
        let cgStops = try file.readStrings("history/cg_stop", count: state.iteration)
        _ = try vector("history/decision", count: state.iteration)
        let decisions = try file.readStrings("history/decision", count: state.iteration)
        let history = try HistoryColumns.read(from: file, count: state.iteration, cgStops: cgStops, decisions: decisions,
                                              check: vector)
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
                            path: String) throws -> Trainer<Scalar> {
        do {
            return try Trainer<Scalar>(config: config ?? self.config, network: network, parameters: parameters,
                                       state: state, history: history, earlierSeconds: elapsedSeconds, source: source)
        } catch let error as TrainingError {
            throw error.reported(at: path, "cannot resume: ")
        }
    }
}


/// A stored JSON document, or one line naming the file and where decoding failed.
func decodeJSON<T: Decodable>(_ text: String, path: String, keys: JSONFormat.KeyStyle) throws -> T {
    do {
        return try JSONFormat.decoder(keys: keys).decode(T.self, from: Data(text.utf8))
    } catch {
        throw TrainingError.file(path, "stored \(T.self) is not readable: \(describeDecodingError(error))")
    }
}

/// As above, with every key the document lacks taken from `defaults` (see `JSONFormat.decode`).
func decodeJSON<T: Codable>(_ text: String, path: String, defaults: T, keys: JSONFormat.KeyStyle,
                            wholeKeys: Set<String>) throws -> T {
    do {
        return try JSONFormat.decode(text, defaults: defaults, keys: keys, wholeKeys: wholeKeys)
    } catch {
        throw TrainingError.file(path, "stored \(T.self) is not readable: \(describeDecodingError(error))")
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
