/// One row of a run's learning curves: an HF iteration (`IterationRecord`) or a first-order
/// evaluation (`FirstOrderRecord`). Each method keeps its own record and columns; what every
/// method's curves have in common is `curvePoint`.
public protocol TrainingRecord: Sendable {
    /// 1-based position of the record in the history; `TrainingConfig.checkpointEvery` counts these.
    var recordNumber: Int { get }
    /// Steps done at this record: HF iterations, or first-order updates.
    var steps: Int { get }
    /// Mean data loss (no L2 term) of the training sequences the record's steps were taken on.
    var trainLoss: Double { get }
    var testError: Double { get }
    var testLoss: Double { get }
    /// Training wall time at this record, summed over sessions.
    var elapsedSeconds: Double { get }
    /// Processor time of the training at this record, summed over sessions (NaN when not recorded).
    var processorSeconds: Double { get }
    /// Fresh training sequences drawn up to this record.
    var sequences: Int { get }
}

/// The part of a record every method has: a point of the learning curves that compare runs
/// (curves.svg, experiment figures, summaries).
public struct CurvePoint: Sendable, Equatable {
    /// HF iterations or first-order updates done.
    public var steps: Int
    public var trainLoss: Double
    public var testLoss: Double
    public var testError: Double
    public var elapsedSeconds: Double
    /// NaN when the method does not record it.
    public var processorSeconds: Double
    /// Fresh training sequences drawn so far (NaN when unknown: curves files written before HF
    /// recorded them).
    public var sequences: Double

    public init(steps: Int, trainLoss: Double, testLoss: Double, testError: Double, elapsedSeconds: Double,
                processorSeconds: Double, sequences: Double) {
        self.steps = steps
        self.trainLoss = trainLoss
        self.testLoss = testLoss
        self.testError = testError
        self.elapsedSeconds = elapsedSeconds
        self.processorSeconds = processorSeconds
        self.sequences = sequences
    }
}

extension TrainingRecord {
    public var curvePoint: CurvePoint {
        CurvePoint(steps: steps, trainLoss: trainLoss, testLoss: testLoss, testError: testError,
                   elapsedSeconds: elapsedSeconds, processorSeconds: processorSeconds, sequences: Double(sequences))
    }
}

extension IterationRecord: TrainingRecord {
    public var recordNumber: Int { iteration }
    public var steps: Int { iteration }
}
