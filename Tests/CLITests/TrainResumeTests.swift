import Foundation
import RunStore
import TestSupport
import Testing
import Training
@testable import hfrnn

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
        #expect(training.stderr.contains("hfrnn: stopping at the next safe point and saving a checkpoint"))

        let saved = try Checkpoint<HessianFreeTraining<Float>>.load(from: runFolder + "/latest.h5")
        let done = saved.state.iteration
        #expect((1..<50).contains(done))
        #expect(saved.history.count == done)
        #expect(stdout.split(separator: "\n").filter { isProgressLine(String($0)) }.count == done)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: runFolder).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)

        let target = done + 2
        let resume = try runHFRNN(["resume", runFolder, "--max-iterations", "2"], in: folder)  // 2 more
        #expect(resume.status == 0, "stdout:\n\(resume.stdout)\nstderr:\n\(resume.stderr)")
        #expect(resume.stdout.hasPrefix("resuming \(runFolder)/latest.h5 at iteration \(done)\n"))
        let resumedLines = resume.stdout.split(separator: "\n").map(String.init).filter(isProgressLine)
        #expect(resumedLines.first?.hasPrefix(String(format: "%5d  ", done + 1)) == true)
        let finished = try Checkpoint<HessianFreeTraining<Float>>.load(from: runFolder + "/latest.h5")
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

    /// A second session on a run that is training is refused: both wrote its checkpoints, and
    /// metrics.csv ended behind latest.h5.
    @Test func aRunTrainsInOneSessionAtATime() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let runFolder = folder.file("runs/busy")
        // Addition at T = 60 stays on its plateau: the run is still training when the second session starts.
        let plateau = ["--task", "addition", "--length", "60"] + tinyRun.dropFirst(4)
        let training = try HFRNNProcess(["train"] + plateau + ["--max-iterations", "100000", "--checkpoint-dir",
                                                               folder.file("runs"), "--run-name", "busy"], in: folder)
        // After the second progress line the first iteration's latest.h5 is saved.
        _ = try training.waitForLine(timeout: 20) { isProgressLine($0) && $0.hasPrefix("    2  ") }
        let second = try runHFRNN(["resume", runFolder, "--max-iterations", "1"], in: folder)
        training.interrupt()
        _ = try training.wait(timeout: 20)
        #expect(second.status == 1)
        #expect(second.stderr == "hfrnn: error: \(runFolder): another hfrnn process is training this run; wait for it "
                + "to stop, or stop it first\n", "\(second.stderr)")
        #expect(!second.stdout.contains("resuming"), "\(second.stdout)")
        // Once the first session has stopped, the run resumes.
        let after = try runHFRNN(["resume", runFolder, "--max-iterations", "1"], in: folder)
        #expect(after.status == 0, "\(after.stderr)")
    }

    /// SIGTERM saves like Ctrl-C but exits 143 (128 + 15), as shells and supervisors expect; so do
    /// SIGHUP (a closed terminal) and SIGPIPE (`| head`), which killed the run unsaved.
    @Test(arguments: [SIGTERM, SIGHUP, SIGPIPE])
    func terminateExits143AfterSaving(signal: Int32) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let training = try HFRNNProcess(["train"] + tinyRun + ["--max-iterations", "50", "--checkpoint-dir",
                                                               folder.file("runs"), "--run-name", "tiny"], in: folder)
        _ = try training.waitForLine(timeout: 20, where: isProgressLine)
        kill(training.pid, signal)
        let status = try training.wait(timeout: 20)
        #expect(training.exitedNormally)
        #expect(status == 128 + signal, "stdout:\n\(training.stdout)\nstderr:\n\(training.stderr)")
        #expect(training.stdout.contains("interrupted: checkpoint saved after "))
        #expect(FileManager.default.fileExists(atPath: folder.file("runs/tiny/latest.h5")))
    }

    /// A small accepted line-search step must not print as 0.000, which reads as a rejected step.
    /// The start line gives μ as a person writes it (μ = 0.03 × 30 scored steps printed
    /// 0.8999999999999999).
    @Test func theStartLineGivesMuAsWritten() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try runHFRNN(["train", "--task", "memorization-5bit", "--length", "20", "--hidden-units", "8",
                                   "--test-sequences", "20", "--max-iterations", "0", "--checkpoint-dir", folder.file("runs")],
                                  in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(", structural damping μ = 0.9, "), "\(result.stdout)")
    }

    @Test func smallStepSizesStayVisible() {
        #expect(HessianFreeTraining<Float>.formatStepSize(0) == "    0")
        #expect(HessianFreeTraining<Float>.formatStepSize(1) == "1.000")
        #expect(HessianFreeTraining<Float>.formatStepSize(0.0123) == "0.012")
        #expect(HessianFreeTraining<Float>.formatStepSize(0.0004) == "4e-04")
        #expect(HessianFreeTraining<Float>.formatStepSize(2.5e-7) == "2e-07" || HessianFreeTraining<Float>.formatStepSize(2.5e-7) == "3e-07")
    }

    /// A limit given to one `resume` applies to that session only: `resume --max-iterations 1`,
    /// then `resume --time-limit 1s`, used to stop at the old iteration limit after one iteration.
    @Test func aResumesLimitAppliesToThatSessionOnly() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = folder.file("runs/count")
        let first = try runHFRNN(["train"] + tinyRun + ["--checkpoint-dir", folder.file("runs"), "--max-iterations", "2",
                                                        "--run-name", "count"], in: folder)
        #expect(first.stdout.contains("stopped: reached the iteration limit after 2 HF iterations"), "\(first.stdout)")
        let byCount = try runHFRNN(["resume", run, "--max-iterations", "1"], in: folder)
        #expect(byCount.status == 0, "\(byCount.stderr)")
        try #require(byCount.stdout.contains("stopped: reached the iteration limit after 3 HF iterations"), "\(byCount.stdout)")
        let byTime = try runHFRNN(["resume", run, "--time-limit", "1s"], in: folder)
        #expect(byTime.status == 0, "\(byTime.stderr)")
        #expect(!byTime.stdout.contains("reached the iteration limit"), "\(byTime.stdout)")
        let after = try Checkpoint<HessianFreeTraining<Float>>.load(from: run + "/latest.h5")
        #expect(after.state.iteration > 4 || byTime.stdout.contains("solved: "), "\(byTime.stdout)")
        #expect(after.config.maxIterations == nil)
    }

    /// A solved run stops at once on resume (no columns printed), and continues when given a lower --success-threshold,
    /// which is stored.
    @Test func solvedRunContinuesWithALowerThreshold() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = folder.file("runs/s")
        // Temporal order (4 classes) after one iteration: an error strictly between 1 % and 100 %.
        let temporalOrder = ["--task", "temporal-order"] + tinyRun.dropFirst(2)
        let first = try runHFRNN(["train"] + temporalOrder + ["--max-iterations", "1", "--checkpoint-dir",
                                                              folder.file("runs"), "--run-name", "s"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        let error = try Checkpoint<HessianFreeTraining<Float>>.load(from: run + "/latest.h5").history[0].testError
        try #require(error > 0.01 && error < 1, "test error \(error)")
        let solved = try runHFRNN(["resume", run, "--success-threshold", "\((error + 1) / 2)"], in: folder)
        #expect(solved.stdout.contains("solved: "), "\(solved.stdout)")
        // Nothing trained, so no column header without rows under it.
        #expect(!solved.stdout.contains(" iter "), "\(solved.stdout)")
        #expect(solved.stdout.contains("train further with: hfrnn resume \(run) --success-threshold <fraction below "))
        #expect(try Checkpoint<HessianFreeTraining<Float>>.load(from: run + "/latest.h5").state.iteration == 1)
        let further = try runHFRNN(["resume", run, "--success-threshold", "0.001", "--max-iterations", "2"], in: folder)
        #expect(further.status == 0, "\(further.stderr)")
        let continued = try Checkpoint<HessianFreeTraining<Float>>.load(from: run + "/latest.h5")
        #expect(continued.state.iteration == 3)
        #expect(continued.config.successThreshold == 0.001)
    }

    /// Bad flags: exactly one line on stderr, naming the problem, a non-zero exit status, no
    /// usage block or stack dump, and nothing written.
    @Test(arguments: [
        (["train", "--task", "juggling"], "The value 'juggling' is invalid for '--task <task>': choose one of addition, "),
        (["train", "--task", "addition", "--length", "1"], "--length: addition needs minimum length T ≥ 6, got 1"),
        (["train", "--task", "addition", "--dataset", "data.h5"], "give exactly one of --task and --dataset"),
        // A flag that would do nothing is refused like a misplaced one.
        (["train", "--dataset", "data.h5", "--length", "50"], "--length: belongs to --task, not --dataset"),
        (["train", "--dataset", "data.h5", "-T", "50"], "--length: belongs to --task, not --dataset"),
        (["train", "--test-dataset", "data.h5"], "--test-dataset: needs --dataset (the training file)"),
        (["train", "--task", "addition", "--test-dataset", "data.h5"], "--test-dataset: needs --dataset (the training file)"),
        (["train"], "give exactly one of --task and --dataset"),
        (["train", "--task", "addition", "--precision", "half"],
         "The value 'half' is invalid for '--precision <precision>': choose one of float, double"),
        (["train", "--task", "addition", "--time-limit", "soon"], "--time-limit 'soon' is not a positive duration"),
        (["train", "--task", "addition", "--time-limit=-5m"], "--time-limit '-5m' is not a positive duration"),
        (["train", "--task", "addition", "--hidden-units", "0"], "--hidden-units: must be at least 1, got 0"),
        (["train", "--task", "addition", "--max-iterations=-1"], "--max-iterations: must be non-negative, got -1"),
        (["train", "--task", "addition", "--max-iterations", "-1"], "--max-iterations: must be non-negative, got -1"),
        (["train", "--task", "addition", "--time-limit", "-5m"], "--time-limit '-5m' is not a positive duration"),
        (["train", "--task", "addition", "--hidden-units", "-2"], "--hidden-units: must be at least 1, got -2"),
        // Configuration problems name the flag, not the internal field it sets.
        (["train", "--task", "addition", "--gradient-batch", "0"], "--gradient-batch: must be at least 1, got 0"),
        (["train", "--task", "addition", "--curvature-batch", "0"], "--curvature-batch: must be at least 1, got 0"),
        (["train", "--task", "addition", "--evaluation-batch", "0"], "--evaluation-batch: must be at least 1, got 0"),
        (["train", "--task", "addition", "--max-cg", "0"], "--max-cg: must be at least 1, got 0"),
        (["train", "--task", "addition", "--min-cg", "200"], "--min-cg: must be in [0, 150] (at most the CG maximum), got 200"),
        (["train", "--task", "addition", "--optimizer", "adam", "--min-cg", "20"], "--min-cg: belongs to --optimizer hf, not adam"),
        (["train", "--task", "addition", "--threads", "0"], "--threads: must be in 1...1024, got 0"),
        (["train", "--task", "addition", "--optimizer", "sgd", "--threads", "2"], "--threads: belongs to --optimizer hf, not sgd"),
        (["train", "--task", "addition", "--settings", "fast"], "The value 'fast' is invalid for '--settings <name>': choose one of hfrnn, isc"),
        (["train", "--task", "addition", "--processor-time-limit", "soon"], "--processor-time-limit 'soon' is not a positive duration of at most a year, like 90s, 30m, 2h or 1h30m"),
        (["train", "--task", "addition", "--time-limit", "1e306h"], "--time-limit '1e306h' is not a positive duration of at most a year"),
        (["train", "--task", "addition", "--mu", "-1"], "--mu: must be non-negative and finite, got -1.0"),
        (["train", "--task", "addition", "--mu", "strong"], "The value 'strong' is invalid for '--mu <mu>': expected a number or per-scored-step"),
        (["train", "--dataset", "sums.h5", "--mu", "per-scored-step"], "--mu: per-scored-step needs --task (a dataset's scored steps per sequence vary)"),
        // It trained with λ₀ = 0.01, the dataset default, without a word.
        (["train", "--dataset", "sums.h5", "--initial-lambda", "release"], "--initial-lambda: release needs --task"),
        (["train", "--task", "addition", "--initial-lambda", "0"], "--initial-lambda: must be positive and finite, got 0.0"),
        (["train", "--task", "addition", "--initial-lambda", "fast"], "The value 'fast' is invalid for '--initial-lambda <lambda>': expected a number or release"),
        (["train", "--task", "addition", "--test-sequences", "0"], "--test-sequences: must be at least 1, got 0"),
        (["train", "--task", "addition", "--checkpoint-every", "0"], "--checkpoint-every: must be at least 1 iteration, got 0"),
        (["train", "--task", "addition", "--success-threshold", "2"], "--success-threshold: must be in (0, 1], got 2.0"),
        (["train", "--task", "addition", "--run-name", ".hidden"], "--run-name: '.hidden' must be non-empty"),
        (["train", "--task", "addition", "--frobnicate"], "--frobnicate: unknown option"),
        // A typo gets the option meant (it got no hint, unlike a mistyped command).
        (["train", "--task", "addition", "--lenght", "10"], "--lenght: unknown option; did you mean --length?"),
        // Typed as `generate addition` is: it said "give exactly one of --task and --dataset".
        (["train", "addition", "--length", "10"], "'addition': train takes options only; did you mean --task addition?"),
        (["resume"], "Missing expected argument '<run-or-checkpoint>'"),
        // A setting of train that the checkpoint fixes: it said only "Unknown option".
        (["resume", "runs/x", "--hidden-units", "50"], "--hidden-units: not an option of resume: a run keeps the settings "
         + "it was trained with (start a new run with hfrnn train to change it)"),
        (["resume", "runs/x", "--dataset", "d.h5"], "--dataset: unknown option; did you mean --dataset-moved-to?"),
        (["predict", "runs/x", "--dataset", "d.h5"], "--output: missing; give --output <file>"),
        (["resume", "runs/x", "--success-threshold", "2"], "--success-threshold: must be in (0, 1], got 2.0"),
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
            (["resume", text], "hfrnn: error: \(text): not an HDF5 file, so not an hfrnn checkpoint"),
            (["resume", missing], "hfrnn: error: \(missing): file not found"),
            (["resume", folder.path], "hfrnn: error: \(folder.path): not a run folder (no latest.h5 or best.h5 in it"),
        ]
        for (arguments, expected) in cases {
            let result = try runHFRNN(arguments, in: folder)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix(expected), "\(arguments): \(result.stderr)")
            #expect(result.stderr.filter(\.isNewline).count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        // A second `train` into an existing run folder refuses instead of overwriting it. The
        // commands it suggests can be pasted as printed, a space in the run's name quoted.
        let run = ["train"] + tinyRun + ["--max-iterations", "1", "--checkpoint-dir", folder.file("runs"), "--run-name", "r 2"]
        let first = try runHFRNN(run, in: folder)
        #expect(first.status == 0)
        #expect(first.stdout.contains("hfrnn resume '\(folder.file("runs/r 2"))'"), "\(first.stdout)")
        let again = try runHFRNN(run, in: folder)
        #expect(again.status == 1)
        #expect(again.stderr == "hfrnn: error: \(folder.file("runs/r 2/latest.h5")) already exists: resume it with "
                + "`hfrnn resume '\(folder.file("runs/r 2"))'` or choose another --run-name\n")
        // best.h5 alone (a copy to branch from) is a run too: a new run replaced it.
        try FileManager.default.removeItem(atPath: folder.file("runs/r 2/latest.h5"))
        let branch = try runHFRNN(run, in: folder)
        #expect(branch.status == 1)
        #expect(branch.stderr.hasPrefix("hfrnn: error: \(folder.file("runs/r 2/best.h5")) already exists: "), "\(branch.stderr)")
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

    /// Resuming another checkpoint of a run's folder (a copy, best.h5) goes on in that folder:
    /// refused while latest.h5 is further on, whose later iterations it would drop; allowed once
    /// latest.h5 is damaged, when an older checkpoint is how the run is saved.
    @Test func resumingAnOlderCheckpointNeverDropsLaterIterations() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let runFolder = folder.file("runs/r")
        let train = try runHFRNN(["train"] + tinyRun + ["--max-iterations", "2", "--success-threshold", "0.000001",
                                                        "--checkpoint-dir", folder.file("runs"), "--run-name", "r"],
                                 in: folder)
        #expect(train.status == 0, "stderr:\n\(train.stderr)")
        let older = runFolder + "/after-2.h5"
        try FileManager.default.copyItem(atPath: runFolder + "/latest.h5", toPath: older)
        let further = try runHFRNN(["resume", runFolder, "--max-iterations", "2"], in: folder)
        #expect(further.status == 0, "stderr:\n\(further.stderr)")
        let metricsBefore = try String(contentsOfFile: runFolder + "/metrics.csv", encoding: .utf8)

        let refused = try runHFRNN(["resume", older, "--max-iterations", "1"], in: folder)
        #expect(refused.status == 1)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr == "hfrnn: error: \(older): is at iteration 2 and \(runFolder)/latest.h5 at 4: resuming "
                + "it here would replace latest.h5 and drop the later iterations; to branch from it, copy it into a "
                + "new folder and resume the copy\n")
        #expect(try Checkpoint<HessianFreeTraining<Float>>.load(from: runFolder + "/latest.h5").state.iteration == 4)
        #expect(try String(contentsOfFile: runFolder + "/metrics.csv", encoding: .utf8) == metricsBefore)

        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: runFolder + "/latest.h5"))
        let rescue = try runHFRNN(["resume", older, "--max-iterations", "1"], in: folder)
        #expect(rescue.status == 0, "stderr:\n\(rescue.stderr)")
        #expect(try Checkpoint<HessianFreeTraining<Float>>.load(from: runFolder + "/latest.h5").state.iteration == 3)
    }

    /// The BLAS kernels change every product's rounding and cannot be switched once OpenBLAS is
    /// loaded: a checkpoint records them, and resuming on others says the run will not match.
    @Test func resumeOnOtherBLASKernelsSaysSo() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let runFolder = folder.file("runs/r")
        let train = try runHFRNN(["train"] + tinyRun + ["--max-iterations", "1", "--checkpoint-dir", folder.file("runs"),
                                                        "--run-name", "r"], in: folder,
                                 environment: ["OPENBLAS_CORETYPE": "Sandybridge"])
        #expect(train.status == 0, "stderr:\n\(train.stderr)")
        let trainedOn = try #require(checkpointBLASKernels(runFolder + "/latest.h5"))
        let resume = try runHFRNN(["resume", runFolder, "--max-iterations", "1"], in: folder,
                                  environment: ["OPENBLAS_CORETYPE": "Haswell"])
        #expect(resume.status == 0, "stderr:\n\(resume.stderr)")
        let resumedOn = try #require(checkpointBLASKernels(runFolder + "/latest.h5"))
        #if arch(x86_64)
        #expect(trainedOn != resumedOn, "OPENBLAS_CORETYPE chose the kernels: \(trainedOn), \(resumedOn)")
        #endif
        let note = "note: \(runFolder)/latest.h5 was trained on OpenBLAS's \(trainedOn) kernels and continues on "
            + "\(resumedOn): the run will not match one that never stopped bit for bit (run with "
            + "OPENBLAS_CORETYPE=\(trainedOn) to match)\n"
        #expect(resume.stdout.hasPrefix(trainedOn == resumedOn ? "resuming " : note), "\(resume.stdout)")
        // On the kernels it was saved with, no note.
        let again = try runHFRNN(["resume", runFolder, "--max-iterations", "1"], in: folder,
                                 environment: ["OPENBLAS_CORETYPE": "Haswell"])
        #expect(again.stdout.hasPrefix("resuming "), "\(again.stdout)")
    }
}
