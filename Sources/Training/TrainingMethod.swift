import Diagnostics
import Linalg

/// One way of training a network, as the one `Trainer` drives it: Hessian-free
/// (`HessianFreeTraining`) or a first-order method (`FirstOrderTraining`). A method owns its
/// settings, its optimizer state and the record it adds to the history at each `advance`; the
/// trainer owns what every method shares (parameters, the RNG the data is drawn from, the clocks,
/// the fixed test set and the stop rules).
public protocol TrainingMethod<Scalar> {
    associatedtype Scalar: BLASScalar
    /// The method's part of `TrainingConfig`.
    associatedtype Settings: Sendable
    /// What the optimizer carries from one step to the next; checkpointed.
    associatedtype State: Equatable & Sendable
    /// One row of the learning curves.
    associatedtype Record: TrainingRecord & Equatable

    /// Where `TrainingConfig` holds the method's settings (nil when another method trains the run).
    static var settingsInConfig: KeyPath<TrainingConfig, Settings?> { get }

    /// The method as messages name it: "Hessian-free", "first-order".
    static var displayName: String { get }

    /// What one of its steps is called.
    static var stepUnit: StepUnit { get }

    /// The state before the first step.
    static func initialState(parameterCount: Int, settings: Settings) -> State

    /// Why `state` cannot continue a run of `parameterCount` parameters, or nil (a state read from
    /// a file must be checked before use).
    static func mismatch(_ state: State, parameterCount: Int, settings: Settings) -> String?

    /// Steps done: HF iterations, or first-order updates (applied and skipped). The unit of
    /// `TrainingConfig.maxIterations`.
    static func completedSteps(_ state: State) -> Int

    /// CG steps done (0 for methods without CG).
    static func cgIterations(_ state: State) -> Int

    /// Steps in a row at the end of `sessionHistory` (this session's records) that could not move
    /// the parameters; at `TrainingConfig.maxConsecutiveRejections` the run stops without progress.
    static func stalledSteps(_ sessionHistory: ArraySlice<Record>) -> Int

    /// Advances `trainer` to its next record: updates its parameters, state and RNG and returns the
    /// record, which the trainer appends to its history.
    static func advance(_ trainer: Trainer<Self>) throws -> Record
}

extension TrainingMethod {
    /// The method's settings in `config`; throws when `config` trains with another method.
    public static func settings(of config: TrainingConfig) throws -> Settings {
        guard let settings = config[keyPath: settingsInConfig] else {
            throw HFRNNError("the configuration trains with \(config.optimizerName), not \(displayName)")
        }
        return settings
    }
}
