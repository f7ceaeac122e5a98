import Foundation
import TestSupport
import Testing

/// A dataset run works from any folder, and a moved dataset can be named: the run stored
/// `"path": "sums.h5"` as typed, so evaluate, resume and export failed anywhere else.
@Suite struct MovedDatasetTests {
    private let tiny = ["--hidden-units", "8", "--gradient-batch", "60", "--curvature-batch", "30",
                        "--evaluation-batch", "30", "--test-sequences", "40"]

    @Test func aDatasetRunWorksFromAnotherFolderAndAfterAMove() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("project"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.file("elsewhere"), withIntermediateDirectories: true)
        let project = folder.file("project"), elsewhere = folder.file("elsewhere")
        for (seed, name) in [("3", "sums.h5"), ("4", "other.h5")] {
            let generated = try runHFRNN(["generate", "addition", "--length", "8", "--count", "60", "--seed", seed,
                                          "--output", name], in: project)
            try #require(generated.status == 0, "\(generated.stderr)")
        }
        let trained = try runHFRNN(["train", "--dataset", "sums.h5", "--max-iterations", "1", "--checkpoint-dir", "runs"]
                                   + tiny, in: project)
        try #require(trained.status == 0, "\(trained.stderr)")
        // Without a test file the test rows are trained on too; only the docs said so.
        #expect(trained.stdout.hasPrefix("training \(project)/sums.h5 (test set: its first 40 sequences, also trained on), seed 1"),
                "\(trained.stdout)")
        let run = project + "/runs/sums-seed1"

        let misplaced = try runHFRNN(["evaluate", run, "--task", "addition", "--length", "8", "--dataset-moved-to", "x.h5"],
                                     in: elsewhere)
        #expect(misplaced.status == 64)
        #expect(misplaced.stderr.hasPrefix("hfrnn: error: --dataset-moved-to: is for the run's own test set, not with "
                                           + "--dataset or --task"), "\(misplaced.stderr)")

        // From another folder, at the stored path.
        let evaluated = try runHFRNN(["evaluate", run], in: elsewhere)
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        #expect(evaluated.stdout.contains("the run's test set (\(project)/sums.h5), 40 sequences"), "\(evaluated.stdout)")

        // Moved: the message names the stored path and the flag; the flag finds it.
        try FileManager.default.moveItem(atPath: project + "/sums.h5", toPath: elsewhere + "/sums.h5")
        for command in [["evaluate", run], ["resume", run, "--max-iterations", "1"], ["export", run, "--output", "x"]] {
            let lost = try runHFRNN(command, in: elsewhere)
            #expect(lost.status == 1)
            #expect(lost.stderrLines == ["hfrnn: error: \(project)/sums.h5: file not found: the run's stored dataset "
                                         + "path (if the file has moved, give its new path with --dataset-moved-to FILE)"],
                    "\(command): \(lost.stderr)")
        }
        // A new place that is not there either is named as the one given, with its flag.
        for command in [["evaluate", run], ["resume", run, "--max-iterations", "1"], ["export", run, "--output", "x"]] {
            let mistyped = try runHFRNN(command + ["--dataset-moved-to", "sum.h5"], in: elsewhere)
            #expect(mistyped.status == 1)
            #expect(mistyped.stderrLines == ["hfrnn: error: sum.h5: file not found (given with --dataset-moved-to)"],
                    "\(command): \(mistyped.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: elsewhere + "/x"))
        let exported = try runHFRNN(["export", run, "--output", "x", "--dataset-moved-to", "sums.h5"], in: elsewhere)
        #expect(exported.status == 0, "\(exported.stderr)")
        let wrong = try runHFRNN(["resume", run, "--max-iterations", "1", "--dataset-moved-to", project + "/other.h5"],
                                 in: elsewhere)
        #expect(wrong.status == 1)
        #expect(wrong.stderr.hasPrefix("hfrnn: error: \(project)/other.h5: not the run's dataset: its content hash is "),
                "\(wrong.stderr)")
        let resumed = try runHFRNN(["resume", run, "--max-iterations", "1", "--dataset-moved-to", "sums.h5"], in: elsewhere)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        // The resumed run stored the new place: a plain evaluate finds it again.
        let again = try runHFRNN(["evaluate", run], in: project)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("(\(elsewhere)/sums.h5)"), "\(again.stdout)")
    }

    /// A run with its own test file is evaluated and exported from that file alone: both used to
    /// fail on the missing training file, which neither reads. Resuming still needs it.
    @Test func aRunWithATestFileIsEvaluatedWithoutItsTrainingFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for (seed, name) in [("3", "sums.h5"), ("4", "sums-test.h5")] {
            let generated = try runHFRNN(["generate", "addition", "--length", "8", "--count", "60", "--seed", seed,
                                          "--output", name], in: folder)
            try #require(generated.status == 0, "\(generated.stderr)")
        }
        let trained = try runHFRNN(["train", "--dataset", "sums.h5", "--test-dataset", "sums-test.h5", "--max-iterations", "1",
                                    "--checkpoint-dir", "runs"] + tiny, in: folder)
        try #require(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.hasPrefix("training \(folder.file("sums.h5")) with test set \(folder.file("sums-test.h5")), seed 1"),
                "\(trained.stdout)")
        let before = try runHFRNN(["evaluate", "runs/sums-seed1", "--json"], in: folder)
        try #require(before.status == 0, "\(before.stderr)")
        try FileManager.default.removeItem(atPath: folder.file("sums.h5"))

        let evaluated = try runHFRNN(["evaluate", "runs/sums-seed1", "--json"], in: folder)
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        #expect(evaluated.stdout == before.stdout)
        let exported = try runHFRNN(["export", "runs/sums-seed1", "--output", "x"], in: folder)
        #expect(exported.status == 0, "\(exported.stderr)")
        // A training file named by the user is checked although neither command reads it: it
        // used to be accepted whatever it held.
        for command in [["evaluate", "runs/sums-seed1"], ["export", "runs/sums-seed1", "--output", "y"]] {
            let wrong = try runHFRNN(command + ["--dataset-moved-to", "sums-test.h5"], in: folder)
            #expect(wrong.status == 1)
            #expect(wrong.stderr.hasPrefix("hfrnn: error: sums-test.h5: not the run's dataset: its content hash is "),
                    "\(command): \(wrong.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("y")))
        let resumed = try runHFRNN(["resume", "runs/sums-seed1", "--max-iterations", "1"], in: folder)
        #expect(resumed.status == 1)
        #expect(resumed.stderr.hasPrefix("hfrnn: error: \(folder.file("sums.h5")): file not found: the run's stored dataset"),
                "\(resumed.stderr)")
    }
}
