import DataFiles
import Diagnostics
import Dispatch
import FirstOrder
import HessianFree
import Linalg
import SequenceModel

/// One evaluation of a first-order run, the row of its learning curves (curves.csv columns of the
/// same names, documented in checkpoints/README.md).
public struct FirstOrderRecord: Sendable, Codable, Equatable, TrainingRecord {
    /// 1-based count of evaluations.
    public var evaluation: Int
    /// Updates done (applied and skipped) when the test set was evaluated.
    public var updates: Int
    /// Training sequences drawn so far: updates × minibatch size.
    public var sequences: Int
    /// Mean data loss (no L2 term) of the minibatches of the updates since the previous record,
    /// each at the parameters its gradient was taken at.
    public var trainLoss: Double
    /// Mean loss and fraction of wrong sequences on the fixed test set at this record.
    public var testLoss: Double
    public var testError: Double
    /// ε (α for Adam) of the last update.
    public var learningRate: Double
    /// μ of the last update (Nesterov; NaN for the other methods).
    public var momentum: Double
    /// Fraction of the updates since the previous record whose gradient was clipped.
    public var clippedFraction: Double
    /// Mean ‖∇f‖ before clipping over those updates (NaN when one was not finite).
    public var gradientNorm: Double
    /// Updates skipped over the whole run because a value was not finite.
    public var skippedUpdates: Int
    /// Seconds of training wall time at this record, summed over resumed sessions.
    public var elapsedSeconds: Double
    /// Skipped updates in a row at the end of this record's period, counted within the session
    /// (0 in histories that predate it): at `maxConsecutiveRejections` the run stopped without progress.
    public var trailingSkippedUpdates: Int = 0
    /// Mean of the vanishing-gradient regulariser Ω over the period's updates (SGD-CR); NaN without
    /// the regulariser and in histories that predate it.
    public var vanishingTerm: Double = .nan

    public var recordNumber: Int { evaluation }

    public init(evaluation: Int, updates: Int, sequences: Int, trainLoss: Double, testLoss: Double, testError: Double,
                learningRate: Double, momentum: Double, clippedFraction: Double, gradientNorm: Double,
                skippedUpdates: Int, elapsedSeconds: Double, trailingSkippedUpdates: Int = 0,
                vanishingTerm: Double = .nan) {
        self.evaluation = evaluation
        self.updates = updates
        self.sequences = sequences
        self.trainLoss = trainLoss
        self.testLoss = testLoss
        self.testError = testError
        self.learningRate = learningRate
        self.momentum = momentum
        self.clippedFraction = clippedFraction
        self.gradientNorm = gradientNorm
        self.skippedUpdates = skippedUpdates
        self.elapsedSeconds = elapsedSeconds
        self.trailingSkippedUpdates = trailingSkippedUpdates
        self.vanishingTerm = vanishingTerm
    }
}

/// Holds a first-order run's parameters, optimizer state and history and advances it one
/// evaluation period at a time: up to `evaluateEvery` updates, each on `minibatchSize` fresh
/// sequences drawn from the state's RNG, then the fixed test set. A run restored from a checkpoint
/// continues bit for bit. `TrainingConfig.maxIterations` counts updates; a period ends early at
/// that limit, so a session stops exactly there.
public final class FirstOrderTrainer<Scalar: BLASScalar> {
    public let config: TrainingConfig
    public let run: FirstOrderRunConfig
    public let network: RecurrentNetwork
    public private(set) var parameters: [Scalar]
    public private(set) var state: FirstOrderState<Scalar>
    public private(set) var history: [FirstOrderRecord]
    private let earlierSeconds: Double
    /// Updates done when this session started: the update limit counts from here.
    public let sessionStartUpdates: Int
    private let sessionStart = DispatchTime.now().uptimeNanoseconds
    private let source: any SequenceSource<Scalar>
    private let testSet: FixedTestSet<Scalar>
    private var workspace: EvaluationWorkspace<Scalar> { testSet.workspace }
    private var gradient: [Scalar]
    /// Skipped updates in a row within this session (see `stopReason`).
    public private(set) var consecutiveSkips = 0

    /// A new run: parameters from `config.seed` with the run's initialisation; the RNG continues
    /// that stream, as for HF.
    public convenience init(config: TrainingConfig, source: any SequenceSource<Scalar>) throws {
        if let issue = config.issue { throw HFRNNError(issue) }
        guard let run = config.firstOrder else { throw HFRNNError("the configuration has no first-order optimizer") }
        let network = RecurrentNetwork(
            shape: NetworkShape(inputs: source.inputSize, hidden: config.hiddenUnits, outputs: source.outputSize),
            outputLoss: source.outputLoss)
        var rng = SeededGenerator(seed: config.seed)
        let parameters: [Scalar]
        switch run.initialization {
        case .careful:
            parameters = run.carefulInitialization.initialParameters(for: network, outputMean: source.targetMean, using: &rng)
        case .sparse:
            parameters = network.initialParameters(config.initialization, outputMean: source.targetMean, using: &rng)
        case .smartTanh:
            parameters = CarefulInitialization.smartTanh.initialParameters(for: network, outputMean: source.targetMean,
                                                                           using: &rng)
        }
        let state = FirstOrderState<Scalar>(parameterCount: network.parameterCount, config: run.optimizer, rng: rng)
        try self.init(config: config, network: network, parameters: parameters, state: state, history: [],
                      earlierSeconds: 0, source: source)
    }

