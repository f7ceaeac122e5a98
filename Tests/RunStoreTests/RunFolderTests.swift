import Foundation
import HDF5IO
import RunStore
import TestSupport
import Testing
import Training
import TrainingTestSupport

/// Where a run is kept is its run folder, not part of its configuration: a checkpoint does not
/// name the folder it was first written to, and a moved run goes on in its new folder.
@Suite struct RunFolderTests {
    /// A session that starts a run checks again, once it holds the folder's lock, that no other
    /// session saved a run there since it looked: two `train`s with one run name both trained.
    @Test func aNewRunNeverReplacesOneSavedMeanwhile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.maxIterations = 1
        let run = RunFolder(directory: folder.file("runs"), name: "twin")
        let late = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        _ = try runTraining(try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self)),
                            in: run, startsRun: true, shouldStop: { false }, onIteration: { _ in })
        let saved = try Data(contentsOf: URL(fileURLWithPath: run.latest))
        #expect(throws: (any Error).self) {
            _ = try runTraining(late, in: run, startsRun: true, shouldStop: { false }, onIteration: { _ in })
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: run.latest)) == saved)
    }

    @Test func aCheckpointDoesNotNameItsFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.maxIterations = 1
        let run = RunFolder(directory: folder.file("runs"), name: "first")
        _ = try runTraining(try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self)),
                            in: run, startsRun: true, shouldStop: { false }, onIteration: { _ in })
        let file = try HDF5File.open(run.latest)
        defer { try? file.close() }
        let text = try file.stringAttribute("training", on: "config")
        let training = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(training["run_name"] == nil && training["checkpoint_directory"] == nil, "\(text)")
        #expect(!text.contains("first") && !text.contains(folder.path))
    }

    @Test func aMovedRunGoesOnInTheFolderItsCheckpointIsIn() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.maxIterations = 1
        let first = RunFolder(path: folder.file("a/run"))
        _ = try runTraining(try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self)),
                            in: first, startsRun: true, shouldStop: { false }, onIteration: { _ in })
        try FileManager.default.createDirectory(atPath: folder.file("b"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: first.path, toPath: folder.file("b/moved"))
        let path = folder.file("b/moved/latest.h5")
        let moved = RunFolder(containing: path)
        #expect(moved == RunFolder(directory: folder.file("b"), name: "moved"))
        let checkpoint = try Checkpoint<HessianFreeTraining<Float>>.load(from: path)
        let trainer = try checkpoint.makeTrainer(source: taskSource(config, Float.self), path: path)
        let outcome = try runTraining(trainer, in: moved, startsRun: false, shouldStop: { false }, onIteration: { _ in })
        #expect(outcome.latestCheckpoint == path)
        #expect(try Checkpoint<HessianFreeTraining<Float>>.load(from: path).state.iteration == 2)
        #expect(!FileManager.default.fileExists(atPath: first.path))
    }

    @Test func aRunNameIsOneFolderName() {
        for bad in ["", "a/b", ".hidden", "."] {
            #expect(RunFolder.nameIssue(bad)?.description == "run name '\(bad)' must be non-empty, without '/', and not start with '.'")
            #expect(RunFolder.nameIssue(bad)?.field == "runName")
        }
        for good in ["addition-T100-seed1", "x", "a.b"] { #expect(RunFolder.nameIssue(good) == nil) }
    }
}
