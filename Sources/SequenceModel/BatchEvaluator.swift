import Linalg

// Dimension legend: B = sequences in the batch, T = padded steps, I = inputs, H = hidden units,
// O = outputs, P = parameters. Every per-step quantity is stored time-major, [T, B, ·], so that
// step t is the contiguous [B, ·] block at offset t·B·(·) and all steps are one [T·B, ·] matrix.
// Rows are sequences, so the column-vector formulas of the paper appear transposed here:
// W x becomes X·Wᵀ.

/// Binds a network to one minibatch and owns every buffer that the forward pass, backprop through
/// time and the curvature products need, so that CG can call `curvatureProduct` hundreds of times
/// without recomputing the forward pass and without allocating.
///
/// Use: `forward(θ)` once, then any number of `gradient(into:)` / `curvatureProduct(...)` calls,
/// which all refer to that θ. Loss, gradient and products are divided by the number of scored
/// outputs N = Σ mask [ISC `hf.py`].
public final class BatchEvaluator<Scalar: BLASScalar> {
    public let network: RecurrentNetwork
    public private(set) var batch: SequenceBatch<Scalar>
    public let layout: ParameterLayout

    /// T and B of the bound batch; the buffers hold up to `capacity` (a shared evaluator visits
    /// sub-batches of different sizes, e.g. a last, shorter sub-batch, without reallocating).
    private(set) var steps: Int, sequences: Int
    let inputSize: Int, hidden: Int, outputSize: Int
    public let capacity: (sequences: Int, steps: Int)
    /// 1/N, or 0 when nothing is scored.
    private(set) var normaliser: Scalar = 0

    // Read-only copies of the batch.
    let inputs: UnsafeMutableBufferPointer<Scalar>       // [T, B, I]
    let targets: UnsafeMutableBufferPointer<Scalar>      // [T, B, O]
    let mask: UnsafeMutableBufferPointer<Scalar>         // [T, B]
    let insideLength: UnsafeMutableBufferPointer<Scalar> // [T, B]: 1 where t < length (structural term)
    let ones: UnsafeMutableBufferPointer<Scalar>         // [T·B]: for column sums by gemv

    // Forward cache.
    let states: UnsafeMutableBufferPointer<Scalar>       // [T+1, B, H]: h_0 … h_T
    let predictions: UnsafeMutableBufferPointer<Scalar>  // [T, B, O]: ŷ
    // Backward and curvature work space.
    let outputDelta: UnsafeMutableBufferPointer<Scalar>  // [T, B, O]: ∂f/∂s, or H_L·Rs in a product
    let hiddenDelta: UnsafeMutableBufferPointer<Scalar>  // [T, B, H]: ∂/∂t
    let columnSum: UnsafeMutableBufferPointer<Scalar>    // [H]
    /// W_hhᵀ of the last `forward`, [H, H]: the step products take W_hh untransposed from it,
    /// which OpenBLAS's kernels for small products run faster than a transposed operand.
    let recurrentTransposed: UnsafeMutableBufferPointer<Scalar>
    // R-forward buffers, allocated by the first curvature product (a gradient-only batch never needs them).
    var rPreActivations = UnsafeMutableBufferPointer<Scalar>(start: nil, count: 0)  // [T, B, H]: R t
    var rStates = UnsafeMutableBufferPointer<Scalar>(start: nil, count: 0)          // [T+1, B, H]: R h
    // Vanishing-gradient regulariser buffers, allocated by its first use (VanishingGradientTerm.swift).
    var stepGradientNorms = UnsafeMutableBufferPointer<Scalar>(start: nil, count: 0)     // [T, B]: ‖∂h_i‖²
    var backwardThroughStep = UnsafeMutableBufferPointer<Scalar>(start: nil, count: 0)   // [T, B, H]: W_hhᵀ ∂t_i

    /// The arithmetic of `curvatureProduct`'s matrix products (the forward pass and the gradient
    /// always take the run's own precision).
    public var curvatureArithmetic = ProductArithmetic.float
    /// The weights of a pass's step products, packed once for all its steps (bfloat16 products).
    var packedStepWeights = BFloat16Products.PackedOperand()

