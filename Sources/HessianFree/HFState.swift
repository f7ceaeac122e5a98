import Linalg

/// Everything the HF optimizer carries from one iteration to the next, explicit and Codable so that a
/// checkpoint (θ + `HFState` + configs + the trainer's RNG) resumes a run exactly. The optimizer
/// draws nothing: the trainer owns the RNG its minibatches come from.
public struct HFState<Scalar: BLASScalar>: Codable, Equatable, Sendable {
    /// Current Tikhonov damping λ (the structural strength is λμ).
    public var lambda: Double
    /// The previous HF iteration's FINAL CG iterate (not the backtracked one); the next CG starts from
    /// `cgWarmStartDecay · warmStart` [JMC, ISC]. Zero after a rejected step.
    public var warmStart: [Scalar]
    /// Number of completed HF iterations (accepted or rejected).
    public var iteration: Int
    /// CG iterations summed over all HF iterations.
    public var totalCGIterations: Int
    /// HF iterations whose step was rejected, for any reason (parameters left unchanged).
    public var rejectedSteps: Int
    /// The subset of `rejectedSteps` rejected because a non-finite value appeared.
    public var nonFiniteSteps: Int

    /// The state before the first iteration: λ = `initialLambda`, zero warm start, counters at zero.
    public init(parameterCount: Int, config: HFConfig) {
        self.lambda = config.initialLambda
        self.warmStart = [Scalar](repeating: 0, count: parameterCount)
        self.iteration = 0
        self.totalCGIterations = 0
        self.rejectedSteps = 0
        self.nonFiniteSteps = 0
    }
}
