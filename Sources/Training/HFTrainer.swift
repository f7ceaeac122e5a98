import DataFiles
import Diagnostics
import Dispatch
import HessianFree
import Linalg
import SequenceModel

/// Holds a run's parameters, optimizer state and history, and advances it one HF iteration at a
/// time. The data for each iteration is drawn from the optimizer state's RNG, so a run restored
/// from a checkpoint continues bit for bit as if it had never stopped.
public final class HFTrainer<Scalar: BLASScalar> {
    public let config: TrainingConfig
    public let network: RecurrentNetwork
    public private(set) var parameters: [Scalar]
    public private(set) var state: HFState<Scalar>
    public private(set) var history: [IterationRecord]
    /// Wall time of the sessions before this one.
    private let earlierSeconds: Double
    /// Processor time of the sessions before this one (0 for histories that predate it).
    private let earlierProcessorSeconds: Double
    /// The process's processor time when this session began.
    private let sessionStartProcessorSeconds = ProcessorClock.seconds()
    /// The iteration this session started at: the stop limits count from here.
    public let sessionStartIteration: Int
    private let sessionStart = DispatchTime.now().uptimeNanoseconds
    private let source: any SequenceSource<Scalar>
    /// The processes this run's batches are shared among (one, or an MPI job).
    public let group: any WorkerGroup
    /// The buffers every evaluation except the curvature batch's runs in, one chunk at a time.
    private let testSet: FixedTestSet<Scalar>
    private var workspace: EvaluationWorkspace<Scalar> { testSet.workspace }

    /// A new run: parameters initialised from `config.seed` (docs/algorithm.md#initialisation),
    /// λ₀ = `config.optimizer.initialLambda`.
    public convenience init(config: TrainingConfig, source: any SequenceSource<Scalar>,
                            group: any WorkerGroup = SingleWorker(), threads: ComputeThreads = .single) throws {
        if let issue = config.issue { throw HFRNNError(issue) }
        let fresh = FreshModel(config: config, source: source)
        let state = HFState<Scalar>(parameterCount: fresh.network.parameterCount, config: config.optimizer, rng: fresh.rng)
        try self.init(config: config, network: fresh.network, parameters: fresh.parameters, state: state, history: [],
                      earlierSeconds: 0, source: source, group: group, threads: threads)
    }

    /// Continues a run from its checkpointed values. `threads` evaluate this worker's sub-batches;
    /// their number never changes the numbers.
    public init(config: TrainingConfig, network: RecurrentNetwork, parameters: [Scalar], state: HFState<Scalar>,
                history: [IterationRecord], earlierSeconds: Double, source: any SequenceSource<Scalar>,
                group: any WorkerGroup = SingleWorker(), threads: ComputeThreads = .single) throws {
        if let issue = config.issue { throw HFRNNError(issue) }
        try requireFit(data: source.name, inputs: source.inputSize, outputs: source.outputSize,
                       outputLoss: source.outputLoss, model: "the model", network: network)
        guard parameters.count == network.parameterCount, state.warmStart.count == network.parameterCount else {
            throw HFRNNError("parameter vector has \(parameters.count) entries, the \(network.shape) network needs \(network.parameterCount)")
        }
        self.config = config
        self.network = network
        self.parameters = parameters
        self.state = state
        self.history = history
        self.earlierSeconds = earlierSeconds
        let earlierProcessor = history.last?.processorSeconds ?? 0
        earlierProcessorSeconds = earlierProcessor.isFinite ? earlierProcessor : 0
        sessionStartIteration = state.iteration
        self.source = source
        self.group = group
        testSet = try FixedTestSet(network: network, source: source, chunkSize: config.testChunkSize, group: group,
                                   threads: threads)
    }

    /// Training wall time so far, over all sessions.
    public var elapsedSeconds: Double { earlierSeconds + sessionSeconds }

    /// Wall time of this session.
    public var sessionSeconds: Double { Double(DispatchTime.now().uptimeNanoseconds - sessionStart) / 1e9 }

    /// Processor time of this session (this process, all its threads).
    public var sessionProcessorSeconds: Double { ProcessorClock.seconds() - sessionStartProcessorSeconds }

    /// Processor time so far, over all sessions.
    public var processorSeconds: Double { earlierProcessorSeconds + sessionProcessorSeconds }

    /// The test error below which the run counts as solved.
    public var successThreshold: Double { config.resolvedSuccessThreshold }

    /// Mean loss and error rate on the fixed test set at the current parameters.
    public func evaluateTest() -> (loss: Double, error: Double) {
        let result = testSet.evaluate(at: parameters)
        return (result.loss, result.errorRate)
    }