    /// Continues a run from its checkpointed values.
    public init(config: TrainingConfig, network: RecurrentNetwork, parameters: [Scalar], state: FirstOrderState<Scalar>,
                history: [FirstOrderRecord], earlierSeconds: Double, source: any SequenceSource<Scalar>) throws {
        if let issue = config.issue { throw HFRNNError(issue) }
        guard let run = config.firstOrder else { throw HFRNNError("the configuration has no first-order optimizer") }
        try requireFit(data: source.name, inputs: source.inputSize, outputs: source.outputSize,
                       outputLoss: source.outputLoss, model: "the model", network: network)
        guard parameters.count == network.parameterCount else {
            throw HFRNNError("parameter vector has \(parameters.count) entries, the \(network.shape) network needs \(network.parameterCount)")
        }
        if let problem = state.mismatch(parameterCount: network.parameterCount, config: run.optimizer) {
            throw HFRNNError("optimizer state: \(problem)")
        }
        self.config = config
        self.run = run
        self.network = network
        self.parameters = parameters
        self.state = state
        self.history = history
        self.earlierSeconds = earlierSeconds
        sessionStartUpdates = state.step + state.skippedSteps
        self.source = source
        testSet = try FixedTestSet(network: network, source: source, chunkSize: config.chunkSize)
        gradient = [Scalar](repeating: 0, count: network.parameterCount)
    }

    /// Updates done, applied and skipped.
    public var updates: Int { state.step + state.skippedSteps }

    public var elapsedSeconds: Double { earlierSeconds + sessionSeconds }
    public var sessionSeconds: Double { Double(DispatchTime.now().uptimeNanoseconds - sessionStart) / 1e9 }
    public var successThreshold: Double { config.resolvedSuccessThreshold }

    /// Mean loss and error rate on the fixed test set, through the same path as HF's.
    public func evaluateTest() -> (loss: Double, error: Double) {
        let result = testSet.evaluate(at: parameters)
        return (result.loss, result.errorRate)
    }

    /// Updates up to the next multiple of `evaluateEvery` (or the session's update limit), then
    /// one test evaluation; appends and returns its record. Evaluations fall on multiples of
    /// `evaluateEvery` counted from the start of the run, so a resumed run records what a straight
    /// one does.
    public func step() throws -> FirstOrderRecord {
        let every = run.evaluateEvery
        var end = (updates / every + 1) * every
        if let limit = config.maxIterations { end = min(end, sessionStartUpdates + limit) }
        end = max(end, updates + 1)
        let optimizer = run.optimizer
        let chunkSize = min(optimizer.minibatchSize, config.chunkSize)
        var lossSum = 0.0, normSum = 0.0, vanishingSum = 0.0, clipped = 0, count = 0
        var last: FirstOrderStepReport?
        while updates < end {
            var rng = state.rng
            let batch = try source.trainingSequences(count: optimizer.minibatchSize, using: &rng)
            state.rng = rng
            let objective = RNNObjective(network: network, batch: batch, chunkSize: chunkSize, workspace: workspace)
            let loss: Scalar
            if let weight = optimizer.vanishingRegularizerWeight {
                let result = objective.lossAndRegularizedGradient(at: parameters, vanishingWeight: Scalar(weight),
                                                                  gradient: &gradient)
                loss = result.loss
                vanishingSum += result.vanishingTerm
            } else {
                loss = objective.lossAndGradient(at: parameters, gradient: &gradient)
            }
            let outcome = FirstOrderOptimizer.step(parameters: parameters, gradient: gradient, state: state, config: optimizer)
            parameters = outcome.parameters
            state = outcome.state
            consecutiveSkips = outcome.report.decision.isApplied ? 0 : consecutiveSkips + 1
            lossSum += Double(loss)
            normSum += outcome.report.gradientNorm
            if outcome.report.clipped { clipped += 1 }
            count += 1
            last = outcome.report
        }
        let test = evaluateTest()
        let record = FirstOrderRecord(
            evaluation: history.count + 1, updates: updates, sequences: updates * optimizer.minibatchSize,
            trainLoss: lossSum / Double(count), testLoss: test.loss, testError: test.error,
            learningRate: last?.learningRate ?? optimizer.learningRate, momentum: last?.momentum ?? .nan,
            clippedFraction: Double(clipped) / Double(count), gradientNorm: normSum / Double(count),
            skippedUpdates: state.skippedSteps, elapsedSeconds: elapsedSeconds, trailingSkippedUpdates: consecutiveSkips,
            vanishingTerm: optimizer.vanishingRegularizerWeight == nil ? .nan : vanishingSum / Double(count))
        history.append(record)
        return record
    }

    /// Whether the run should stop before another period, and why. Limits count in this session;
    /// `maxConsecutiveRejections` skipped (non-finite) updates in a row stop it as `noProgress`.
    public func stopReason(interrupted: Bool) -> StopReason? {
        if let last = history.last, last.testError < successThreshold { return .solved }
        if interrupted { return .interrupted }
        if let limit = config.maxIterations, updates - sessionStartUpdates >= limit { return .maxIterations }
        if let limit = config.timeLimitSeconds, sessionSeconds >= limit { return .timeLimit }
        if consecutiveSkips >= config.maxConsecutiveRejections { return .noProgress }
        return nil
    }
}

extension FirstOrderRecord {
    /// The record in HF's row shape, for code that plots or summarises any run (curves.svg, grids):
    /// `iteration` is the update count, the HF-only fields are NaN, 0 or empty.
    public var iterationRecord: IterationRecord {
        IterationRecord(iteration: updates, trainLoss: trainLoss, trainObjective: trainLoss, testLoss: testLoss,
                        testError: testError, lambda: .nan, lambdaNext: .nan, rho: .nan, cgIterations: 0, cgStop: nil,
                        backtrackIteration: 0, stepSize: learningRate, decision: .accepted,
                        elapsedSeconds: elapsedSeconds)
    }
}
