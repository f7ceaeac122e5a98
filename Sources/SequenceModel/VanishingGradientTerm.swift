import Linalg

/// Pascanu, Mikolov & Bengio's (2013) regulariser against vanishing gradients, Ω, as sums over one
/// batch's counted steps (docs/first-order.md#sgd-cr):
///
///     Ω = (1/C) Σ_{i,b counted} (‖W_hhᵀ ∂t_i‖² / ‖∂h_i‖² − 1)²,  ∂t_i = (1 − h_i²) ⊙ ∂h_i
///
/// where ∂h_i = ∂f/∂h_i is the loss gradient at hidden state i (through every later step) and
/// W_hhᵀ ∂t_i is what of it reaches h_{i−1}: Ω is zero when the gradient's norm is carried back
/// unchanged. A step counts when ‖∂h_i‖² ≥ `countedFrom` (so padding and steps the loss does not
/// reach are left out). As in the authors' code, the ratio is of squared norms, and its gradient is
/// taken with ∂h_i and h_i held constant, so it flows into W_hh alone:
///
///     ∂Ω/∂W_hh = (1/C) Σ 4 (r_i − 1)/‖∂h_i‖² · ∂t_i (W_hhᵀ ∂t_i)ᵀ
///
/// Sums and counts (not means) are kept so that sub-batches combine into the batch's Ω and ∇Ω.
public struct VanishingGradientSums<Scalar: BLASScalar>: Sendable {
    /// Σ (r − 1)² over the counted steps.
    public var termSum: Double
    /// C, the counted steps.
    public var countedSteps: Int
    /// Σ of each counted step's ∂(r − 1)²/∂W_hh, [H, H] row-major as W_hh.
    public var recurrentGradientSum: [Scalar]

    /// The smallest ‖∂h_i‖² a step needs to count. 1e-20 [PMB'13 code, `bound`].
    public static var countedFrom: Double { 1e-20 }

    public init(hidden: Int) {
        termSum = 0
        countedSteps = 0
        recurrentGradientSum = [Scalar](repeating: 0, count: hidden * hidden)
    }

    /// Ω = termSum / C (0 when no step counted).
    public var mean: Double { countedSteps == 0 ? 0 : termSum / Double(countedSteps) }
}

extension BatchEvaluator {
    /// ∇f as `gradient(into:)`, plus the sums of the vanishing-gradient regulariser Ω at the θ of
    /// the last `forward` (written into `sums`, overwritten).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gradient(into gradient: inout [Scalar], vanishingSums sums: inout VanishingGradientSums<Scalar>) {
        let (T, B, H) = (steps, sequences, hidden)
        if stepGradientNorms.baseAddress == nil {
            stepGradientNorms = Self.allocate(capacity.steps * capacity.sequences)
            backwardThroughStep = Self.allocate(capacity.steps * capacity.sequences * H)
        }
        setLossDelta()
        backpropagate(into: &gradient, structuralWeight: 0, squaredNorms: stepGradientNorms)
        sums = VanishingGradientSums(hidden: H)
        let rows = T * B
        let carried = matrix(backwardThroughStep, rows: rows, cols: H)
        parameters.withUnsafeBufferPointer { p in
            // Every step's W_hhᵀ ∂t_i at once (row form: ∂t_i · W_hh).
            BLAS.gemm(1, MatrixView(matrix(hiddenDelta, rows: rows, cols: H)), .none,
                      view(p, layout.hiddenToHidden), .none, 0, carried)
        }
        // Each row of `carried` becomes its weight 4 (r − 1)/‖∂h‖² times itself (0 if not counted),
        // so that one product ∂Tᵀ · carried sums every step's outer product.
        let bound = Scalar(VanishingGradientSums<Scalar>.countedFrom)
        for row in 0..<rows {
            let start = carried.base + row * H
            let denominator = stepGradientNorms[row]
            let vector = UnsafeMutableBufferPointer(start: start, count: H)
            guard denominator >= bound else {
                vector.update(repeating: 0)
                continue
            }
            let ratio = BLAS.dot(UnsafeBufferPointer(vector), UnsafeBufferPointer(vector)) / denominator
            sums.termSum += Double((ratio - 1) * (ratio - 1))
            sums.countedSteps += 1
            BLAS.scale(4 * (ratio - 1) / denominator, vector)
        }
        sums.recurrentGradientSum.withUnsafeMutableBufferPointer { g in
            BLAS.gemm(1, MatrixView(matrix(hiddenDelta, rows: rows, cols: H)), .transposed, MatrixView(carried), .none,
                      0, MutableMatrixView(g, offset: 0, rows: H, cols: H))
        }
    }
}
