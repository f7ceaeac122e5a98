import HDF5IO
import Linalg

/// One row of a run's learning curves: an HF iteration (`IterationRecord`) or a first-order
/// evaluation (`FirstOrderRecord`).
public protocol TrainingRecord: Sendable {
    /// 1-based position of the record in the history; `TrainingConfig.checkpointEvery` counts these.
    var recordNumber: Int { get }
    var testError: Double { get }
    var testLoss: Double { get }
}

/// What `runTraining` needs from a run, whatever its optimizer: advance to the next record, say
/// when to stop, and write its checkpoint and curves. `Trainer` (HF) and `FirstOrderTrainer`
/// conform; the loop, its checkpoints, metrics.csv and stop handling are shared.
public protocol TrainingDriver<Record>: AnyObject {
    associatedtype Record: TrainingRecord
    var config: TrainingConfig { get }
    var history: [Record] { get }
    /// Training wall time over all sessions.
    var elapsedSeconds: Double { get }
    /// HF iterations, or first-order updates, done so far.
    var completedIterations: Int { get }
    /// CG steps so far (0 for first-order runs).
    var totalCGIterations: Int { get }
    /// Advances the run to its next record (one HF iteration; up to `evaluateEvery` updates) and returns it.
    func step() throws -> Record
    /// Why the run should stop before the next `step`, or nil.
    func stopReason(interrupted: Bool) -> StopReason?
    /// Mean loss and error rate on the fixed test set at the current parameters.
    func evaluateTest() -> (loss: Double, error: Double)
    /// Writes the run's checkpoint atomically to `path`.
    func saveCheckpoint(to path: String) throws
    /// The curves as CSV (header and one row per record), the contents of metrics.csv.
    func curvesText(_ records: [Record]) -> String
    /// One CSV row for `record`, without the newline.
    func curvesRow(_ record: Record) -> String
}

extension IterationRecord: TrainingRecord {
    public var recordNumber: Int { iteration }
}

extension Trainer: TrainingDriver where Scalar: HDF5Element {
    public var completedIterations: Int { state.iteration }
    public var totalCGIterations: Int { state.totalCGIterations }
    public func saveCheckpoint(to path: String) throws { try TrainingCheckpoint(self).save(to: path) }
    public func curvesText(_ records: [IterationRecord]) -> String { curvesCSV(records) }
    public func curvesRow(_ record: IterationRecord) -> String { curvesCSVRow(record) }
}
