import Foundation
import RunStore
import TestSupport
import Testing
@testable import Training
import TrainingTestSupport

/// A run that can never train — here an output bias of 1e30, whose squared error overflows float32,
/// as a target of 1e30 used to produce — stops after `maxConsecutiveRejections` rejected
/// iterations instead of raising λ forever.
@Suite struct NoProgressTests {
    @Test func consecutiveRejectionsStopTheRun() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.maxIterations = 40  // a guard: without the rule the loop would run to here
        config.maxConsecutiveRejections = 6
        let fresh = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        var parameters = fresh.parameters
        parameters[fresh.network.layout.outputBias.offset] = 1e30
        let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, network: fresh.network, parameters: parameters,
                                           state: fresh.state, rng: fresh.rng, history: [], earlierSeconds: 0,
                                           source: taskSource(config, Float.self))
        let outcome = try runTraining(trainer, in: RunFolder(path: folder.file("small")), startsRun: true, shouldStop: { false }) { _ in }
        #expect(outcome.reason == .noProgress)
        #expect(outcome.iterations == 6)
        #expect(trainer.history.allSatisfy { !$0.accepted })
        #expect(trainer.stalledSteps == 6)
        #expect(trainer.state.lambda > 10 * config.hessianFree!.initialLambda)
    }

    /// The count restarts in a resumed session and after any accepted step.
    @Test func onlyTrailingRejectionsOfThisSessionCount() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.maxConsecutiveRejections = 2
        let trainer = try trainedTrainer(config, Float.self, iterations: 3)
        let rejected = trainer.history.reversed().prefix { !$0.accepted }.count
        #expect(trainer.stalledSteps == rejected)
        let resumed = try Trainer<HessianFreeTraining<Float>>(config: config, network: trainer.network, parameters: trainer.parameters,
                                           state: trainer.state, rng: trainer.rng, history: trainer.history, earlierSeconds: 0,
                                           source: taskSource(config, Float.self))
        #expect(resumed.stalledSteps == 0)
    }
}
