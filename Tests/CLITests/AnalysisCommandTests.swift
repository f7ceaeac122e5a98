import Foundation
import HDF5IO
import TestSupport
import Testing

// These tests run the built `hfrnn` executable, as a user would.

/// A scratch folder with a tiny trained run (addition T = 8) in `runs/tiny`, made with `hfrnn train`.
final class Workspace {
    let folder: TemporaryFolder
    var path: String { folder.path }

    init(train: Bool) throws {
        folder = try TemporaryFolder()
        if train {
            let result = try runHFRNN(["train", "--task", "addition", "--length", "8", "--hidden-units", "8",
                                       "--gradient-batch", "60", "--curvature-batch", "30", "--evaluation-batch", "30",
                                       "--max-cg", "20", "--test-sequences", "40", "--max-iterations", "2",
                                       "--checkpoint-dir", "runs", "--run-name", "tiny"], in: path)
            guard result.status == 0 else { throw CLITestError("hfrnn train failed: \(result.stderr)") }
        }
    }

    deinit { folder.remove() }

    var run: String { path + "/runs/tiny" }

    /// Every file and folder under the workspace, relative, sorted.
    func listing() -> [String] { folder.contents() }
}

@Suite("CLI analysis commands") struct AnalysisCommandTests {
    @Test func executableIsFound() throws {
        #expect(FileManager.default.isExecutableFile(atPath: try hfrnnExecutable().path))
    }

    @Test func exportWritesAndPrintsTheFourPaths() throws {
        let workspace = try Workspace(train: true)
        let result = try runHFRNN(["export", "runs/tiny"], in: workspace.path)
        #expect(result.status == 0, "\(result.stderr)")
        let printed = result.stdout.split(separator: "\n").map(String.init)
        #expect(printed.map { URL(fileURLWithPath: $0).lastPathComponent }
                == ["curves.csv", "summary.json", "predictions.h5", "curves.svg", "diagnostics.svg"])
        #expect(printed.allSatisfy { $0.hasPrefix(workspace.run + "/export/") || $0.contains("/runs/tiny/export/") })
        #expect(printed.allSatisfy { FileManager.default.fileExists(atPath: $0) })

