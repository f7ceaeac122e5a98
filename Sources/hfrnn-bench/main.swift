// hfrnn-bench: speed of the sequence model's passes against raw BLAS on the same shapes.
// Run with `make bench` (release build, OPENBLAS_NUM_THREADS=1). Not a test: timings vary.
//
//   hfrnn-bench [--hidden H] [--length T] [--batch B] [--sub-batch S [--threads N]] [--repeats N] [--json]
//   hfrnn-bench --kernels      prints the OpenBLAS kernels in use (e.g. Haswell) and exits
//
// Passes: forward, gradient (backward after a forward) and product (one A v) on one evaluator
// holding the whole batch; with --sub-batch S the product is taken as HF training takes it
// (`RNNObjective`): the batch held as sub-batches of S sequences, each one's product weighted by
// its share of the scored outputs and summed in order, on N threads (default 1), each with one
// BLAS thread, as `hfrnn train --threads N` does (the calls its reference replays are then
// recorded from the same sub-batches on one thread: the concurrent calls cannot be logged).
//
// Each pass is recorded once to collect
// the exact shapes of its BLAS calls; those calls are then replayed on scratch buffers as the
// "sgemm reference", on the pass's own buffers. Pass, reference and a plain [T·B,H]·[H,H]ᵀ sgemm
// are timed in turn, N times each, and the best of each is kept, so the ratios compare them under
// the same load. `ratio` = reference time / pass time (1: the pass costs no more than its own
// products); `square_ratio` = the pass's GEMM flop rate / the square sgemm's rate.
import BLASStartup
import Foundation
import Linalg
import SequenceModel
import Training

// The kernels hfrnn runs on (set OPENBLAS_CORETYPE to time others, e.g. OpenBLAS's own pick).
BLASStartup.restartOnFasterKernelsIfNeeded()

struct Options {
    var hidden = 100, length = 50, batch = 1000, repeats = 7
    var subBatch: Int? = nil
    var threads = 1
    var inputs = 2, outputs = 1
    var json = false
    var only: String? = nil

    init(_ arguments: [String]) {
        var rest = arguments[...]
        func number(_ flag: String) -> Int {
            guard let text = rest.popFirst(), let value = Int(text), value > 0 else {
                fail("\(flag): expects a positive integer")
            }
            return value
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--hidden": hidden = number(flag)
            case "--length": length = number(flag)
            case "--batch": batch = number(flag)
            case "--sub-batch": subBatch = number(flag)
            case "--threads": threads = number(flag)
            case "--repeats": repeats = number(flag)
            case "--inputs": inputs = number(flag)
            case "--outputs": outputs = number(flag)
            case "--json": json = true
            case "--kernels":
                print(BLAS.kernels)
                exit(0)
            case "--pass":
                guard let name = rest.popFirst() else { fail("--pass: expects forward, gradient or product") }
                only = name
            case "-h", "--help":
                print("usage: hfrnn-bench [--hidden H] [--length T] [--batch B] [--sub-batch S [--threads N]] [--repeats N] [--inputs I] [--outputs O] [--pass NAME] [--json] | --kernels")
                exit(0)
            default: fail("\(flag): unknown option")
            }
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("hfrnn-bench: error: \(message)\n".utf8))
    exit(2)
}

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
if options.threads > 1 && options.subBatch == nil { fail("--threads: needs --sub-batch (threads share out sub-batches)") }
let (H, T, B, I, O) = (options.hidden, options.length, options.batch, options.inputs, options.outputs)
BLAS.setThreadCount(1)

// An addition-like batch: random inputs, one scored output at the last step.
var rng = SeededGenerator(seed: 1)
let network = RecurrentNetwork(shape: NetworkShape(inputs: I, hidden: H, outputs: O), outputLoss: .linearSquaredError)
var batch = SequenceBatch<Float>(sequenceCount: B, steps: T, inputSize: I, outputSize: O)
for k in batch.inputs.indices { batch.inputs[k] = Float(rng.nextUnit()) }
for b in 0..<B {
    let row = batch.index(step: T - 1, sequence: b)
    batch.mask[row] = 1
    batch.errorMask[row] = true
    for o in 0..<O { batch.targets[row * O + o] = Float(rng.nextUnit()) }
}
let theta: [Float] = network.initialParameters(using: &rng)
let direction: [Float] = (0..<theta.count).map { _ in Float(rng.nextGaussian()) }
var result = [Float](repeating: 0, count: theta.count)
let evaluator = BatchEvaluator(network: network, batch: batch)
evaluator.forward(theta)
// Training's objective over sub-batches, its forward passes cached for CG as in an HF iteration.
let objective = options.subBatch.map {
    RNNObjective(network: network, batch: batch, chunkSize: $0,
                 workspace: EvaluationWorkspace(network: network, threads: ComputeThreads(count: options.threads)))
}
_ = objective?.bindCurvature(at: theta)
let singleThreadObjective = options.threads > 1 ? options.subBatch.map { RNNObjective(network: network, batch: batch, chunkSize: $0) } : objective
if options.threads > 1 { _ = singleThreadObjective?.bindCurvature(at: theta) }

