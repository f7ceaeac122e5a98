import HessianFree
import Linalg
import TestSupport
import Testing
@testable import Training
import TrainingTestSupport

/// The recorded train loss is the data loss, like the test loss; the L2 term is only in the
/// separately recorded objective.
@Suite struct TrainLossTests {
    @Test func trainLossIsTheDataLossOfTheGradientBatch() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.double)
        config.hessianFree?.weightCost = 0.05  // an L2 term comparable to the data loss
        let trainer = try Trainer<HessianFreeTraining<Double>>(config: config, source: taskSource(config, Double.self))
        let theta = trainer.parameters
        // The gradient batch exactly as `step` draws it.
        var rng = trainer.rng
        let source = taskSource(config, Double.self)
        let subBatches = (0..<config.batches.gradientChunkCount).map { _ in
            source.trainingSequences(count: config.batches.chunkSize, using: &rng)
        }
        let dataLoss = RNNObjective(network: trainer.network, subBatches: subBatches).loss(at: theta)
        let l2 = 0.5 * config.hessianFree!.weightCost * theta.reduce(0) { $0 + $1 * $1 }
        try #require(l2 > 0.1 * dataLoss)

        let record = try trainer.step()
        #expect(abs(record.trainLoss - dataLoss) <= 1e-12 * dataLoss, "train loss \(record.trainLoss), data loss \(dataLoss)")
        #expect(abs(record.trainObjective - (dataLoss + l2)) <= 1e-12 * (dataLoss + l2))
    }
}
