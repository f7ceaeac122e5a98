import Foundation
import Testing
import Training

/// A few milliseconds per HF iteration even in a debug build.
private let tinyRun = ["--task", "addition", "--length", "8", "--hidden-units", "8", "--gradient-batch", "60",
                       "--curvature-batch", "30", "--evaluation-batch", "30", "--test-sequences", "40"]

/// A progress line starts with the iteration number (the header starts with "iter").
private func isProgressLine(_ line: String) -> Bool {
    line.split(separator: " ").first.map { Int($0) != nil } ?? false
}

@Suite struct TrainResumeTests {
    /// Ctrl-C during `train` saves a checkpoint and exits 130; `resume` continues from it and
    /// finishes normally.
    @Test func interruptThenResume() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let runFolder = folder.file("runs/tiny")
        let training = try HFRNNProcess(["train"] + tinyRun + ["--max-iterations", "50", "--checkpoint-dir",
                                                               folder.file("runs"), "--run-name", "tiny"], in: folder)
        let firstLine = try training.waitForLine(timeout: 20, where: isProgressLine)
        #expect(firstLine.hasPrefix("    1  "))
        #expect(firstLine.split(separator: " ")[2].hasSuffix("%"), "test error column: \(firstLine)")
        training.interrupt()
        let status = try training.wait(timeout: 20)
        #expect(training.exitedNormally)
        #expect(status == 130, "stdout:\n\(training.stdout)\nstderr:\n\(training.stderr)")
        let stdout = training.stdout
        #expect(stdout.contains("interrupted: checkpoint saved after "))
        #expect(stdout.contains("latest checkpoint: \(runFolder)/latest.h5"))
        #expect(stdout.contains("resume with: hfrnn resume \(runFolder)"))
        #expect(training.stderr.contains("hfrnn: stopping after this HF iteration and saving a checkpoint"))

        let saved = try TrainingCheckpoint<Float>.load(from: runFolder + "/latest.h5")
        let done = saved.state.iteration
        #expect((1..<50).contains(done))
        #expect(saved.history.count == done)
        #expect(stdout.split(separator: "\n").filter { isProgressLine(String($0)) }.count == done)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: runFolder).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)

