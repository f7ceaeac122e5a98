import FirstOrder
import Foundation
import RunStore
import Testing
import DataFiles
import TestSupport
import Training

private let tinyRun = ["--task", "addition", "--length", "8", "--hidden-units", "8", "--test-sequences", "40",
                       "--minibatch", "10", "--evaluate-every", "3"]

@Suite struct FirstOrderCommandTests {
    /// A run that cannot move (every update skipped: the learning rate overflows) exits 1 with its
    /// reason as the one error line on stderr (it exited 1 with stderr empty), the details on stdout.
    @Test func aRunThatCannotMoveSaysWhyOnStderr() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try runHFRNN(["train"] + tinyRun + ["--optimizer", "sgd", "--learning-rate", "1e38", "--max-iterations", "300",
                                                      "--checkpoint-dir", folder.file("runs"), "--run-name", "stuck"], in: folder)
        #expect(run.status == 1)
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("hfrnn: error: \(folder.file("runs/stuck")): stopped: the last "), "\(run.stderr)")
        #expect(run.stderr.contains("updates were all skipped"), "\(run.stderr)")
        #expect(run.stdout.contains("resume with: hfrnn resume "), "\(run.stdout)")
    }

    /// `train --optimizer M` runs, prints one line per evaluation, and its run folder works with
    /// resume, evaluate and export.
    @Test(arguments: ["sgd", "nesterov", "adam"])
    func trainResumeEvaluateExport(_ method: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = folder.file("runs/addition-T8-seed1-\(method)")
        let train = try runHFRNN(["train"] + tinyRun + ["--optimizer", method, "--max-iterations", "5",
                                                        "--checkpoint-dir", folder.file("runs")], in: folder)
        #expect(train.status == 0, "\(train.stderr)")
        let lines = train.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains(", \(method) (") == true)
        // The column was headed "μ", HF's name for structural damping.
        #expect(lines.contains { $0.hasSuffix("lr  momentum  clipped       time") }, "\(train.stdout)")
        #expect(lines.filter { $0.hasPrefix("    1         3          30  ") || $0.hasPrefix("    2         5          50  ") }.count == 2)
        #expect(train.stdout.contains("stopped: reached the update limit after 5 updates (2 evaluations, 0 skipped)"))

        // --threads is HF's: on resume the checkpoint does not hold what the flag asks of it, which
        // exits 1 like `--dataset-moved-to` on a task run (it exited 64).
        let threaded = try runHFRNN(["resume", run, "--threads", "1"], in: folder)
        #expect(threaded.status == 1)
        #expect(threaded.stderr == "hfrnn: error: --threads: belongs to HF runs; \(run)/latest.h5 is a first-order run\n")

        let resume = try runHFRNN(["resume", run, "--max-iterations", "2"], in: folder)
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(resume.stdout.hasPrefix("resuming \(run)/latest.h5 at update 5\n"))
        let stored = try Checkpoint<FirstOrderTraining<Float>>.load(from: run + "/latest.h5")
        #expect(stored.state.step == 7 && stored.history.map(\.updates) == [3, 5, 6, 7])
        #expect(stored.config.firstOrder == {
            var expected = FirstOrderRunConfig(method: FirstOrderMethod(rawValue: method)!)
            expected.optimizer.minibatchSize = 10
            expected.evaluateEvery = 3
            return expected
        }())

        let evaluate = try runHFRNN(["evaluate", run], in: folder)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.contains("40 sequences"))
        #expect(evaluate.stdout.contains("/latest.h5 (update 7, "), "first-order runs count updates: \(evaluate.stdout)")
        let export = try runHFRNN(["export", run], in: folder)
        #expect(export.status == 0, "\(export.stderr)")
        let csv = try String(contentsOfFile: run + "/export/curves.csv", encoding: .utf8)
        #expect(csv.hasPrefix(FirstOrderRecord.curvesHeader + "\n"))
    }

    /// A first-order run records its processor time at every evaluation and stops at
    /// `--processor-time-limit`, in `train` and in `resume`, so that experiments give HF and the
    /// first-order methods the same processor budget (the flag was refused before).
    @Test(arguments: ["sgd", "adam"])
    func processorTimeLimitStopsAndIsRecorded(_ method: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = folder.file("runs/addition-T8-seed1-\(method)")
        let train = try runHFRNN(["train"] + tinyRun + ["--optimizer", method, "--processor-time-limit", "0.3s",
                                                        "--checkpoint-dir", folder.file("runs")], in: folder)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("stopped: reached the processor time limit"), "\(train.stdout)")
        let first = try Checkpoint<FirstOrderTraining<Float>>.load(from: run + "/latest.h5")
        let seconds = first.history.map(\.processorSeconds)
        #expect(seconds.allSatisfy(\.isFinite) && seconds == seconds.sorted())
        // The record is made just before the limit is checked, so it may hold a little less.
        #expect((seconds.last ?? 0) >= 0.2)

        let resume = try runHFRNN(["resume", run, "--processor-time-limit", "0.3s"], in: folder)
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(resume.stdout.contains("stopped: reached the processor time limit"), "\(resume.stdout)")
        let resumed = try Checkpoint<FirstOrderTraining<Float>>.load(from: run + "/latest.h5")
        #expect(resumed.history.count > first.history.count)
        #expect((resumed.history.last?.processorSeconds ?? 0) >= (seconds.last ?? .infinity) + 0.2)
        let csv = try String(contentsOfFile: run + "/metrics.csv", encoding: .utf8)
        #expect(csv.hasPrefix(FirstOrderRecord.curvesHeader + "\n") && FirstOrderRecord.curvesHeader.hasSuffix(",processor_seconds"))
    }

    /// The careful initialisation starts h₀ at 0 unless `--random-initial-state` asks for HF's
    /// draw (the default until 2026-12-07); the choice is stored in the run's configuration.
    @Test(arguments: [([String](), true), (["--zero-initial-state"], true), (["--random-initial-state"], false)])
    func initialStateFlagsReachTheStoredConfig(_ flags: [String], _ zeroInitialState: Bool) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let train = try runHFRNN(["train"] + tinyRun + ["--optimizer", "nesterov", "--max-iterations", "1",
                                                        "--checkpoint-dir", folder.file("runs")] + flags, in: folder)
        #expect(train.status == 0, "\(train.stderr)")
        let stored = try Checkpoint<FirstOrderTraining<Float>>.load(from: folder.file("runs/addition-T8-seed1-nesterov/latest.h5"))
        #expect(stored.config.firstOrder?.carefulInitialization.zeroInitialState == zeroInitialState)
    }

    /// Bad first-order flags: one line naming the flag, status 64, nothing written.
    @Test(arguments: [
        (["--optimizer", "adam", "--learning-rate", "-0.1"], "hfrnn: error: --learning-rate: must be positive and finite, got -0.1"),
        (["--optimizer", "newton"], "hfrnn: error: The value 'newton' is invalid for '--optimizer <optimizer>': choose one of hf, sgd, nesterov, adam"),
        (["--optimizer", "adam", "--max-cg", "5"], "hfrnn: error: --max-cg: belongs to --optimizer hf, not adam"),
        (["--learning-rate", "0.1"], "hfrnn: error: --learning-rate: belongs to --optimizer sgd, nesterov, adam, not hf"),
        (["--optimizer", "sgd", "--max-momentum", "0.9"], "hfrnn: error: --max-momentum: belongs to --optimizer nesterov, not sgd"),
        (["--optimizer", "nesterov", "--beta1", "0.5"], "hfrnn: error: --beta1: belongs to --optimizer adam, not nesterov"),
        (["--optimizer", "sgd", "--clip", "1", "--no-clip"], "hfrnn: error: --clip and --no-clip contradict each other"),
        (["--optimizer", "sgd", "--evaluate-every", "0"], "hfrnn: error: --evaluate-every: must be at least 1 update, got 0"),
        (["--optimizer", "sgd", "--initialization", "smart-tanh", "--random-initial-state"],
         "hfrnn: error: --random-initial-state: belongs to --initialization careful"),
        (["--optimizer", "nesterov", "--zero-initial-state", "--random-initial-state"],
         "hfrnn: error: --zero-initial-state and --random-initial-state contradict each other"),
        (["--optimizer", "nesterov", "--random-initial-state", "--zero-initial-state"],
         "hfrnn: error: --zero-initial-state and --random-initial-state contradict each other"),
    ])
    func badFlagsAreOneLineBeforeAnyWork(_ flags: [String], _ message: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try runHFRNN(["train", "--task", "addition", "--checkpoint-dir", folder.file("runs")] + flags, in: folder)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines.first?.hasPrefix(message) == true, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("runs")))
    }
}
