import Linalg
import SequenceModel

/// Mean loss and error rate of a network on a set of sequences (given as chunks), computed the way
/// `Trainer.evaluateTest` computes them: the loss is the mean over all scored outputs (no L2 term),
/// the error rate the fraction of judged sequences that are wrong.
public struct SetEvaluation: Sendable, Equatable {
    /// Sequences evaluated (all chunks together).
    public var sequences: Int
    /// Sequences with at least one judged step, and how many of them are wrong.
    public var judged: Int
    public var wrong: Int
    /// Σ mask over all chunks.
    public var scoredOutputs: Double
    public var loss: Double
    /// wrong / judged (0 when nothing is judged).
    public var errorRate: Double {
        judged > 0 ? Double(wrong) / Double(judged) : 0
    }
}

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

/// Runs the network at `parameters` over every chunk and totals loss and errors.
public func evaluateSet<S: BLASScalar>(network: RecurrentNetwork, parameters: [S], chunks: [SequenceBatch<S>],
                                       criterion: ErrorCriterion) -> SetEvaluation {
    visitChunks(network: network, parameters: parameters, chunks: chunks, criterion: criterion) { _, _, _ in }
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
        evaluation: SetEvaluation(sequences: 0, judged: 0, wrong: 0, scoredOutputs: 0, loss: 0))
    var first = 0
    set.evaluation = visitChunks(network: network, parameters: parameters, chunks: chunks,
                                 criterion: criterion) { chunk, predicted, verdicts in
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

/// Forward pass over each chunk; `body` sees the chunk, its predictions `[T, B, O]` and verdicts.
private func visitChunks<S: BLASScalar>(network: RecurrentNetwork, parameters: [S], chunks: [SequenceBatch<S>],
                                        criterion: ErrorCriterion,
                                        _ body: (SequenceBatch<S>, [S], [Bool?]) -> Void) -> SetEvaluation {
    var result = SetEvaluation(sequences: 0, judged: 0, wrong: 0, scoredOutputs: 0, loss: 0)
    var lossSum = 0.0
    var evaluator: BatchEvaluator<S>? = nil
    for chunk in chunks {
        // One evaluator for all chunks of the same shape, as RNNObjective does.
        if let current = evaluator, current.batch.sequenceCount == chunk.sequenceCount, current.batch.steps == chunk.steps {
            current.replaceBatch(chunk)
        } else {
            evaluator = BatchEvaluator(network: network, batch: chunk)
        }
        guard let evaluator else { continue }
        let meanLoss = Double(evaluator.forward(parameters))
        let scored = Double(chunk.scoredOutputCount)
        lossSum += meanLoss * scored
        result.scoredOutputs += scored
        let verdicts = evaluator.sequenceVerdicts(criterion: criterion)
        result.sequences += chunk.sequenceCount
        result.judged += verdicts.filter { $0 != nil }.count
        result.wrong += verdicts.filter { $0 == true }.count
        body(chunk, evaluator.predictionValues, verdicts)
    }
    result.loss = result.scoredOutputs > 0 ? lossSum / result.scoredOutputs : 0
    return result
}