    /// θ of the last `forward`, which every later call refers to.
    public private(set) var parameters: [Scalar] = []
    /// Mean loss of the last `forward`.
    public private(set) var loss: Scalar = 0
    /// Σ mask·L of the last `forward`, summed in Double: test-set evaluations total it over sub-batches
    /// so that their result does not depend on the sub-batches or on Float rounding of the sum.
    public private(set) var scoredLossSum: Double = 0

    /// An evaluator bound to `batch`, with buffers for batches of up to `capacity` sequences and
    /// steps (default: the batch's own size).
    public init(network: RecurrentNetwork, batch: SequenceBatch<Scalar>, capacity: (sequences: Int, steps: Int)? = nil) {
        precondition(batch.inputSize == network.shape.inputs && batch.outputSize == network.shape.outputs,
                     "batch has \(batch.inputSize) inputs and \(batch.outputSize) outputs, network is \(network.shape)")
        let room = capacity ?? (batch.sequenceCount, batch.steps)
        precondition(room.sequences >= batch.sequenceCount && room.steps >= batch.steps,
                     "capacity [B \(room.sequences), T \(room.steps)] below the batch [B \(batch.sequenceCount), T \(batch.steps)]")
        self.network = network
        self.batch = batch
        self.capacity = room
        layout = network.layout
        steps = batch.steps
        sequences = batch.sequenceCount
        inputSize = batch.inputSize
        hidden = network.shape.hidden
        outputSize = batch.outputSize
        let rows = room.steps * room.sequences
        inputs = Self.allocate(rows * inputSize)
        targets = Self.allocate(rows * outputSize)
        mask = Self.allocate(rows)
        insideLength = Self.allocate(rows)
        ones = Self.allocate(rows)
        ones.update(repeating: 1)
        states = Self.allocate(rows * hidden + room.sequences * hidden)
        predictions = Self.allocate(rows * outputSize)
        outputDelta = Self.allocate(rows * outputSize)
        hiddenDelta = Self.allocate(rows * hidden)
        columnSum = Self.allocate(hidden)
        recurrentTransposed = Self.allocate(hidden * hidden)
        copyBatchData()
    }

    /// Whether `replaceBatch` accepts `candidate` (same inputs and outputs, within the capacity).
    public func canHold(_ candidate: SequenceBatch<Scalar>) -> Bool {
        candidate.inputSize == inputSize && candidate.outputSize == outputSize
            && candidate.sequenceCount <= capacity.sequences && candidate.steps <= capacity.steps
    }

