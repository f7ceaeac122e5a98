import Linalg
import SequenceModel

/// The RNN on a minibatch as an `HFObjective`. A large minibatch (the 10,000-sequence gradient
/// batch of [ISC]) is held as chunks that the evaluator of an `EvaluationWorkspace` visits in turn,
/// so its memory is that of one chunk; the result is the mean over all scored outputs of all
/// chunks. Objectives that share a workspace share those buffers too.
public final class RNNObjective<Scalar: BLASScalar>: HFObjective {
    public let network: RecurrentNetwork
    public let chunks: [SequenceBatch<Scalar>]
    /// N_c / N: each chunk's share of the scored outputs.
    private let chunkWeights: [Scalar]
    private let workspace: EvaluationWorkspace<Scalar>
    private let owner: Int
    /// One evaluator per chunk, kept bound for curvature products (made on first use). They are
    /// separate from the shared one so that evaluating f elsewhere (ρ, line search) on the same
    /// objective never disturbs the point the products refer to.
    private var curvatureEvaluators: [BatchEvaluator<Scalar>] = []
    private var scratch: [Scalar]
    private var scratchFisher: [Scalar] = []

    /// `workspace`: the buffers to evaluate f and ∇f in (default: a workspace of its own).
    public init(network: RecurrentNetwork, chunks: [SequenceBatch<Scalar>], workspace: EvaluationWorkspace<Scalar>? = nil) {
        precondition(!chunks.isEmpty, "an objective needs at least one chunk")
        precondition(workspace.map { $0.network == network } ?? true, "the workspace belongs to another network")
        self.network = network
        self.chunks = chunks
        let scored = chunks.map(\.scoredOutputCount)
        let total = scored.reduce(0, +)
        chunkWeights = scored.map { total > 0 ? $0 / total : 0 }
        self.workspace = workspace ?? EvaluationWorkspace(network: network)
        owner = self.workspace.makeOwner()
        scratch = [Scalar](repeating: 0, count: network.parameterCount)
    }

    /// `batch` as chunks of at most `chunkSize` sequences (default: one chunk).
    public convenience init(network: RecurrentNetwork, batch: SequenceBatch<Scalar>, chunkSize: Int? = nil,
                            workspace: EvaluationWorkspace<Scalar>? = nil) {
        let size = max(1, chunkSize ?? batch.sequenceCount)
        let chunks = size >= batch.sequenceCount ? [batch]
            : stride(from: 0, to: batch.sequenceCount, by: size).map {
                batch.sequences($0..<min($0 + size, batch.sequenceCount))
            }
        self.init(network: network, chunks: chunks, workspace: workspace)
    }

    public var parameterCount: Int { network.parameterCount }

    /// The workspace's evaluator, holding chunk `index`.
    private func evaluator(for index: Int) -> BatchEvaluator<Scalar> {
        workspace.evaluator(owner: owner, chunk: index, batch: chunks[index])
    }

    public func loss(at parameters: [Scalar]) -> Scalar {
        var total: Scalar = 0
        for index in chunks.indices { total += chunkWeights[index] * evaluator(for: index).forward(parameters) }
        return total
    }

    public func lossAndGradient(at parameters: [Scalar], gradient: inout [Scalar]) -> Scalar {
        gradient = [Scalar](repeating: 0, count: parameterCount)
        var total: Scalar = 0
        for index in chunks.indices {
            let chunkEvaluator = evaluator(for: index)
            total += chunkWeights[index] * chunkEvaluator.forward(parameters)
            chunkEvaluator.gradient(into: &scratch)
            Vec.axpy(chunkWeights[index], scratch, &gradient)
        }
        return total
    }

    public func lossGradientAndFisherDiagonal(at parameters: [Scalar], gradient: inout [Scalar],
                                              fisherDiagonal: inout [Scalar]) -> Scalar {
        gradient = [Scalar](repeating: 0, count: parameterCount)
        fisherDiagonal = gradient
        var total: Scalar = 0
        for index in chunks.indices {
            let chunkEvaluator = evaluator(for: index)
            total += chunkWeights[index] * chunkEvaluator.forward(parameters)
            chunkEvaluator.gradient(into: &scratch, fisherDiagonal: &scratchFisher)
            // Each chunk's statistics are normalised by its own N_c; weight N_c/N re-normalises by N.
            Vec.axpy(chunkWeights[index], scratch, &gradient)
            Vec.axpy(chunkWeights[index], scratchFisher, &fisherDiagonal)
        }
        return total
    }

    public func bindCurvature(at parameters: [Scalar]) -> Scalar {
        if curvatureEvaluators.isEmpty {
            curvatureEvaluators = chunks.map { BatchEvaluator(network: network, batch: $0) }
        }
        var total: Scalar = 0
        for (index, chunkEvaluator) in curvatureEvaluators.enumerated() {
            total += chunkWeights[index] * chunkEvaluator.forward(parameters)
        }
        return total
    }

    public func curvatureProduct(_ v: [Scalar], into out: inout [Scalar], structuralWeight: Scalar) {
        precondition(!curvatureEvaluators.isEmpty, "call bindCurvature(at:) before curvatureProduct")
        if chunks.count == 1 {
            curvatureEvaluators[0].curvatureProduct(v, into: &out, structuralWeight: structuralWeight)
            return
        }
        out = [Scalar](repeating: 0, count: parameterCount)
        for (index, chunkEvaluator) in curvatureEvaluators.enumerated() {
            chunkEvaluator.curvatureProduct(v, into: &scratch, structuralWeight: structuralWeight)
            Vec.axpy(chunkWeights[index], scratch, &out)
        }
    }
}
