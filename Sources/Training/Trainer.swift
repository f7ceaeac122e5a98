import Diagnostics
import Dispatch
import Linalg
import SequenceModel

/// Holds a run's parameters, its method's optimizer state, the RNG its data is drawn from and its
/// history, and advances it one record at a time (`Method.advance`). Everything the next record
/// depends on is held here, so a run restored from a checkpoint continues bit for bit as if it had
/// never stopped.
public final class Trainer<Method: TrainingMethod> {
    public typealias Scalar = Method.Scalar
    public let config: TrainingConfig
    /// The method's part of `config`.
    public let settings: Method.Settings
    public let network: RecurrentNetwork
    public internal(set) var parameters: [Scalar]
    public internal(set) var state: Method.State
    /// The run's random number generator: every minibatch and fresh task sequence is drawn from it,
    /// after the initial parameters (`FreshModel`), so that one seed fixes the whole run.
    public internal(set) var rng: SeededGenerator
    public private(set) var history: [Method.Record]
    /// The processes this run's batches are shared among (one, or an MPI job).
    public let group: any WorkerGroup
    /// Steps (`Method.completedSteps`) and records done when this session began: the session's
    /// limits count from here.
    public let sessionStartStep: Int
    let sessionStartRecord: Int
    let source: any SequenceSource<Scalar>
    /// The fixed test set, and the buffers every evaluation except HF's curvature batch runs in.
    let testSet: FixedTestSet<Scalar>
    /// How many sequences the fixed test set holds.
    public var testSetSize: Int { source.testSetSize }
    var workspace: EvaluationWorkspace<Scalar> { testSet.workspace }
    private let clock: SessionClock

    /// A new run: the network and parameters of `FreshModel`, the method's initial state, and the
    /// RNG continuing the seed's stream.
    public convenience init(config: TrainingConfig, source: any SequenceSource<Scalar>,
                            group: any WorkerGroup = SingleWorker(), threads: ComputeThreads = .single) throws {
        if let issue = config.issue { throw HFRNNError(issue) }
        let fresh = FreshModel(config: config, source: source)
        let state = Method.initialState(parameterCount: fresh.network.parameterCount,
                                        settings: try Method.settings(of: config))
        try self.init(config: config, network: fresh.network, parameters: fresh.parameters, state: state, rng: fresh.rng,
                      history: [], earlierSeconds: 0, source: source, group: group, threads: threads)
    }

    /// Continues a run from its checkpointed values. `threads` evaluate this worker's sub-batches;
    /// their number never changes the numbers.
    public init(config: TrainingConfig, network: RecurrentNetwork, parameters: [Scalar], state: Method.State,
                rng: SeededGenerator, history: [Method.Record], earlierSeconds: Double,
                source: any SequenceSource<Scalar>, group: any WorkerGroup = SingleWorker(),
                threads: ComputeThreads = .single) throws {
        if let issue = config.issue { throw HFRNNError(issue) }
        settings = try Method.settings(of: config)
        try requireFit(data: source.name, inputs: source.inputSize, outputs: source.outputSize,
                       outputLoss: source.outputLoss, model: "the model", network: network)
        guard parameters.count == network.parameterCount else {
            throw HFRNNError("parameter vector has \(parameters.count) entries, the \(network.shape) network needs \(network.parameterCount)")
        }
        if let problem = Method.mismatch(state, parameterCount: network.parameterCount, settings: settings) {
            throw HFRNNError("optimizer state: \(problem)")
        }
        self.config = config
        self.network = network
        self.parameters = parameters
        self.state = state
        self.rng = rng
        self.history = history
        let earlierProcessor = history.last?.processorSeconds ?? 0
        clock = SessionClock(earlierSeconds: earlierSeconds, earlierProcessorSeconds: earlierProcessor.isFinite ? earlierProcessor : 0)
        sessionStartStep = Method.completedSteps(state)
        sessionStartRecord = history.count
        self.source = source
        self.group = group
        testSet = try FixedTestSet(network: network, source: source, subBatchSize: config.testSubBatchSize, group: group,
                                   threads: threads)
    }

