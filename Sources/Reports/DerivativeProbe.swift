import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import HessianFree
import Linalg
import SequenceModel
import Training

// `hfrnn probe`: the derivatives the solver works with, at one θ on one minibatch, for checking
// against another implementation (autodiff, finite differences).
//
// Output file layout (every vector split into the parameter blocks W_hx [H, I], W_hh [H, H],
// b_h [H], W_yh [O, H], b_y [O], h_0 [H], as in a checkpoint's /parameters group):
//   /parameters/<block>   θ
//   /gradient/<block>     ∇f(θ) = ∇(data loss) + weight_cost·θ
//   /direction/<block>    v
//   /Gv/<block>           G v, the Gauss-Newton product alone (no damping, no weight cost)
//   /Av/<block>           A v = G v + λ v + λμ·J_tᵀ D'' J_t v + weight_cost·v (what CG multiplies by)
// Root attributes: loss = data loss + ½·weight_cost·‖θ‖², data_loss, lambda, mu, weight_cost,
// scored_outputs (N, which divides loss, gradient and products), sequences, steps,
// format = "hfrnn-probe", format_version = 1, hfrnn_version, precision, network (JSON of the
// network); described in docs/interop.md ("Probe files").

/// Loss, gradient and curvature products of the network at θ on one batch.
public struct DerivativeProbe<Scalar: BLASScalar & HDF5Element> {
    public var network: RecurrentNetwork
    public var parameters: [Scalar]
    public var direction: [Scalar]
    public var gradient: [Scalar]
    public var gaussNewtonProduct: [Scalar]
    public var dampedProduct: [Scalar]
    /// Mean data loss over the scored outputs, and that plus ½·weightCost·‖θ‖².
    public var dataLoss: Double
    public var loss: Double
    public var lambda: Double
    public var mu: Double
    public var weightCost: Double
    public var scoredOutputs: Double
    public var sequences: Int
    public var steps: Int

    /// Evaluates everything on `batch` at `parameters` through the solver's own objective and
    /// operators (`RNNObjective`, `DampedCurvatureOperator`), so the file holds what HF computes.
    public init(network: RecurrentNetwork, parameters: [Scalar], batch: SequenceBatch<Scalar>, direction: [Scalar],
                lambda: Double, mu: Double, weightCost: Double) {
        precondition(parameters.count == network.parameterCount && direction.count == network.parameterCount,
                     "θ and v need \(network.parameterCount) entries")
        self.network = network
        self.parameters = parameters
        self.direction = direction
        self.lambda = lambda
        self.mu = mu
        self.weightCost = weightCost
        scoredOutputs = Double(batch.scoredOutputCount)
        sequences = batch.sequenceCount
        steps = batch.steps

        let objective = RNNObjective(network: network, batch: batch)
        var g = [Scalar](repeating: 0, count: network.parameterCount)
        dataLoss = Double(objective.lossAndGradient(at: parameters, gradient: &g))
        loss = dataLoss + weightCostPenalty(parameters, weightCost: weightCost)
        Vec.axpy(Scalar(weightCost), parameters, &g)
        gradient = g
        _ = objective.bindCurvature(at: parameters)
        var gv = [Scalar](repeating: 0, count: network.parameterCount)
        DampedCurvatureOperator.undamped(objective: objective, weightCost: 0).apply(direction, into: &gv)
        gaussNewtonProduct = gv
        var av = [Scalar](repeating: 0, count: network.parameterCount)
        DampedCurvatureOperator.dampedSystem(objective: objective, lambda: lambda, mu: mu, weightCost: weightCost)
            .apply(direction, into: &av)
        dampedProduct = av
    }

    /// A direction with independent N(0, 1) entries from `seed`.
    public static func gaussianDirection(count: Int, seed: UInt64) -> [Scalar] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Scalar(rng.nextGaussian()) }
    }

    /// Reads a direction: one dataset per parameter block, at the file's root (or, failing that,
    /// in a `/direction` group, so a probe output can be fed back). Shapes must match `network`.
    public static func readDirection(from path: String, network: RecurrentNetwork) throws -> [Scalar] {
        let file: HDF5File
        do {
            file = try HDF5File.open(path)
        } catch let error as HDF5Error {
            throw HFRNNError.file(path, error.message)  // what the file is, without HDF5's call stack
        }
        let layout = network.layout
        let names = layout.blocks.map(\.name).joined(separator: ", ")
        let group = try layout.blocks.allSatisfy({ try file.exists($0.name) }) ? ""
            : (try file.exists("direction") ? "direction/" : "")
        var v = [Scalar](repeating: 0, count: layout.count)
        for block in layout.blocks {
            guard try file.exists(group + block.name) else {
                throw HFRNNError.file(path, "no dataset '\(block.name)' (a direction needs one dataset per parameter block: \(names))")
            }
            let shape = try file.shape(of: group + block.name)  // checked before anything is read
            guard shape == block.shape else {
                throw HFRNNError.file(path, "\(block.name) has shape \(shape), the \(network.shape) network needs \(block.shape)")
            }
            v.replaceSubrange(block.range, with: try file.read(group + block.name, as: Scalar.self, shape: block.shape))
        }
        guard v.allSatisfy(\.isFinite) else { throw HFRNNError.file(path, "the direction has values that are not finite") }
        return v
    }

    /// Writes the probe file (layout at the top of this file) atomically: temporary file, then rename.
    public func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let files = try StagedFiles(directory: url.deletingLastPathComponent().path)
        do {
            try files.stage(url.lastPathComponent, bytes: try image(name: path))
            try files.commit()
        } catch {
            files.discard()
            throw error
        }
    }

    /// The probe file's bytes, built in memory.
    private func image(name path: String) throws -> [UInt8] {
        let file = try HDF5File.createInMemory(name: path)
        try file.setAttribute("format", to: probeFormatName)
        try file.setAttribute("format_version", to: Int64(1))
        try file.setAttribute("hfrnn_version", to: hfrnnVersion)
        try file.setAttribute("precision", to: Scalar.self == Float.self ? "float" : "double")
        try file.setAttribute("network", to: try JSONFormat.string(network))
        try file.setAttribute("loss", to: loss)
        try file.setAttribute("data_loss", to: dataLoss)
        try file.setAttribute("lambda", to: lambda)
        try file.setAttribute("mu", to: mu)
        try file.setAttribute("weight_cost", to: weightCost)
        try file.setAttribute("scored_outputs", to: scoredOutputs)
        try file.setAttribute("sequences", to: Int64(sequences))
        try file.setAttribute("steps", to: Int64(steps))
        let groups: [(String, [Scalar])] = [("parameters", parameters), ("gradient", gradient), ("direction", direction),
                                            ("Gv", gaussNewtonProduct), ("Av", dampedProduct)]
        for (group, values) in groups {
            try file.createGroup(group)
            for block in network.layout.blocks {
                try file.write(Array(values[block.range]), shape: block.shape, to: "\(group)/\(block.name)")
            }
        }
        let bytes = try file.image()
        try file.close()
        return bytes
    }
}
