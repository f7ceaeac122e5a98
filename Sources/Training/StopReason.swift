/// Why a training run stopped.
public enum StopReason: String, Sendable, Codable, CaseIterable {
    case solved, maxIterations = "max-iterations", timeLimit = "time-limit", interrupted
    /// The session used `TrainingConfig.processorTimeLimitSeconds` of processor time.
    case processorTimeLimit = "processor-time-limit"
    /// `TrainingConfig.maxConsecutiveRejections` iterations in a row were rejected: λ only grows
    /// and the run cannot move (data on an extreme scale, non-finite values).
    case noProgress = "no-progress"
}
