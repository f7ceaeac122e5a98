import Linalg
import SequenceModel
import Tasks
import Testing
@testable import Training

/// μ's default, like λ₀'s, is decided in the library's `TrainingConfig` (the CLI's agreement is
/// checked in CLITests): 0.03 per scored step of a task's sequence, so that the structural term
/// weighs the same against G on a task scored at every step as on one scored once.
@Suite struct StructuralDampingDefaultTests {
    /// 0.03 × scored outputs per sequence, checked against a generated batch's Σ mask.
    @Test(arguments: PathologicalTask.allCases)
    func taskMuIsPerScoredOutput(task: PathologicalTask) throws {
        let spec = try TaskSpec(task: task, minimumLength: 30)
        var rng = SeededGenerator(seed: 3)
        let batch: SequenceBatch<Double> = spec.makeBatch(count: 16, using: &rng)
        let mu = try #require(TrainingConfig(data: .task(spec)).hessianFree?.structuralDampingWeight)
        #expect(abs(mu - 0.03 * batch.scoredOutputCount / 16) < 1e-12)
    }

    @Test func datasetRunsKeepThePlainDefault() {
        let config = TrainingConfig(data: .dataset(path: "data.h5", testPath: nil))
        #expect(config.hessianFree?.structuralDampingWeight == 0.03)
    }
}
