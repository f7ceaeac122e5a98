import Linalg
import SequenceModel

/// The network's outputs on a set of sequences, **sequence-major** (numpy order), for export.
/// Chunks with fewer steps than the longest are padded with zeros (mask 0, not judged).
public struct PredictionSet<Scalar: BLASScalar> {
    /// N sequences, T padded steps, O outputs.
    public var sequences: Int
    public var steps: Int
    public var outputs: Int
    /// ŷ, `[N, T, O]`.
    public var predictions: [Scalar]
    /// y, `[N, T, O]`.
    public var targets: [Scalar]
    /// Loss weight of each step, `[N, T]`.
    public var mask: [Scalar]
    /// Steps judged by the error criterion, `[N, T]`.
    public var errorMask: [Bool]
    /// True length of each sequence, `[N]`.
    public var lengths: [Int]
    /// Per sequence: judged wrong (false when not judged), `[N]`.
    public var wrong: [Bool]
    public var evaluation: SetEvaluation
}

/// Runs the network at `parameters` over every chunk and totals loss and errors: the test-set
/// evaluation of `evaluate` and `export`, in the chunks and order of training's `FixedTestSet`.
/// `workspace` lends the buffers (default: new ones).
public func evaluateSet<S: BLASScalar>(network: RecurrentNetwork, parameters: [S], chunks: [SequenceBatch<S>],
                                       criterion: ErrorCriterion, workspace: EvaluationWorkspace<S>? = nil) -> SetEvaluation {
    (workspace ?? EvaluationWorkspace(network: network)).evaluateSet(parameters: parameters, chunks: chunks, criterion: criterion)
}

/// As `evaluateSet`, also keeping every prediction (memory: 2·N·T·O values).
public func predictSet<S: BLASScalar>(network: RecurrentNetwork, parameters: [S], chunks: [SequenceBatch<S>],
                                      criterion: ErrorCriterion) -> PredictionSet<S> {
    let n = chunks.reduce(0) { $0 + $1.sequenceCount }
    let t = chunks.map(\.steps).max() ?? 0
    let o = network.shape.outputs
    var set = PredictionSet<S>(
        sequences: n, steps: t, outputs: o,
        predictions: [S](repeating: 0, count: n * t * o), targets: [S](repeating: 0, count: n * t * o),
        mask: [S](repeating: 0, count: n * t), errorMask: [Bool](repeating: false, count: n * t),
        lengths: [Int](repeating: 0, count: n), wrong: [Bool](repeating: false, count: n),
        evaluation: SetEvaluation())
    var first = 0
    set.evaluation = EvaluationWorkspace(network: network).evaluateSet(
        parameters: parameters, chunks: chunks, criterion: criterion
    ) { chunk, evaluator, verdicts in
        let predicted = evaluator.predictionValues
        // Time-major [T_c, B, ·] → sequence-major [N, T, ·].
        let (b, steps) = (chunk.sequenceCount, chunk.steps)
        for k in 0..<b {
            let sequence = first + k
            set.lengths[sequence] = chunk.lengths[k]
            set.wrong[sequence] = verdicts[k] ?? false
            for step in 0..<steps {
                let source = chunk.index(step: step, sequence: k)
                let destination = sequence * t + step
                set.mask[destination] = chunk.mask[source]
                set.errorMask[destination] = chunk.errorMask[source]
                for output in 0..<o {
                    set.predictions[destination * o + output] = predicted[source * o + output]
                    set.targets[destination * o + output] = chunk.targets[source * o + output]
                }
            }
        }
        first += b
    }
    return set
}
