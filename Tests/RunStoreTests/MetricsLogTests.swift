import Diagnostics
import Foundation
@testable import RunStore
import TestSupport
import Testing
@testable import DataFiles
@testable import Training
import TrainingTestSupport

/// metrics.csv in the run folder: one row per iteration, on disk when the iteration is reported,
/// and consistent with the checkpoint a session starts from.
@Suite struct MetricsLogTests {
    private func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func rowsAreWrittenAsTheRunGoesAndRewrittenOnResume() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.maxIterations = 2
        let run = RunFolder(path: folder.file("small"))
        var seen: [Int] = []
        let first = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        _ = try runTraining(first, in: run, startsRun: true, shouldStop: { false }) { record in
            // The row is in the file by the time the iteration is reported.
            seen.append((try? lines(run.metrics).count) ?? -1)
            #expect((try? lines(run.metrics).last) == curvesCSVRow(record))
        }
        #expect(seen == [2, 3])
        #expect(try lines(run.metrics) == curvesCSV(first.history).split(separator: "\n").map(String.init))
        #expect(try lines(run.metrics).first == IterationRecord.curvesHeader)

        // A session that got further than the checkpoint it is later resumed from (latest.h5 is
        // damaged, so the run goes on from an older copy): its rows go.
        let older = folder.file("at-2.h5")
        try FileManager.default.copyItem(atPath: run.latest, toPath: older)
        let checkpoint = try Checkpoint<HessianFreeTraining<Float>>.load(from: run.latest)
        _ = try runTraining(checkpoint.makeTrainer(source: taskSource(config, Float.self), path: run.latest), in: run,
                            startsRun: false, shouldStop: { false }) { _ in }
        #expect(try lines(run.metrics).count == 5)

        let resumed = try Checkpoint<HessianFreeTraining<Float>>.load(from: older)
        var once = resumed.config
        once.maxIterations = 1
        let trainer = try resumed.makeTrainer(source: taskSource(config, Float.self), config: once, path: older)
        // Further on and readable, latest.h5 stops the session: its steps would be replaced.
        let refused = #expect(throws: HFRNNError.self) {
            _ = try runTraining(trainer, in: run, startsRun: false, shouldStop: { false }) { _ in }
        }
        #expect(refused?.message == "\(run.latest): is at iteration 4, beyond the iteration 2 this session read: another "
                + "session trained the run meanwhile; resume it again")
        try Data("damaged".utf8).write(to: URL(fileURLWithPath: run.latest))
        _ = try runTraining(trainer, in: run, startsRun: false, shouldStop: { false }) { _ in }
        let rows = try lines(run.metrics)
        #expect(rows == curvesCSV(trainer.history).split(separator: "\n").map(String.init))
        #expect(rows.dropFirst().map { $0.split(separator: ",")[0] } == ["1", "2", "3"])
    }
}

/// A session that fails before any checkpoint reaches the run folder it created (a full disk)
/// leaves no folder behind; it left an empty one, or one holding only metrics.csv.
@Suite struct FailedStartTests {
    @Test func aFolderWithoutCheckpointsIsRemovedOnlyIfTheSessionCreatedIt() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try smallConfig(.float)
        let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        let fresh = RunRecorder<HessianFreeTraining<Float>>(folder: RunFolder(path: folder.file("new/run")), startsRun: true)
        try fresh.begin(trainer)
        #expect(FileManager.default.fileExists(atPath: folder.file("new/run/metrics.csv")))
        fresh.discardIfNothingSaved()
        #expect(!FileManager.default.fileExists(atPath: folder.file("new")), "the outermost folder it made goes too")

        // Another run started beside it in the parent it made: that run and the parent stay.
        let first = RunRecorder<HessianFreeTraining<Float>>(folder: RunFolder(path: folder.file("shared/a")), startsRun: true)
        try first.begin(trainer)
        let second = RunRecorder<HessianFreeTraining<Float>>(folder: RunFolder(path: folder.file("shared/b")), startsRun: true)
        try second.begin(trainer)
        try second.saveLatest(trainer)
        first.discardIfNothingSaved()
        #expect(!FileManager.default.fileExists(atPath: folder.file("shared/a")))
        #expect(FileManager.default.fileExists(atPath: folder.file("shared/b/latest.h5")))
        // A session that did not get the lock (another trains the run) removes nothing.
        let third = RunRecorder<HessianFreeTraining<Float>>(folder: RunFolder(path: folder.file("shared/b")), startsRun: true)
        #expect(throws: HFRNNError.self) { try third.begin(trainer) }
        third.discardIfNothingSaved()
        #expect(FileManager.default.fileExists(atPath: folder.file("shared/b/latest.h5")))

        let saved = RunRecorder<HessianFreeTraining<Float>>(folder: RunFolder(path: folder.file("saved")), startsRun: true)
        try saved.begin(trainer)
        try saved.saveLatest(trainer)
        saved.discardIfNothingSaved()
        #expect(FileManager.default.fileExists(atPath: folder.file("saved/latest.h5")))

        try FileManager.default.createDirectory(atPath: folder.file("existing"), withIntermediateDirectories: false)
        let existing = RunRecorder<HessianFreeTraining<Float>>(folder: RunFolder(path: folder.file("existing")), startsRun: true)
        try existing.begin(trainer)
        existing.discardIfNothingSaved()
        #expect(FileManager.default.fileExists(atPath: folder.file("existing")), "a folder the user made stays")
    }
}
