// hfrnn-bench: speed of the sequence model's passes against raw BLAS on the same shapes.
// Run with `make bench` (release build, OPENBLAS_NUM_THREADS=1). Not a test: timings vary.
//
//   hfrnn-bench [--hidden H] [--length T] [--batch B] [--sub-batch S [--threads N]] [--curvature-products bf16]
//               [--repeats N] [--pass NAME] [--json]
//   hfrnn-bench --kernels      prints the OpenBLAS kernels in use (e.g. Haswell) and exits
//
// Passes: forward, gradient (backward after a forward), regularized (the gradient with the sums of
// SGD-CR's vanishing-gradient regulariser) and product (one A v) on one evaluator
// holding the whole batch; with --sub-batch S the product is taken as HF training takes it
// (`RNNObjective`): the batch held as sub-batches of S sequences, each one's product weighted by
// its share of the scored outputs and summed in order, on N threads (default 1), each with one
// BLAS thread, as `hfrnn train --threads N` does (the calls its reference replays are then
// recorded from the same sub-batches on one thread: the concurrent calls cannot be logged). With
// --curvature-products bf16 the product's matrix products take bfloat16 inputs (`ProductArithmetic`);
// its reference and flop count are then those of the same product in float.
//
// Each pass is recorded once to collect
// the exact shapes of its BLAS calls; those calls are then replayed on scratch buffers as the
// "sgemm reference", on the pass's own buffers. Pass, reference and a plain [T·B,H]·[H,H]ᵀ sgemm
// are timed in turn, N times each, and the best of each is kept, so the ratios compare them under
// the same load. `ratio` = reference time / pass time (1: the pass costs no more than its own
// products); `square_ratio` = the pass's GEMM flop rate / the square sgemm's rate.
import ArgumentParser
import BLASStartup
import Foundation
import Linalg
import SequenceModel
import Training

