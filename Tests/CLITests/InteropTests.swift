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
    }
}