        let custom = try runHFRNN(["export", "runs/tiny/latest.h5", "--output", "elsewhere/out"], in: workspace.path)
        #expect(custom.status == 0, "\(custom.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/elsewhere/out").sorted()
                == ["curves.csv", "curves.svg", "diagnostics.svg", "predictions.h5", "summary.json"])
        // The files name their checkpoint by its absolute path: relative to the shell's folder (as
        // typed) it led nowhere from the export folder.
        let summary = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: workspace.path + "/elsewhere/out/summary.json"))) as? [String: Any])
        let absolute = URL(fileURLWithPath: workspace.path + "/runs/tiny/latest.h5").standardizedFileURL.path
        #expect(summary["checkpoint"] as? String == absolute)
        let predictions = try HDF5File.open(workspace.path + "/elsewhere/out/predictions.h5")
        #expect(try predictions.stringAttribute("checkpoint") == absolute)
    }

    @Test func evaluateReportsLossErrorAndCriterion() throws {
        let workspace = try Workspace(train: true)
        let own = try runHFRNN(["evaluate", "runs/tiny"], in: workspace.path)
        #expect(own.status == 0, "\(own.stderr)")
        #expect(own.stdout.contains("loss:") && own.stdout.contains("error rate:") && own.stdout.contains("success:"))
        #expect(own.stdout.contains("40 sequences"))  // exactly the 40 test sequences of training (chunks of 30 and 10)

        let fresh = try runHFRNN(["evaluate", "runs/tiny/latest.h5", "--task", "addition", "--length", "12",
                                  "--count", "50", "--seed", "9"], in: workspace.path)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout.contains("addition T = 12, seed 9, 50 sequences"))
    }

    @Test func probeWritesTheDerivativeFile() throws {
        let workspace = try Workspace(train: true)
        let fresh = try runHFRNN(["probe", "--task", "addition", "--length", "8", "--hidden-units", "5", "--count", "10",
                                  "--lambda", "0.5", "--output", "probe.h5"], in: workspace.path)
        #expect(fresh.status == 0, "\(fresh.stderr)")
        let file = try HDF5File.open(workspace.path + "/probe.h5")
        #expect(try file.children() == ["Av", "Gv", "direction", "gradient", "parameters"])
        #expect(try file.read("parameters/W_hh", as: Double.self).shape == [5, 5])
        #expect(try file.doubleAttribute("lambda") == 0.5)
        #expect(try file.doubleAttribute("scored_outputs") == 10)
        // A versioned format like every other file hfrnn writes (it had none).
        #expect(try file.stringAttribute("format") == "hfrnn-probe")
        #expect(try file.int64Attribute("format_version") == 1)
        for name in ["loss", "mu", "weight_cost"] { #expect(try file.hasAttribute(name)) }
        // μ and the weight cost default to 0, so A v = G v + λ v.
        for block in ["W_hx", "W_hh", "b_h", "W_yh", "b_y", "h_0"] {
            let av = try file.read("Av/\(block)", as: Double.self).values
            let gv = try file.read("Gv/\(block)", as: Double.self).values
            let v = try file.read("direction/\(block)", as: Double.self).values
            for k in av.indices { #expect(abs(av[k] - (gv[k] + 0.5 * v[k])) <= 1e-12 * max(1, abs(av[k]))) }
        }

        // A direction with a NaN in it is refused, naming the file (it was used, and gave NaN products).
        let nanDirection = try HDF5File.create(workspace.path + "/nan-direction.h5")
        for block in ["W_hx", "W_hh", "b_h", "W_yh", "b_y", "h_0"] {
            let stored = try file.read("direction/\(block)", as: Double.self)
            try nanDirection.write([Double.nan] + stored.values.dropFirst(), shape: stored.shape, to: block)
        }
        try nanDirection.close()
        let withNaN = try runHFRNN(["probe", "--task", "addition", "--length", "8", "--hidden-units", "5", "--count", "10",
                                    "--direction", "nan-direction.h5", "--output", "probe3.h5"], in: workspace.path)
        #expect(withNaN.status == 1 && withNaN.stderrLines.count == 1
                && withNaN.stderr.contains("nan-direction.h5: the direction has values that are not finite"), "\(withNaN.stderr)")
        #expect(!FileManager.default.fileExists(atPath: workspace.path + "/probe3.h5"))

        // From a checkpoint, in float, with the first probe's direction fed back (wrong shapes: 5 vs 8 hidden).
        let mismatch = try runHFRNN(["probe", "--checkpoint", "runs/tiny", "--direction", "probe.h5",
                                     "--output", "probe2.h5"], in: workspace.path)
        #expect(mismatch.status != 0)
        #expect(mismatch.stderrLines.count == 1 && mismatch.stderr.contains("shape"))
        #expect(!FileManager.default.fileExists(atPath: workspace.path + "/probe2.h5"))
        let fromCheckpoint = try runHFRNN(["probe", "--checkpoint", "runs/tiny", "--precision", "float",
                                           "--output", "probe2.h5"], in: workspace.path)
        #expect(fromCheckpoint.status == 0, "\(fromCheckpoint.stderr)")
        #expect(try HDF5File.open(workspace.path + "/probe2.h5").read("gradient/W_hh", as: Float.self).shape == [8, 8])
    }

    /// Every bad flag or combination: non-zero exit, exactly one line on stderr, nothing written.
    @Test(arguments: [
        ["evaluate", "missing.h5"],
        ["evaluate", "runs/tiny", "--task", "nope", "--length", "10"],
        ["evaluate", "runs/tiny", "--task", "addition", "--length", "1"],
        ["evaluate", "runs/tiny", "--task", "addition", "--length", "4"],
        ["evaluate", "runs/tiny", "--task", "addition", "--length", "10", "--count", "-3"],
        ["evaluate", "runs/tiny", "--task", "addition"],
        ["evaluate", "runs/tiny", "--task", "xor", "--length", "10"],
        ["evaluate", "runs/tiny", "--count", "10"],
        ["evaluate", "runs/tiny", "--dataset", "d.h5", "--task", "addition", "--length", "10"],
        ["evaluate", "runs/tiny", "--bogus"],
        ["export", "missing"],
        ["export", "runs/tiny", "--output", "blocker/out"],
        ["export", "runs/tiny", "--output", "blocker"],
        ["probe", "--task", "nope", "--length", "8", "--output", "out/p.h5"],
        ["probe", "--task", "addition", "--length", "1", "--output", "out/p.h5"],
        ["probe", "--task", "random-permutation", "--length", "1", "--output", "out/p.h5"],
        ["probe", "--task", "addition", "--length", "8", "--count", "-1", "--output", "out/p.h5"],
        ["probe", "--task", "addition", "--length", "8", "--hidden-units", "0", "--output", "out/p.h5"],
        ["probe", "--task", "addition", "--length", "8", "--lambda", "-1", "--output", "out/p.h5"],
        ["probe", "--task", "addition", "--length", "8", "--precision", "half", "--output", "out/p.h5"],
        ["probe", "--task", "addition", "--length", "8"],
        ["probe", "--length", "8", "--output", "out/p.h5"],
        ["probe", "--checkpoint", "missing.h5", "--output", "out/p.h5"],
        ["probe", "--checkpoint", "runs/tiny", "--seed", "3", "--output", "out/p.h5"],
        ["probe", "--checkpoint", "runs/tiny", "--task", "xor", "--length", "8", "--output", "out/p.h5"],
        ["probe", "--task", "addition", "--length", "8", "--hidden-units", "4", "--direction", "bad-direction.h5",
         "--output", "out/p.h5"],
        ["probe", "--task", "addition", "--length", "8", "--direction", "missing.h5", "--output", "out/p.h5"],
        ["probe", "--task", "addition", "--length", "8", "--output", "blocker/p.h5"],
        ["probe", "--task", "addition", "--length", "8", "--output", "runs"],
    ])
    func badArgumentsFailWithOneLine(_ arguments: [String]) throws {
        let workspace = try Workspace(train: true)
        _ = FileManager.default.createFile(atPath: workspace.path + "/blocker", contents: Data("x".utf8))
        let direction = try HDF5File.create(workspace.path + "/bad-direction.h5")
        for (name, shape) in [("W_hx", [4, 2]), ("W_hh", [4, 3]), ("b_h", [4]), ("W_yh", [1, 4]), ("b_y", [1]), ("h_0", [4])] {
            try direction.write([Double](repeating: 0, count: shape.reduce(1, *)), shape: shape, to: name)
        }
        try direction.close()
        let before = workspace.listing()

        let result = try runHFRNN(arguments, in: workspace.path)
        #expect(result.status != 0)
        #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("hfrnn: error: "))
        #expect(result.stdout.isEmpty, "stdout: \(result.stdout)")
        #expect(workspace.listing() == before)
    }

    @Test(arguments: ["evaluate", "export", "probe"])
    func everyOptionHasHelpText(_ command: String) throws {
        let workspace = try Workspace(train: false)
        let result = try runHFRNN([command, "--help"], in: workspace.path)
        #expect(result.status == 0)
        // Each option line ("  --name <value>   text") carries text, on the same line or the next one.
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let optionsStart = try #require(lines.firstIndex(of: "OPTIONS:"))
        var index = optionsStart + 1
        while index < lines.count, !lines[index].isEmpty {
            let line = lines[index]
            if line.hasPrefix("  -") {
                let afterFlag = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: true)
                let next = index + 1 < lines.count ? lines[index + 1] : ""
                let hasText = afterFlag.contains { !$0.hasPrefix("-") && !$0.hasPrefix("<") && !$0.hasSuffix(">") && !$0.hasSuffix(">,") }
                    || next.hasPrefix("        ")
                #expect(hasText, "no help text for: \(line)")
            }
            index += 1
        }
    }
}