@main
struct HFRNNBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hfrnn-bench",
        abstract: "Time the sequence model's passes against raw BLAS on the same shapes (one BLAS thread, Float).")

    @Option(help: "Hidden units H.") var hidden = 100
    @Option(help: "Time steps T.") var length = 50
    @Option(help: "Sequences per batch B.") var batch = 1000
    @Option(help: "Timings of each pass; the best is kept.") var repeats = 7
    @Option(help: "Inputs I.") var inputs = 2
    @Option(help: "Outputs O.") var outputs = 1
    @Option(name: .customLong("sub-batch"), help: "Take the product as training does, in sub-batches of this many sequences.")
    var subBatch: Int?
    @Option(help: "Threads sharing out the sub-batches (with --sub-batch).") var threads = 1
    @Option(help: "Arithmetic of the product's matrix products: float or bf16.") var curvatureProducts = ProductArithmetic.float
    @Option(name: .customLong("pass"), help: "Time only this pass.") var onlyPass: Pass?
    @Flag(help: "One JSON object per pass instead of the table.") var json = false
    @Flag(help: "Print the OpenBLAS kernels in use (e.g. Haswell) and exit.") var kernels = false

    enum Pass: String, CaseIterable, ExpressibleByArgument {
        case forward, gradient, regularized, product
    }

    func validate() throws {
        for (flag, value) in [("--hidden", hidden), ("--length", length), ("--batch", batch), ("--repeats", repeats),
                              ("--inputs", inputs), ("--outputs", outputs), ("--sub-batch", subBatch ?? 1),
                              ("--threads", threads)] where value < 1 {
            throw ValidationError("\(flag): expects a positive integer, got \(value)")
        }
        if threads > 1 && subBatch == nil { throw ValidationError("--threads: needs --sub-batch (threads share out sub-batches)") }
        if curvatureProducts == .bfloat16 && !BFloat16Products.hasInstructions {
            throw ValidationError("--curvature-products bf16: this CPU lacks AVX-512 BF16")
        }
    }

    func run() {
        // The kernels hfrnn runs on (set OPENBLAS_CORETYPE to time others, e.g. OpenBLAS's own pick).
        BLASStartup.restartOnFasterKernelsIfNeeded()
        if kernels {
            print(BLAS.kernels)
            return
        }
        let (H, T, B, I, O) = (hidden, length, batch, inputs, outputs)
        BLAS.setThreadCount(1)

        // An addition-like batch: random inputs, one scored output at the last step.
        var rng = SeededGenerator(seed: 1)
        let network = RecurrentNetwork(shape: NetworkShape(inputs: I, hidden: H, outputs: O), outputLoss: .linearSquaredError)
        var sequences = SequenceBatch<Float>(sequenceCount: B, steps: T, inputSize: I, outputSize: O)
        for k in sequences.inputs.indices { sequences.inputs[k] = Float(rng.nextUnit()) }
        for b in 0..<B {
            let row = sequences.index(step: T - 1, sequence: b)
            sequences.mask[row] = 1
            sequences.errorMask[row] = true
            for o in 0..<O { sequences.targets[row * O + o] = Float(rng.nextUnit()) }
        }
        let theta: [Float] = network.initialParameters(using: &rng)
        let direction: [Float] = (0..<theta.count).map { _ in Float(rng.nextGaussian()) }
        var result = [Float](repeating: 0, count: theta.count)
        let evaluator = BatchEvaluator(network: network, batch: sequences)
        evaluator.curvatureArithmetic = curvatureProducts
        evaluator.forward(theta)
        // The BLAS calls of a bf16 product are those of its float twin (the rest are not BLAS).
        let bf16 = curvatureProducts == .bfloat16
        let recordingEvaluator = bf16 ? BatchEvaluator(network: network, batch: sequences) : evaluator
        if bf16 { recordingEvaluator.forward(theta) }
        // Training's objective over sub-batches, its forward passes cached for CG as in an HF
        // iteration; on more than one thread (or in bf16) a one-thread float twin supplies the
        // recorded BLAS calls.
        let objective = subBatch.map {
            RNNObjective(network: network, batch: sequences, subBatchSize: $0,
                         workspace: EvaluationWorkspace(network: network, threads: ComputeThreads(count: threads)),
                         curvatureArithmetic: curvatureProducts)
        }
        let twin = threads > 1 || bf16
        let recordingObjective = twin ? subBatch.map { RNNObjective(network: network, batch: sequences, subBatchSize: $0) } : objective
        func bindObjectives() {
            _ = objective?.bindCurvature(at: theta)
            if twin { _ = recordingObjective?.bindCurvature(at: theta) }
        }
        bindObjectives()
        func product(_ objective: RNNObjective<Float>?, on evaluator: BatchEvaluator<Float>) -> () -> Void {
            if let objective {
                { objective.curvatureProduct(direction, into: &result, structuralWeight: 0.03) }
            } else {
                { evaluator.curvatureProduct(direction, into: &result, structuralWeight: 0.03) }
            }
        }
        var vanishingSums = VanishingGradientSums<Float>(hidden: H)
        // Each pass, and the body whose BLAS calls are recorded for its reference (the same, on one thread).
        let passes: [(name: String, body: () -> Void, recorded: () -> Void)] = [
            ("forward", { evaluator.forward(theta) }, { evaluator.forward(theta) }),
            ("gradient", { evaluator.gradient(into: &result) }, { evaluator.gradient(into: &result) }),
            // SGD-CR's gradient: ∇f and the sums of the vanishing-gradient regulariser Ω.
            ("regularized", { evaluator.gradient(into: &result, vanishingSums: &vanishingSums) },
             { evaluator.gradient(into: &result, vanishingSums: &vanishingSums) }),
            ("product", product(objective, on: evaluator), product(recordingObjective, on: recordingEvaluator)),
        ]
        // The hardware's GEMM rate on this model's main shape: [T·B, H]·[H, H]ᵀ, the batched product.
        let squareA = [Float](repeating: 0.01, count: T * B * H), squareW = [Float](repeating: 0.01, count: H * H)
        var squareC = [Float](repeating: 0, count: T * B * H)
        func squareGemm() {
            squareA.withUnsafeBufferPointer { a in squareW.withUnsafeBufferPointer { w in squareC.withUnsafeMutableBufferPointer { c in
                BLAS.gemm(1, MatrixView(a, rows: T * B, cols: H), .none, MatrixView(w, rows: H, cols: H), .transposed, 0,
                          MutableMatrixView(c, rows: T * B, cols: H))
            } } }
        }
        let squareFlop = 2.0 * Double(T * B) * Double(H * H)

        if !json {
            let subBatches = subBatch.map { ", product in sub-batches of \($0) on \(threads) thread(s)" } ?? ""
            print("hfrnn-bench: H = \(H), T = \(T), B = \(B)\(subBatches), I = \(I), O = \(O), Float, OpenBLAS threads = 1, best of \(repeats)")
            print("OpenBLAS: \(BLAS.configuration), \(BLAS.kernels) kernels")
            print("pass         time (ms)  GFLOP/s   own BLAS calls (ms)  GFLOP/s   ratio   sgemm [T·B,H]·[H,H]ᵀ GFLOP/s   ratio")
        }
        for pass in passes where onlyPass.map({ $0.rawValue == pass.name }) ?? true {
            pass.body()  // warm-up, and the state the recorded run starts from
            let calls = BLASCallLog.record(pass.recorded)
            let flop = calls.reduce(0) { $0 + $1.flop }
            BLASCallLog.replay(calls, as: Float.self)
            var best = (pass: Double.infinity, reference: Double.infinity, square: Double.infinity)
            for _ in 0..<repeats {
                best.pass = min(best.pass, seconds(pass.body))
                best.reference = min(best.reference, seconds { BLASCallLog.replay(calls, as: Float.self) })
                best.square = min(best.square, seconds(squareGemm))
            }
            evaluator.forward(theta)  // undo the replay's writes into the cached forward passes
            if bf16 { recordingEvaluator.forward(theta) }
            bindObjectives()
            let ratio = best.reference / best.pass
            let squareRate = squareFlop / best.square
            let squareRatio = flop / best.pass / squareRate
            func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
            if json {
                print(#"{"pass":"\#(pass.name)","hidden":\#(H),"length":\#(T),"batch":\#(B),"#
                      + #""sub_batch":\#(pass.name == "product" ? subBatch.map(String.init) ?? "null" : "null"),"#
                      + #""threads":\#(pass.name == "product" ? threads : 1),"inputs":\#(I),"outputs":\#(O),"#
                      + #""curvature_products":"\#(pass.name == "product" ? curvatureProducts.rawValue : "float")","#
                      + #""repeats":\#(repeats),"blas_calls":\#(calls.count),"gflop":\#(fixed(flop / 1e9, 4)),"#
                      + #""seconds":\#(fixed(best.pass, 6)),"gflops":\#(fixed(flop / best.pass / 1e9, 2)),"#
                      + #""sgemm_seconds":\#(fixed(best.reference, 6)),"sgemm_gflops":\#(fixed(flop / best.reference / 1e9, 2)),"#
                      + #""ratio":\#(fixed(ratio, 4)),"square_sgemm_gflops":\#(fixed(squareRate / 1e9, 2)),"#
                      + #""square_ratio":\#(fixed(squareRatio, 4)),"blas_kernels":"\#(BLAS.kernels)"}"#)
            } else {
                let name = pass.name.padding(toLength: 11, withPad: " ", startingAt: 0)
                print(name + String(format: " %10.2f %8.1f %20.2f %8.1f %6.0f %% %30.1f %6.0f %%", best.pass * 1e3,
                                    flop / best.pass / 1e9, best.reference * 1e3, flop / best.reference / 1e9, 100 * ratio,
                                    squareRate / 1e9, 100 * squareRatio))
            }
        }
    }

    private func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

extension ProductArithmetic: ExpressibleByArgument {}
