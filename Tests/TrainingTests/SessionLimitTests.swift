import Tasks
import Testing
@testable import Training

/// A limit given to one session (`train` or one `resume`) applies to that session only.
@Suite struct SessionLimitTests {
    private func storedConfig() throws -> TrainingConfig {
        var config = TrainingConfig(data: .task(try TaskSpec(task: .addition, minimumLength: 10)))
        config.maxIterations = 10
        config.timeLimitSeconds = 60
        return config
    }

    /// `resume --max-iterations 10`, then `resume --time-limit 15s` used to stop at the old
    /// iteration limit: the second session has only its own time limit.
    @Test func anEarlierSessionsLimitDoesNotCarryOver() throws {
        let next = try storedConfig().resumed(maxIterations: nil,
                                              timeLimitSeconds: 15, successThreshold: nil)
        #expect(next.maxIterations == nil)
        #expect(next.timeLimitSeconds == 15)
        let byCount = try storedConfig().resumed(maxIterations: 3,
                                                 timeLimitSeconds: nil, successThreshold: nil)
        #expect(byCount.maxIterations == 3)
        #expect(byCount.timeLimitSeconds == nil)
    }

    /// A plain `resume` has no limit, whatever the stored run had.
    @Test func aPlainResumeHasNoLimit() throws {
        let plain = try storedConfig().resumed(maxIterations: nil,
                                               timeLimitSeconds: nil, successThreshold: nil)
        #expect(plain.maxIterations == nil)
        #expect(plain.timeLimitSeconds == nil)
    }
}
