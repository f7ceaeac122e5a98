import Diagnostics
import Foundation
import RunStore
import TestSupport
import Testing
import Training
import TrainingTestSupport

/// `runTraining` readies the run folder before anything else: `onStart` (where the command line
/// prints its header) runs once it is ready, and never for a folder that cannot be used.
@Suite struct TrainingLoopStartTests {
    @Test func onStartRunsOnceTheFolderIsReadyAndNotForABadOne() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.maxIterations = 1
        var events: [String] = []
        let run = RunFolder(path: folder.file("small"))
        _ = try runTraining(try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self)), in: run,
                            startsRun: true, shouldStop: { false },
                            onStart: {
                                let ready = FileManager.default.fileExists(atPath: run.metrics)
                                events.append(ready ? "start, folder ready" : "start, no folder")
                            }, onIteration: { _ in events.append("record") })
        #expect(events == ["start, folder ready", "record"])

        let file = folder.file("a-file")
        try Data().write(to: URL(fileURLWithPath: file))
        var started = false
        let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        let error = #expect(throws: HFRNNError.self) {
            _ = try runTraining(trainer, in: RunFolder(directory: file, name: "small"), startsRun: true, shouldStop: { false },
                                onStart: { started = true }, onIteration: { _ in })
        }
        #expect(error?.description.contains(file) == true, "\(String(describing: error))")
        #expect(!started)
    }
}
