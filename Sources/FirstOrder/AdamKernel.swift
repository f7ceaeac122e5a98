import RealModule
import Linalg

/// The Adam update [K&B'15 Algorithm 1] as one fused pass over the parameters: each element is
/// read and written once, with no temporary vectors. Element-wise square roots and divisions have
/// no BLAS counterpart, hence the explicit loop.
enum AdamKernel {
    /// For every i, with ĝ = clipFactor·g:
    ///
    ///     m ← β₁m + (1−β₁)ĝ,   v ← β₂v + (1−β₂)ĝ²,   θ ← θ − α·(m/(1−β₁ᵏ)) / (√(v/(1−β₂ᵏ)) + ε)
    ///
    /// with k = `step` ≥ 1. The bias corrections 1 − βᵏ are formed in Double (β₂ᵏ creeps away
    /// from 1 too slowly for Float to see the early steps right) and the loop runs in `S`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func update<S: BLASScalar>(parameters theta: inout [S], firstMoment m: inout [S], secondMoment v: inout [S],
                                      gradient g: [S], clipFactor: Double, step k: Int, config: FirstOrderConfig) {
        precondition(k >= 1, "Adam step \(k)")
        let n = theta.count
        precondition(m.count == n && v.count == n && g.count == n,
                     "Adam lengths: θ \(n), m \(m.count), v \(v.count), g \(g.count)")
        let beta1 = S(config.adamBeta1), beta2 = S(config.adamBeta2)
        let oneMinusBeta1 = S(1 - config.adamBeta1), oneMinusBeta2 = S(1 - config.adamBeta2)
        let c = S(clipFactor)
        let correction1 = S(1 - Double.pow(config.adamBeta1, Double(k)))
        let correction2 = S(1 - Double.pow(config.adamBeta2, Double(k)))
        let alpha = S(config.learningRate), epsilon = S(config.adamEpsilon)
        theta.withUnsafeMutableBufferPointer { pt in
            m.withUnsafeMutableBufferPointer { pm in
                v.withUnsafeMutableBufferPointer { pv in
                    g.withUnsafeBufferPointer { pg in
                        for i in 0..<n {
                            let gi = c * pg[i]
                            let mi = beta1 * pm[i] + oneMinusBeta1 * gi
                            let vi = beta2 * pv[i] + oneMinusBeta2 * gi * gi
                            pm[i] = mi
                            pv[i] = vi
                            pt[i] -= alpha * (mi / correction1) / ((vi / correction2).squareRoot() + epsilon)
                        }
                    }
                }
            }
        }
    }
}
