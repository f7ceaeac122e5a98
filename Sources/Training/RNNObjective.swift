import HessianFree
import Linalg
import SequenceModel

/// The RNN on a minibatch as an `HFObjective`. The batch is fixed sub-batches (the
/// 10,000-sequence gradient batch of [ISC] as 200 of 50 sequences, say) that the evaluators of an
/// `EvaluationWorkspace` visit in turn, each held in memory or remade when it is loaded
/// (`SubBatch`); the result is the mean over all scored outputs, Σᵢ (Nᵢ/N)·(sub-batch i's mean),
/// summed in sub-batch order.
///
/// With a `WorkerGroup` of several processes each one evaluates only the sub-batches its schedule
/// gives it (the others may be left out of `subBatches`) and the sub-batch results are exchanged
/// before the ordered sum, so every process gets the same bits as one process alone. Objectives
/// that share a workspace share its buffers too.
public final class RNNObjective<Scalar: BLASScalar>: HFObjective {
    public let network: RecurrentNetwork
    /// The sub-batches, in the order their results are summed; nil for those this worker
    /// does not evaluate.
    public let subBatches: [SubBatch<Scalar>?]
    /// Nᵢ / N: each sub-batch's share of the scored outputs.
    private let weights: [Scalar]
    private let group: any WorkerGroup
    private let schedule: SubBatchSchedule
    private let workspace: EvaluationWorkspace<Scalar>
    private let owner: Int
    /// One evaluator per owned sub-batch, kept bound for curvature products (made on first use).
    /// They are separate from the shared one so that evaluating f elsewhere (ρ, line search) on
    /// the same objective never disturbs the point the products refer to.
    private var curvatureEvaluators: [Int: BatchEvaluator<Scalar>] = [:]
    /// The arithmetic of the curvature products' matrix products.
    public let curvatureArithmetic: ProductArithmetic
    private var isBound = false
    /// Per thread of the workspace: the vectors one sub-batch's gradient or product is built in.
    private let scratches: [Scratch]
    private final class Scratch {
        var values: [Scalar]
        var fisher: [Scalar] = []
        init(count: Int) { values = [Scalar](repeating: 0, count: count) }
    }
    private var threads: ComputeThreads { workspace.threads }
    /// The round buffer of sub-batch results (see `WorkerGroup.forEachSubBatch`).
    private var results: [Scalar] = []

    /// `subBatches` evaluated by `group` (default: this process alone, which needs them all);
    /// `workspace`: the buffers to evaluate f and ∇f in (default: a workspace of its own). With
    /// several workers the sub-batches' sizes are exchanged here, so every worker must create its
    /// objectives in the same order.
    public init(network: RecurrentNetwork, subBatches: [SubBatch<Scalar>?], group: any WorkerGroup = SingleWorker(),
                workspace: EvaluationWorkspace<Scalar>? = nil, curvatureArithmetic: ProductArithmetic = .float) {
        precondition(!subBatches.isEmpty, "an objective needs at least one sub-batch")
        self.curvatureArithmetic = curvatureArithmetic
        precondition(workspace.map { $0.network == network } ?? true, "the workspace belongs to another network")
        self.network = network
        self.subBatches = subBatches
        self.group = group
        schedule = Self.schedule(subBatches: subBatches.count, network: network, workers: group.size)
        for index in subBatches.indices where schedule.isOwned(index, by: group.rank) {
            precondition(subBatches[index] != nil, "sub-batch \(index) is this worker's but was left out")
        }
        self.workspace = workspace ?? EvaluationWorkspace(network: network)
        owner = self.workspace.makeOwner()
        let workspaceThreads = self.workspace.threads.count
        scratches = (0..<workspaceThreads).map { _ in Scratch(count: network.parameterCount) }
        var scored = [Scalar](repeating: 0, count: subBatches.count)
        group.forEachSubBatch(schedule, width: 1, buffer: &results,
                             compute: { index, result in result[0] = subBatches[index]!.scoredOutputCount },
                             fold: { index, result in scored[index] = result[0] })
        let total = scored.reduce(0, +)
        weights = scored.map { total > 0 ? $0 / total : 0 }
    }

    /// Which worker evaluates which of `subBatches` sub-batches (the same for every objective of
    /// that many sub-batches, so a worker knows which data it needs before making the objective).
    public static func schedule(subBatches: Int, network: RecurrentNetwork, workers: Int) -> SubBatchSchedule {
        // The widest sub-batch result: loss, gradient and Fisher diagonal.
        SubBatchSchedule(count: subBatches, workers: workers,
                         resultBytes: (2 * network.parameterCount + 1) * MemoryLayout<Scalar>.stride)
    }

