import DataFiles
import Foundation
import HDF5IO
import Linalg
import Training

/// How a run ended.
public struct TrainingOutcome: Sendable {
    public var reason: StopReason
    public var iterations: Int
    public var totalCGIterations: Int
    public var finalTestError: Double
    public var finalTestLoss: Double
    public var elapsedSeconds: Double
    public var latestCheckpoint: String
    public var bestCheckpoint: String?
}

/// The training loop: one record at a time (an HF iteration, or a first-order evaluation period)
/// until solved, out of iterations or time, or interrupted, on `config.blasThreads` BLAS threads; the latest checkpoint every
/// `checkpointEvery` iterations and whenever the loop stops, and the best one (by test error)
/// whenever it improves; every record is appended to the run folder's metrics.csv.
///
/// `shouldStop` is polled between iterations — the safe points — so a signal handler only needs to
/// set a flag. The loop prints nothing; `onIteration` receives every record.
public func runTraining<Driver: TrainingDriver>(_ trainer: Driver, shouldStop: () -> Bool,
                                               onIteration: (Driver.Record) -> Void) throws -> TrainingOutcome {
    BLAS.setThreadCount(trainer.config.blasThreads)
    let folder = RunFolder(config: trainer.config)
    // The folder is created and checked before the first iteration, so a bad checkpoint folder costs no work.
    try folder.prepare()
    // Saves killed before their rename (kill -9) leave temporary files; no one else will remove them.
    AtomicFile.removeStaleTemporaries(in: folder.path)
    let metrics = try MetricsLog(path: folder.metrics, csv: trainer.curvesText(trainer.history))
    var bestError = trainer.history.map(\.testError).min() ?? .infinity
    var bestPath: String? = FileManager.default.fileExists(atPath: folder.best) ? folder.best : nil
    var reason: StopReason
    var latestIsCurrent = false  // saving again at the end would rewrite the same checkpoint
    while true {
        if let stop = trainer.stopReason(interrupted: shouldStop()) {
            reason = stop
            break
        }
        let record = try trainer.step()
        latestIsCurrent = false
        try metrics.append(row: trainer.curvesRow(record))
        onIteration(record)
        if record.testError < bestError {
            bestError = record.testError
            try trainer.saveCheckpoint(to: folder.best)
            bestPath = folder.best
        }
        if record.recordNumber % trainer.config.checkpointEvery == 0 {
            try trainer.saveCheckpoint(to: folder.latest)
            latestIsCurrent = true
        }
    }
    if !latestIsCurrent { try trainer.saveCheckpoint(to: folder.latest) }
    let last = trainer.history.last
    let test = last.map { ($0.testError, $0.testLoss) } ?? { let t = trainer.evaluateTest(); return (t.error, t.loss) }()
    return TrainingOutcome(reason: reason, iterations: trainer.completedIterations,
                           totalCGIterations: trainer.totalCGIterations, finalTestError: test.0,
                           finalTestLoss: test.1, elapsedSeconds: trainer.elapsedSeconds,
                           latestCheckpoint: folder.latest, bestCheckpoint: bestPath)
}
