import DataFiles
import FirstOrder
import Foundation
import HDF5IO
import HessianFree
import Linalg
import RunStore
import TestSupport
import Testing
import Training
import TrainingTestSupport

/// Format 6 stores the one method that trains a run (`training.method`); checkpoints of format 5,
/// with HF's settings in `optimizer` beside an optional `first_order`, load and continue exactly
/// as the hfrnn that wrote them continued them (Tests/Fixtures/README.md).
@Suite struct MethodFormatTests {
    /// The stored `training` object of the checkpoint at `path`.
    private func storedTraining(_ path: String) throws -> [String: Any] {
        let file = try HDF5File.open(path)
        defer { try? file.close() }
        let text = try file.stringAttribute("training", on: "config")
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func aCheckpointStoresOnlyTheMethodThatTrainsTheRun() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        let hfPath = folder.file("hf.h5")
        try Checkpoint(try trainedTrainer(config, Float.self, iterations: 1)).save(to: hfPath)
        let hf = try storedTraining(hfPath)
        #expect(hf["optimizer"] == nil && hf["first_order"] == nil)
        #expect((hf["method"] as? [String: Any]).map { Array($0.keys) } == ["hessian_free"])

        var run = FirstOrderRunConfig(method: .adam)
        run.optimizer.minibatchSize = 10
        run.evaluateEvery = 2
        config.method = .firstOrder(run)
        let trainer = try Trainer<FirstOrderTraining<Float>>(config: config, source: taskSource(config, Float.self))
        _ = try trainer.step()
        let firstOrderPath = folder.file("adam.h5")
        try Checkpoint(trainer).save(to: firstOrderPath)
        let firstOrder = try storedTraining(firstOrderPath)
        #expect(firstOrder["optimizer"] == nil && firstOrder["first_order"] == nil)
        #expect((firstOrder["method"] as? [String: Any]).map { Array($0.keys) } == ["first_order"])
        #expect(try Checkpoint<FirstOrderTraining<Float>>.load(from: firstOrderPath).config == config)
    }

    @Test func aFormatFiveHFCheckpointLoadsAndResumesExactly() throws {
        let path = fixturePath("checkpoint-format5.h5")
        #expect(try storedTraining(path)["optimizer"] != nil)
        let old = try Checkpoint<HessianFreeTraining<Float>>.load(from: path)
        #expect(old.state.iteration == 2)
        #expect(old.config.hessianFree?.cgMaxIterations == HFConfig().cgMaxIterations)
        #expect(old.config.batches.curvatureBatchSize == 30)
        // Written before HF recorded its sequences: read as iterations × sequences per iteration.
        #expect(old.history.map(\.sequences) == [120, 240] && old.config.trainingSequencesPerIteration == 120)
        let expected = try Checkpoint<HessianFreeTraining<Float>>.load(from: fixturePath("checkpoint-format5-resumed.h5"))
        #expect(Array(expected.history.prefix(2)) == old.history)

        let trainer = try old.makeTrainer(source: makeSource(old.config, Float.self), path: path)
        _ = try trainer.step()
        // Other OpenBLAS kernels round differently: the fixtures' bits hold on the kernels they were made on.
        guard expectContinuation(trainer, of: old, as: expected, fixture: path) else { return }
        #expect(historyBits(trainer.history, includingElapsed: false) == historyBits(expected.history, includingElapsed: false))
    }

    @Test func aFormatFiveFirstOrderCheckpointLoadsWithoutHFSettingsAndResumesExactly() throws {
        let path = fixturePath("checkpoint-format5-nesterov.h5")
        // Format 5 stored HF's defaults beside the first-order settings; they are not read back.
        #expect(try storedTraining(path)["optimizer"] != nil)
        let old = try Checkpoint<FirstOrderTraining<Float>>.load(from: path)
        #expect(old.config.hessianFree == nil)
        #expect(old.config.firstOrder?.method == .nesterov && old.config.firstOrder?.evaluateEvery == 5)
        #expect(old.state.step + old.state.skippedSteps == 10 && old.history.count == 2)
        let expected = try Checkpoint<FirstOrderTraining<Float>>.load(from: fixturePath("checkpoint-format5-nesterov-resumed.h5"))
        // Compared as curves.csv rows: the records hold NaN (no regulariser), which == never matches.
        func withoutClock(_ history: [FirstOrderRecord]) -> [[String]] {
            history.map { record in
                var record = record
                record.elapsedSeconds = 0
                record.processorSeconds = 0
                return record.curvesFields
            }
        }
        #expect(withoutClock(Array(expected.history.prefix(2))) == withoutClock(old.history))

        // The fixture was continued by `hfrnn resume --max-iterations 5`: one evaluation period.
        var session = old.config
        session.maxIterations = 5
        let trainer = try old.makeTrainer(source: makeSource(old.config, Float.self), config: session, path: path)
        _ = try trainer.step()
        guard expectContinuation(trainer, of: old, as: expected, fixture: path) else { return }
        #expect(withoutClock(trainer.history) == withoutClock(expected.history))
    }
}
