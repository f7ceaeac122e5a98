import Diagnostics

/// What one step of a training method is called, in messages and on the x axis of its curves:
/// an HF iteration, or a first-order update (applied or skipped). The unit of
/// `TrainingConfig.maxIterations` and of `TrainingMethod.completedSteps`.
public enum StepUnit: String, Sendable {
    case iteration
    case update

    /// The unit of a run trained by the optimizer `TrainingConfig.optimizerName` names.
    public init(optimizerName: String) {
        self = optimizerName == MethodSettings.hessianFreeName ? .iteration : .update
    }

    /// "iteration" or "update".
    public var name: String { rawValue }

    /// "1 iteration", "47 updates".
    public func counted(_ count: Int) -> String { Diagnostics.counted(count, name) }

    /// The x axis of the learning curves: "HF iteration" or "update".
    public var axisLabel: String {
        switch self {
        case .iteration: "HF iteration"
        case .update: "update"
        }
    }
}
