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
}

extension TrainingRecord {
    public var curvePoint: CurvePoint {
        CurvePoint(steps: steps, trainLoss: trainLoss, testLoss: testLoss, testError: testError,
                   elapsedSeconds: elapsedSeconds, processorSeconds: processorSeconds)
    }
}

extension IterationRecord: TrainingRecord {
    public var recordNumber: Int { iteration }
    public var steps: Int { iteration }
}