    /// Steps done: HF iterations, or first-order updates.
    public var completedSteps: Int { Method.completedSteps(state) }

    /// CG steps done (0 for first-order runs).
    public var cgIterations: Int { Method.cgIterations(state) }

    /// Training wall time so far, over all sessions.
    public var elapsedSeconds: Double { clock.earlierSeconds + sessionSeconds }

    /// Wall time of this session.
    public var sessionSeconds: Double { clock.sessionSeconds }

    /// Processor time of this session (this process, all its threads).
    public var sessionProcessorSeconds: Double { clock.sessionProcessorSeconds }

    /// Processor time so far, over all sessions.
    public var processorSeconds: Double { clock.earlierProcessorSeconds + sessionProcessorSeconds }

    /// The test error below which the run counts as solved.
    public var successThreshold: Double { config.resolvedSuccessThreshold }

    /// Mean loss and error rate on the fixed test set at the current parameters.
    public func evaluateTest() -> (loss: Double, error: Double) {
        let result = testSet.evaluate(at: parameters)
        return (result.loss, result.errorRate)
    }

    /// Advances the run to its next record (one HF iteration; up to `evaluateEvery` first-order
    /// updates); appends and returns it.
    public func step() throws -> Method.Record {
        let record = try Method.advance(self)
        history.append(record)
        return record
    }

    /// Steps in a row at the end of this session that could not move (rejected HF iterations,
    /// skipped updates); a resumed session starts afresh.
    public var stalledSteps: Int { Method.stalledSteps(history.dropFirst(sessionStartRecord)) }

    /// Whether the run should stop before another step, and why. The step and time limits count in
    /// this session (see `TrainingConfig.maxIterations`). The time limits are judged on the times
    /// the latest record holds, which its checkpoint keeps: an experiment that reads a cell's
    /// budget back from the checkpoint then sees it spent exactly when the run stopped for it
    /// (judged on the clock a moment later, a cell stopped just short of its budget on paper and
    /// was resumed for a session that did nothing).
    public func stopReason(interrupted: Bool) -> StopReason? {
        if let last = history.last, config.isSolved(testError: last.testError) { return .solved }
        if interrupted { return .interrupted }
        let sessionSteps = completedSteps - sessionStartStep
        if let limit = config.maxIterations, sessionSteps >= limit { return .maxIterations }
        let latest = sessionSteps > 0 ? history.last : nil
        if let limit = config.timeLimitSeconds, (latest.map { $0.elapsedSeconds - clock.earlierSeconds } ?? sessionSeconds) >= limit {
            return .timeLimit
        }
        // At least one step per session, so a resumed run whose budget is nearly spent still
        // records its processor time and never resumes forever without moving.
        if let limit = config.processorTimeLimitSeconds, let latest {
            let recorded = latest.processorSeconds.isFinite ? latest.processorSeconds - clock.earlierProcessorSeconds
                                                            : sessionProcessorSeconds
            if recorded >= limit { return .processorTimeLimit }
        }
        if stalledSteps >= config.maxConsecutiveRejections { return .noProgress }
        return nil
    }
}

/// A session's wall and processor clocks, and the time the sessions before it took.
struct SessionClock {
    let earlierSeconds: Double
    /// 0 for histories that predate processor time.
    let earlierProcessorSeconds: Double
    private let startNanoseconds = DispatchTime.now().uptimeNanoseconds
    private let startProcessorSeconds = ProcessorClock.seconds()

    init(earlierSeconds: Double, earlierProcessorSeconds: Double) {
        self.earlierSeconds = earlierSeconds
        self.earlierProcessorSeconds = earlierProcessorSeconds
    }

    var sessionSeconds: Double { Double(DispatchTime.now().uptimeNanoseconds - startNanoseconds) / 1e9 }
    var sessionProcessorSeconds: Double { ProcessorClock.seconds() - startProcessorSeconds }
}
