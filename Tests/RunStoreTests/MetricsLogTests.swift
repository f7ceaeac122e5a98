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
        _ = try runTraining(first, in: run, shouldStop: { false }) { record in
            // The row is in the file by the time the iteration is reported.
            seen.append((try? lines(run.metrics).count) ?? -1)
            #expect((try? lines(run.metrics).last) == curvesCSVRow(record))
        }
        #expect(seen == [2, 3])
        #expect(try lines(run.metrics) == curvesCSV(first.history).split(separator: "\n").map(String.init))
        #expect(try lines(run.metrics).first == IterationRecord.curvesHeader)

        // A session that got further than the checkpoint it is later resumed from: its rows go.
        let older = folder.file("at-2.h5")
        try FileManager.default.copyItem(atPath: run.latest, toPath: older)
        let checkpoint = try Checkpoint<HessianFreeTraining<Float>>.load(from: run.latest)
        _ = try runTraining(checkpoint.makeTrainer(source: taskSource(config, Float.self), path: run.latest), in: run,
                            shouldStop: { false }) { _ in }
        #expect(try lines(run.metrics).count == 5)

        let resumed = try Checkpoint<HessianFreeTraining<Float>>.load(from: older)
        var once = resumed.config
        once.maxIterations = 1
        let trainer = try resumed.makeTrainer(source: taskSource(config, Float.self), config: once, path: older)
        _ = try runTraining(trainer, in: run, shouldStop: { false }) { _ in }
        let rows = try lines(run.metrics)
        #expect(rows == curvesCSV(trainer.history).split(separator: "\n").map(String.init))
        #expect(rows.dropFirst().map { $0.split(separator: ",")[0] } == ["1", "2", "3"])
    }
}
