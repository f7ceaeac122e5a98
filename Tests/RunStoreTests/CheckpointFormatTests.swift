import Foundation
import RunStore
import TestSupport
import Testing
import HDF5IO
import Linalg
import Training
import TrainingTestSupport

/// Keeps checkpoints/README.md honest: a checkpoint written by the training loop, read back with
/// nothing but HDF5 names (as h5py or any HDF5 tool would), no Training types.
@Suite struct CheckpointFormatTests {
    @Test func layoutMatchesTheDocumentation() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // Writing uses hfrnn's training loop...
        var config = try smallConfig(.float)
        config.maxIterations = 2
        let outcome = try runTraining(try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self)),
                                      in: RunFolder(path: folder.file("small")), startsRun: true, shouldStop: { false }, onIteration: { _ in })
        let iterations = 2
        #expect(outcome.iterations == iterations)
        #expect(outcome.latestCheckpoint == folder.file("small/latest.h5"))
        #expect(folder.contents().filter { $0.hasSuffix(".h5") } == ["small/best.h5", "small/latest.h5"])
        #expect(folder.contents().allSatisfy { !$0.contains(".tmp-") })

        // ...reading uses only dataset and attribute names.
        let file = try HDF5File.open(folder.file("small/latest.h5"))
        #expect(try file.children() == ["config", "history", "optimizer", "parameters"])
        #expect(try file.attributeNames() == ["blas_kernels", "blas_kernels.crc32", "format", "format.crc32", "format_version",
                                              "hfrnn_version", "hfrnn_version.crc32", "precision", "precision.crc32"])
        #expect(try file.stringAttribute("blas_kernels") == BLAS.kernels)
        #expect(try file.stringAttribute("format") == "hfrnn-checkpoint")
        #expect(try file.int64Attribute("format_version") == 6)
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
                == ["elapsed_seconds", "iteration", "lambda", "method", "method.crc32", "nonfinite_steps", "rejected_steps",
                    "total_cg_iterations"])
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

        #expect(try file.attributeNames(of: "config")
                == ["network", "network.crc32", "optimizer", "optimizer.crc32", "training", "training.crc32"])
        for name in ["network", "optimizer", "training"] {
            let text = try file.stringAttribute(name, on: "config")
            #expect((try? JSONSerialization.jsonObject(with: Data(text.utf8))) is [String: Any], "config \(name)")
        }
        let network = try JSONSerialization.jsonObject(with: Data(try file.stringAttribute("network", on: "config").utf8))
        #expect((network as? [String: Any])?["shape"] as? [String: Int] == ["inputs": i, "hidden": h, "outputs": o])

        let numeric = ["backtrack_iteration", "cg_iterations", "elapsed_seconds", "iteration", "lambda",
                       "lambda_next", "rho", "step_size", "test_error", "test_loss", "train_loss",
                       "train_objective", "test_step_error", "test_loss_relative", "processor_seconds", "line_search_tries", "sequences",
                       "cg_stop_iteration", "cg_stop_window", "cg_stop_value"]
        let text = ["cg_stop", "cg_stop_quantity", "decision", "decision_quantity"]
        #expect(try file.children(of: "history") == (numeric + text).sorted())
        for name in numeric {
            #expect(try file.shape(of: "history/\(name)") == [iterations], "history/\(name)")
        }
        let testError = try file.read("history/test_error", as: Double.self).values
        #expect(testError.count == iterations)
        #expect(testError.allSatisfy { (0...1).contains($0) })
        #expect(try file.read("history/iteration", as: Int64.self).values == [1, 2])
        #expect(try file.elementClass(of: "history/cg_stop") == .string)
        #expect(try file.readStrings("history/cg_stop").count == iterations)
        // Stable codes, one word each, never sentences.
        let stopCodes = ["not-run", "progress", "max-iter", "curvature", "non-finite", "exact"]
        #expect(try file.readStrings("history/cg_stop").allSatisfy(stopCodes.contains))
        #expect(try file.readStrings("history/decision").allSatisfy(["accepted", "line-search", "non-finite"].contains))

        // Checksums: every string attribute's CRC-32 next to it, each text column's as its `crc32`
        // attribute (of every string followed by a NUL), and the whole file's in the user block.
        let strings: [(object: String, names: [String])] = [
            ("/", ["blas_kernels", "format", "hfrnn_version", "precision"]), ("optimizer", ["method"]),
            ("config", ["network", "optimizer", "training"]),
        ]
        for (object, names) in strings {
            for name in names {
                let value = try file.stringAttribute(name, on: object)
                let expected = Int64(CRC32.checksum(Array(value.utf8)))
                #expect(try file.int64Attribute(name + ".crc32", on: object) == expected, "\(object) \(name)")
            }
        }
        for column in text {
            let text: [UInt8] = try file.readStrings("history/\(column)").flatMap { Array($0.utf8) + [0] }
            #expect(try file.attributeNames(of: "history/\(column)") == ["crc32"])
            #expect(try file.int64Attribute("crc32", on: "history/\(column)") == Int64(CRC32.checksum(text)))
        }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.file("small/latest.h5"))))
        let crc = String(CRC32.checksum(Array(bytes[512...])), radix: 16)
        let record = "hfrnn-checkpoint crc32=\(String(repeating: "0", count: 8 - crc.count) + crc) size=\(bytes.count)\n"
        #expect(bytes[..<512].elementsEqual(Array(record.utf8) + [UInt8](repeating: 0, count: 512 - record.utf8.count)))
    }
}

/// Temporary files of saves that were killed (kill -9) before their rename are removed when a run
/// continues in that folder; those of running processes are not.
@Suite struct StaleTemporaryFileTests {
    @Test func trainingRemovesTemporaryFilesOfDeadProcesses() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try smallConfig(.float)
        let run = RunFolder(path: folder.file("small"))
        var runFolder = run.path
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
        let trainer = try Trainer<HessianFreeTraining<Float>>(config: limited, source: taskSource(limited, Float.self))
        _ = try runTraining(trainer, in: run, startsRun: true, shouldStop: { false }, onIteration: { _ in })
        let left = try FileManager.default.contentsOfDirectory(atPath: runFolder).sorted()
        #expect(left == [alive, mine, unrelated, "best.h5", "latest.h5", "metrics.csv"].sorted())
    }
}
