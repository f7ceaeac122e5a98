import Tasks
import Testing
@testable import RunFiles
@testable import Training

/// λ₀ is decided in one place, the library's `TrainingConfig`, so a `Trainer` built without the
/// CLI starts from the same λ as `hfrnn train` (checked against the executable in CLITests).
@Suite struct InitialLambdaTests {
    @Test func trainerFromAPlainConfigStartsFromTheTaskLambda() throws {
        let spec = try TaskSpec(task: .randomPermutation, minimumLength: 10)
        var config = TrainingConfig(data: .task(spec))
        config.hiddenUnits = 4
        config.testSequences = 5
        let trainer = try Trainer<Float>(config: config, source: makeSource(config, Float.self))
        #expect(trainer.state.lambda == spec.initialLambdaHint)
        #expect(abs(trainer.state.lambda - 0.01 * Double(spec.maximumLength)) < 1e-12)
    }

    @Test func datasetRunsStartFromThePlainDefault() {
        let config = TrainingConfig(data: .dataset(path: "data.h5", testPath: nil))
        #expect(config.optimizer.initialLambda == 0.01)
    }
}