    /// Sub-batches held in memory (nil for those `group`'s other workers evaluate).
    public convenience init(network: RecurrentNetwork, subBatches: [SequenceBatch<Scalar>?],
                            group: any WorkerGroup = SingleWorker(), workspace: EvaluationWorkspace<Scalar>? = nil,
                            curvatureArithmetic: ProductArithmetic = .float) {
        self.init(network: network, subBatches: subBatches.map { $0.map(SubBatch.init) }, group: group, workspace: workspace,
                  curvatureArithmetic: curvatureArithmetic)
    }

    /// `batch` as sub-batches of at most `subBatchSize` sequences (default: one).
    public convenience init(network: RecurrentNetwork, batch: SequenceBatch<Scalar>, subBatchSize: Int? = nil,
                            workspace: EvaluationWorkspace<Scalar>? = nil, curvatureArithmetic: ProductArithmetic = .float) {
        self.init(network: network, subBatches: batch.split(into: subBatchSize ?? batch.sequenceCount), workspace: workspace,
                  curvatureArithmetic: curvatureArithmetic)
    }

    /// The sequences of the sub-batches this process evaluates.
    public var heldSubBatches: [SequenceBatch<Scalar>] { subBatches.compactMap { $0?.batch } }

    public var parameterCount: Int { network.parameterCount }

    /// Thread `thread`'s evaluator in the workspace, holding sub-batch `index`.
    private func evaluator(for index: Int, thread: Int) -> BatchEvaluator<Scalar> {
        workspace.evaluator(owner: owner, subBatch: index, batch: subBatches[index]!.batch, thread: thread)
    }

    // Specialised, as every entry point below: the trainers call them from generic code in other
    // modules, which would otherwise run them unspecialised (metadata look-ups, value witnesses).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func loss(at parameters: [Scalar]) -> Scalar {
        var total: Scalar = 0
        group.forEachSubBatch(schedule, width: 1, buffer: &results, threads: threads,
                             compute: { index, thread, result in result[0] = evaluator(for: index, thread: thread).forward(parameters) },
                             fold: { index, result in total += weights[index] * result[0] })
        return total
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func lossAndGradient(at parameters: [Scalar], gradient: inout [Scalar]) -> Scalar {
        let n = parameterCount
        var sum = [Scalar](repeating: 0, count: n)
        var total: Scalar = 0
        group.forEachSubBatch(schedule, width: n + 1, buffer: &results, threads: threads, compute: { index, thread, result in
            let subBatchEvaluator = evaluator(for: index, thread: thread)
            let scratch = scratches[thread]
            result[0] = subBatchEvaluator.forward(parameters)
            subBatchEvaluator.gradient(into: &scratch.values)
            copy(scratch.values, into: result, at: 1)
        }, fold: { index, result in
            total += weights[index] * result[0]
            accumulate(weights[index], result, from: 1, count: n, into: &sum)
        })
        gradient = sum
        return total
    }

