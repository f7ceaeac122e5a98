import Foundation
import Testing
import Training
import Tasks

@Suite struct TrainOptionsTests {
    /// `hfrnn train` without --initial-lambda starts from the λ₀ a library `TrainingConfig` gives.
    @Test func cliAndLibraryAgreeOnInitialLambda() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try runHFRNN(["train", "--task", "random-permutation", "--length", "10", "--hidden-units", "4",
                                   "--test-sequences", "5", "--max-iterations", "0", "--checkpoint-dir",
                                   folder.file("runs"), "--run-name", "r"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let stored = try TrainingCheckpoint<Float>.load(from: folder.file("runs/r/latest.h5"))
        let library = TrainingConfig(data: .task(try TaskSpec(task: .randomPermutation, minimumLength: 10)))
        #expect(stored.state.lambda == library.optimizer.initialLambda)
        #expect(stored.config.optimizer.initialLambda == library.optimizer.initialLambda)
        #expect(stored.state.lambda != 0.01)
    }
}
