import DataFiles
import Dispatch
import HessianFree
import Linalg
import SequenceModel

/// One HF iteration as the training loop records it (the learning curves).
public struct IterationRecord: Sendable, Codable, Equatable {
    public var iteration: Int
    /// Mean data loss on the gradient batch before the step, without the L2 term: the same
    /// quantity as `testLoss`, on training data.
    public var trainLoss: Double
    /// The objective HF minimises on that batch: `trainLoss` + ½·weightCost·‖θ‖² (NaN in
    /// histories read from checkpoints written before this field existed).
    public var trainObjective: Double = .nan
    /// Mean loss and fraction of wrong sequences on the fixed test set after the step.
    public var testLoss: Double
    public var testError: Double
    /// λ used by this iteration's CG, and λ after the Levenberg–Marquardt update.
    public var lambda: Double
    public var lambdaNext: Double
    public var rho: Double
    public var cgIterations: Int
    public var cgStop: CGStop
    /// CG iteration of the backtracked step (0 when CG did not run).
    public var backtrackIteration: Int
    public var stepSize: Double
    public var accepted: Bool
    public var decision: StepDecision
    /// Seconds of training wall time at the end of this iteration, summed over resumed sessions.
    public var elapsedSeconds: Double
    /// Step sizes the line search evaluated (0 when it did not run, and in older histories).
    public var lineSearchTries: Int = 0
    /// Fraction of the judged test steps that are wrong after the step: per symbol for
    /// memorisation, equal to `testError` for tasks that judge one step per sequence.
    public var testStepError: Double = .nan
    /// `testLoss` divided by the test loss of the best constant prediction (the mean target):
    /// 1 means nothing learnt beyond the output prior, 0 a perfect fit.
    public var testLossRelative: Double = .nan
    /// Processor time (user + system) of the training process at the end of this iteration, summed
    /// over resumed sessions: budgets that stay fair on a shared machine.
    public var processorSeconds: Double = .nan

    public init(iteration: Int, trainLoss: Double, trainObjective: Double = .nan, testLoss: Double, testError: Double,
                lambda: Double, lambdaNext: Double, rho: Double, cgIterations: Int, cgStop: CGStop,
                backtrackIteration: Int, stepSize: Double, accepted: Bool, decision: StepDecision, elapsedSeconds: Double,
                lineSearchTries: Int = 0, testStepError: Double = .nan, testLossRelative: Double = .nan,
                processorSeconds: Double = .nan) {
        self.iteration = iteration
        self.trainLoss = trainLoss
        self.trainObjective = trainObjective
        self.testLoss = testLoss
        self.testError = testError
        self.lambda = lambda
        self.lambdaNext = lambdaNext
        self.rho = rho
        self.cgIterations = cgIterations
        self.cgStop = cgStop
        self.backtrackIteration = backtrackIteration
        self.stepSize = stepSize
        self.accepted = accepted
        self.decision = decision
        self.elapsedSeconds = elapsedSeconds
        self.lineSearchTries = lineSearchTries
        self.testStepError = testStepError
        self.testLossRelative = testLossRelative
        self.processorSeconds = processorSeconds
    }
}

/// Why a training run stopped.
public enum StopReason: String, Sendable, Codable, CaseIterable {
    case solved, maxIterations = "max-iterations", timeLimit = "time-limit", interrupted
    /// The session used `TrainingConfig.processorTimeLimitSeconds` of processor time.
    case processorTimeLimit = "processor-time-limit"
    /// `TrainingConfig.maxConsecutiveRejections` iterations in a row were rejected: λ only grows
    /// and the run cannot move (data on an extreme scale, non-finite values).
    case noProgress = "no-progress"
}

/// Holds a run's parameters, optimizer state and history, and advances it one HF iteration at a
/// time. The data for each iteration is drawn from the optimizer state's RNG, so a run restored
/// from a checkpoint continues bit for bit as if it had never stopped.
public final class Trainer<Scalar: BLASScalar> {
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
        if let problem = config.problem { throw TrainingError(problem) }
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
        if let problem = config.problem { throw TrainingError(problem) }
        try requireFit(data: source.name, inputs: source.inputSize, outputs: source.outputSize,
                       outputLoss: source.outputLoss, model: "the model", network: network)
        guard parameters.count == network.parameterCount, state.warmStart.count == network.parameterCount else {
            throw TrainingError("parameter vector has \(parameters.count) entries, the \(network.shape) network needs \(network.parameterCount)")
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
        let parts = try group.agreeing { try drawSubBatches(using: &rng) }
        func objective(_ subBatches: [SequenceBatch<Scalar>?]) -> RNNObjective<Scalar> {
            RNNObjective(network: network, subBatches: subBatches, group: group, workspace: workspace)
        }
        let batches = HFBatches(gradient: objective(parts.gradient),
                                curvature: objective(Array(parts.gradient.prefix(config.subBatchesPerChunk))),
                                backtracking: objective(parts.backtracking), lineSearch: objective(parts.lineSearch))
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
            cgStop: CGStop(report.cgTermination), backtrackIteration: report.backtrackIteration ?? 0,
            stepSize: report.stepSize, accepted: report.accepted, decision: StepDecision(report.decision),
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
        var gradientParts: [SequenceBatch<Scalar>?] = []
        for chunk in 0..<config.gradientChunkCount {
            gradientParts += try source.trainingSubBatches(count: config.chunkSize, subBatchSize: size, using: &rng) {
                ownsGradientSubBatch(chunk * perChunk + $0)
            }
        }
        if fromGradient {
            return (gradientParts, Array(gradientParts[perChunk..<(2 * perChunk)]),
                    Array(gradientParts[(2 * perChunk)..<(3 * perChunk)]))
        }
        let backtrackSchedule = schedule(subBatchCount(hf.backtrackBatchSize))
        let backtrackParts = try source.trainingSubBatches(count: hf.backtrackBatchSize, subBatchSize: size, using: &rng) {
            backtrackSchedule.isOwned($0, by: group.rank)
        }
        let lineSearchSchedule = schedule(subBatchCount(hf.lineSearchBatchSize))
        let lineSearchParts = try source.trainingSubBatches(count: hf.lineSearchBatchSize, subBatchSize: size, using: &rng) {
            lineSearchSchedule.isOwned($0, by: group.rank)
        }
        return (gradientParts, backtrackParts, lineSearchParts)
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

extension BidirectionalCollection where Element == IterationRecord {
    /// Rejected iterations at the end of these records.
    public var trailingRejections: Int { reversed().prefix { !$0.accepted }.count }
}