/// An output file that would replace the command's own input, any checkpoint, or (but for
/// generate's) any dataset, is refused with one line and nothing changes: predict, probe and
/// generate used to overwrite the run's latest.h5 or the very dataset they read, and exit 0.
@Suite struct OutputReplacesNoInputTests {
    @Test func outputsNeverReplaceTheirInputsOrACheckpoint() throws {
        let workspace = try Workspace(train: true)
        let generated = try runHFRNN(["generate", "addition", "--length", "8", "--count", "20", "--seed", "2",
                                      "--output", "data.h5"], in: workspace.path)
        #expect(generated.status == 0, "\(generated.stderr)")
        let other = try runHFRNN(["generate", "addition", "--length", "8", "--count", "20", "--seed", "3",
                                  "--output", "other.h5"], in: workspace.path)
        #expect(other.status == 0, "\(other.stderr)")
        let checkpoint = workspace.run + "/latest.h5", data = workspace.path + "/data.h5"
        let before = (FileManager.default.contents(atPath: checkpoint), FileManager.default.contents(atPath: data),
                      FileManager.default.contents(atPath: workspace.path + "/other.h5"))
        let attempts: [[String]] = [
            ["predict", "runs/tiny", "--dataset", "data.h5", "--output", "runs/tiny/latest.h5"],
            ["predict", "runs/tiny", "--dataset", "data.h5", "--output", "./runs/../data.h5"],
            ["predict", "runs/tiny", "--dataset", "data.h5", "--output", "runs/tiny/best.h5"],
            ["probe", "--checkpoint", "runs/tiny", "--output", "runs/tiny/latest.h5", "--count", "5"],
            ["probe", "--checkpoint", "runs/tiny", "--dataset", "data.h5", "--output", "data.h5", "--count", "5"],
            ["generate", "addition", "--length", "8", "--count", "5", "--output", "runs/tiny/latest.h5"],
            // Another dataset than the one read: predict and probe used to replace it.
            ["predict", "runs/tiny", "--dataset", "data.h5", "--output", "other.h5"],
            ["probe", "--checkpoint", "runs/tiny", "--output", "other.h5", "--count", "5"],
        ]
        for arguments in attempts {
            let result = try runHFRNN(arguments, in: workspace.path)
            #expect(result.status != 0, "\(arguments) exited 0")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("hfrnn: error: ") && lines[0].contains("give another output file"),
                    "\(arguments): \(result.stderr)")
        }
        #expect(FileManager.default.contents(atPath: checkpoint) == before.0)
        #expect(FileManager.default.contents(atPath: data) == before.1)
        #expect(FileManager.default.contents(atPath: workspace.path + "/other.h5") == before.2)
        // Replacing an earlier output of the same kind is still allowed, a dataset by generate too.
        let regenerated = try runHFRNN(["generate", "addition", "--length", "8", "--count", "20", "--seed", "4",
                                        "--output", "other.h5"], in: workspace.path)
        #expect(regenerated.status == 0, "\(regenerated.stderr)")
        for _ in 0..<2 {
            let result = try runHFRNN(["predict", "runs/tiny", "--dataset", "data.h5", "--output", "p.h5"], in: workspace.path)
            #expect(result.status == 0, "\(result.stderr)")
        }
    }
}

