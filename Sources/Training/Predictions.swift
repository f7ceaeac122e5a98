import Linalg
import SequenceModel

/// Runs the network at `parameters` over every sub-batch `nextSubBatch` makes (one held at a time)
/// and totals loss and errors: the test-set evaluation of `evaluate` and `export`, in the
/// sub-batches and order of training's `FixedTestSet`. `workspace` lends the buffers (default: new ones).
public func evaluateSet<S: BLASScalar>(network: RecurrentNetwork, parameters: [S], criterion: ErrorCriterion,
                                       nextSubBatch: () throws -> SequenceBatch<S>?,
                                       workspace: EvaluationWorkspace<S>? = nil) rethrows -> SetEvaluation {
    try (workspace ?? EvaluationWorkspace(network: network)).evaluateSet(parameters: parameters, criterion: criterion,
                                                                         nextSubBatch: nextSubBatch)
}
