import Linalg

// The matched output non-linearity / loss pairs (docs/algorithm.md#outputs-and-losses), one row
// (one step of one sequence) at a time. For every pair the derivative of the loss with respect to
// the output pre-activation s is m·ŷ − y and the curvature H_L = ∂²L/∂s² is PSD, so
// G = J_sᵀ H_L J_s is PSD. The prediction weight m is 1, except for softmax, where
// −Σ y·log softmax(s) has gradient (Σy)·p − y and Hessian (Σy)·(diag(p) − ppᵀ): m = Σy, which is 1
// only when the target row sums to exactly 1 (soft targets from a file are accepted within a
// tolerance, and float32 rounding breaks exactness).
extension OutputLoss {
    /// Turns the pre-activations `s` (length `count`) into predictions ŷ = g(s) in place and
    /// returns the loss of this row against `target`. `scored == false` skips the loss (returns 0)
    /// but still computes ŷ, which predictions and the curvature need.
    func applyOutput<S: BLASScalar>(_ s: UnsafeMutablePointer<S>, target y: UnsafePointer<S>,
                                    count: Int, scored: Bool) -> S {
        var loss: S = 0
        switch self {
        case .linearSquaredError:
            if scored {
                for o in 0..<count { let e = s[o] - y[o]; loss += e * e / 2 }
            }
        case .logisticCrossEntropy:
            for o in 0..<count {
                let z = s[o]
                // −y·log σ(z) − (1 − y)·log(1 − σ(z)) = softplus(z) − y·z, computed without overflow.
                if scored { loss += max(z, 0) + S.log(1 + S.exp(-abs(z))) - y[o] * z }
                s[o] = 1 / (1 + S.exp(-z))
            }
        case .softmaxCrossEntropy:
            var largest = s[0]
            for o in 1..<count { largest = max(largest, s[o]) }
            var total: S = 0
            for o in 0..<count { total += S.exp(s[o] - largest) }
            let logPartition = largest + S.log(total)
            for o in 0..<count {
                if scored && y[o] != 0 { loss -= y[o] * (s[o] - logPartition) }
                s[o] = S.exp(s[o] - logPartition)
            }
        }
        return loss
    }

    /// The prediction weight m of ∂L/∂s = m·ŷ − y for target row `y`: Σy for softmax, else 1.
    func predictionWeight<S: BLASScalar>(target y: UnsafePointer<S>, count: Int) -> S {
        guard self == .softmaxCrossEntropy else { return 1 }
        var total: S = 0
        for o in 0..<count { total += y[o] }
        return total
    }

    /// `r ← weight · H_L(ŷ) · r` in place, for one row: the loss curvature at predictions `p` for
    /// target row `y`. Linear: H_L = I. Logistic: diag(p(1 − p)). Softmax: (Σy)·(diag(p) − ppᵀ),
    /// applied as (Σy)·p ⊙ (r − ⟨p, r⟩).
    func multiplyCurvature<S: BLASScalar>(_ r: UnsafeMutablePointer<S>, predictions p: UnsafePointer<S>,
                                          target y: UnsafePointer<S>, count: Int, weight: S) {
        switch self {
        case .linearSquaredError:
            for o in 0..<count { r[o] *= weight }
        case .logisticCrossEntropy:
            for o in 0..<count { r[o] *= weight * p[o] * (1 - p[o]) }
        case .softmaxCrossEntropy:
            let scaled = weight * predictionWeight(target: y, count: count)
            var mean: S = 0
            for o in 0..<count { mean += p[o] * r[o] }
            for o in 0..<count { r[o] = scaled * p[o] * (r[o] - mean) }
        }
    }
}

extension ErrorCriterion {
    /// Whether the prediction row `p` is wrong for target row `y`. A non-finite prediction is
    /// always wrong (every comparison with NaN is false, which would otherwise count it as right).
    func isWrong<S: BLASScalar>(_ p: UnsafePointer<S>, _ y: UnsafePointer<S>, count: Int) -> Bool {
        for o in 0..<count where !p[o].isFinite { return true }
        switch self {
        case .absoluteTolerance(let tolerance):
            for o in 0..<count where abs(Double(p[o] - y[o])) > tolerance { return true }
            return false
        case .binaryThreshold:
            for o in 0..<count where (p[o] > 0.5) != (y[o] > 0.5) { return true }
            return false
        case .argmax:
            var bestPrediction = 0, bestTarget = 0
            for o in 1..<count {
                if p[o] > p[bestPrediction] { bestPrediction = o }
                if y[o] > y[bestTarget] { bestTarget = o }
            }
            return bestPrediction != bestTarget
        }
    }
}

extension OutputLoss {
    /// The mean loss of the best prediction that is the same at every scored step, given the
    /// targets' weighted mean ȳ (one entry per output) and mean squared norm E‖y‖² over the scored
    /// steps: ½(E‖y‖² − ‖ȳ‖²) for squared error (predict ȳ), Σ_o H(ȳ_o) for logistic
    /// cross-entropy, and the cross-entropy −Σ_o ȳ_o·log(ȳ_o / Σȳ) of the normalised prior for
    /// softmax. It is the yardstick of a run's relative loss (0 terms count as 0·log 0 = 0).
    public func constantPredictionLoss(meanTarget: [Double], meanSquaredNorm: Double) -> Double {
        func xLogX(_ x: Double) -> Double { x > 0 ? x * Double.log(x) : 0 }
        switch self {
        case .linearSquaredError:
            return max(0, meanSquaredNorm - meanTarget.reduce(0) { $0 + $1 * $1 }) / 2
        case .logisticCrossEntropy:
            return meanTarget.reduce(0) { total, p in
                let q = min(max(p, 0), 1)
                return total - xLogX(q) - xLogX(1 - q)
            }
        case .softmaxCrossEntropy:
            let mass = meanTarget.reduce(0, +)
            guard mass > 0 else { return 0 }
            return meanTarget.reduce(0) { $0 - ($1 > 0 ? $1 * Double.log($1 / mass) : 0) }
        }
    }
}