    /// f and ∇f + `weight`·∇Ω, and Ω, the vanishing-gradient regulariser over every sub-batch's
    /// counted steps (`VanishingGradientSums`; its sums are added in sub-batch order, so any thread
    /// or process count gives the same bits). The returned loss is f alone.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func lossAndRegularizedGradient(at parameters: [Scalar], vanishingWeight weight: Scalar,
                                           gradient: inout [Scalar]) -> (loss: Scalar, vanishingTerm: Double) {
        let n = parameterCount, recurrent = network.layout.hiddenToHidden
        var sum = [Scalar](repeating: 0, count: n)
        var total: Scalar = 0
        var sums = VanishingGradientSums<Scalar>(hidden: network.shape.hidden)
        let width = n + 3 + recurrent.count
        group.forEachSubBatch(schedule, width: width, buffer: &results, threads: threads, compute: { index, thread, result in
            let subBatchEvaluator = evaluator(for: index, thread: thread)
            let scratch = scratches[thread]
            var own = VanishingGradientSums<Scalar>(hidden: network.shape.hidden)
            result[0] = subBatchEvaluator.forward(parameters)
            subBatchEvaluator.gradient(into: &scratch.values, vanishingSums: &own)
            copy(scratch.values, into: result, at: 1)
            result[n + 1] = Scalar(own.termSum)
            result[n + 2] = Scalar(own.countedSteps)
            copy(own.recurrentGradientSum, into: result, at: n + 3)
        }, fold: { index, result in
            total += weights[index] * result[0]
            accumulate(weights[index], result, from: 1, count: n, into: &sum)
            sums.termSum += Double(result[n + 1])
            sums.countedSteps += Int(result[n + 2])
            accumulate(1, result, from: n + 3, count: recurrent.count, into: &sums.recurrentGradientSum)
        })
        if sums.countedSteps > 0 {
            let scale = weight / Scalar(sums.countedSteps)
            for k in 0..<recurrent.count { sum[recurrent.offset + k] += scale * sums.recurrentGradientSum[k] }
        }
        gradient = sum
        return (total, sums.mean)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func lossGradientAndFisherDiagonal(at parameters: [Scalar], gradient: inout [Scalar],
                                              fisherDiagonal: inout [Scalar]) -> Scalar {
        let n = parameterCount
        var sum = [Scalar](repeating: 0, count: n), fisherSum = sum
        var total: Scalar = 0
        group.forEachSubBatch(schedule, width: 2 * n + 1, buffer: &results, threads: threads, compute: { index, thread, result in
            let subBatchEvaluator = evaluator(for: index, thread: thread)
            let scratch = scratches[thread]
            result[0] = subBatchEvaluator.forward(parameters)
            subBatchEvaluator.gradient(into: &scratch.values, fisherDiagonal: &scratch.fisher)
            copy(scratch.values, into: result, at: 1)
            copy(scratch.fisher, into: result, at: 1 + n)
        }, fold: { index, result in
            // Each sub-batch's statistics are normalised by its own Nᵢ; weight Nᵢ/N re-normalises by N.
            total += weights[index] * result[0]
            accumulate(weights[index], result, from: 1, count: n, into: &sum)
            accumulate(weights[index], result, from: 1 + n, count: n, into: &fisherSum)
        })
        gradient = sum
        fisherDiagonal = fisherSum
        return total
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func bindCurvature(at parameters: [Scalar]) -> Scalar {
        if !isBound {
            isBound = true
            for index in subBatches.indices where schedule.isOwned(index, by: group.rank) {
                let evaluator = BatchEvaluator(network: network, batch: subBatches[index]!.batch)
                evaluator.curvatureArithmetic = curvatureArithmetic
                curvatureEvaluators[index] = evaluator
            }
        }
        var total: Scalar = 0
        let evaluators = curvatureEvaluators
        group.forEachSubBatch(schedule, width: 1, buffer: &results, threads: threads,
                             compute: { index, _, result in result[0] = evaluators[index]!.forward(parameters) },
                             fold: { index, result in total += weights[index] * result[0] })
        return total
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func curvatureProduct(_ v: [Scalar], into out: inout [Scalar], structuralWeight: Scalar) {
        precondition(isBound, "call bindCurvature(at:) before curvatureProduct")
        let n = parameterCount
        // CG calls this at every step: `out` is the accumulator, so once it has its size no vector
        // is allocated here (the sums, in sub-batch order, are the same as into a fresh zero vector).
        if out.count == n {
            out.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        } else {
            out = [Scalar](repeating: 0, count: n)
        }
        let single = subBatches.count == 1
        let evaluators = curvatureEvaluators
        group.forEachSubBatch(schedule, width: n, buffer: &results, threads: threads, compute: { index, thread, result in
            let scratch = scratches[thread]
            evaluators[index]!.curvatureProduct(v, into: &scratch.values, structuralWeight: structuralWeight)
            copy(scratch.values, into: result, at: 0)
        }, fold: { index, result in
            // One sub-batch: its product as it is (weight 1), exactly as before sub-batches existed.
            if single {
                out.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: result) }
            } else {
                accumulate(weights[index], result, from: 0, count: n, into: &out)
            }
        })
    }
}

/// `source` into `result` from position `start`.
private func copy<S: BLASScalar>(_ source: [S], into result: UnsafeMutableBufferPointer<S>, at start: Int) {
    _ = UnsafeMutableBufferPointer(rebasing: result[start..<(start + source.count)]).update(fromContentsOf: source)
}

/// sum += alpha · result[start ..< start + count].
private func accumulate<S: BLASScalar>(_ alpha: S, _ result: UnsafeBufferPointer<S>, from start: Int, count: Int,
                                       into sum: inout [S]) {
    sum.withUnsafeMutableBufferPointer { BLAS.axpy(alpha, UnsafeBufferPointer(rebasing: result[start..<(start + count)]), $0) }
}
