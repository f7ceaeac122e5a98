import DataFiles
import Foundation
import Training

/// The training loop's recorder for a run folder: metrics.csv rewritten from the history when a
/// session begins and appended to after every record, the latest and best checkpoints saved
/// atomically.
public final class RunRecorder<Method: StoredMethod>: TrainingRecorder {
    public let folder: RunFolder
    /// Whether the session starts the run (else it resumes it from a checkpoint).
    public let startsRun: Bool
    private var metrics: MetricsLog?
    /// The folder's training lock, held from `begin` until the recorder goes away.
    private var lock: Int32?
    /// The outermost folder `begin` created for the run, if it created one.
    private var createdFolder: String?

    public init(folder: RunFolder, startsRun: Bool) {
        self.folder = folder
        self.startsRun = startsRun
    }

    deinit {
        if let lock { close(lock) }
    }

    public var latestLocation: String { folder.latest }
    public var bestLocation: String { folder.best }
    public var hasBest: Bool { folder.hasBest }

    /// Creates and checks the folder, so a bad checkpoint folder fails before the first step.
    public func begin(_ trainer: Trainer<Method>) throws {
        createdFolder = try folder.prepare()
        lock = try folder.lockForTraining()
        // Checked again now that the folder is this session's: another session may have saved
        // here since this one looked for a checkpoint or read one.
        if startsRun {
            try folder.refuseExistingRun()
        } else {
            try folder.refuseLaterSteps(than: trainer.completedSteps, stepUnit: Method.stepUnit)
        }
        // Saves killed before their rename (kill -9) leave temporary files; no one else will remove them.
        AtomicFile.removeStaleTemporaries(in: folder.path)
        metrics = try MetricsLog(path: folder.metrics, csv: curvesCSV(trainer.history))
    }

    public func append(_ record: Method.Record) throws {
        try metrics?.append(row: curvesCSVRow(record))
    }

    public func saveLatest(_ trainer: Trainer<Method>) throws { try Checkpoint(trainer).save(to: folder.latest) }

    public func saveBest(_ trainer: Trainer<Method>) throws { try Checkpoint(trainer).save(to: folder.best) }

    /// After a session that failed: when no checkpoint reached the run folder `begin` created (a
    /// full disk left an empty run folder, or one with only metrics.csv), removes its metrics.csv
    /// and then each empty folder from the run's up to the outermost one `begin` created. Only
    /// while this session holds the folder's lock, and never a folder that holds anything else:
    /// another run may have started beside it in a parent this session created.
    func discardIfNothingSaved() {
        guard startsRun, let lock, let createdFolder, !FileManager.default.fileExists(atPath: folder.latest),
              !FileManager.default.fileExists(atPath: folder.best) else { return }
        try? FileManager.default.removeItem(atPath: folder.metrics)
        let top = URL(fileURLWithPath: createdFolder).standardizedFileURL.path
        var current = URL(fileURLWithPath: folder.path).standardizedFileURL.path
        // rmdir(2) removes only empty folders.
        while rmdir(current) == 0, current != top {
            current = URL(fileURLWithPath: current).deletingLastPathComponent().path
        }
        close(lock)
        self.lock = nil
    }
}

/// Trains `trainer` into the run folder `folder` until it stops: `trainUntilStopped` with a `RunRecorder`.
/// `startsRun`: the session starts the run (else it resumes it).
public func runTraining<Method: StoredMethod>(_ trainer: Trainer<Method>, in folder: RunFolder, startsRun: Bool,
                                              shouldStop: () -> Bool, onStart: () -> Void = {},
                                              onIteration: (Method.Record) -> Void) throws -> TrainingOutcome {
    let recorder = RunRecorder<Method>(folder: folder, startsRun: startsRun)
    do {
        return try trainUntilStopped(trainer, recorder: recorder, shouldStop: shouldStop, onStart: onStart,
                                     onRecord: onIteration)
    } catch {
        recorder.discardIfNothingSaved()
        throw error
    }
}
