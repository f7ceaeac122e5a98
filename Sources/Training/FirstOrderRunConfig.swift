import DataFiles
import Diagnostics
import FirstOrder

/// How a first-order run starts its parameters.
public enum FirstOrderInitialization: String, Sendable, Codable, CaseIterable {
    /// `CarefulInitialization` [SMDH'13]: dense small input and output weights.
    case careful
    /// HF's sparse initialisation (`TrainingConfig.initialization`), for a comparison from the same θ₀.
    case sparse
    /// Pascanu et al.'s "smart tanh" (`CarefulInitialization.smartTanh`) [PMB'13], SGD-CR's.
    case smartTanh = "smart-tanh"
}

/// What a first-order run adds to `TrainingConfig`: the optimizer's recipe, how often the test set
/// is evaluated, and the initialisation. Stored whole in every first-order checkpoint.
public struct FirstOrderRunConfig: Sendable, Codable, Equatable {
    /// The update rule and its hyperparameters (docs/first-order.md).
    public var optimizer: FirstOrderConfig
    /// Evaluate on the test set, record one history row and poll the stop rules every this many
    /// updates. Default 100 [ours]: for Nesterov's minibatch of 100, 10,000 sequences between
    /// evaluations, the size of one HF gradient batch, so the curves have comparable resolution.
    public var evaluateEvery = 100
    /// Default `.careful`: the initialisation [SMDH'13] paired with momentum [ours for sgd and adam].
    public var initialization = FirstOrderInitialization.careful
    /// The constants of `.careful`.
    public var carefulInitialization = CarefulInitialization()

    /// The published recipe of `method` (`FirstOrderConfig(method:)`) with the defaults above.
    public init(method: FirstOrderMethod) {
        optimizer = FirstOrderConfig(method: method)
    }

    public var method: FirstOrderMethod { optimizer.method }

    /// The first invalid value, with its field path under `firstOrder.` (e.g.
    /// "firstOrder.learningRate"), or nil.
    public var issue: FieldIssue? {
        if let issue = optimizer.issue { return issue.nested(under: "firstOrder") }
        if evaluateEvery < 1 {
            return FieldIssue(field: "firstOrder.evaluateEvery", subject: "evaluation cadence",
                              requirement: "must be at least 1 update, got \(evaluateEvery)")
        }
        if initialization == .careful, let issue = carefulInitialization.issue {
            return issue.nested(under: "firstOrder.carefulInitialization")
        }
        return nil
    }
}
