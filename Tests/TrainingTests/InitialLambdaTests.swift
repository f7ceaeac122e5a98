import Linalg
import SequenceModel
import Tasks
import Testing
@testable import Training

/// λ₀ is decided in one place, the library's `TrainingConfig`, so a `Trainer` built without the
/// CLI starts from the same λ as `hfrnn train` (checked against the executable in CLITests).
@Suite struct InitialLambdaTests {
    @Test func trainerFromAPlainConfigStartsFromTheTaskLambda() throws {
        let spec = try TaskSpec(task: .randomPermutation, minimumLength: 10)
        var config = TrainingConfig(data: .task(spec))
        config.hiddenUnits = 4
        config.testSequences = 5
        let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: makeSource(config, Float.self))
        #expect(trainer.state.lambda == TrainingConfig.defaultInitialLambda(for: .task(spec)))
        #expect(abs(trainer.state.lambda - 0.01 * Double(spec.maximumLength)) < 1e-12)
    }

    /// 0.01 × scored outputs per sequence, checked against a generated batch's Σ mask.
    @Test(arguments: PathologicalTask.allCases)
    func taskLambdaIsOnePercentOfScoredOutputs(task: PathologicalTask) throws {
        let spec = try TaskSpec(task: task, minimumLength: 30)
        var rng = SeededGenerator(seed: 3)
        let batch: SequenceBatch<Double> = spec.makeBatch(count: 16, using: &rng)
        #expect(abs(TrainingConfig.defaultInitialLambda(for: .task(spec)) - 0.01 * batch.scoredOutputCount / 16) < 1e-12)
    }

    @Test func taskLambdasAtT200() throws {
        func lambda(_ task: PathologicalTask) throws -> Double {
            TrainingConfig.defaultInitialLambda(for: .task(try TaskSpec(task: task, minimumLength: 200)))
        }
        #expect(try lambda(.addition) == 0.01 && lambda(.temporalOrder) == 0.01)
        #expect(abs(try lambda(.randomPermutation) - 2) < 1e-12)   // [ISC] T · 0.01
    }

    @Test func datasetRunsStartFromThePlainDefault() {
        let config = TrainingConfig(data: .dataset(path: "data.h5", testPath: nil))
        #expect(config.hessianFree?.initialLambda == 0.01)
    }
}
