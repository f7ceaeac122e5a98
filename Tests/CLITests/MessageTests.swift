import Foundation
import HDF5IO
import Testing

/// Runtime errors that must name the file (or flag) and the real problem, in one line, before any work.
@Suite struct MessageTests {
    /// A tiny trained addition run (2-8-1, linear outputs) and an XOR dataset (2 inputs, 1 logistic
    /// output) that fits its sizes but not its loss.
    private func workspaceWithXORData() throws -> Workspace {
        let workspace = try Workspace(train: true)
        let generated = try runHFRNN(["generate", "xor", "--length", "8", "--count", "20", "--seed", "1",
                                      "--output", "xor.h5"], in: workspace.path)
        guard generated.status == 0 else { throw CLITestError("generate failed: \(generated.stderr)") }
        return workspace
    }

    private func expectOneLine(_ result: CommandResult, containing parts: [String]) {
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("hfrnn: error: "), "stderr: \(result.stderr)")
        for part in parts { #expect(result.stderr.contains(part), "missing '\(part)' in: \(result.stderr)") }
        #expect(result.stdout.isEmpty, "stdout: \(result.stdout)")
    }

    @Test func evaluateNamesTheDataThatDoesNotFit() throws {
        let workspace = try workspaceWithXORData()
        expectOneLine(try runHFRNN(["evaluate", "runs/tiny", "--dataset", "xor.h5"], in: workspace.path),
                      containing: ["hfrnn: error: xor.h5: the data has 2 inputs and 1 output (logistic-cross-entropy)",
                                   "latest.h5 is a 2-8-1 network (linear-squared-error)"])
        expectOneLine(try runHFRNN(["evaluate", "runs/tiny", "--task", "xor", "--length", "10"], in: workspace.path),
                      containing: ["hfrnn: error: xor T = 10: the data has", "latest.h5 is a 2-8-1 network"])
    }

    /// `probe` used to compute the linear loss of logistic data without a word.
    @Test func probeRefusesDataWithAnotherLoss() throws {
        let workspace = try workspaceWithXORData()
        let before = workspace.listing()
        expectOneLine(try runHFRNN(["probe", "--checkpoint", "runs/tiny", "--dataset", "xor.h5", "--output", "p.h5"],
                                   in: workspace.path),
                      containing: ["hfrnn: error: xor.h5: the data has 2 inputs and 1 output (logistic-cross-entropy)"])
        #expect(workspace.listing() == before)
    }

    @Test func aBogusPrecisionAttributeIsNamedAsSuch() throws {
        let workspace = try Workspace(train: true)
        let file = try HDF5File.open(workspace.run + "/latest.h5", writable: true)
        try file.setAttribute("precision", to: "half")
        try file.close()
        for command in [["evaluate", "runs/tiny"], ["resume", "runs/tiny"], ["export", "runs/tiny"]] {
            expectOneLine(try runHFRNN(command, in: workspace.path),
                          containing: ["latest.h5: precision attribute is 'half'; it must be float or double"])
        }
    }

    /// A checkpoint folder that cannot be created fails before the first iteration, in one line
    /// naming the folder, instead of a Foundation error dump after it.
    @Test func anUnusableCheckpointDirFailsBeforeAnyWork() throws {
        let workspace = try Workspace(train: false)
        _ = FileManager.default.createFile(atPath: workspace.path + "/blocker", contents: Data("x".utf8))
        let result = try runHFRNN(["train", "--task", "addition", "--length", "8", "--hidden-units", "4",
                                   "--gradient-batch", "20", "--curvature-batch", "20", "--evaluation-batch", "20",
                                   "--test-sequences", "20", "--max-iterations", "1",
                                   "--checkpoint-dir", "blocker/runs", "--run-name", "r"], in: workspace.path)
        expectOneLine(result, containing: ["blocker/runs/r: cannot create the run folder: ", "blocker is not a folder"])
        #expect(!result.stderr.contains("NSCocoaErrorDomain"))
        #if os(Linux)
        // A folder whose parent accepts no new folder (procfs, even for root) says why: the line
        // used to end at "cannot create the run folder".
        let procfs = try runHFRNN(["train", "--task", "addition", "--length", "8", "--max-iterations", "1",
                                   "--checkpoint-dir", "/proc/hfrnn-test", "--run-name", "r"], in: workspace.path)
        expectOneLine(procfs, containing: ["/proc/hfrnn-test/r: cannot create the run folder: "])
        #expect(!procfs.stderr.hasSuffix("cannot create the run folder\n"), "\(procfs.stderr)")
        #endif
    }
}
