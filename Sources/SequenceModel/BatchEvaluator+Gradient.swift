import Linalg

// Backprop through time: the gradient of the mean loss and per-sequence squared gradients.
extension BatchEvaluator {
    /// ∇f at the θ of the last `forward`, written into `gradient` (length P, overwritten).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gradient(into gradient: inout [Scalar]) {
        setLossDelta()
        backpropagate(into: &gradient, structuralWeight: 0)
    }

    /// ∇f and the diagonal of the empirical Fisher, Σ_b (∇ℓ_b)² / N, where ∇ℓ_b is the gradient of
    /// sequence b's summed loss — the statistic of Martens' diagonal preconditioner (M'10).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gradient(into gradient: inout [Scalar], fisherDiagonal: inout [Scalar]) {
        setLossDelta()
        backpropagate(into: &gradient, structuralWeight: 0)
        perSequenceSquaredGradients(into: &fisherDiagonal)
    }

    /// Σ_b (∇ℓ_b)²/N from the deltas the gradient's backward pass left in `outputDelta` and
    /// `hiddenDelta` (which hold ∇ℓ/N): per sequence, the same products as the batched ones, on
    /// strided views of that sequence's steps.
    func perSequenceSquaredGradients(into fisher: inout [Scalar]) {
        let (T, B, H, O, I) = (steps, sequences, hidden, outputSize, inputSize)
        let casesPerUnit = normaliser == 0 ? 0 : 1 / normaliser  // N: undoes the 1/N twice, divides once
        fisher = [Scalar](repeating: 0, count: layout.count)
        var single = [Scalar](repeating: 0, count: layout.count)
        let stepOnes = UnsafeBufferPointer(rebasing: ones[0..<T])
        parameters.withUnsafeBufferPointer { p in
            single.withUnsafeMutableBufferPointer { g in
                for b in 0..<B {
                    let delta = MatrixView(outputDelta, offset: b * O, rows: T, cols: O, rowStride: B * O)
                    let hiddenStates = MatrixView(states, offset: (B + b) * H, rows: T, cols: H, rowStride: B * H)
                    let previousStates = MatrixView(states, offset: b * H, rows: T, cols: H, rowStride: B * H)
                    let preDelta = MatrixView(hiddenDelta, offset: b * H, rows: T, cols: H, rowStride: B * H)
                    let sequenceInputs = MatrixView(inputs, offset: b * I, rows: T, cols: I, rowStride: B * I)
                    BLAS.gemm(1, delta, .transposed, hiddenStates, .none, 0, mutableView(g, layout.hiddenToOutput))
                    BLAS.gemv(1, delta, .transposed, stepOnes, 0, UnsafeMutableBufferPointer(rebasing: g[layout.outputBias.range]))
                    BLAS.gemm(1, preDelta, .transposed, previousStates, .none, 0, mutableView(g, layout.hiddenToHidden))
                    BLAS.gemm(1, preDelta, .transposed, sequenceInputs, .none, 0, mutableView(g, layout.inputToHidden))
                    BLAS.gemv(1, preDelta, .transposed, stepOnes, 0, UnsafeMutableBufferPointer(rebasing: g[layout.hiddenBias.range]))
                    BLAS.gemv(1, view(p, layout.hiddenToHidden), .transposed,
                              UnsafeBufferPointer(rebasing: hiddenDelta[(b * H)..<((b + 1) * H)]), 0,
                              UnsafeMutableBufferPointer(rebasing: g[layout.initialState.range]))
                    for k in 0..<layout.count { fisher[k] += g[k] * g[k] * casesPerUnit }
                }
            }
        }
    }

    /// outputDelta ← mask·(m·ŷ − y)/N: ∂f/∂s for every matched output/loss pair (m = Σy for
    /// softmax, else 1; see OutputLayer.swift).
    func setLossDelta() {
        let O = outputSize
        for row in 0..<(steps * sequences) {
            let weight = mask[row] * normaliser
            let m = network.outputLoss.predictionWeight(target: targets.baseAddress! + row * O, count: O)
            for o in 0..<O {
                let k = row * O + o
                outputDelta[k] = weight == 0 ? 0 : weight * (m * predictions[k] - targets[k])
            }
        }
    }

    /// The backward pass shared by the gradient and the curvature products: from `outputDelta`
    /// (∂/∂s for every step) to the parameter derivatives in `result`.
    ///
    /// With `structuralWeight` c ≠ 0 it also injects the structural-damping curvature at each
    /// hidden pre-activation, using R t from `rPreActivations` (docs/algorithm.md#structural-damping):
    ///
    ///     ∂t_i = (1 − h_i²) ⊙ (∂h_i + (c/N)·[i < length]·R t_i)      — the structural-damping line
    ///
    /// which is (1 − h²)⊙∂h plus c·D''⊙R t/N with D'' = 1 − h², the curvature of tanh's matching loss.
    ///
    /// With `squaredNorms` it also records ‖∂h_i‖² of every row [T, B] before the (1 − h²) factor
    /// (the vanishing-gradient regulariser's denominators). `arithmetic` is that of the step
    /// products and of ∂W_hh's (the thin products stay on BLAS).
    func backpropagate(into result: inout [Scalar], structuralWeight: Scalar,
                       squaredNorms: UnsafeMutableBufferPointer<Scalar>? = nil, arithmetic: ProductArithmetic = .float) {
        precondition(result.count == layout.count, "result has \(result.count) entries, the network needs \(layout.count)")
        let (T, B, H, O) = (steps, sequences, hidden, outputSize)
        let injection = structuralWeight * normaliser
        parameters.withUnsafeBufferPointer { p in
            result.withUnsafeMutableBufferPointer { g in
                let delta = MatrixView(matrix(outputDelta, rows: T * B, cols: O))
                let allStates = MatrixView(matrix(states, offset: B * H, rows: T * B, cols: H))
                let previousStates = MatrixView(matrix(states, rows: T * B, cols: H))
                let allHiddenDelta = matrix(hiddenDelta, rows: T * B, cols: H)
                // Output layer, all steps at once: ∂W_yh = Δᵀ·H, ∂b_y = Δᵀ·1.
                BLAS.gemm(1, delta, .transposed, allStates, .none, 0, mutableView(g, layout.hiddenToOutput))
                columnSums(delta, into: g, layout.outputBias)
                // ∂h_i from the outputs, all steps at once: Δ·W_yh.
                BLAS.gemm(1, delta, .none, view(p, layout.hiddenToOutput), .none, 0, allHiddenDelta)
                // Through time: ∂h_i += ∂t_{i+1}·W_hh, then ∂t_i = (1 − h_i²)⊙(…).
                let recurrent = view(p, layout.hiddenToHidden)
                let stepProducts = StepProducts(self, weights: recurrent, rows: B, arithmetic: arithmetic)
                for t in stride(from: T, through: 1, by: -1) {
                    let current = matrix(hiddenDelta, offset: (t - 1) * B * H, rows: B, cols: H)
                    if t < T {
                        stepProducts.add(MatrixView(matrix(hiddenDelta, offset: t * B * H, rows: B, cols: H)), into: current)
                    }
                    let h = states.baseAddress! + t * B * H
                    let d = current.base
                    if let squaredNorms {
                        for b in 0..<B {
                            let row = UnsafeBufferPointer(start: d + b * H, count: H)
                            squaredNorms[(t - 1) * B + b] = BLAS.dot(row, row)
                        }
                    }
                    if injection == 0 {
                        for k in 0..<(B * H) { d[k] *= 1 - h[k] * h[k] }
                    } else {
                        let rt = rPreActivations.baseAddress! + (t - 1) * B * H
                        let inside = insideLength.baseAddress! + (t - 1) * B
                        for b in 0..<B {
                            let c = injection * inside[b]
                            for j in (b * H)..<((b + 1) * H) { d[j] = (1 - h[j] * h[j]) * (d[j] + c * rt[j]) }
                        }
                    }
                }
                // Time-independent parameter derivatives, all steps at once.
                let hiddenDeltaView = MatrixView(allHiddenDelta)
                BLAS.gemm(arithmetic, hiddenDeltaView, .transposed, previousStates, .none, 0,
                          mutableView(g, layout.hiddenToHidden))
                BLAS.gemm(1, hiddenDeltaView, .transposed, MatrixView(matrix(inputs, rows: T * B, cols: inputSize)), .none,
                          0, mutableView(g, layout.inputToHidden))
                columnSums(hiddenDeltaView, into: g, layout.hiddenBias)
                // h_0 feeds t_1 of every sequence: ∂h_0 = W_hhᵀ·Σ_b ∂t_{1,b}.
                let firstStep = MatrixView(matrix(hiddenDelta, rows: B, cols: H))
                BLAS.gemv(1, firstStep, .transposed, UnsafeBufferPointer(rebasing: ones[0..<B]), 0, columnSum)
                BLAS.gemv(1, recurrent, .transposed, UnsafeBufferPointer(columnSum), 0,
                          UnsafeMutableBufferPointer(rebasing: g[layout.initialState.range]))
            }
        }
    }
}
