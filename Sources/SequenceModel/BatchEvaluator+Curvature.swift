import Linalg

// The Gauss-Newton product through time with the structural damping term.
extension BatchEvaluator {
    /// `out ← G v + c · J_tᵀ D'' J_t v` at the θ of the last `forward`, with G = J_sᵀ H_L J_s the
    /// Gauss-Newton matrix and c = `structuralWeight` (λμ in the solver; 0 for plain G v). Both
    /// terms are divided by N. Cost: one R-forward pass and one backward pass
    /// (docs/algorithm.md#the-gauss-newton-product-through-time), whose matrix products take
    /// `curvatureArithmetic`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func curvatureProduct(_ v: [Scalar], into out: inout [Scalar], structuralWeight: Scalar) {
        precondition(v.count == layout.count, "v has \(v.count) entries, the network needs \(layout.count)")
        precondition(!parameters.isEmpty, "call forward(θ) before curvatureProduct")
        let (T, B, H, O) = (steps, sequences, hidden, outputSize)
        if rStates.baseAddress == nil {
            rPreActivations = Self.allocate(capacity.steps * capacity.sequences * H)
            rStates = Self.allocate((capacity.steps + 1) * capacity.sequences * H)
        }
        let rt = rPreActivations, rh = rStates
        parameters.withUnsafeBufferPointer { p in
            v.withUnsafeBufferPointer { direction in
                // R h_0 = V_h0 for every sequence.
                let initial = direction.baseAddress! + layout.initialState.offset
                for b in 0..<B { (rh.baseAddress! + b * H).update(from: initial, count: H) }
                // R t_i, time-independent part for all steps: X·V_hxᵀ + V_bh + H_{i−1}·V_hhᵀ.
                let allRt = matrix(rt, rows: T * B, cols: H)
                projectInputs(direction, parameterBlock: layout.inputToHidden, biasBlock: layout.hiddenBias, into: allRt)
                BLAS.gemm(curvatureArithmetic, MatrixView(matrix(states, rows: T * B, cols: H)), .none,
                          view(direction, layout.hiddenToHidden), .transposed, 1, allRt)
                // Through time: R t_i += R h_{i−1}·W_hhᵀ, R h_i = (1 − h_i²)⊙R t_i.
                let recurrent = StepProducts(self, weights: MatrixView(recurrentTransposed, rows: H, cols: H),
                                             rows: B, arithmetic: curvatureArithmetic)
                for t in 1...T {
                    let current = matrix(rt, offset: (t - 1) * B * H, rows: B, cols: H)
                    recurrent.add(MatrixView(matrix(rh, offset: (t - 1) * B * H, rows: B, cols: H)), into: current)
                    let h = states.baseAddress! + t * B * H
                    let rhT = rh.baseAddress! + t * B * H
                    for k in 0..<(B * H) { rhT[k] = (1 - h[k] * h[k]) * current.base[k] }
                }
                // R s_i for all steps: R H·W_yhᵀ + H·V_yhᵀ + V_by.
                let rs = matrix(outputDelta, rows: T * B, cols: O)
                BLAS.gemm(1, MatrixView(matrix(rh, offset: B * H, rows: T * B, cols: H)), .none,
                          view(p, layout.hiddenToOutput), .transposed, 0, rs)
                BLAS.gemm(1, MatrixView(matrix(states, offset: B * H, rows: T * B, cols: H)), .none,
                          view(direction, layout.hiddenToOutput), .transposed, 1, rs)
                addRow(direction, layout.outputBias, to: rs)
            }
        }
        // q_i = mask·H_L(ŷ_i)·R s_i / N, zero at unscored steps.
        for row in 0..<(T * B) {
            network.outputLoss.multiplyCurvature(outputDelta.baseAddress! + row * O,
                                                 predictions: predictions.baseAddress! + row * O,
                                                 target: targets.baseAddress! + row * O,
                                                 count: O, weight: mask[row] * normaliser)
        }
        backpropagate(into: &out, structuralWeight: structuralWeight, arithmetic: curvatureArithmetic)
    }
}

/// `C += A·W` for every step of a pass with the same weights W: by BLAS, or with bfloat16 inputs
/// on W packed once for all the steps (`BFloat16Products`).
struct StepProducts<Scalar: BLASScalar> {
    private let evaluator: BatchEvaluator<Scalar>
    private let weights: MatrixView<Scalar>
    private let packed: Bool

    /// Step products with `weights` of `rows` rows each in `arithmetic`.
    init(_ evaluator: BatchEvaluator<Scalar>, weights: MatrixView<Scalar>, rows: Int, arithmetic: ProductArithmetic) {
        self.evaluator = evaluator
        self.weights = weights
        packed = arithmetic == .bfloat16 && Scalar.self == Float.self
            && min(rows, weights.cols) >= BFloat16Products.narrowest
        if packed {
            BFloat16Products.pack(unsafeBitCast(weights, to: MatrixView<Float>.self), .none,
                                  into: &evaluator.packedStepWeights)
        }
    }

    /// `c += a·W`.
    @inline(__always)
    func add(_ a: MatrixView<Scalar>, into c: MutableMatrixView<Scalar>) {
        if packed {
            BFloat16Products.gemm(unsafeBitCast(a, to: MatrixView<Float>.self), .none, evaluator.packedStepWeights, 1,
                                  unsafeBitCast(c, to: MutableMatrixView<Float>.self))
        } else {
            BLAS.gemm(1, a, .none, weights, .none, 1, c)
        }
    }
}