/// `probe --count` larger than the dataset is refused, as `evaluate` and `predict` refuse it: the
/// probe used to take every row there was and exit 0, a smaller minibatch than asked for.
@Suite struct ProbeCountTests {
    @Test func aCountBeyondTheDatasetIsRefused() throws {
        let workspace = try Workspace(train: true)
        let generated = try runHFRNN(["generate", "addition", "--length", "8", "--count", "20", "--output", "data.h5"],
                                     in: workspace.path)
        #expect(generated.status == 0, "\(generated.stderr)")
        let tooMany = try runHFRNN(["probe", "--checkpoint", "runs/tiny", "--dataset", "data.h5", "--count", "30",
                                    "--output", "p.h5"], in: workspace.path)
        #expect(tooMany.status == 1)
        #expect(tooMany.stderr == "hfrnn: error: data.h5: has 20 sequences; --count asks for 30\n")
        #expect(!FileManager.default.fileExists(atPath: workspace.path + "/p.h5"))
        let all = try runHFRNN(["probe", "--checkpoint", "runs/tiny", "--dataset", "data.h5", "--count", "20",
                                "--output", "p.h5"], in: workspace.path)
        #expect(all.status == 0, "\(all.stderr)")
    }
}

/// A limit below the machine's memory counts as the machine's does: under `ulimit -v` a run too
/// large for it is refused in one line naming the flag and the limit, where it used to start and
/// die allocating (exit 134, a backtrace).
@Suite struct MemoryLimitTests {
    @Test func aRunBeyondTheAddressSpaceLimitIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let limited = ["/bin/sh", "-c", "ulimit -v 2000000 && exec \"$0\" \"$@\""]
        let result = try runHFRNN(["train", "--task", "addition", "--length", "100000", "--hidden-units", "10",
                                   "--max-iterations", "1", "--checkpoint-dir", "runs"], in: folder, launcher: limited)
        #expect(result.status == 1)
        #expect(result.stderrLines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("hfrnn: error: --curvature-batch: a curvature batch of 300 sequences of 109999 steps "
                                        + "needs at least 6.9 GB, and ulimit -v leaves, beyond the "), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("runs")))
    }

    /// What the process maps already and OpenBLAS's work buffers (128 MiB per thread) count too:
    /// under 300 MB `evaluate` hung in OpenBLAS's first product, retrying its buffer for ever, and
    /// a network of 3,000 hidden units passed the check at 1.0 GB and died allocating (exit 134).
    @Test func theProcessAndOpenBLASBuffersCountUnderTheLimit() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let tiny = ["train", "--task", "addition", "--length", "10", "--hidden-units", "4", "--test-sequences", "10",
                    "--max-iterations", "1", "--checkpoint-dir", "runs", "--run-name", "tiny"]
        #expect(try runHFRNN(tiny, in: folder).status == 0)
        let tight = ["/bin/sh", "-c", "ulimit -v 300000 && exec \"$0\" \"$@\""]
        let evaluate = try runHFRNN(["evaluate", "runs/tiny"], in: folder, timeout: 60, launcher: tight)
        #expect(evaluate.status == 1)
        #expect(evaluate.stderrLines.count == 1 && evaluate.stderr.hasPrefix("hfrnn: error: ulimit -v: this process may address 0.3 GB, maps "),
                "\(evaluate.stderr)")
        let limited = ["/bin/sh", "-c", "ulimit -v 1000000 && exec \"$0\" \"$@\""]
        let large = try runHFRNN(["train", "--task", "addition", "--length", "10", "--hidden-units", "3000", "--gradient-batch", "200",
                                  "--curvature-batch", "100", "--test-sequences", "100", "--max-iterations", "1", "--threads", "1",
                                  "--checkpoint-dir", "runs", "--run-name", "large"], in: folder, timeout: 120, launcher: limited)
        #expect(large.status == 1)
        #expect(large.stderrLines.count == 1 && large.stderr.hasPrefix("hfrnn: error: --hidden-units: a network of 3000 hidden units needs at least 0.9 GB"),
                "\(large.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("runs/large")))
    }
}

