import Linalg
import SequenceModel

/// Runs the network at `parameters` over every chunk and totals loss and errors: the test-set
/// evaluation of `evaluate` and `export`, in the chunks and order of training's `FixedTestSet`.
/// `workspace` lends the buffers (default: new ones).
public func evaluateSet<S: BLASScalar>(network: RecurrentNetwork, parameters: [S], chunks: [SequenceBatch<S>],
                                       criterion: ErrorCriterion, workspace: EvaluationWorkspace<S>? = nil) -> SetEvaluation {
    (workspace ?? EvaluationWorkspace(network: network)).evaluateSet(parameters: parameters, chunks: chunks, criterion: criterion)
}
