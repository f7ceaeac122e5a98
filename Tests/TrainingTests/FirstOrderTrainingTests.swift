import Diagnostics
import FirstOrder
import Foundation
import HDF5IO
@testable import Reports
@testable import RunStore
import Testing
import DataFiles
@testable import Training
import TestSupport
import TrainingTestSupport

/// First-order runs through the shared training loop: checkpoints, bit-exact resume, export.
@Suite struct FirstOrderTrainingTests {
    static func config(_ method: FirstOrderMethod, maxUpdates: Int) throws -> TrainingConfig {
        var config = try smallConfig(.float)
        var run = FirstOrderRunConfig(method: method)
        run.optimizer.minibatchSize = 10
        run.optimizer.momentumWarmupSteps = 4  // cross the momentum switch within the test
        run.optimizer.learningRate = 0.01
        run.evaluateEvery = 3
        config.firstOrder = run
        config.maxIterations = maxUpdates
        return config
    }

    /// Trains a new run of `config` in `<folder>/<method>`.
    static func train(_ config: TrainingConfig, in folder: String) throws -> Trainer<FirstOrderTraining<Float>> {
        let trainer = try Trainer<FirstOrderTraining<Float>>(config: config, source: makeSource(config, Float.self))
        let run = RunFolder(directory: folder, name: config.optimizerName)
        _ = try runTraining(trainer, in: run, startsRun: true, shouldStop: { false }, onIteration: { _ in })
        return trainer
    }

    /// Each record without its wall time, as bit patterns (NaN == NaN).
    static func bits(_ history: [FirstOrderRecord]) -> [[UInt64]] {
        history.map { r in
            [r.trainLoss, r.testLoss, r.testError, r.learningRate, r.momentum, r.clippedFraction, r.gradientNorm,
             r.vanishingTerm].map(\.bitPattern) + [r.evaluation, r.updates, r.sequences, r.skippedUpdates].map { UInt64($0) }
        }
    }

    /// A checkpoint whose optimizer method is no known name: every reader refuses it with the same
    /// one line naming the file and the known names.
    static func expectUnknownMethodRefused(copying checkpoint: String, to path: String) throws {
        try FileManager.default.copyItem(atPath: checkpoint, toPath: path)
        let file = try HDF5File.open(path, writable: true)
        try file.setAttribute("method", to: "rmsprop", on: "optimizer")
        try file.close()
        let expected = "\(path): optimizer method 'rmsprop' is unknown (hf, "
            + FirstOrderMethod.allCases.map(\.rawValue).joined(separator: ", ") + ")"
        let readers: [(String, () throws -> Void)] = [
            ("checkpointFirstOrderMethod", { _ = try checkpointFirstOrderMethod(path) }),
            ("StoredRun", { _ = try StoredRun<Float>.load(from: path) }),
            ("Checkpoint<HF>", { _ = try Checkpoint<HessianFreeTraining<Float>>.load(from: path) }),
        ]
        for (reader, read) in readers {
            let error = #expect(throws: HFRNNError.self, "\(reader)") { try read() }
            #expect(error?.description == expected, "\(reader): \(String(describing: error))")
        }
    }

