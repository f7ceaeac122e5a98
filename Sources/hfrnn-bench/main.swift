// hfrnn-bench: speed of the sequence model against the raw sgemm rate on the same shapes.
// Run with `make bench` (release build, OPENBLAS_NUM_THREADS=1). Not a test: timings vary.
import Foundation
import Linalg
import SequenceModel

let hidden = 100, steps = 200, sequences = 1000, inputs = 2, outputs = 1
let repeats = 5

BLAS.setThreadCount(1)

/// Best wall time of `body` over `repeats` runs after one warm-up, in seconds.
func bestTime(_ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

func gflops(_ flop: Double, _ seconds: Double) -> String { String(format: "%6.1f", flop / seconds / 1e9) }

var rng = SeededGenerator(seed: 1)
let network = RecurrentNetwork(shape: NetworkShape(inputs: inputs, hidden: hidden, outputs: outputs), outputLoss: .linearSquaredError)
var batch = SequenceBatch<Float>(sequenceCount: sequences, steps: steps, inputSize: inputs, outputSize: outputs)
for k in batch.inputs.indices { batch.inputs[k] = Float(rng.nextUnit()) }
for b in 0..<sequences {
    let row = batch.index(step: steps - 1, sequence: b)
    batch.mask[row] = 1
    batch.targets[row] = Float(rng.nextUnit())
}
let theta: [Float] = network.initialParameters(using: &rng)
let direction: [Float] = (0..<theta.count).map { _ in Float(rng.nextGaussian()) }
var result = [Float](repeating: 0, count: theta.count)
let evaluator = BatchEvaluator(network: network, batch: batch)

// GEMM flop counts of each pass (2 per multiply-add); element-wise work is not counted.
let (T, B, H, I, O) = (Double(steps), Double(sequences), Double(hidden), Double(inputs), Double(outputs))
let forwardFlop = 2 * T * B * (I * H + H * H + H * O)
let backwardFlop = 2 * T * B * (2 * H * O + 2 * H * H + H * I) + 2 * B * H  // ∂W_yh, Δ·W_yh, W_hh through time, ∂W_hh, ∂W_hx
let rForwardFlop = 2 * T * B * (I * H + 2 * H * H + 2 * H * O)
let productFlop = rForwardFlop + backwardFlop

let forwardTime = bestTime { evaluator.forward(theta) }
let gradientTime = bestTime { evaluator.gradient(into: &result) }
let productTime = bestTime { evaluator.curvatureProduct(direction, into: &result, structuralWeight: 0.03) }

// The raw sgemm rate on the shapes A v uses: the per-step [B,H]·[H,H]ᵀ product, the batched
// [T·B,H]·[H,H]ᵀ product, and the [T·B,H]ᵀ·[T·B,H] reduction, weighted as in one A v.
let big = [Float](repeating: 0.5, count: steps * sequences * hidden)
var bigOut = [Float](repeating: 0, count: steps * sequences * hidden)
let square = [Float](repeating: 0.01, count: hidden * hidden)
var squareOut = square
let stepTime = bestTime {
    big.withUnsafeBufferPointer { a in square.withUnsafeBufferPointer { w in bigOut.withUnsafeMutableBufferPointer { c in
        for t in 0..<steps {
            BLAS.gemm(1, MatrixView(a, offset: t * sequences * hidden, rows: sequences, cols: hidden), .none,
                      MatrixView(w, rows: hidden, cols: hidden), .transposed, 1,
                      MutableMatrixView(c, offset: t * sequences * hidden, rows: sequences, cols: hidden))
        }
    } } }
}
let batchedTime = bestTime {
    big.withUnsafeBufferPointer { a in square.withUnsafeBufferPointer { w in bigOut.withUnsafeMutableBufferPointer { c in
        BLAS.gemm(1, MatrixView(a, rows: steps * sequences, cols: hidden), .none, MatrixView(w, rows: hidden, cols: hidden),
                  .transposed, 1, MutableMatrixView(c, rows: steps * sequences, cols: hidden))
    } } }
}
let reductionTime = bestTime {
    big.withUnsafeBufferPointer { a in bigOut.withUnsafeBufferPointer { b in squareOut.withUnsafeMutableBufferPointer { c in
        BLAS.gemm(1, MatrixView(a, rows: steps * sequences, cols: hidden), .transposed,
                  MatrixView(b, rows: steps * sequences, cols: hidden), .none, 0, MutableMatrixView(c, rows: hidden, cols: hidden))
    } } }
}
let squareFlop = 2 * T * B * H * H
// One A v = 2 step-wise passes (R-forward, backward) + 1 batched product + 1 reduction.
let sgemmRate = 4 * squareFlop / (2 * stepTime + batchedTime + reductionTime)

print("hfrnn-bench: H = \(hidden), T = \(steps), batch = \(sequences), Float, OpenBLAS threads = 1")
print("OpenBLAS: \(BLAS.configuration)")
print("sgemm  step [B,H]·[H,H]ᵀ ×T   \(String(format: "%8.2f", stepTime * 1e3)) ms  \(gflops(squareFlop, stepTime)) GFLOP/s")
print("sgemm  batched [T·B,H]·[H,H]ᵀ  \(String(format: "%8.2f", batchedTime * 1e3)) ms  \(gflops(squareFlop, batchedTime)) GFLOP/s")
print("sgemm  reduction [T·B,H]ᵀ·[T·B,H] \(String(format: "%5.2f", reductionTime * 1e3)) ms  \(gflops(squareFlop, reductionTime)) GFLOP/s")
print("sgemm  mix of one A v                   \(gflops(1, 1 / sgemmRate)) GFLOP/s")
print("forward                         \(String(format: "%8.2f", forwardTime * 1e3)) ms  \(gflops(forwardFlop, forwardTime)) GFLOP/s")
print("gradient (backward pass)        \(String(format: "%8.2f", gradientTime * 1e3)) ms  \(gflops(backwardFlop, gradientTime)) GFLOP/s")
print("A v (R-forward + backward)      \(String(format: "%8.2f", productTime * 1e3)) ms  \(gflops(productFlop, productTime)) GFLOP/s")
print(String(format: "A v efficiency: %.0f %% of the sgemm rate on its shapes", 100 * productFlop / productTime / sgemmRate))