    /// Rebinds the evaluator to another batch that fits its capacity, reusing every buffer (a big
    /// gradient batch is evaluated sub-batch by sub-batch this way). Invalidates the last `forward`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func replaceBatch(_ newBatch: SequenceBatch<Scalar>) {
        precondition(canHold(newBatch),
                     "replacement batch [B \(newBatch.sequenceCount), T \(newBatch.steps)] does not fit [B \(capacity.sequences), T \(capacity.steps)]")
        batch = newBatch
        steps = newBatch.steps
        sequences = newBatch.sequenceCount
        parameters = []
        copyBatchData()
    }

    private func copyBatchData() {
        _ = inputs.update(fromContentsOf: batch.inputs)
        _ = targets.update(fromContentsOf: batch.targets)
        _ = mask.update(fromContentsOf: batch.mask)
        for t in 0..<steps {
            for b in 0..<sequences { insideLength[t * sequences + b] = t < batch.lengths[b] ? 1 : 0 }
        }
        let scored = batch.scoredOutputCount
        normaliser = scored > 0 ? 1 / scored : 0
    }

    deinit {
        for buffer in [inputs, targets, mask, insideLength, ones, states, predictions, outputDelta,
                       hiddenDelta, columnSum, recurrentTransposed] {
            buffer.deallocate()
        }
        if rPreActivations.baseAddress != nil { rPreActivations.deallocate() }
        if rStates.baseAddress != nil { rStates.deallocate() }
        if stepGradientNorms.baseAddress != nil { stepGradientNorms.deallocate() }
        if backwardThroughStep.baseAddress != nil { backwardThroughStep.deallocate() }
    }

    // MARK: Forward pass

    /// Runs the network on the batch at θ, caches the hidden states and predictions, and returns
    /// the mean loss f(θ) = Σ mask·L / N.
    @discardableResult
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ theta: [Scalar]) -> Scalar {
        precondition(theta.count == layout.count, "θ has \(theta.count) entries, the network needs \(layout.count)")
        parameters = theta
        let (T, B, H, O) = (steps, sequences, hidden, outputSize)
        theta.withUnsafeBufferPointer { p in
            transposeRecurrentWeights(p)
            // h_0 is shared by every sequence.
            let initial = p.baseAddress! + layout.initialState.offset
            for b in 0..<B { (states.baseAddress! + b * H).update(from: initial, count: H) }
            // t_i for all steps at once: X·W_hxᵀ, written where h_1 … h_T will go; b_h is added
            // step by step just before that step's product reads the block (one pass less over memory).
            let allStates = matrix(states, offset: B * H, rows: T * B, cols: H)
            BLAS.gemm(1, MatrixView(matrix(inputs, rows: T * B, cols: inputSize)), .none,
                      view(p, layout.inputToHidden), .transposed, 0, allStates)
            let recurrent = MatrixView(recurrentTransposed, rows: H, cols: H)
            for t in 1...T {
                let current = matrix(states, offset: t * B * H, rows: B, cols: H)
                addRow(p, layout.hiddenBias, to: current)
                BLAS.gemm(1, MatrixView(matrix(states, offset: (t - 1) * B * H, rows: B, cols: H)), .none,
                          recurrent, .none, 1, current)
                Elementwise.tanh(current.base, count: B * H)
            }
            // s_i for all steps: H·W_yhᵀ + b_y.
            let outputs = matrix(predictions, rows: T * B, cols: O)
            BLAS.gemm(1, MatrixView(allStates), .none, view(p, layout.hiddenToOutput), .transposed, 0, outputs)
            addRow(p, layout.outputBias, to: outputs)
        }
        var total: Scalar = 0, exactTotal = 0.0
        for row in 0..<(T * B) {
            let term = mask[row] * network.outputLoss.applyOutput(
                predictions.baseAddress! + row * O, target: targets.baseAddress! + row * O,
                count: O, scored: mask[row] != 0)
            total += term
            exactTotal += Double(term)
        }
        loss = total * normaliser
        scoredLossSum = exactTotal
        return loss
    }

    // MARK: Evaluation

    /// Sequences judged wrong by `criterion` at any of their `errorMask` steps, and how many
    /// sequences have at least one such step. Uses the predictions of the last `forward`.
    public func sequenceErrors(criterion: ErrorCriterion) -> (wrong: Int, judged: Int) {
        let counts = errorCounts(criterion: criterion)
        return (counts.wrongSequences, counts.judgedSequences)
    }

    /// In one pass over the judged (`errorMask`) steps: the sequences with a wrong judged step and
    /// the sequences with any judged step, and the wrong and judged steps themselves (the
    /// per-symbol view of a task that judges several steps per sequence). Uses the last `forward`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func errorCounts(criterion: ErrorCriterion)
        -> (wrongSequences: Int, judgedSequences: Int, wrongSteps: Int, judgedSteps: Int) {
        var counts = (wrongSequences: 0, judgedSequences: 0, wrongSteps: 0, judgedSteps: 0)
        for b in 0..<sequences {
            var judged = false, wrong = false
            for t in 0..<steps where batch.errorMask[t * sequences + b] {
                judged = true
                counts.judgedSteps += 1
                let row = (t * sequences + b) * outputSize
                if criterion.isWrong(predictions.baseAddress! + row, targets.baseAddress! + row, count: outputSize) {
                    wrong = true
                    counts.wrongSteps += 1
                }
            }
            if judged { counts.judgedSequences += 1 }
            if wrong { counts.wrongSequences += 1 }
        }
        return counts
    }

    /// Per sequence of the batch: nil when none of its steps is judged (no `errorMask` step),
    /// else whether `criterion` finds any judged step wrong. Uses the predictions of the last `forward`.
    public func sequenceVerdicts(criterion: ErrorCriterion) -> [Bool?] {
        (0..<sequences).map { b in
            var isJudged = false
            for t in 0..<steps where batch.errorMask[t * sequences + b] {
                isJudged = true
                let row = (t * sequences + b) * outputSize
                if criterion.isWrong(predictions.baseAddress! + row, targets.baseAddress! + row, count: outputSize) {
                    return true
                }
            }
            return isJudged ? false : nil
        }
    }

    /// ŷ of the last `forward`, `[T, B, O]`.
    public var predictionValues: [Scalar] { Array(predictions[0..<(steps * sequences * outputSize)]) }

    /// h_0 … h_T of the last `forward`, `[T+1, B, H]`.
    public var hiddenStates: [Scalar] { Array(states[0..<((steps + 1) * sequences * hidden)]) }
}