    /// A step count of 2^62 (not checksummed; the seal is checked after the values are read) made
    /// the completed-step count overflow and trap.
    static func expectHugeStepRefused(copying checkpoint: String, to path: String) throws {
        try FileManager.default.copyItem(atPath: checkpoint, toPath: path)
        let file = try HDF5File.open(path, writable: true)
        try file.setAttribute("step", to: Int64(1) << 62, on: "optimizer")
        try file.close()
        let error = #expect(throws: HFRNNError.self) { try StoredRun<Float>.load(from: path) }
        #expect(error?.description == "\(path): optimizer step = 4611686018427387904 is beyond any run (at most 2147483647)",
                "\(String(describing: error))")
    }

    /// SGD-CR records Ω per period (finite, positive), stores it in the checkpoint and metrics.csv
    /// and resumes it bit for bit; without the regulariser the column is NaN.
    @Test func theVanishingTermIsRecordedStoredAndResumed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try Self.config(.sgd, maxUpdates: 6)
        config.firstOrder?.optimizer.vanishingRegularizerWeight = 2
        let trainer = try Self.train(config, in: folder.path)
        #expect(trainer.history.count == 2 && trainer.history.allSatisfy { $0.vanishingTerm.isFinite && $0.vanishingTerm > 0 })
        let latest = folder.file("sgd/latest.h5")
        let stored = try StoredRun<Float>.load(from: latest)
        #expect(stored.history.firstOrder.map(Self.bits) == Self.bits(trainer.history))
        let metrics = try String(contentsOfFile: folder.file("sgd/metrics.csv"), encoding: .utf8)
        let rows = metrics.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = try #require(rows.first?.firstIndex(of: "vanishing_term"))
        #expect(rows.dropFirst().allSatisfy { $0.count == rows[0].count && $0[column] != "nan" })

        var plain = try Self.config(.sgd, maxUpdates: 3)
        plain.firstOrder?.optimizer.vanishingRegularizerWeight = nil
        #expect(try Self.train(plain, in: folder.file("plain")).history.allSatisfy { $0.vanishingTerm.isNaN })
    }

    /// A few updates of each method end to end: the loop stops at the update limit, evaluates at
    /// multiples of K and at the limit, and writes checkpoints that evaluate and export read.
    @Test(arguments: FirstOrderMethod.allCases)
    func eachMethodTrainsAndItsCheckpointIsReadable(_ method: FirstOrderMethod) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try Self.config(method, maxUpdates: 7)
        let fresh = try Trainer<FirstOrderTraining<Float>>(config: config, source: makeSource(config, Float.self))
        let start = fresh.parameters
        let trainer = try Self.train(config, in: folder.path)
        #expect(trainer.parameters != start)
        #expect(trainer.completedSteps == 7 && trainer.state.step + trainer.state.skippedSteps == 7)
        #expect(trainer.history.map(\.updates) == [3, 6, 7])
        #expect(trainer.history.map(\.sequences) == [30, 60, 70])
        #expect(trainer.history.allSatisfy { $0.testError.isFinite && $0.trainLoss.isFinite })
        #expect(trainer.history.map(\.momentum).allSatisfy(\.isNaN) == (method != .nesterov))

        let latest = folder.file("\(method.rawValue)/latest.h5")
        #expect(try checkpointFirstOrderMethod(latest) == method)
        let stored = try StoredRun<Float>.load(from: latest)
        #expect(stored.parameters == trainer.parameters && stored.iteration == 7)
        #expect(stored.history.firstOrder.map(Self.bits) == Self.bits(trainer.history))
        let asHF = #expect(throws: HFRNNError.self) { try Checkpoint<HessianFreeTraining<Float>>.load(from: latest) }
        #expect(asHF?.description.contains(latest) == true
                && asHF?.description.hasSuffix(": a first-order checkpoint (\(method.rawValue)), not a Hessian-free one") == true,
                "\(String(describing: asHF))")

        try Self.expectUnknownMethodRefused(copying: latest, to: folder.file("unknown-method.h5"))
        try Self.expectHugeStepRefused(copying: latest, to: folder.file("huge-step.h5"))

        let export = try exportRun(checkpoint: latest, to: folder.file("export"))
        let csv = try String(contentsOfFile: export.curves, encoding: .utf8)
        #expect(csv.split(separator: "\n").first.map(String.init) == FirstOrderRecord.curvesHeader)
        #expect(csv.split(separator: "\n").count == 4)
        let metrics = try String(contentsOfFile: folder.file("\(method.rawValue)/metrics.csv"), encoding: .utf8)
        #expect(metrics == csv)
        let summary = try String(contentsOfFile: export.summary, encoding: .utf8)
        #expect(summary.contains("\"optimizer\" : \"\(method.rawValue)\"") && summary.contains("\"lambda\" : null"))
        #expect(export.testError == trainer.history.last?.testError)
    }

    /// Stopped after 6 updates, saved, loaded and resumed for 6 more: parameters, optimizer state
    /// (vectors, counters, RNG) and history equal a straight run of 12, bit for bit.
    @Test(arguments: FirstOrderMethod.allCases)
    func resumeIsBitExact(_ method: FirstOrderMethod) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let straight = try Self.train(try Self.config(method, maxUpdates: 12), in: folder.file("straight"))

        let firstHalf = try Self.config(method, maxUpdates: 6)
        _ = try Self.train(firstHalf, in: folder.file("split"))
        let path = folder.file("split/\(method.rawValue)/latest.h5")
        let checkpoint = try Checkpoint<FirstOrderTraining<Float>>.load(from: path)
        #expect(checkpoint.state.step + checkpoint.state.skippedSteps == 6)
        let resumed = try checkpoint.makeTrainer(source: makeSource(firstHalf, Float.self), path: path)
        _ = try runTraining(resumed, in: RunFolder(containing: path), startsRun: false, shouldStop: { false }, onIteration: { _ in })
        let reloaded = try Checkpoint<FirstOrderTraining<Float>>.load(from: path)

        for run in [resumed.parameters, reloaded.parameters] { #expect(rawBytes(run) == rawBytes(straight.parameters)) }
        for state in [resumed.state, reloaded.state] { #expect(state == straight.state) }
        #expect(straight.state.step == 12)
        #expect(Self.bits(reloaded.history) == Self.bits(straight.history))
        #expect(straight.history.count == 4)
    }

    /// A corrupted state vector length is one error naming the file, before any read of it.
    @Test func wrongStateVectorIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try Self.config(.nesterov, maxUpdates: 3)
        let trainer = try Self.train(config, in: folder.path)
        var checkpoint = Checkpoint(trainer)
        checkpoint.state.velocity.removeLast()
        let path = folder.file("bad.h5")
        try checkpoint.save(to: path)
        #expect {
            try Checkpoint<FirstOrderTraining<Float>>.load(from: path)
        } throws: { error in
            "\(error)".hasPrefix(path + ": optimizer/velocity has \(trainer.parameters.count - 1) entries")
        }
    }
}