/// Flags that ask for more than any machine holds, or for numbers that overflow, are one line
/// naming the flag and a non-zero exit, before any file is made: they used to end in arithmetic
/// overflow traps and failed allocations (exit 132 and 134, with backtraces), and a silently
/// clamped curvature batch.
@Suite struct HugeFlagTests {
    @Test(arguments: [
        (["train", "--task", "addition", "--length", "10", "--hidden-units", "99999999999"], "--hidden-units: must be at most "),
        (["train", "--task", "addition", "--length", "10", "--hidden-units", "1000000"], "--hidden-units: a network of 1000000 hidden units needs at least "),
        (["train", "--task", "addition", "--length", "9223372036854775807"], "--length: addition takes minimum lengths T ≤ "),
        (["train", "--task", "addition", "--length", "10", "--gradient-batch", "9223372036854775807"], "--gradient-batch: must be at most "),
        (["train", "--task", "addition", "--length", "10", "--test-sequences", "9223372036854775807"], "--test-sequences: must be at most "),
        (["train", "--task", "addition", "--length", "10", "--gradient-batch", "60", "--curvature-batch", "100"],
         "--curvature-batch: must be at most the gradient batch (60)"),
        (["train", "--task", "addition", "--length", "10", "--gradient-batch", "1000000000", "--curvature-batch", "1000000000"],
         "--curvature-batch: a curvature batch of 1000000000 sequences of 10 steps needs at least "),
        (["generate", "addition", "--length", "10", "--count", "9223372036854775807", "--output", "g.h5"], "--count: must be at most "),
        (["generate", "addition", "--length", "10", "--count", "1000000000", "--output", "g.h5"],
         "--count: 1000000000 sequences of 10 steps needs at least "),
        (["probe", "--task", "addition", "--length", "10", "--hidden-units", "2", "--count", "1000000000", "--output", "p.h5"],
         "--count: a minibatch of 1000000000 sequences of 10 steps needs at least "),
        (["evaluate", "runs/none", "--task", "addition", "--length", "9223372036854775807"], "--length: addition takes minimum lengths T ≤ "),
    ] as [([String], String)])
    func hugeValuesAreOneLineNamingTheFlag(arguments: [String], message: String) throws {
        let workspace = try Workspace(train: false)
        let result = try runHFRNN(arguments + (arguments[0] == "train" ? ["--checkpoint-dir", "runs"] : []), in: workspace.path)
        #expect(result.status != 0 && result.status < 128, "\(arguments): exit \(result.status)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("hfrnn: error: " + message), "\(arguments): \(result.stderr)")
        #expect(workspace.listing().isEmpty, "\(arguments) left \(workspace.listing())")
    }
}