        let target = done + 2
        let resume = try runHFRNN(["resume", runFolder, "--max-iterations", "\(target)"], in: folder)
        #expect(resume.status == 0, "stdout:\n\(resume.stdout)\nstderr:\n\(resume.stderr)")
        #expect(resume.stdout.hasPrefix("resuming \(runFolder)/latest.h5 at iteration \(done)\n"))
        let resumedLines = resume.stdout.split(separator: "\n").map(String.init).filter(isProgressLine)
        #expect(resumedLines.first?.hasPrefix(String(format: "%5d  ", done + 1)) == true)
        let finished = try TrainingCheckpoint<Float>.load(from: runFolder + "/latest.h5")
        if resume.stdout.contains("solved: ") {
            #expect(finished.state.iteration <= target)
        } else {
            #expect(resume.stdout.contains("stopped: reached the iteration limit after \(target) HF iterations"))
            #expect(finished.state.iteration == target)
        }
        #expect(finished.history.prefix(done).map(\.trainLoss) == saved.history.map(\.trainLoss))
        #expect(finished.elapsedSeconds >= saved.elapsedSeconds)
        #expect(resume.stderr.isEmpty)
    }

    /// Bad flags: exactly one line on stderr, naming the problem, a non-zero exit status, no
    /// usage block or stack dump, and nothing written.
    @Test(arguments: [
        (["train", "--task", "juggling"], "unknown task 'juggling'; choose one of addition, "),
        (["train", "--task", "addition", "--length", "1"], "addition needs minimum length T ≥ 6, got 1"),
        (["train", "--task", "addition", "--dataset", "data.h5"], "give exactly one of --task and --dataset"),
        (["train"], "give exactly one of --task and --dataset"),
        (["train", "--task", "addition", "--precision", "half"], "--precision must be float or double, got 'half'"),
        (["train", "--task", "addition", "--time-limit", "soon"], "--time-limit 'soon' is not a positive duration"),
        (["train", "--task", "addition", "--time-limit=-5m"], "--time-limit '-5m' is not a positive duration"),
        (["train", "--task", "addition", "--hidden-units", "0"], "hidden units must be at least 1, got 0"),
        (["train", "--task", "addition", "--max-iterations=-1"], "--max-iterations must be non-negative, got -1"),
        (["train", "--task", "addition", "--max-iterations", "-1"], "--max-iterations must be non-negative, got -1"),
        (["train", "--task", "addition", "--time-limit", "-5m"], "--time-limit '-5m' is not a positive duration"),
        (["train", "--task", "addition", "--hidden-units", "-2"], "hidden units must be at least 1, got -2"),
        (["train", "--task", "addition", "--frobnicate"], "Unknown option '--frobnicate'"),
        (["resume"], "Missing expected argument '<checkpoint>'"),
    ])
    func badFlags(arguments: [String], expected: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try runHFRNN(arguments + ["--checkpoint-dir", folder.file("runs")].filter { _ in arguments.first == "train" },
                                  in: folder)
        #expect(result.status == 64)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "stderr:\n\(result.stderr)")  // one line, newline-terminated
        #expect(result.stderr.hasPrefix("hfrnn: error: \(expected)"), "stderr:\n\(result.stderr)")
        #expect(result.stderr.hasSuffix(" (see 'hfrnn \(arguments[0]) --help')\n"))
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.file("runs")))
    }

    /// Errors found while running (not while parsing): one line, exit status 1.
    @Test func runtimeErrorsAreOneLine() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let text = folder.file("notes.txt")
        try Data("not a checkpoint\n".utf8).write(to: URL(fileURLWithPath: text))
        let missing = folder.file("nowhere")
        let cases: [([String], String)] = [
            (["resume", text], "hfrnn: error: \(text): cannot open: not an HDF5 file or corrupt/truncated (HDF5: "),
            (["resume", missing], "hfrnn: error: \(missing): file not found"),
            (["resume", folder.path], "hfrnn: error: \(folder.file("latest.h5")): file not found"),
        ]
        for (arguments, expected) in cases {
            let result = try runHFRNN(arguments, in: folder)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix(expected), "\(arguments): \(result.stderr)")
            #expect(result.stderr.filter(\.isNewline).count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        // A second `train` into an existing run folder refuses instead of overwriting it.
        let run = ["train"] + tinyRun + ["--max-iterations", "1", "--checkpoint-dir", folder.file("runs"), "--run-name", "r"]
        #expect(try runHFRNN(run, in: folder).status == 0)
        let again = try runHFRNN(run, in: folder)
        #expect(again.status == 1)
        #expect(again.stderr == "hfrnn: error: \(folder.file("runs/r/latest.h5")) already exists: resume it with "
                + "`hfrnn resume \(folder.file("runs/r"))` or choose another --run-name\n")
    }

    /// A run killed between its first two saves has best.h5 but no latest.h5: `resume DIR`
    /// continues from best.h5 and says so.
    @Test func resumeFallsBackToBestWhenLatestIsMissing() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let runFolder = folder.file("runs/r")
        let train = try runHFRNN(["train"] + tinyRun + ["--max-iterations", "1", "--checkpoint-dir", folder.file("runs"),
                                                        "--run-name", "r"], in: folder)
        #expect(train.status == 0, "stderr:\n\(train.stderr)")
        try FileManager.default.removeItem(atPath: runFolder + "/latest.h5")
        let resume = try runHFRNN(["resume", runFolder, "--max-iterations", "2"], in: folder)
        #expect(resume.status == 0, "stdout:\n\(resume.stdout)\nstderr:\n\(resume.stderr)")
        #expect(resume.stdout.hasPrefix("\(runFolder) has no latest.h5 (the run stopped before saving it): resuming from best.h5\n"
                                        + "resuming \(runFolder)/best.h5 at iteration 1\n"), "\(resume.stdout)")
        #expect(FileManager.default.fileExists(atPath: runFolder + "/latest.h5"))
    }
}
