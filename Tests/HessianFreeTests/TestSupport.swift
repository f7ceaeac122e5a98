import Foundation
import HessianFree
import Linalg

// Small explicit problems for the solver tests, all in Double.

/// A dense n×n matrix as a `LinearOperator` (plain loops, independent of the BLAS wrappers).
struct DenseOperator: LinearOperator {
    typealias Scalar = Double
    let rows: [[Double]]
    var dimension: Int { rows.count }

    func apply(_ v: [Double], into out: inout [Double]) {
        for i in 0..<rows.count {
            var s = 0.0
            for j in 0..<v.count { s += rows[i][j] * v[j] }
            out[i] = s
        }
    }

    func times(_ v: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: dimension)
        apply(v, into: &out)
        return out
    }
}

/// An operator that poisons its output with NaN.
struct NaNOperator: LinearOperator {
    typealias Scalar = Double
    let dimension: Int
    func apply(_ v: [Double], into out: inout [Double]) {
        for i in 0..<dimension { out[i] = v[i] }
        out[0] = .nan
    }
}

func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
func minus(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 - $1 } }

func gaussianMatrix(rows: Int, cols: Int, rng: inout SeededGenerator) -> [[Double]] {
    (0..<rows).map { _ in (0..<cols).map { _ in rng.nextGaussian() } }
}

/// BᵀB + shift·I for a Gaussian B: symmetric positive (semi-)definite.
func randomSPD(_ n: Int, shift: Double, rng: inout SeededGenerator) -> [[Double]] {
    let b = gaussianMatrix(rows: n, cols: n, rng: &rng)
    var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        for j in 0..<n {
            var s = 0.0
            for k in 0..<n { s += b[k][i] * b[k][j] }
            a[i][j] = s + (i == j ? shift : 0)
        }
    }
    return a
}

/// A generalised linear model with its matching loss, as an `HFObjective`:
/// linear output + squared error (f = Σ ½(aᵢᵀθ − yᵢ)² / N) or logistic output + cross-entropy.
/// G = Aᵀ diag(H) A / N is exact (H = 1, or p(1 − p)), and the "structural" term is a fixed PSD
/// matrix S, so curvatureProduct = G v + w·S v.
final class GLMObjective: HFObjective {
    typealias Scalar = Double
    enum Link { case linear, logistic }
    enum Poison { case none, curvatureNaN, lossNaN }

    let link: Link
    let features: [[Double]]  // N × d
    let targets: [Double]     // N
    let structure: [[Double]] // d × d, PSD
    var poison: Poison = .none
    private(set) var boundOutputs: [Double] = []
    private(set) var structuralWeightsSeen: [Double] = []

    init(link: Link, features: [[Double]], targets: [Double], structure: [[Double]]) {
        self.link = link
        self.features = features
        self.targets = targets
        self.structure = structure
    }

    var parameterCount: Int { structure.count }
    var caseCount: Double { Double(targets.count) }

    private func outputs(_ theta: [Double]) -> [Double] {
        features.map { row in
            let z = dot(row, theta)
            return link == .linear ? z : 1 / (1 + exp(-z))
        }
    }

    private func caseLoss(_ row: [Double], _ y: Double, _ theta: [Double]) -> Double {
        let z = dot(row, theta)
        switch link {
        case .linear: return 0.5 * (z - y) * (z - y)
        case .logistic: return max(z, 0) + log1p(exp(-abs(z))) - y * z  // softplus(z) − y z
        }
    }

    func loss(at parameters: [Double]) -> Double {
        if poison == .lossNaN { return .nan }
        var total = 0.0
        for (row, y) in zip(features, targets) { total += caseLoss(row, y, parameters) }
        return total / caseCount
    }

    func lossAndGradient(at parameters: [Double], gradient: inout [Double]) -> Double {
        var fisher = [Double](repeating: 0, count: parameterCount)
        return lossGradientAndFisherDiagonal(at: parameters, gradient: &gradient, fisherDiagonal: &fisher)
    }

    func lossGradientAndFisherDiagonal(at parameters: [Double], gradient: inout [Double],
                                       fisherDiagonal: inout [Double]) -> Double {
        let p = outputs(parameters)
        for j in 0..<parameterCount { gradient[j] = 0; fisherDiagonal[j] = 0 }
        for (i, row) in features.enumerated() {
            let residual = p[i] - targets[i]
            for j in 0..<parameterCount {
                gradient[j] += residual * row[j] / caseCount
                fisherDiagonal[j] += (residual * row[j]) * (residual * row[j]) / caseCount
            }
        }
        return loss(at: parameters)
    }

    func bindCurvature(at parameters: [Double]) -> Double {
        boundOutputs = outputs(parameters)
        return loss(at: parameters)
    }

    func curvatureProduct(_ v: [Double], into out: inout [Double], structuralWeight: Double) {
        structuralWeightsSeen.append(structuralWeight)
        precondition(boundOutputs.count == features.count, "curvatureProduct before bindCurvature")
        for j in 0..<parameterCount { out[j] = 0 }
        for (i, row) in features.enumerated() {
            let h = link == .linear ? 1 : boundOutputs[i] * (1 - boundOutputs[i])
            let q = h * dot(row, v) / caseCount
            for j in 0..<parameterCount { out[j] += q * row[j] }
        }
        for j in 0..<parameterCount { out[j] += structuralWeight * dot(structure[j], v) }
        if poison == .curvatureNaN { out[parameterCount - 1] = .nan }
    }

    /// f + ½·weightCost·‖θ‖² and its gradient, computed here independently of the solver.
    func regularised(at theta: [Double], weightCost: Double) -> (loss: Double, gradient: [Double]) {
        var g = [Double](repeating: 0, count: parameterCount)
        let f = lossAndGradient(at: theta, gradient: &g)
        return (f + 0.5 * weightCost * dot(theta, theta), zip(g, theta).map { $0 + weightCost * $1 })
    }

    /// A fresh object over the same data (to exercise the separate-batch code paths).
    func copy() -> GLMObjective {
        GLMObjective(link: link, features: features, targets: targets, structure: structure)
    }

    /// The same features and structure with other targets.
    func withTargets(_ newTargets: [Double]) -> GLMObjective {
        GLMObjective(link: link, features: features, targets: newTargets, structure: structure)
    }
}

/// N cases in d dimensions with Gaussian features; logistic labels are noisy (non-separable) so the
/// minimiser is finite; the structural matrix is a random PSD matrix.
func makeGLM(_ link: GLMObjective.Link, cases: Int = 40, dimension: Int = 5, seed: UInt64 = 7) -> GLMObjective {
    var rng = SeededGenerator(seed: seed)
    let features = gaussianMatrix(rows: cases, cols: dimension, rng: &rng)
    let truth = (0..<dimension).map { _ in rng.nextGaussian() }
    let targets: [Double] = features.map { row in
        let z = dot(row, truth)
        switch link {
        case .linear: return z + 0.1 * rng.nextGaussian()
        case .logistic: return rng.nextUnit() < 1 / (1 + exp(-z)) ? 1 : 0
        }
    }
    let structure = randomSPD(dimension, shift: 0, rng: &rng)
    return GLMObjective(link: link, features: features, targets: targets, structure: structure)
}
