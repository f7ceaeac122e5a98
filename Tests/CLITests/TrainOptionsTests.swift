import Foundation
import HDF5IO
import Linalg
import RunStore
import TestSupport
import Testing
import Training
import Tasks

@Suite struct TrainOptionsTests {
    /// `hfrnn train` without --initial-lambda starts from the λ₀ a library `TrainingConfig` gives.
    @Test func cliAndLibraryAgreeOnInitialLambda() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try runHFRNN(["train", "--task", "random-permutation", "--length", "10", "--hidden-units", "4",
                                   "--test-sequences", "5", "--max-iterations", "0", "--checkpoint-dir",
                                   folder.file("runs"), "--run-name", "r"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let stored = try Checkpoint<HessianFreeTraining<Float>>.load(from: folder.file("runs/r/latest.h5"))
        let library = TrainingConfig(data: .task(try TaskSpec(task: .randomPermutation, minimumLength: 10)))
        #expect(stored.state.lambda == library.hessianFree?.initialLambda)
        #expect(stored.config.hessianFree?.initialLambda == library.hessianFree?.initialLambda)
        #expect(stored.state.lambda != 0.01)
    }

    /// The run a tiny `hfrnn train --task task --length 10 … options` stores, before any iteration.
    private func storedRun(task: String, _ options: [String]) throws -> Checkpoint<HessianFreeTraining<Float>> {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try runHFRNN(["train", "--task", task, "--length", "10", "--hidden-units", "4",
                                   "--test-sequences", "5", "--max-iterations", "0"] + options
                                  + ["--checkpoint-dir", folder.file("runs"), "--run-name", "r"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        return try Checkpoint<HessianFreeTraining<Float>>.load(from: folder.file("runs/r/latest.h5"))
    }

    /// `--initial-lambda release` gives each task the release's λ₀ (0.01 × its output count), which
    /// differs from the default where the release counts outputs differently (temporal order).
    @Test(arguments: [("temporal-order-3bit", 0.08), ("memorization-20bit", 0.01 * 5 * 10 * 30), ("addition", 0.01)])
    func releaseInitialLambdaPerTask(task: String, expected: Double) throws {
        let stored = try storedRun(task: task, ["--initial-lambda", "release"])
        let initialLambda = try #require(stored.config.hessianFree?.initialLambda)
        #expect(abs(initialLambda - expected) < 1e-12 * expected)
        #expect(stored.state.lambda == initialLambda)
    }

    /// A task's μ is 0.03 per scored step of a sequence, by default as with `--mu per-scored-step`:
    /// 30 steps for 20-bit memorisation at T = 10 (10 + 2·10 steps, all scored), 1 for addition.
    @Test(arguments: [("memorization-20bit", 0.03 * 30), ("random-permutation", 0.03 * 10), ("addition", 0.03)],
          [[], ["--mu", "per-scored-step"]])
    func structuralDampingPerScoredStep(task: (name: String, expected: Double), options: [String]) throws {
        let mu = try #require(try storedRun(task: task.name, options).config.hessianFree?.structuralDampingWeight)
        #expect(abs(mu - task.expected) < 1e-12 * task.expected)
    }

    /// The μ of the defaults before 2026-12-06 stays reachable for tasks scored at every step: `--mu 0.03`.
    @Test func earlierStructuralDampingStaysReachable() throws {
        let settings = try #require(try storedRun(task: "memorization-20bit", ["--mu", "0.03"]).config.hessianFree)
        #expect(settings.structuralDampingWeight == 0.03)
    }

    /// --min-cg sets the CG iterations before the progress stop may end CG, and the run keeps it.
    @Test func minimumCGIterationsAreStored() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try runHFRNN(["train", "--task", "addition", "--length", "10", "--hidden-units", "4",
                                   "--test-sequences", "5", "--max-iterations", "0", "--min-cg", "40", "--checkpoint-dir",
                                   folder.file("runs"), "--run-name", "r"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let stored = try Checkpoint<HessianFreeTraining<Float>>.load(from: folder.file("runs/r/latest.h5"))
        #expect(stored.config.hessianFree?.cgMinIterations == 40)
        #expect(TrainingConfig(data: stored.config.data).hessianFree?.cgMinIterations == 1)
    }

    /// Big enough for OpenBLAS to split its products over threads (on a machine with 2+ cores).
    private let threadedRun = ["--task", "addition", "--length", "10", "--hidden-units", "40", "--gradient-batch", "200",
                               "--curvature-batch", "100", "--evaluation-batch", "100", "--max-cg", "10",
                               "--test-sequences", "100"]

    private func parameters(_ path: String) throws -> [Float] { try Checkpoint<HessianFreeTraining<Float>>.load(from: path).parameters }

    /// OPENBLAS_NUM_THREADS no longer changes the numbers: the run uses its own --blas-threads (1).
    @Test func environmentDoesNotChangeTheRun() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for (name, threads) in [("one", "1"), ("four", "4")] {
            let result = try runHFRNN(["train"] + threadedRun + ["--max-iterations", "3", "--checkpoint-dir",
                                                                 folder.file("runs"), "--run-name", name],
                                      in: folder, environment: ["OPENBLAS_NUM_THREADS": threads], timeout: 120)
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try checkpointFingerprint(folder.file("runs/one/latest.h5"))
                == checkpointFingerprint(folder.file("runs/four/latest.h5")))
        #expect(try Checkpoint<HessianFreeTraining<Float>>.load(from: folder.file("runs/one/latest.h5")).config.blasThreads == 1)
    }

    /// `resume` uses the thread count stored in the run: 1 + 2 iterations with --blas-threads 2 give
    /// the same parameters as 3 straight ones, although the resuming process starts on one thread.
    @Test func resumeUsesTheStoredThreadCount() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let train = ["train"] + threadedRun + ["--blas-threads", "2", "--checkpoint-dir", folder.file("runs")]
        #expect(try runHFRNN(train + ["--max-iterations", "3", "--run-name", "straight"], in: folder, timeout: 120).status == 0)
        #expect(try runHFRNN(train + ["--max-iterations", "1", "--run-name", "split"], in: folder, timeout: 120).status == 0)
        let resumed = try runHFRNN(["resume", folder.file("runs/split"), "--max-iterations", "2"], in: folder, timeout: 120)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let split = try Checkpoint<HessianFreeTraining<Float>>.load(from: folder.file("runs/split/latest.h5"))
        #expect(split.state.iteration == 3 && split.config.blasThreads == 2)
        #expect(try checkpointFingerprint(folder.file("runs/split/latest.h5"))
                == checkpointFingerprint(folder.file("runs/straight/latest.h5")))
        // The comparison means something only where 2 threads round differently from 1.
        if ProcessInfo.processInfo.activeProcessorCount >= 2 {
            let one = try runHFRNN(["train"] + threadedRun + ["--max-iterations", "3", "--checkpoint-dir", folder.file("runs"),
                                                              "--run-name", "one"], in: folder, timeout: 120)
            #expect(one.status == 0)
            #expect(try parameters(folder.file("runs/one/latest.h5")) != split.parameters)
        }
    }

    /// `--curvature-products bf16` is stored in the run, resumes bit for bit (1 + 2 iterations as 3
    /// straight ones) and changes the numbers (sub-batches of 50, 40 hidden units: wide enough).
    /// On a CPU without AVX-512 BF16 the same, by the portable kernel.
    @Test
    func bfloat16CurvatureProductsAreStoredAndResumeBitForBit() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let train = ["train"] + threadedRun + ["--curvature-products", "bf16", "--checkpoint-dir", folder.file("runs")]
        let straight = try runHFRNN(train + ["--max-iterations", "3", "--run-name", "straight"], in: folder, timeout: 120)
        #expect(straight.status == 0)
        #expect(straight.stdout.contains(", float (curvature products in bf16"), "\(straight.stdout)")
        #expect(try runHFRNN(train + ["--max-iterations", "1", "--run-name", "split"], in: folder, timeout: 120).status == 0)
        let resumed = try runHFRNN(["resume", folder.file("runs/split"), "--max-iterations", "2"], in: folder, timeout: 120)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("(curvature products in bf16"), "\(resumed.stdout)")
        let split = try Checkpoint<HessianFreeTraining<Float>>.load(from: folder.file("runs/split/latest.h5"))
        #expect(split.state.iteration == 3 && split.config.curvatureProducts == .bfloat16)
        #expect(try checkpointFingerprint(folder.file("runs/split/latest.h5"))
                == checkpointFingerprint(folder.file("runs/straight/latest.h5")))
        let float = try runHFRNN(["train"] + threadedRun + ["--max-iterations", "3", "--checkpoint-dir", folder.file("runs"),
                                                            "--run-name", "float"], in: folder, timeout: 120)
        #expect(float.status == 0)
        #expect(try parameters(folder.file("runs/float/latest.h5")) != split.parameters)
        // Written as format 7, which an hfrnn that would continue it in float refuses; float runs stay 6.
        #expect(try HDF5File.open(folder.file("runs/split/latest.h5")).int64Attribute("format_version") == 7)
        #expect(try HDF5File.open(folder.file("runs/float/latest.h5")).int64Attribute("format_version") == 6)
    }

    /// bf16 products are for float runs: with --precision double the command stops before training,
    /// as for any flags that contradict each other.
    @Test func bfloat16CurvatureProductsNeedFloatPrecision() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try runHFRNN(["train", "--task", "addition", "--length", "10", "--hidden-units", "4",
                                   "--precision", "double", "--curvature-products", "bf16", "--max-iterations", "1",
                                   "--checkpoint-dir", folder.file("runs"), "--run-name", "r"], in: folder)
        #expect(result.status == 64)
        #expect(result.stderr.contains("--curvature-products: bf16 needs float precision, got double"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("runs/r")))
    }
}
