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
}
