import Linalg

/// The tanh RNN of M&S'11 (docs/algorithm.md#the-model):
///
///     t_i = W_hx x_i + W_hh h_{i−1} + b_h,   h_i = tanh(t_i),   s_i = W_yh h_i + b_y,   ŷ_i = g(s_i)
///
/// with a learned initial state h_0 and the matched output/loss pair `outputLoss`. The parameters
/// live in one flat vector laid out by `layout`.
public struct RecurrentNetwork: Sendable, Codable, Equatable {
    public var shape: NetworkShape
    public var outputLoss: OutputLoss

    public init(shape: NetworkShape, outputLoss: OutputLoss) {
        precondition(shape.inputs >= 0 && shape.hidden > 0 && shape.outputs > 0, "invalid network shape \(shape)")
        precondition(outputLoss != .softmaxCrossEntropy || shape.outputs >= 2, "softmax needs at least 2 outputs")
        self.shape = shape
        self.outputLoss = outputLoss
    }

    public var layout: ParameterLayout { ParameterLayout(shape) }
    public var parameterCount: Int { layout.count }
}

/// Initialisation constants (docs/algorithm.md#initialisation). Defaults follow Sutskever's
/// released HF code [ISC] and SMDH'13.
public struct InitializationConfig: Sendable, Codable, Equatable {
    /// Non-zero incoming weights per unit in every matrix ("sparse initialisation") [ISC, M'10]: 15.
    public var sparseFanIn = 15
    /// Spectral radius W_hh is rescaled to [SMDH'13]: 1.1. (ISC's comments call an initialisation
    /// scale of 1.2, not a radius, moderately good.)
    public var spectralRadius = 1.1
    /// Extra factor on the input weights, "A VERY IMPORTANT LINE OF CODE" [ISC demo]: 0.25.
    public var inputScale = 0.25
    /// Rescale W_hh to `spectralRadius` after the sparse draw: true [SMDH'13]. [ISC] does not
    /// rescale (its N(0, 1)/√15 draw has a radius of about 1.06 at H = 100).
    public var rescalesRecurrentWeights = true
    /// Start b_y at the mean target (`outputMean`): true [SMDH'13]. [ISC]'s network has no output
    /// bias, which false approaches by starting b_y at 0 (it is still trained).
    public var outputBiasAtTargetMean = true

    public init() {}

    public init(sparseFanIn: Int, spectralRadius: Double, inputScale: Double) {
        self.sparseFanIn = sparseFanIn
        self.spectralRadius = spectralRadius
        self.inputScale = inputScale
    }
}

extension RecurrentNetwork {
    /// Seeded initial parameters: in every matrix, each unit's incoming weights keep
    /// `sparseFanIn` entries drawn from N(0, 1)/√fanIn [ISC]; W_hh is then rescaled to the
    /// spectral radius (unless `rescalesRecurrentWeights` is false); input weights are scaled by
    /// `inputScale`; b_h = 0; h_0 ~ N(0, 1)/√fanIn; b_y is set so the initial prediction is
    /// `outputMean` (the mean target) when given and `outputBiasAtTargetMean` [SMDH'13], else 0.
    public func initialParameters<S: BLASScalar>(
        _ config: InitializationConfig = InitializationConfig(), outputMean: [Double]? = nil,
        using rng: inout SeededGenerator
    ) -> [S] {
        let layout = self.layout
        var theta = [Double](repeating: 0, count: layout.count)
        let scale = 1 / Double(config.sparseFanIn).squareRoot()

        func fillSparse(_ block: ParameterBlock, factor: Double) {
            let fanIn = min(config.sparseFanIn, block.cols)
            for row in 0..<block.rows {
                // A random subset of `fanIn` incoming connections: a partial Fisher–Yates shuffle.
                var columns = Array(0..<block.cols)
                for j in 0..<fanIn {
                    columns.swapAt(j, rng.nextInt(j, block.cols))
                    theta[block.offset + row * block.cols + columns[j]] = rng.nextGaussian() * scale * factor
                }
            }
        }
        fillSparse(layout.inputToHidden, factor: config.inputScale)
        fillSparse(layout.hiddenToHidden, factor: 1)
        fillSparse(layout.hiddenToOutput, factor: 1)
        for i in layout.initialState.range { theta[i] = rng.nextGaussian() * scale }

        if config.rescalesRecurrentWeights {
            let radius = Self.spectralRadius(of: Array(theta[layout.hiddenToHidden.range]), size: shape.hidden)
            if radius > 0 {
                for i in layout.hiddenToHidden.range { theta[i] *= config.spectralRadius / radius }
            }
        }
        if let outputMean, config.outputBiasAtTargetMean {
            precondition(outputMean.count == shape.outputs, "output mean has \(outputMean.count) entries, network has \(shape.outputs) outputs")
            for (o, mean) in outputMean.enumerated() {
                theta[layout.outputBias.offset + o] = outputBiasFor(mean: mean)
            }
        }
        return theta.map { S($0) }
    }

    /// The output bias whose prediction is `mean`: the mean itself (linear), its logit (logistic),
    /// or the log-probability (softmax, where the means are class frequencies).
    private func outputBiasFor(mean: Double) -> Double {
        switch outputLoss {
        case .linearSquaredError: return mean
        case .logisticCrossEntropy, .softmaxCrossEntropy:
            let p = min(max(mean, 1e-6), 1 - 1e-6)
            return outputLoss == .logisticCrossEntropy ? Double.log(p / (1 - p)) : Double.log(p)
        }
    }

    /// The spectral radius of W_hh in `parameters`: below 1 the state forgets an input geometrically
    /// (at 0.4, to a thousandth within 8 steps), which no task with a long lag survives.
    public func recurrentSpectralRadius<S: BLASScalar>(_ parameters: [S]) -> Double {
        Self.spectralRadius(of: parameters[layout.hiddenToHidden.range].map { Double($0) }, size: shape.hidden)
    }

    /// Spectral radius of a square row-major matrix by the power method on growth rates:
    /// ρ(W) = lim ‖Wᵏx‖^{1/k}, which also converges when the dominant eigenvalues are a complex pair.
    static func spectralRadius(of matrix: [Double], size n: Int, iterations: Int = 300) -> Double {
        var x = [Double](repeating: 1 / Double(n).squareRoot(), count: n)
        var y = [Double](repeating: 0, count: n)
        var logGrowth = 0.0
        let burnIn = iterations / 3
        for iteration in 0..<iterations {
            matrix.withUnsafeBufferPointer { w in
                x.withUnsafeBufferPointer { px in
                    y.withUnsafeMutableBufferPointer { py in
                        BLAS.gemv(1, MatrixView(w, rows: n, cols: n), .none, px, 0, py)
                    }
                }
            }
            let norm = Vec.norm(y)
            if norm == 0 { return 0 }
            if iteration >= burnIn { logGrowth += Double.log(norm) }
            for i in 0..<n { x[i] = y[i] / norm }
        }
        return Double.exp(logGrowth / Double(iterations - burnIn))
    }
}
