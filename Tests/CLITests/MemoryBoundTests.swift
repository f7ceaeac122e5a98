import Foundation
import TestSupport
import Testing

/// A run's memory does not grow with its gradient batch or its test set: when they are too large
/// to hold, a task's sub-batches that serve the gradient alone, and its test set's, are remade
/// when evaluated. Before, a cell with 30,000 of each peaked at 504 MB against 54 MB with 1,000.
@Suite struct MemoryBoundTests {
    @Test func memoryDoesNotGrowWithTheGradientBatchOrTheTestSet() throws {
        let workspace = try Workspace(train: false)
        let tiny = "--hidden-units 8 --curvature-batch 100 --evaluation-batch 100 --max-cg 5"
        let result = try runHFRNN(["experiment", "grid", "--tasks", "random-permutation", "--lengths", "10", "--seeds", "1",
                                   "--variant", "small=\(tiny) --gradient-batch 1000 --test-sequences 1000",
                                   "--variant", "large=\(tiny) --gradient-batch 40000 --test-sequences 40000",
                                   "--iteration-budget", "1"], in: workspace.path)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try String(contentsOfFile: workspace.path + "/grid/results.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let peak = Dictionary(uniqueKeysWithValues: rows.map { ($0[3], Double($0[10]) ?? .nan) })
        let small = try #require(peak["small"]), large = try #require(peak["large"])
        // 40 times the sequences, each batch above the 256 MiB that is held: 2 × 39,000 more of 10
        // steps × 201 numbers held would be 630 MB.
        #expect(large - small < 25, "peak \(large) MB with 40,000 sequences, \(small) MB with 1,000")
    }

    /// `evaluate` reads a dataset one sub-batch at a time: 3,500 permutation sequences of 100 steps
    /// (281 MB decoded, so the file stays on disk) evaluated in far less. Before, every row was
    /// read at once: a peak of about 330 MB.
    @Test func evaluatingADatasetDoesNotHoldIt() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let interpreter = try #require(python(importing: []), "needs python3")
        let made = try runHFRNN(["generate", "random-permutation", "--length", "100", "--count", "3500", "--seed", "1",
                                 "--output", "perm.h5"], in: folder)
        try #require(made.status == 0, "\(made.stderr)")
        let trained = try runHFRNN(["train", "--dataset", "perm.h5", "--hidden-units", "8", "--max-iterations", "1",
                                    "--gradient-batch", "100", "--curvature-batch", "50", "--evaluation-batch", "50",
                                    "--max-cg", "2", "--test-sequences", "50", "--checkpoint-dir", "runs", "--run-name", "tiny"],
                                   in: folder, timeout: 300)
        try #require(trained.status == 0, "\(trained.stderr)")
        // The peak resident memory of the evaluation alone, as its parent sees it (KiB on Linux).
        let measure = """
            import resource, subprocess, sys
            done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
            print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let result = try runProgram([interpreter, "-c", measure, try hfrnnExecutable().path, "evaluate", "runs/tiny/latest.h5",
                                     "--dataset", "perm.h5", "--json"], in: folder.path, timeout: 300)
        let fields = result.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(fields.count == 2 && fields[0] == 0, "\(result.stdout) \(result.stderr)")
        #expect(fields[1] < 150 * 1024, "evaluate peaked at \(fields[1] / 1024) MiB on a 281 MB dataset")
    }
}
