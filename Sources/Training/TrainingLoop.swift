import Linalg
import SequenceModel

/// Where the training loop keeps a run as it goes: its curves, its latest state and its best one
/// (RunStore's `RunRecorder` writes them into the run folder). The loop calls it on worker 0 only;
/// in an MPI job the other workers record nothing.
public protocol TrainingRecorder<Method> {
    associatedtype Method: TrainingMethod
    /// Where the latest and the best state are kept (for the outcome and messages).
    var latestLocation: String { get }
    var bestLocation: String { get }
    /// Whether a best state was kept before this session.
    var hasBest: Bool { get }
    /// Readies the record of the run, holding `trainer`'s history so far, before the first step.
    func begin(_ trainer: Trainer<Method>) throws
    /// Adds `record`, the trainer's newest, to the curves.
    func append(_ record: Method.Record) throws
    /// Keeps the trainer's state as the latest, or as the best.
    func saveLatest(_ trainer: Trainer<Method>) throws
    func saveBest(_ trainer: Trainer<Method>) throws
}

/// How a run ended.
public struct TrainingOutcome: Sendable {
    public var reason: StopReason
    /// Steps done: HF iterations, or first-order updates.
    public var iterations: Int
    public var totalCGIterations: Int
    public var finalTestError: Double
    public var finalTestLoss: Double
    public var elapsedSeconds: Double
    public var latestCheckpoint: String
    public var bestCheckpoint: String?
}

/// The training loop, whatever the method: one record at a time until solved, out of steps or
/// time, or interrupted, on `config.blasThreads` BLAS threads. Every record goes to `recorder`'s
/// curves; the latest state is kept every `checkpointEvery` records and whenever the loop stops,
/// the best one (by test error) whenever it improves.
///
/// `shouldStop` is polled between records — the safe points — so a signal handler only needs to
/// set a flag. The loop prints nothing; `onStart` runs once the recorder is ready (so a caller that
/// prints a header prints nothing before a bad folder's error), `onRecord` receives every record
/// (on worker 0 only when the trainer's group is an MPI job).
public func trainUntilStopped<Method, Recorder: TrainingRecorder<Method>>(
    _ trainer: Trainer<Method>, recorder: Recorder, shouldStop: () -> Bool, onStart: () -> Void = {},
    onRecord: (Method.Record) -> Void
) throws -> TrainingOutcome {
    BLAS.setThreadCount(trainer.config.blasThreads)
    // In an MPI job only worker 0 records; a failure there stops every worker (`agreeing`).
    let group = trainer.group
    // Readied before the first step, so a bad run folder costs no work.
    try group.agreeing { if group.isPrimary { try recorder.begin(trainer) } }
    onStart()
    var bestError = trainer.history.map(\.testError).min() ?? .infinity
    var bestLocation: String? = recorder.hasBest ? recorder.bestLocation : nil
    var reason: StopReason
    var latestIsCurrent = false  // keeping it again at the end would rewrite the same state
    while true {
        // Worker 0 decides (its signals, its clock) and every worker follows.
        let proposal = trainer.stopReason(interrupted: shouldStop())
        let decided = group.primaryValue(proposal.map { StopReason.allCases.firstIndex(of: $0)! } ?? -1)
        if decided >= 0 {
            reason = StopReason.allCases[decided]
            break
        }
        let record = try trainer.step()
        let improved = record.testError < bestError
        let saveLatest = record.recordNumber % trainer.config.checkpointEvery == 0
        try group.agreeing {
            guard group.isPrimary else { return }
            try recorder.append(record)
            onRecord(record)
            if improved { try recorder.saveBest(trainer) }
            if saveLatest { try recorder.saveLatest(trainer) }
        }
        if improved {
            bestError = record.testError
            bestLocation = recorder.bestLocation
        }
        latestIsCurrent = saveLatest
    }
    if !latestIsCurrent {
        try group.agreeing { if group.isPrimary { try recorder.saveLatest(trainer) } }
    }
    let last = trainer.history.last
    let test = last.map { ($0.testError, $0.testLoss) } ?? { let t = trainer.evaluateTest(); return (t.error, t.loss) }()
    return TrainingOutcome(reason: reason, iterations: trainer.completedSteps, totalCGIterations: trainer.cgIterations,
                           finalTestError: test.0, finalTestLoss: test.1, elapsedSeconds: trainer.elapsedSeconds,
                           latestCheckpoint: recorder.latestLocation, bestCheckpoint: bestLocation)
}
