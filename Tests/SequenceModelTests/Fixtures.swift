import Foundation
import Linalg
@testable import SequenceModel

/// A tiny problem for derivative checks: 3 inputs, 4 hidden, 2 outputs, 6 steps, 3 sequences of
/// lengths 6, 4 and 2, with several scored steps per sequence and unscored steps in between.
struct TinyProblem {
    let network: RecurrentNetwork
    let batch: SequenceBatch<Double>
    let theta: [Double]

    init(loss: OutputLoss, seed: UInt64 = 7) {
        let shape = NetworkShape(inputs: 3, hidden: 4, outputs: 2)
        network = RecurrentNetwork(shape: shape, outputLoss: loss)
        var rng = SeededGenerator(seed: seed)
        var batch = SequenceBatch<Double>(sequenceCount: 3, steps: 6, inputSize: 3, outputSize: 2)
        batch.lengths = [6, 4, 2]
        let scoredSteps: [[Int]] = [[1, 3, 5], [3], [0, 1]]
        for b in 0..<3 {
            for t in 0..<batch.lengths[b] {
                let row = batch.index(step: t, sequence: b)
                for i in 0..<3 { batch.inputs[row * 3 + i] = rng.nextGaussian() }
                switch loss {
                case .linearSquaredError:
                    for o in 0..<2 { batch.targets[row * 2 + o] = rng.nextGaussian() }
                case .logisticCrossEntropy:
                    for o in 0..<2 { batch.targets[row * 2 + o] = rng.nextUnit() < 0.5 ? 0 : 1 }
                case .softmaxCrossEntropy:
                    batch.targets[row * 2 + rng.nextInt(0, 2)] = 1
                }
                if scoredSteps[b].contains(t) {
                    batch.mask[row] = 1
                    batch.errorMask[row] = true
                }
            }
        }
        self.batch = batch
        theta = (0..<network.parameterCount).map { _ in 0.6 * rng.nextGaussian() }
    }

    func randomVector(seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        return (0..<network.parameterCount).map { _ in rng.nextGaussian() }
    }
}

/// An independent, loop-by-loop implementation of the forward pass in the paper's column-vector
/// form, used as the reference the BLAS implementation is checked against.
struct ReferenceRNN {
    let network: RecurrentNetwork
    let batch: SequenceBatch<Double>

    /// Hidden pre-activations t `[T, B, H]`, hidden states h `[T, B, H]`, output pre-activations s
    /// `[T, B, O]` and the mean loss; `shift` `[T, B, H]`, if given, is added to every t (so that
    /// finite differences in it give ∂f/∂t).
    func run(_ theta: [Double], shift: [Double]? = nil) -> (pre: [Double], hidden: [Double], outputs: [Double], loss: Double) {
        let (I, H, O) = (network.shape.inputs, network.shape.hidden, network.shape.outputs)
        let (T, B) = (batch.steps, batch.sequenceCount)
        let layout = network.layout
        func w(_ block: ParameterBlock, _ r: Int, _ c: Int) -> Double { theta[block.offset + r * block.cols + c] }
        var pre = [Double](repeating: 0, count: T * B * H)
        var hiddenStates = pre
        var s = [Double](repeating: 0, count: T * B * O)
        var total = 0.0
        for b in 0..<B {
            var h = (0..<H).map { w(layout.initialState, $0, 0) }
            for t in 0..<T {
                let row = t * B + b
                var next = [Double](repeating: 0, count: H)
                for j in 0..<H {
                    var sum = w(layout.hiddenBias, j, 0)
                    for i in 0..<I { sum += w(layout.inputToHidden, j, i) * batch.inputs[row * I + i] }
                    for k in 0..<H { sum += w(layout.hiddenToHidden, j, k) * h[k] }
                    if let shift { sum += shift[row * H + j] }
                    pre[row * H + j] = sum
                    next[j] = Foundation.tanh(sum)
                    hiddenStates[row * H + j] = next[j]
                }
                h = next
                for o in 0..<O {
                    var sum = w(layout.outputBias, o, 0)
                    for j in 0..<H { sum += w(layout.hiddenToOutput, o, j) * h[j] }
                    s[row * O + o] = sum
                }
                if batch.mask[row] != 0 {
                    let y = Array(batch.targets[(row * O)..<((row + 1) * O)])
                    total += batch.mask[row] * Self.loss(network.outputLoss, s: Array(s[(row * O)..<((row + 1) * O)]), y: y)
                }
            }
        }
        return (pre, hiddenStates, s, total / batch.mask.reduce(0, +))
    }

    /// The loss of one step straight from its definition.
    static func loss(_ kind: OutputLoss, s: [Double], y: [Double]) -> Double {
        switch kind {
        case .linearSquaredError:
            return zip(s, y).map { ($0 - $1) * ($0 - $1) / 2 }.reduce(0, +)
        case .logisticCrossEntropy:
            return zip(s, y).map { z, t in
                let p = 1 / (1 + Foundation.exp(-z))
                return -(t * Foundation.log(p) + (1 - t) * Foundation.log(1 - p))
            }.reduce(0, +)
        case .softmaxCrossEntropy:
            let partition = s.map { Foundation.exp($0) }.reduce(0, +)
            return -zip(s, y).map { z, t in t * Foundation.log(Foundation.exp(z) / partition) }.reduce(0, +)
        }
    }
}

/// Central-difference Jacobian of `f` at `x`: rows = outputs of f, columns = entries of x.
func finiteDifferenceJacobian(_ x: [Double], step: Double = 1e-5, _ f: ([Double]) -> [Double]) -> [[Double]] {
    let outputCount = f(x).count
    var jacobian = [[Double]](repeating: [Double](repeating: 0, count: x.count), count: outputCount)
    for k in 0..<x.count {
        var plus = x, minus = x
        plus[k] += step
        minus[k] -= step
        let (fp, fm) = (f(plus), f(minus))
        for r in 0..<outputCount { jacobian[r][k] = (fp[r] - fm[r]) / (2 * step) }
    }
    return jacobian
}

func matrixVector(_ m: [[Double]], _ v: [Double]) -> [Double] {
    m.map { row in zip(row, v).map(*).reduce(0, +) }
}

func transposeVector(_ m: [[Double]], _ v: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: m.first?.count ?? 0)
    for (r, row) in m.enumerated() { for c in row.indices { out[c] += row[c] * v[r] } }
    return out
}

func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    let scale = max(b.map(abs).max() ?? 0, 1e-12)
    return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map(*).reduce(0, +) }