@MainActor func product(_ objective: RNNObjective<Float>?) -> () -> Void {
    if let objective {
        { objective.curvatureProduct(direction, into: &result, structuralWeight: 0.03) }
    } else {
        { evaluator.curvatureProduct(direction, into: &result, structuralWeight: 0.03) }
    }
}
// Each pass, and the body whose BLAS calls are recorded for its reference (the same, on one thread).
let passes: [(name: String, body: () -> Void, recorded: () -> Void)] = [
    ("forward", { evaluator.forward(theta) }, { evaluator.forward(theta) }),
    ("gradient", { evaluator.gradient(into: &result) }, { evaluator.gradient(into: &result) }),
    ("product", product(objective), product(singleThreadObjective)),
]
// The hardware's GEMM rate on this model's main shape: [T·B, H]·[H, H]ᵀ, the batched product.
let squareA = [Float](repeating: 0.01, count: T * B * H), squareW = [Float](repeating: 0.01, count: H * H)
var squareC = [Float](repeating: 0, count: T * B * H)
@MainActor func squareGemm() {
    squareA.withUnsafeBufferPointer { a in squareW.withUnsafeBufferPointer { w in squareC.withUnsafeMutableBufferPointer { c in
        BLAS.gemm(1, MatrixView(a, rows: T * B, cols: H), .none, MatrixView(w, rows: H, cols: H), .transposed, 0,
                  MutableMatrixView(c, rows: T * B, cols: H))
    } } }
}
let squareFlop = 2.0 * Double(T * B) * Double(H * H)

/// The sub-batch size a pass ran with, as JSON: only the product takes `--sub-batch`.
func subBatchJSON(_ pass: String) -> String {
    guard pass == "product", let size = options.subBatch else { return "null" }
    return String(size)
}

if !options.json {
    let subBatches = options.subBatch.map { ", product in sub-batches of \($0) on \(options.threads) thread(s)" } ?? ""
    print("hfrnn-bench: H = \(H), T = \(T), B = \(B)\(subBatches), I = \(I), O = \(O), Float, OpenBLAS threads = 1, best of \(options.repeats)")
    print("OpenBLAS: \(BLAS.configuration), \(BLAS.kernels) kernels")
    print("pass        time (ms)  GFLOP/s   own BLAS calls (ms)  GFLOP/s   ratio   sgemm [T·B,H]·[H,H]ᵀ GFLOP/s   ratio")
}
for pass in passes where options.only.map({ $0 == pass.name }) ?? true {
    pass.body()  // warm-up, and the state the recorded run starts from
    let calls = BLASCallLog.record(pass.recorded)
    let flop = calls.reduce(0) { $0 + $1.flop }
    BLASCallLog.replay(calls, as: Float.self)
    var best = (pass: Double.infinity, reference: Double.infinity, square: Double.infinity)
    for _ in 0..<options.repeats {
        best.pass = min(best.pass, seconds(pass.body))
        best.reference = min(best.reference, seconds { BLASCallLog.replay(calls, as: Float.self) })
        best.square = min(best.square, seconds(squareGemm))
    }
    evaluator.forward(theta)  // undo the replay's writes into the cached forward passes
    _ = objective?.bindCurvature(at: theta)
    if options.threads > 1 { _ = singleThreadObjective?.bindCurvature(at: theta) }
    let ratio = best.reference / best.pass
    let squareRate = squareFlop / best.square
    let squareRatio = flop / best.pass / squareRate
    func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
    if options.json {
        print(#"{"pass":"\#(pass.name)","hidden":\#(H),"length":\#(T),"batch":\#(B),"sub_batch":\#(subBatchJSON(pass.name)),"threads":\#(pass.name == "product" ? options.threads : 1),"inputs":\#(I),"outputs":\#(O),"#
              + #""repeats":\#(options.repeats),"blas_calls":\#(calls.count),"gflop":\#(fixed(flop / 1e9, 4)),"#
              + #""seconds":\#(fixed(best.pass, 6)),"gflops":\#(fixed(flop / best.pass / 1e9, 2)),"#
              + #""sgemm_seconds":\#(fixed(best.reference, 6)),"sgemm_gflops":\#(fixed(flop / best.reference / 1e9, 2)),"#
              + #""ratio":\#(fixed(ratio, 4)),"square_sgemm_gflops":\#(fixed(squareRate / 1e9, 2)),"#
              + #""square_ratio":\#(fixed(squareRatio, 4)),"blas_kernels":"\#(BLAS.kernels)"}"#)
    } else {
        let name = pass.name.padding(toLength: 10, withPad: " ", startingAt: 0)
        print(name + String(format: " %10.2f %8.1f %20.2f %8.1f %6.0f %% %30.1f %6.0f %%", best.pass * 1e3,
                            flop / best.pass / 1e9, best.reference * 1e3, flop / best.reference / 1e9, 100 * ratio,
                            squareRate / 1e9, 100 * squareRatio))
    }
}
