import Foundation
import RunFiles
import TestSupport
import Testing
import HDF5IO
import Linalg
import Training

/// Keeps checkpoints/README.md honest: a checkpoint written by the training loop, read back with
/// nothing but HDF5 names (as h5py or any HDF5 tool would), no Training types.
@Suite struct CheckpointFormatTests {
    @Test func layoutMatchesTheDocumentation() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // Writing uses hfrnn's training loop...
        var config = try smallConfig(.float, folder: folder.path)
        config.maxIterations = 2
        let outcome = try runTraining(try Trainer<Float>(config: config, source: taskSource(config, Float.self)),
                                      shouldStop: { false }, onIteration: { _ in })
        let iterations = 2
        #expect(outcome.iterations == iterations)
        #expect(outcome.latestCheckpoint == folder.file("small/latest.h5"))
        #expect(folder.contents().filter { $0.hasSuffix(".h5") } == ["small/best.h5", "small/latest.h5"])
        #expect(folder.contents().allSatisfy { !$0.contains(".tmp-") })

        // ...reading uses only dataset and attribute names.
        let file = try HDF5File.open(folder.file("small/latest.h5"))
        #expect(try file.children() == ["config", "history", "optimizer", "parameters"])
        #expect(try file.attributeNames() == ["blas_kernels", "format", "format_version", "hfrnn_version", "precision"])
        #expect(try file.stringAttribute("blas_kernels") == BLAS.kernels)
        #expect(try file.stringAttribute("format") == "hfrnn-checkpoint")
        #expect(try file.int64Attribute("format_version") == 2)
        #expect(try file.stringAttribute("precision") == "float")
        #expect(try !file.stringAttribute("hfrnn_version").isEmpty)

        let (h, i, o) = (8, 2, 1)
        #expect(try file.children(of: "parameters") == ["W_hh", "W_hx", "W_yh", "b_h", "b_y", "h_0"])
        let expectedShapes = ["W_hx": [h, i], "W_hh": [h, h], "b_h": [h], "W_yh": [o, h], "b_y": [o], "h_0": [h]]
        for (name, shape) in expectedShapes {
            #expect(try file.shape(of: "parameters/\(name)") == shape, "parameters/\(name)")
            #expect(try file.elementClass(of: "parameters/\(name)") == .float)
        }
        let recurrent = try file.read("parameters/W_hh", as: Float.self)
        #expect(recurrent.shape == [h, h])
        #expect(recurrent.values.contains { $0 != 0 } && recurrent.values.allSatisfy(\.isFinite))
        let parameterCount = expectedShapes.values.map { $0.reduce(1, *) }.reduce(0, +)

        #expect(try file.attributeNames(of: "optimizer")
                == ["elapsed_seconds", "iteration", "lambda", "method", "nonfinite_steps", "rejected_steps", "total_cg_iterations"])
        #expect(try file.stringAttribute("method", on: "optimizer") == "hf")
        #expect(try file.children(of: "optimizer") == ["rng_state", "warm_start"])
        let lambda = try file.doubleAttribute("lambda", on: "optimizer")
        #expect(lambda > 0 && lambda.isFinite)
        #expect(try file.int64Attribute("iteration", on: "optimizer") == Int64(iterations))
        #expect(try file.int64Attribute("total_cg_iterations", on: "optimizer") > 0)
        #expect(try file.doubleAttribute("elapsed_seconds", on: "optimizer") > 0)
        let rng = try file.read("optimizer/rng_state", as: UInt64.self)
        #expect(rng.shape == [4])
        #expect(rng.values.contains { $0 != 0 })
        #expect(try file.shape(of: "optimizer/warm_start") == [parameterCount])

        #expect(try file.attributeNames(of: "config") == ["network", "optimizer", "training"])
        for name in ["network", "optimizer", "training"] {
            let text = try file.stringAttribute(name, on: "config")
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any], "config \(name)")
        }
        let network = try JSONSerialization.jsonObject(with: Data(try file.stringAttribute("network", on: "config").utf8))
        #expect((network as? [String: Any])?["shape"] as? [String: Int] == ["inputs": i, "hidden": h, "outputs": o])

        let numeric = ["accepted", "backtrack_iteration", "cg_iterations", "elapsed_seconds", "iteration", "lambda",
                       "lambda_next", "rho", "step_size", "test_error", "test_loss", "train_loss",
                       "train_objective", "test_step_error", "test_loss_relative", "processor_seconds", "line_search_tries"]
        #expect(try file.children(of: "history") == (numeric + ["cg_stop", "decision"]).sorted())
        for name in numeric {
            #expect(try file.shape(of: "history/\(name)") == [iterations], "history/\(name)")
        }
        let testError = try file.read("history/test_error", as: Double.self).values
        #expect(testError.count == iterations)
        #expect(testError.allSatisfy { (0...1).contains($0) })
        #expect(try file.read("history/iteration", as: Int64.self).values == [1, 2])
        #expect(try file.elementClass(of: "history/cg_stop") == .string)
        #expect(try file.readStrings("history/cg_stop").count == iterations)
        #expect(try file.readStrings("history/decision").allSatisfy { !$0.isEmpty })
    }
}

/// Temporary files of saves that were killed (kill -9) before their rename are removed when a run
/// continues in that folder; those of running processes are not.
@Suite struct StaleTemporaryFileTests {
    @Test func trainingRemovesTemporaryFilesOfDeadProcesses() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try smallConfig(.float, folder: folder.path)
        var runFolder = RunFolder(config: config).path
        try FileManager.default.createDirectory(atPath: runFolder, withIntermediateDirectories: true)
        runFolder += "/"
        // No process has a pid above the kernel's pid_max.
        let pidMax = Int((try String(contentsOfFile: "/proc/sys/kernel/pid_max", encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 4_194_304
        let dead = ".latest.h5.tmp-\(pidMax + 1)", alive = ".best.h5.tmp-\(getpid() == 1 ? 2 : 1)"
        let mine = ".other.h5.tmp-\(getpid())", unrelated = ".notes.tmp-x"
        for name in [dead, alive, mine, unrelated] {
            #expect(FileManager.default.createFile(atPath: runFolder + name, contents: Data("partial".utf8)))
        }
        var limited = config
        limited.maxIterations = 1
        let trainer = try Trainer<Float>(config: limited, source: taskSource(limited, Float.self))
        _ = try runTraining(trainer, shouldStop: { false }, onIteration: { _ in })
        let left = try FileManager.default.contentsOfDirectory(atPath: runFolder).sorted()
        #expect(left == [alive, mine, unrelated, "best.h5", "latest.h5", "metrics.csv"].sorted())
    }
}
