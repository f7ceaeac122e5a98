/// One row of a run's learning curves: an HF iteration (`IterationRecord`) or a first-order
/// evaluation (`FirstOrderRecord`).
public protocol TrainingRecord: Sendable {
    /// 1-based position of the record in the history; `TrainingConfig.checkpointEvery` counts these.
    var recordNumber: Int { get }
    var testError: Double { get }
    var testLoss: Double { get }
    /// Processor time of the training at this record, summed over sessions (NaN when not recorded).
    var processorSeconds: Double { get }
}

extension IterationRecord: TrainingRecord {
    public var recordNumber: Int { iteration }
}