// MARK: - Helpers

extension BatchEvaluator {
    static func allocate(_ count: Int) -> UnsafeMutableBufferPointer<Scalar> {
        let buffer = UnsafeMutableBufferPointer<Scalar>.allocate(capacity: max(count, 1))
        buffer.initialize(repeating: 0)
        return UnsafeMutableBufferPointer(rebasing: buffer[0..<count])
    }

    @inline(__always)
    func matrix(_ buffer: UnsafeMutableBufferPointer<Scalar>, offset: Int = 0, rows: Int, cols: Int) -> MutableMatrixView<Scalar> {
        MutableMatrixView(buffer, offset: offset, rows: rows, cols: cols)
    }

    @inline(__always)
    func view(_ theta: UnsafeBufferPointer<Scalar>, _ block: ParameterBlock) -> MatrixView<Scalar> {
        MatrixView(theta, offset: block.offset, rows: block.rows, cols: block.cols)
    }

    @inline(__always)
    func mutableView(_ theta: UnsafeMutableBufferPointer<Scalar>, _ block: ParameterBlock) -> MutableMatrixView<Scalar> {
        MutableMatrixView(theta, offset: block.offset, rows: block.rows, cols: block.cols)
    }

    /// `target ← X·Wᵀ + 1·bᵀ` for all steps, with W and b taken from `theta` (θ or a direction v).
    func projectInputs(_ theta: UnsafeBufferPointer<Scalar>, parameterBlock: ParameterBlock, biasBlock: ParameterBlock,
                       into target: MutableMatrixView<Scalar>) {
        BLAS.gemm(1, MatrixView(matrix(inputs, rows: steps * sequences, cols: inputSize)), .none,
                  view(theta, parameterBlock), .transposed, 0, target)
        addRow(theta, biasBlock, to: target)
    }

    /// Copies W_hh of `theta` into `recurrentTransposed`, transposed.
    func transposeRecurrentWeights(_ theta: UnsafeBufferPointer<Scalar>) {
        let H = hidden, weights = theta.baseAddress! + layout.hiddenToHidden.offset
        for i in 0..<H {
            for j in 0..<H { recurrentTransposed[j * H + i] = weights[i * H + j] }
        }
    }

    /// Adds the vector `block` of `theta` to every row of `target`.
    func addRow(_ theta: UnsafeBufferPointer<Scalar>, _ block: ParameterBlock, to target: MutableMatrixView<Scalar>) {
        let bias = theta.baseAddress! + block.offset
        for row in 0..<target.rows {
            let destination = target.base + row * target.rowStride
            for j in 0..<target.cols { destination[j] += bias[j] }
        }
    }

    /// Writes the column sums of `source` (a [T·B, n] matrix) into the vector `block` of `g`.
    func columnSums(_ source: MatrixView<Scalar>, into g: UnsafeMutableBufferPointer<Scalar>, _ block: ParameterBlock) {
        BLAS.gemv(1, source, .transposed, UnsafeBufferPointer(rebasing: ones[0..<source.rows]), 0,
                  UnsafeMutableBufferPointer(rebasing: g[block.range]))
    }
}
