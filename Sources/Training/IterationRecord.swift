import HessianFree

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
    /// Why CG stopped; nil when it did not run (the iteration was rejected before it).
    public var cgStop: CGTermination?
    /// CG iteration of the backtracked step (0 when CG did not run).
    public var backtrackIteration: Int
    public var stepSize: Double
    public var decision: HFStepDecision
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
    /// Fresh training sequences drawn so far: iterations × the batch plan's sequences per iteration
    /// (`TrainingConfig.trainingSequencesPerIteration`), the x axis on which HF meets first-order runs.
    public var sequences: Int = 0

    public init(iteration: Int, trainLoss: Double, trainObjective: Double = .nan, testLoss: Double, testError: Double,
                lambda: Double, lambdaNext: Double, rho: Double, cgIterations: Int, cgStop: CGTermination?,
                backtrackIteration: Int, stepSize: Double, decision: HFStepDecision, elapsedSeconds: Double,
                lineSearchTries: Int = 0, testStepError: Double = .nan, testLossRelative: Double = .nan,
                processorSeconds: Double = .nan, sequences: Int = 0) {
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
        self.decision = decision
        self.elapsedSeconds = elapsedSeconds
        self.lineSearchTries = lineSearchTries
        self.testStepError = testStepError
        self.testLossRelative = testLossRelative
        self.processorSeconds = processorSeconds
        self.sequences = sequences
    }

    /// Whether the step was applied (θ moved).
    public var accepted: Bool { decision.isAccepted }

    /// The code recorded for a CG that did not run, beside `CGTermination.code`.
    public static let cgNotRunCode = "not-run"

    /// `cgStop`'s code, or `cgNotRunCode`.
    public var cgStopCode: String { cgStop?.code ?? Self.cgNotRunCode }
}

extension BidirectionalCollection where Element == IterationRecord {
    /// Rejected iterations at the end of these records.
    public var trailingRejections: Int { reversed().prefix { !$0.accepted }.count }
}
