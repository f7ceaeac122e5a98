import Foundation
import Testing
import TestSupport

/// docs/interop.md's equations, run by numpy (scripts/recompute-predictions.py), give back what
/// `hfrnn export` wrote in predictions.h5, for each of the three output/loss pairs.
@Suite struct InteropTests {
    private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test(.enabled(if: python(importing: ["numpy", "h5py"]) != nil, "needs python3 with numpy and h5py (make test installs python3-h5py)"),
          arguments: ["addition", "xor", "temporal-order"])
    func numpyRecomputesTheExportedPredictions(task: String) throws {
        let folder = try TemporaryFolder()
        let interpreter = try #require(python(importing: ["numpy", "h5py"]))
        let generated = try runHFRNN(["generate", task, "--length", "12", "--count", "60", "--seed", "3",
                                      "--output", "data.h5"], in: folder)
        #expect(generated.status == 0, "\(generated.stderr)")
        let trained = try runHFRNN(["train", "--dataset", "data.h5", "--hidden-units", "7", "--max-iterations", "2",
                                    "--checkpoint-dir", "runs", "--run-name", "r"], in: folder)
        #expect(trained.status == 0, "\(trained.stderr)")
        let exported = try runHFRNN(["export", "runs/r"], in: folder)
        #expect(exported.status == 0, "\(exported.stderr)")
        let check = try runProgram([interpreter, packageRoot + "/scripts/recompute-predictions.py", "runs/r/latest.h5",
                                    "data.h5", "runs/r/export/predictions.h5"], in: folder.path)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("60 sequences"), "\(check.stdout)")

        // `hfrnn predict` on the first 50 rows, with the hidden states: the same equations.
        let predicted = try runHFRNN(["predict", "runs/r", "--dataset", "data.h5", "--output", "out/p.h5",
                                      "--hidden-states", "--count", "50"], in: folder)
        #expect(predicted.status == 0, "\(predicted.stderr)")
        #expect(predicted.stdout.hasPrefix("wrote out/p.h5: 50 sequences of "), "\(predicted.stdout)")
        let again = try runProgram([interpreter, packageRoot + "/scripts/recompute-predictions.py", "runs/r/latest.h5",
                                    "data.h5", "out/p.h5"], in: folder.path)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(again.stdout.contains("with hidden states"), "\(again.stdout)")
    }

    /// A dataset whose chunks h5py never wrote (a targets array filled in at the last step only)
    /// reads as HDF5's fill values, as h5py reads it: hfrnn refused it as corrupt.
    @Test(.enabled(if: python(importing: ["numpy", "h5py"]) != nil, "needs python3 with numpy and h5py (make test installs python3-h5py)"))
    func chunksNeverWrittenReadAsFillValues() throws {
        let folder = try TemporaryFolder()
        let interpreter = try #require(python(importing: ["numpy", "h5py"]))
        let script = """
            import h5py, numpy as np
            n, t = 40, 12
            rng = np.random.default_rng(1)
            with h5py.File("sparse.h5", "w") as f:
                f.attrs["format"] = "hfrnn-dataset"
                f.attrs["format_version"] = 1
                f.attrs["output_loss"] = "linear-squared-error"
                x = rng.random((n, t, 2)).astype(np.float32)
                f["inputs"] = x
                targets = f.create_dataset("targets", shape=(n, t, 1), dtype=np.float32, chunks=(n, 1, 1))
                targets[:, t - 1, 0] = x[:, 0, 0] + x[:, 1, 0]
                mask = np.zeros((n, t), dtype=np.float32)
                mask[:, t - 1] = 1
                f["mask"] = mask
                f["lengths"] = np.full(n, t, dtype=np.int64)
            """
        try script.write(toFile: folder.file("make.py"), atomically: true, encoding: .utf8)
        let made = try runProgram([interpreter, "make.py"], in: folder.path)
        try #require(made.status == 0, "\(made.stderr)")
        let checked = try runHFRNN(["generate", "--check", "sparse.h5"], in: folder)
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.contains("40 sequences"), "\(checked.stdout)")
    }

    /// A mask written as a numpy bool array is an HDF5 enum to every reader but h5py: the message
    /// said "holds other values" and left the user to guess why.
    @Test(.enabled(if: python(importing: ["numpy", "h5py"]) != nil, "needs python3 with numpy and h5py (make test installs python3-h5py)"))
    func aBooleanMaskIsNamedForWhatItIs() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let interpreter = try #require(python(importing: ["numpy", "h5py"]))
        let script = """
            import h5py, numpy as np
            n, t = 10, 6
            with h5py.File("bool-mask.h5", "w") as f:
                f.attrs["format"] = "hfrnn-dataset"
                f.attrs["format_version"] = 1
                f.attrs["output_loss"] = "linear-squared-error"
                f["inputs"] = np.zeros((n, t, 2), dtype=np.float32)
                f["targets"] = np.zeros((n, t, 1), dtype=np.float32)
                f["mask"] = np.ones((n, t), dtype=bool)
                f["lengths"] = np.full(n, t, dtype=np.int32)
            """
        try script.write(toFile: folder.file("make.py"), atomically: true, encoding: .utf8)
        let made = try runProgram([interpreter, "make.py"], in: folder.path)
        try #require(made.status == 0, "\(made.stderr)")
        let checked = try runHFRNN(["generate", "--check", "bool-mask.h5"], in: folder)
        #expect(checked.status == 1)
        #expect(checked.stderr == "hfrnn: error: bool-mask.h5: /mask holds enum values; it must hold float values "
                + "(float32 [N, T]) (h5py stores numpy booleans as an enum: write the array with .astype('float32'))\n",
                "\(checked.stderr)")
    }

    /// Data that does not fit, or a count beyond the file, is one line naming the file, and no
    /// output (nor its temporary file) is left behind.
    @Test func predictRefusesDataThatDoesNotFitWithOneLine() throws {
        let folder = try TemporaryFolder()
        for (task, name) in [("addition", "sums.h5"), ("temporal-order", "order.h5")] {
            let generated = try runHFRNN(["generate", task, "--length", "10", "--count", "20", "--seed", "1",
                                          "--output", name], in: folder)
            #expect(generated.status == 0, "\(generated.stderr)")
        }
        let trained = try runHFRNN(["train", "--dataset", "sums.h5", "--hidden-units", "5", "--max-iterations", "1",
                                    "--checkpoint-dir", "runs", "--run-name", "r"], in: folder)
        #expect(trained.status == 0, "\(trained.stderr)")
        let cases: [([String], String)] = [
            (["--dataset", "order.h5"], "hfrnn: error: order.h5: the data has "),
            (["--dataset", "sums.h5", "--count", "21"], "hfrnn: error: sums.h5: has 20 sequences; --count asks for 21"),
            (["--dataset", "missing.h5"], "hfrnn: error: missing.h5: file not found"),
        ]
        for (arguments, message) in cases {
            let result = try runHFRNN(["predict", "runs/r", "--output", "p.h5"] + arguments, in: folder)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix(message), "\(arguments): \(result.stderr)")
            let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("p.h5") }
            #expect(left.isEmpty, "\(arguments) left \(left)")
        }
    }
}
