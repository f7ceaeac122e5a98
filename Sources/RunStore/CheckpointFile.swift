import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import Linalg
import SequenceModel
import Training

/// What every method's checkpoint shares: the root attributes, `/parameters`,
/// `/config`, the RNG state and counters, each written and checked in one place. Every problem is
/// one line naming the file; every dataset's shape is checked before it is read, so a corrupted
/// dimension never makes a read allocate.
public struct CheckpointFile<Scalar: BLASScalar & HDF5Element> {
    let file: HDF5File
    let path: String

    static var precisionName: String { Scalar.self == Float.self ? "float" : "double" }

    func fail(_ message: String) -> HFRNNError { HFRNNError.file(path, message) }

    // MARK: Writing

    /// A new, empty checkpoint file in memory, with room for its seal (`CheckpointSeal`).
    static func createInMemory(name path: String) throws -> HDF5File {
        try HDF5File.createInMemory(name: path, userBlockBytes: CheckpointSeal.userBlockBytes)
    }

    /// The finished checkpoint's bytes, sealed; closes `file`.
    static func sealedImage(of file: HDF5File) throws -> [UInt8] {
        var bytes = try file.image()
        try file.close()
        CheckpointSeal.seal(&bytes)
        return bytes
    }

    /// The root attributes and the parameter blocks.
    func writeHeaderAndParameters(_ parameters: [Scalar], network: RecurrentNetwork, formatVersion: Int64) throws {
        try file.setAttribute("format", to: checkpointFormatName)
        try file.setAttribute("format_version", to: formatVersion)
        try file.setAttribute("hfrnn_version", to: hfrnnVersion)
        try file.setAttribute("precision", to: Self.precisionName)
        try file.setAttribute("blas_kernels", to: BLAS.kernels)
        try file.createGroup("parameters")
        for block in network.layout.blocks {
            try file.write(Array(parameters[block.range]), shape: block.shape, to: "parameters/\(block.name)")
        }
    }

    // MARK: Reading

    /// Checks format, version (1…`formatVersion`) and precision; returns the version.
    /// From format 3 on, the file must also match its seal: `verifySeal` is called last, once
    /// everything was read, so that damage found in a stored value is named as such first.
    func readHeader(formatVersion: Int64) throws -> Int64 {
        guard try file.optionalStringAttribute("format") == checkpointFormatName else { throw notACheckpoint(path, file) }
        let version = try file.int64Attribute("format_version")
        guard (1...formatVersion).contains(version) else {
            throw fail("checkpoint format version \(version) is not supported (this hfrnn reads versions 1 to \(formatVersion))")
        }
        let precision = try file.stringAttribute("precision")
        guard precision == Self.precisionName else {
            throw fail("checkpoint precision is \(precision), expected \(Self.precisionName)")
        }
        return version
    }

    /// Throws unless the file matches its seal; checkpoints before format 3 have none.
    func verifySeal(version: Int64) throws {
        guard version >= 3, let problem = CheckpointSeal.problem(at: path) else { return }
        throw fail("the file is damaged: \(problem)")
    }

    /// The stored network, checked against the configuration's hidden units.
    func readNetwork(config: TrainingConfig, keys: JSONFormat.KeyStyle, maximumLayerSize: Int) throws -> RecurrentNetwork {
        let network: RecurrentNetwork = try decodeJSON(try file.stringAttribute("network", on: "config"), "network", path: path,
                                                       keys: keys)
        let sizes = [network.shape.inputs, network.shape.hidden, network.shape.outputs]
        // Bounded so that the layout arithmetic cannot overflow; the stored blocks must match anyway.
        guard sizes.allSatisfy({ (1...maximumLayerSize).contains($0) }) else {
            throw fail("stored network \(network.shape) has a size outside 1...\(maximumLayerSize)")
        }
        guard network.shape.hidden == config.hiddenUnits else {
            throw fail("stored network \(network.shape) does not have the configured \(config.hiddenUnits) hidden units")
        }
        return network
    }

    /// Checks that `name` is a vector of `count` entries.
    func checkVector(_ name: String, count: Int) throws {
        let shape = try file.shape(of: name)
        guard shape == [count] else {
            throw fail("\(name) has " + (shape.count == 1 ? "\(shape[0]) entries" : "shape \(shape)") + ", expected \(count)")
        }
    }

    /// θ from `/parameters`, block by block, all finite.
    func readParameters(network: RecurrentNetwork) throws -> [Scalar] {
        var parameters: [Scalar] = []
        parameters.reserveCapacity(network.layout.count)
        for block in network.layout.blocks {
            let shape = try file.shape(of: "parameters/\(block.name)")
            guard shape == block.shape else {
                throw fail("parameters/\(block.name) has shape \(shape), the \(network.shape) network needs \(block.shape)")
            }
            // Stored in the checkpoint's own precision: a float32 array under "double" was widened silently.
            let expected = "float\(MemoryLayout<Scalar>.size * 8)"
            let stored = try file.typeName(of: "parameters/\(block.name)")
            guard stored == expected else {
                throw fail("parameters/\(block.name) holds \(stored) values, but the checkpoint's precision needs \(expected)")
            }
            let values = try file.read("parameters/\(block.name)", as: Scalar.self, shape: block.shape)
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("parameters/\(block.name) has \(values[bad]) at index \(bad); a network with non-finite parameters is unusable")
            }
            parameters += values
        }
        return parameters
    }

    /// The generator the next minibatch is drawn from.
    func readRNG() throws -> SeededGenerator {
        let rngWords = 4  // xoshiro256** state
        guard try file.shape(of: "optimizer/rng_state") == [rngWords],
              let rng = SeededGenerator(state: try file.read("optimizer/rng_state", as: UInt64.self, shape: [rngWords])) else {
            throw fail("optimizer/rng_state is not a valid generator state (\(rngWords) words, not all zero)")
        }
        return rng
    }

    /// A non-negative count attribute of `/optimizer`.
    func counter(_ name: String) throws -> Int {
        let value = try file.int64Attribute(name, on: "optimizer")
        guard value >= 0 else { throw fail("optimizer \(name) = \(value) is negative") }
        // Counts of steps times sequences per step must not overflow (2^62 steps trapped).
        guard value <= Self.largestCounter else {
            throw fail("optimizer \(name) = \(value) is beyond any run (at most \(Self.largestCounter))")
        }
        return Int(value)
    }

    /// The largest step count a checkpoint may hold: 2^31 − 1, thousands of times any run's, and
    /// small enough that steps times the largest batch fits an Int.
    static var largestCounter: Int64 { Int64(Int32.max) }

    /// Training wall time over all sessions.
    func elapsedSeconds() throws -> Double {
        let elapsed = try file.doubleAttribute("elapsed_seconds", on: "optimizer")
        guard elapsed >= 0 && elapsed.isFinite else { throw fail("optimizer elapsed_seconds = \(elapsed) is not a duration") }
        return elapsed
    }
}
