import HessianFree

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
    /// Processor time (user + system) of the training at this record, summed over resumed sessions;
    /// NaN in histories that predate it.
    public var processorSeconds: Double = .nan

    public var recordNumber: Int { evaluation }
    public var steps: Int { updates }

    public init(evaluation: Int, updates: Int, sequences: Int, trainLoss: Double, testLoss: Double, testError: Double,
                learningRate: Double, momentum: Double, clippedFraction: Double, gradientNorm: Double,
                skippedUpdates: Int, elapsedSeconds: Double, trailingSkippedUpdates: Int = 0,
                vanishingTerm: Double = .nan, processorSeconds: Double = .nan) {
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
        self.processorSeconds = processorSeconds
    }
}
