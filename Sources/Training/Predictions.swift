import Linalg
import SequenceModel

/// Runs the network at `parameters` over every sub-batch and totals loss and errors: the test-set
/// evaluation of `evaluate` and `export`, in the sub-batches and order of training's `FixedTestSet`.
/// `workspace` lends the buffers (default: new ones).
public func evaluateSet<S: BLASScalar>(network: RecurrentNetwork, parameters: [S], subBatches: [SequenceBatch<S>],
                                       criterion: ErrorCriterion, workspace: EvaluationWorkspace<S>? = nil) -> SetEvaluation {
    (workspace ?? EvaluationWorkspace(network: network)).evaluateSet(parameters: parameters, subBatches: subBatches, criterion: criterion)
}