/// An export whose file name is taken by a folder writes none of its files (it used to leave the
/// ones renamed before the blocked one).
@Suite struct ExportAllOrNothingTests {
    @Test(arguments: ["curves.csv", "summary.json", "predictions.h5", "diagnostics.svg"])
    func aBlockedNameWritesNoFile(blocked: String) throws {
        let workspace = try Workspace(train: true)
        try FileManager.default.createDirectory(atPath: workspace.path + "/out/" + blocked, withIntermediateDirectories: true)
        let result = try runHFRNN(["export", "runs/tiny", "--output", "out"], in: workspace.path)
        #expect(result.status == 1 && result.stderrLines.count == 1 && result.stderr.contains(blocked), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/out") == [blocked])
    }
}

/// `--target-format labels` on a task without softmax outputs is a usage error naming the flag
/// (it used to blame the output file, which was never written).
@Test func generateRefusesLabelsForATaskWithoutSoftmax() throws {
    let workspace = try Workspace(train: false)
    let result = try runHFRNN(["generate", "addition", "--length", "10", "--count", "5", "--output", "b.h5",
                               "--target-format", "labels"], in: workspace.path)
    #expect(result.status == 64, "\(result.stderr)")
    #expect(result.stderr.hasPrefix("hfrnn: error: --target-format: labels needs a task with softmax outputs"), "\(result.stderr)")
    #expect(workspace.listing().isEmpty)
}
