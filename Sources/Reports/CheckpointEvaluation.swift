import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import Linalg
import RunStore
import SequenceModel
import Tasks
import Training

// `hfrnn evaluate`: a checkpoint on its run's own test set, on fresh sequences of a task, or on a
// dataset file, as a report that prints as text or as a JSON document (schema in
// checkpoints/README.md, "hfrnn evaluate --json").

/// The sequences a checkpoint is evaluated on.
public enum EvaluationData: Sendable, Equatable {
    /// The run's own test set, rebuilt exactly as in training.
    case runTestSet
    /// `count` fresh sequences of a task (default: the run's test set size), drawn with `seed`.
    case task(TaskSpec, seed: UInt64)
    /// The rows of a dataset file: all of them, or the first `count`.
    case dataset(path: String)
}

/// What `hfrnn evaluate` measured. Encoded with `JSONFormat` (snake_case keys) for `--json`.
public struct CheckpointEvaluation: Encodable, Sendable {
    public static let format = "hfrnn-evaluation"
    /// Bumped whenever a key changes meaning or disappears; new keys may be added within a version.
    public static let formatVersion = 1

    public struct Network: Encodable, Sendable {
        public var inputs: Int, hidden: Int, outputs: Int
        public var outputLoss: String
        /// W_hh's spectral radius: whether the state can carry an input over a long lag (near or
        /// above 1) or forgets it within a few steps (well below 1).
        public var recurrentSpectralRadius: Double
    }

    /// Where the sequences came from: `kind` is "run_test_set", "task" or "dataset".
    public struct Source: Encodable, Sendable {
        public var kind: String
        /// The task and its length ("addition T = 100"), or the file as given.
        public var name: String
        /// The seed of a task's sequences (for the run's test set: the run's seed), nil for a file.
        public var seed: UInt64?
        /// Rows in the file (the test file for the run's test set of a dataset run), nil for a task.
        public var availableSequences: Int?
    }

    public var format = CheckpointEvaluation.format
    public var formatVersion = CheckpointEvaluation.formatVersion
    public var hfrnnVersion = DataFiles.hfrnnVersion
    public var checkpoint: String
    /// "hf", "sgd", "nesterov" or "adam".
    public var optimizer: String
    /// HF iterations, or first-order updates, done when the checkpoint was written.
    public var iterations: Int
    public var precision: String
    public var network: Network
    public var data: Source
    /// The sequences evaluated.
    public var sequences: Int
    public var loss: Double
    public var errorRate: Double
    public var wrongSequences: Int
    public var judgedSequences: Int
    /// When a sequence counts as wrong, in words.
    public var criterion: String
    public var successThreshold: Double
    public var success: Bool
}

/// Evaluates the checkpoint at `path` on `data`, `count` sequences (nil: the run's test set size
/// for a task; every row of a dataset file; the whole test set of the run, read where `moved` says
/// if a dataset run's files have moved).
public func evaluateCheckpoint(at path: String, on data: EvaluationData, count: Int?,
                               moved: MovedDataset = MovedDataset()) throws -> CheckpointEvaluation {
    switch try checkpointPrecision(path) {
    case .float: try evaluateCheckpoint(at: path, on: data, count: count, moved: moved, Float.self)
    case .double: try evaluateCheckpoint(at: path, on: data, count: count, moved: moved, Double.self)
    }
}

private func evaluateCheckpoint<S: BLASScalar & HDF5Element>(at path: String, on data: EvaluationData, count: Int?,
                                                             moved: MovedDataset, _: S.Type) throws -> CheckpointEvaluation {
    let run = try StoredRun<S>.load(from: path, moved: moved)
    var config = run.config
    // The test set is read one sub-batch at a time: memory does not grow with its size.
    var nextSubBatch: () throws -> SequenceBatch<S>?
    var criterion: ErrorCriterion
    var described: CheckpointEvaluation.Source

    /// The report of `result` on the data `described`.
    func evaluation(_ result: SetEvaluation, criterion: ErrorCriterion,
                    described: CheckpointEvaluation.Source) -> CheckpointEvaluation {
        let threshold = config.resolvedSuccessThreshold
        return CheckpointEvaluation(
            checkpoint: path, optimizer: config.optimizerName, iterations: run.iteration,
            precision: run.storedPrecision.rawValue,
            network: .init(inputs: run.network.shape.inputs, hidden: run.network.shape.hidden,
                           outputs: run.network.shape.outputs, outputLoss: run.network.outputLoss.rawValue,
                           recurrentSpectralRadius: run.network.recurrentSpectralRadius(run.parameters)),
            data: described, sequences: result.sequences, loss: result.loss, errorRate: result.errorRate,
            wrongSequences: result.wrong, judgedSequences: result.judged, criterion: criterion.wording,
            successThreshold: threshold, success: config.isSolved(testError: result.errorRate))
    }

    /// The test set `config` describes: a task's regenerated one, or rows of a file.
    func testSet(kind: String) throws -> (() throws -> SequenceBatch<S>?, ErrorCriterion, CheckpointEvaluation.Source) {
        // The run's own files are checked to be its data; a file named for evaluation is taken as it is.
        let source = kind == "run_test_set" ? try makeStoredTestSource(config, S.self) : try makeSource(config, S.self)
        try requireFit(data: source.name, inputs: source.inputSize, outputs: source.outputSize,
                       outputLoss: source.outputLoss, model: path, network: run.network)
        let file = (source as? DatasetSource<S>)?.test
        return (try source.testSubBatchReader(subBatchSize: config.testSubBatchSize), source.errorCriterion,
                .init(kind: kind, name: file?.path ?? source.name, seed: file == nil ? config.seed : nil,
                      availableSequences: file?.sequenceCount))
    }

    switch data {
    case .runTestSet:
        (nextSubBatch, criterion, described) = try testSet(kind: "run_test_set")
    case .dataset(let file):
        config.data = .dataset(path: file, testPath: file)
        // A dataset source reads min(testSequences, rows): without a count, every row.
        config.testSequences = count ?? Int.max
        (nextSubBatch, criterion, described) = try testSet(kind: "dataset")
        if let count, let rows = described.availableSequences, count > rows {
            throw HFRNNError.file(file, "has \(rows) sequences; --count asks for \(count)")
        }
    case .task(let spec, let seed):
        try requireFit(data: spec.name, inputs: spec.inputSize, outputs: spec.outputSize, outputLoss: spec.outputLoss,
                       model: path, network: run.network)
        // Exactly `count` sequences from `seed`, in sub-batches of the run's test sub-batch size (fewer
        // sequences each when they are long; the last one smaller), each made when it is evaluated: memory
        // stays that of one bounded sub-batch at any length or count.
        var rng = SeededGenerator(seed: seed)
        var remaining = count ?? config.testSequences
        let subBatchSize = EvaluationWorkspace<S>.sequencesPerSubBatch(
            preferred: config.testSubBatchSize, steps: spec.maximumLength, shape: run.network.shape)
        let result = EvaluationWorkspace<S>(network: run.network).evaluateSet(
            parameters: run.parameters, criterion: spec.errorCriterion, nextSubBatch: {
                guard remaining > 0 else { return nil }
                let size = min(subBatchSize, remaining)
                remaining -= size
                return spec.makeBatch(count: size, using: &rng)
            })
        return evaluation(result, criterion: spec.errorCriterion,
                          described: .init(kind: "task", name: spec.name, seed: seed, availableSequences: nil))
    }
    return evaluation(try evaluateSet(network: run.network, parameters: run.parameters, criterion: criterion,
                                      nextSubBatch: nextSubBatch),
                      criterion: criterion, described: described)

}
