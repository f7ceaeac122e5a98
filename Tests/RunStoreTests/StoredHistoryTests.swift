import FirstOrder
import Foundation
import HDF5IO
@testable import RunStore
import TestSupport
import Testing
import Training
import TrainingTestSupport

/// Each method keeps its own records and columns: a stored run holds them as they are, and what
/// every method has in common is the curve (`CurvePoint`), not a record of another method's shape.
@Suite struct StoredHistoryTests {
    @Test func aFirstOrderRunKeepsItsRecordsAndHasNoHFFields() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        var run = FirstOrderRunConfig(method: .sgd)
        run.optimizer.minibatchSize = 10
        run.evaluateEvery = 2
        config.method = .firstOrder(run)
        config.maxIterations = 5
        let trainer = try Trainer<FirstOrderTraining<Float>>(config: config, source: taskSource(config, Float.self))
        let outcome = try runTraining(trainer, in: RunFolder(path: folder.file("sgd")), startsRun: true, shouldStop: { false },
                                      onIteration: { _ in })
        let stored = try StoredRun<Float>.load(from: outcome.latestCheckpoint)
        #expect(stored.history.hessianFree == nil)
        #expect(stored.history.firstOrder?.map(\.updates) == [2, 4, 5])
        #expect(stored.curve.map(\.steps) == [2, 4, 5])
        #expect(stored.curve.map(\.testError) == trainer.history.map(\.testError))
        #expect(stored.lambda == nil && stored.stepUnit == .update && !stored.stoppedWithoutProgress)
        #expect(stored.history.curvesCSV == curvesCSV(trainer.history))

        // The columns in the file are the ones the method declares, and no others.
        let file = try HDF5File.open(outcome.latestCheckpoint)
        defer { try? file.close() }
        let declared = FirstOrderHistory.columns.reals.map(\.name) + FirstOrderHistory.columns.integers.map(\.name)
        #expect(try file.children(of: "history") == declared.sorted())
    }

    @Test func anHFRunKeepsItsRecords() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.maxIterations = 2
        let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        let outcome = try runTraining(trainer, in: RunFolder(path: folder.file("small")), startsRun: true, shouldStop: { false },
                                      onIteration: { _ in })
        let stored = try StoredRun<Float>.load(from: outcome.latestCheckpoint)
        #expect(stored.history.firstOrder == nil)
        #expect(stored.history.hessianFree.map { historyBits($0) } == historyBits(trainer.history))
        #expect(stored.curve == trainer.history.map(\.curvePoint))
        #expect(stored.curve.map(\.steps) == [1, 2])
        #expect(stored.lambda == trainer.state.lambda && stored.stepUnit == .iteration)
    }
}
