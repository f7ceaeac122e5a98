import DataFiles
import Foundation
import HDF5IO
import Linalg
import RunStore
import SequenceModel
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
/// set a flag. The loop prints nothing; `onStart` runs once the run folder is ready (so a caller
/// that prints a header prints nothing before a bad folder's error), `onIteration` receives every
/// record (on worker 0 only when the trainer's group is an MPI job, whose other workers write and
/// report nothing).
public func runTraining<Driver: TrainingDriver>(_ trainer: Driver, shouldStop: () -> Bool, onStart: () -> Void = {},
                                               onIteration: (Driver.Record) -> Void) throws -> TrainingOutcome {
    BLAS.setThreadCount(trainer.config.blasThreads)
    let folder = RunFolder(config: trainer.config)
    // In an MPI job only worker 0 writes; a failure there stops every worker (`agreeing`).
    let group = trainer.group
    let metrics: MetricsLog? = try group.agreeing {
        guard group.isPrimary else { return nil }
        // The folder is created and checked before the first iteration, so a bad checkpoint folder costs no work.
        try folder.prepare()
        // Saves killed before their rename (kill -9) leave temporary files; no one else will remove them.
        AtomicFile.removeStaleTemporaries(in: folder.path)
        return try MetricsLog(path: folder.metrics, csv: trainer.curvesText(trainer.history))
    }
    onStart()
    var bestError = trainer.history.map(\.testError).min() ?? .infinity
    var bestPath: String? = FileManager.default.fileExists(atPath: folder.best) ? folder.best : nil
    var reason: StopReason
    var latestIsCurrent = false  // saving again at the end would rewrite the same checkpoint
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
            guard let metrics else { return }
            try metrics.append(row: trainer.curvesRow(record))
            onIteration(record)
            if improved { try trainer.saveCheckpoint(to: folder.best) }
            if saveLatest { try trainer.saveCheckpoint(to: folder.latest) }
        }
        if improved {
            bestError = record.testError
            bestPath = folder.best
        }
        latestIsCurrent = saveLatest
    }
    if !latestIsCurrent {
        try group.agreeing { if group.isPrimary { try trainer.saveCheckpoint(to: folder.latest) } }
    }
    let last = trainer.history.last
    let test = last.map { ($0.testError, $0.testLoss) } ?? { let t = trainer.evaluateTest(); return (t.error, t.loss) }()
    return TrainingOutcome(reason: reason, iterations: trainer.completedIterations,
                           totalCGIterations: trainer.totalCGIterations, finalTestError: test.0,
                           finalTestLoss: test.1, elapsedSeconds: trainer.elapsedSeconds,
                           latestCheckpoint: folder.latest, bestCheckpoint: bestPath)
}
