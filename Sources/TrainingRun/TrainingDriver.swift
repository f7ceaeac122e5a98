import HDF5IO
import RunStore
import SequenceModel
import Training

/// What `runTraining` needs from a run, whatever its optimizer: advance to the next record, say
/// when to stop, and write its checkpoint and curves. `HFTrainer` (HF) and `FirstOrderTrainer`
/// conform; the loop, its checkpoints, metrics.csv and stop handling are shared.
public protocol TrainingDriver<Record>: AnyObject {
    associatedtype Record: TrainingRecord
    var config: TrainingConfig { get }
    /// The processes the run is shared among; worker 0 writes the run's files.
    var group: any WorkerGroup { get }
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

extension HFTrainer: TrainingDriver where Scalar: HDF5Element {
    public var completedIterations: Int { state.iteration }
    public var totalCGIterations: Int { state.totalCGIterations }
    public func saveCheckpoint(to path: String) throws { try TrainingCheckpoint(self).save(to: path) }
    public func curvesText(_ records: [IterationRecord]) -> String { curvesCSV(records) }
    public func curvesRow(_ record: IterationRecord) -> String { curvesCSVRow(record) }
}

extension FirstOrderTrainer: TrainingDriver where Scalar: HDF5Element {
    /// First-order runs are not shared among processes.
    public var group: any WorkerGroup { SingleWorker() }
    public var completedIterations: Int { updates }
    public var totalCGIterations: Int { 0 }
    public func saveCheckpoint(to path: String) throws { try FirstOrderCheckpoint(self).save(to: path) }
    public func curvesText(_ records: [FirstOrderRecord]) -> String { firstOrderCurvesCSV(records) }
    public func curvesRow(_ record: FirstOrderRecord) -> String { firstOrderCurvesCSVRow(record) }
}
