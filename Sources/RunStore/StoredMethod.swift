import HDF5IO
import Linalg
import Training

/// What a checkpoint holds of a training method beyond what every checkpoint shares (root
/// attributes, `/parameters`, `/config`, the RNG, the wall time): the method's own attributes
/// and vectors in `/optimizer`, its settings in `config/optimizer` and its history's columns
/// (documented in checkpoints/README.md).
public protocol StoredMethod: TrainingMethod where Scalar: HDF5Element, Record: CurvesRow {
    /// `optimizer.method`: "hf", or the first-order method's name.
    static func methodName(_ settings: Settings) -> String

    /// `config/optimizer`: the method's optimizer settings as JSON.
    static func optimizerJSON(_ settings: Settings) throws -> String

    /// Writes the state's attributes and vectors into the existing `/optimizer` group.
    static func write(_ state: State, to file: HDF5File) throws

    /// Writes the history's columns into the existing `/history` group.
    static func write(_ history: [Record], to file: HDF5File) throws

    /// The stored training configuration, checked to be valid and to train with this method.
    static func readConfig(from stored: CheckpointFile<Scalar>, version: Int64) throws -> TrainingConfig

    /// The state from `/optimizer`, checked.
    static func readState(from stored: CheckpointFile<Scalar>, settings: Settings, parameterCount: Int) throws -> State

    /// The history from `/history`, its length checked against `state`, of a run of `config`.
    static func readHistory(from stored: CheckpointFile<Scalar>, state: State, config: TrainingConfig,
                            version: Int64) throws -> [Record]

    /// The history as a stored run holds it, in the method's own records.
    static func storedHistory(_ history: [Record]) -> StoredHistory

    /// Steps rejected or skipped over the whole run.
    static func rejectedSteps(_ state: State) -> Int

    /// λ for the next HF iteration; nil for methods without one.
    static func nextLambda(_ state: State) -> Double?
}
