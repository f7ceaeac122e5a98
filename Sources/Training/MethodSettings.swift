import Diagnostics
import FirstOrder
import HessianFree

/// Which method trains a run, with that method's settings: the one place a configuration says so
/// (`TrainingConfig.method`; each `TrainingMethod` reads its own case). In JSON a one-key object
/// named for the case: `{"hessian_free": {…HFConfig…}}` or `{"first_order": {…FirstOrderRunConfig…}}`.
public enum MethodSettings: Sendable, Equatable, Codable {
    /// Hessian-free optimisation with structural damping (docs/algorithm.md).
    case hessianFree(HFConfig)
    /// A first-order baseline (docs/first-order.md).
    case firstOrder(FirstOrderRunConfig)

    private enum CodingKeys: String, CodingKey {
        case hessianFree, firstOrder
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .hessianFree(let settings): try container.encode(settings, forKey: .hessianFree)
        case .firstOrder(let settings): try container.encode(settings, forKey: .firstOrder)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // Exactly one key: a document naming both methods trains with neither.
        switch (container.contains(.hessianFree), container.contains(.firstOrder)) {
        case (true, false): self = .hessianFree(try container.decode(HFConfig.self, forKey: .hessianFree))
        case (false, true): self = .firstOrder(try container.decode(FirstOrderRunConfig.self, forKey: .firstOrder))
        default:
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath,
                                                    debugDescription: "must hold exactly one of 'hessian_free' and 'first_order'"))
        }
    }

    /// The optimizer's name as the command line and checkpoints spell it: hf, sgd, nesterov or adam.
    public var name: String {
        switch self {
        case .hessianFree: Self.hessianFreeName
        case .firstOrder(let run): run.method.rawValue
        }
    }

    /// Hessian-free's name as `--optimizer` and checkpoints spell it.
    public static let hessianFreeName = "hf"

    /// What one step of the method is called.
    public var stepUnit: StepUnit {
        switch self {
        case .hessianFree: .iteration
        case .firstOrder: .update
        }
    }

    /// The first invalid value, with its path under the case's name ("hessianFree.cgMaxIterations",
    /// "firstOrder.learningRate"), or nil.
    public var issue: FieldIssue? {
        switch self {
        case .hessianFree(let settings): settings.issue?.nested(under: "hessianFree")
        case .firstOrder(let run): run.issue
        }
    }
}

extension TrainingConfig {
    /// HF's settings, nil when a first-order method trains the run. Setting a value makes the run
    /// an HF run, so `config.hessianFree?.cgMaxIterations = 50` changes an HF run and leaves a
    /// first-order one as it is.
    public var hessianFree: HFConfig? {
        get { if case .hessianFree(let settings) = method { settings } else { nil } }
        set { if let newValue { method = .hessianFree(newValue) } }
    }

    /// The first-order settings, nil when HF trains the run; setting a value as for `hessianFree`.
    public var firstOrder: FirstOrderRunConfig? {
        get { if case .firstOrder(let run) = method { run } else { nil } }
        set { if let newValue { method = .firstOrder(newValue) } }
    }

    /// The optimizer's name as the command line and checkpoints spell it: hf, sgd, nesterov or adam.
    public var optimizerName: String { method.name }
}