    /// One HF iteration on freshly drawn minibatches; appends and returns its record.
    public func step() throws -> IterationRecord {
        let hf = config.optimizer
        var rng = state.rng
        // A worker that cannot read its rows stops every worker, before any exchange.
        let drawn = try group.agreeing { try drawSubBatches(using: &rng) }
        func objective(_ subBatches: [SequenceBatch<Scalar>?]) -> RNNObjective<Scalar> {
            RNNObjective(network: network, subBatches: subBatches, group: group, workspace: workspace)
        }
        let batches = HFBatches(gradient: objective(drawn.gradient),
                                curvature: objective(Array(drawn.gradient.prefix(config.subBatchesPerChunk))),
                                backtracking: objective(drawn.backtracking), lineSearch: objective(drawn.lineSearch))
        var stateForStep = state
        stateForStep.rng = rng
        let outcome = HessianFreeOptimizer.step(parameters: parameters, state: stateForStep, batches: batches, config: hf)
        parameters = outcome.parameters
        state = outcome.state
        let test = testSet.evaluate(at: parameters)
        let report = outcome.report
        let record = IterationRecord(
            iteration: state.iteration, trainLoss: report.gradientDataLoss, trainObjective: report.gradientLoss,
            testLoss: test.loss, testError: test.errorRate,
            lambda: report.lambdaUsed, lambdaNext: state.lambda, rho: report.rho, cgIterations: report.cgIterations,
            cgStop: report.cgTermination, backtrackIteration: report.backtrackIteration ?? 0,
            stepSize: report.stepSize, decision: report.decision,
            elapsedSeconds: elapsedSeconds, lineSearchTries: report.lineSearchTries, testStepError: test.stepErrorRate,
            testLossRelative: test.loss / testSet.constantPredictionLoss, processorSeconds: processorSeconds)
        history.append(record)
        return record
    }

    /// The iteration's data drawn with `rng`: the gradient batch as
    /// `gradientChunkCount` chunks of `chunkSize` sequences, each split into sub-batches; the
    /// curvature batch is the first chunk's sub-batches ("GN batches are a subset of the gradient
    /// batches" [ISC]); then the backtracking and line-search batches, drawn afresh or, with
    /// `evaluationBatchesFromGradient`, the gradient batch's second and third chunks [ISC]. This
    /// worker makes only the sub-batches it evaluates; `rng` advances as for one process.
    private func drawSubBatches(using rng: inout SeededGenerator) throws
        -> (gradient: [SequenceBatch<Scalar>?], backtracking: [SequenceBatch<Scalar>?], lineSearch: [SequenceBatch<Scalar>?]) {
        let hf = config.optimizer
        let size = config.resolvedSubBatchSize, perChunk = config.subBatchesPerChunk
        func schedule(_ count: Int) -> SubBatchSchedule {
            RNNObjective<Scalar>.schedule(subBatches: count, network: network, workers: group.size)
        }
        func subBatchCount(_ sequences: Int) -> Int { (sequences + size - 1) / size }
        let gradientSchedule = schedule(config.gradientChunkCount * perChunk), chunkSchedule = schedule(perChunk)
        let fromGradient = hf.evaluationBatchesFromGradient
        /// Whether this worker evaluates sub-batch `index` of the gradient batch in any role.
        func ownsGradientSubBatch(_ index: Int) -> Bool {
            if gradientSchedule.isOwned(index, by: group.rank) { return true }
            let chunk = index / perChunk
            let rolesOfChunk = chunk == 0 || (fromGradient && chunk <= 2)
            return rolesOfChunk && chunkSchedule.isOwned(index % perChunk, by: group.rank)
        }
        var gradientSubBatches: [SequenceBatch<Scalar>?] = []
        for chunk in 0..<config.gradientChunkCount {
            gradientSubBatches += try source.trainingSubBatches(count: config.chunkSize, subBatchSize: size, using: &rng) {
                ownsGradientSubBatch(chunk * perChunk + $0)
            }
        }
        if fromGradient {
            return (gradientSubBatches, Array(gradientSubBatches[perChunk..<(2 * perChunk)]),
                    Array(gradientSubBatches[(2 * perChunk)..<(3 * perChunk)]))
        }
        let backtrackSchedule = schedule(subBatchCount(hf.backtrackBatchSize))
        let backtrackSubBatches = try source.trainingSubBatches(count: hf.backtrackBatchSize, subBatchSize: size, using: &rng) {
            backtrackSchedule.isOwned($0, by: group.rank)
        }
        let lineSearchSchedule = schedule(subBatchCount(hf.lineSearchBatchSize))
        let lineSearchSubBatches = try source.trainingSubBatches(count: hf.lineSearchBatchSize, subBatchSize: size, using: &rng) {
            lineSearchSchedule.isOwned($0, by: group.rank)
        }
        return (gradientSubBatches, backtrackSubBatches, lineSearchSubBatches)
    }

    /// Whether the run should stop before another iteration, and why. The iteration and time
    /// limits count in this session (see `TrainingConfig.maxIterations`).
    public func stopReason(interrupted: Bool) -> StopReason? {
        if let last = history.last, last.testError < successThreshold { return .solved }
        if interrupted { return .interrupted }
        if let limit = config.maxIterations, state.iteration - sessionStartIteration >= limit { return .maxIterations }
        if let limit = config.timeLimitSeconds, sessionSeconds >= limit { return .timeLimit }
        // At least one iteration per session, so a resumed run whose budget is nearly spent still
        // records its processor time and never resumes forever without moving.
        if let limit = config.processorTimeLimitSeconds, state.iteration > sessionStartIteration,
           sessionProcessorSeconds >= limit { return .processorTimeLimit }
        if trailingRejections >= config.maxConsecutiveRejections { return .noProgress }
        return nil
    }

    /// Rejected iterations at the end of this session's history (a resumed session starts afresh).
    public var trailingRejections: Int {
        history.dropFirst(sessionStartIteration).trailingRejections
    }
}
