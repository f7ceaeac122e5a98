import Foundation
import TestSupport
import Testing

/// When the path given to resume, evaluate or export holds no checkpoint, or a command name is
/// mistyped, the one error line says what the user typed is instead of what hfrnn failed to find.
@Suite struct WhatAPathIsTests {
    private func expectOneLine(_ result: CommandResult, status: Int32 = 1, startsWith expected: String,
                               _ comment: String = "") {
        #expect(result.status == status, "\(comment) stderr: \(result.stderr)")
        #expect(result.stderrLines.count == 1, "\(comment) stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("hfrnn: error: " + expected), "\(comment) stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty, "\(comment) stdout: \(result.stdout)")
    }

    /// `hfrnn trian --task addition` used to say "Unknown option '--task'".
    @Test func aMistypedCommandIsNamedWithTheClosestOne() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        expectOneLine(try runHFRNN(["trian", "--task", "addition"], in: folder), status: 64,
                      startsWith: "'trian' is not an hfrnn command; did you mean 'train'?")
        expectOneLine(try runHFRNN(["evalute", "runs/x"], in: folder), status: 64,
                      startsWith: "'evalute' is not an hfrnn command; did you mean 'evaluate'?")
        expectOneLine(try runHFRNN(["frobnicate"], in: folder), status: 64,
                      startsWith: "'frobnicate' is not an hfrnn command (commands: train, resume, evaluate, predict, export")
        // Help for a command that does not exist printed the root help and exited 0.
        expectOneLine(try runHFRNN(["help", "trian"], in: folder), status: 64,
                      startsWith: "'trian' is not an hfrnn command; did you mean 'train'?")
        // An unknown option is named even when the command's own checks would fail first.
        expectOneLine(try runHFRNN(["train", "--frobnicate"], in: folder), status: 64,
                      startsWith: "--frobnicate: unknown option")
        expectOneLine(try runHFRNN(["evaluate", "--frob=2"], in: folder), status: 64, startsWith: "--frob: unknown option")
        // A value that starts with "--" is not taken as a value; it said "Unknown option '--hidden-units 4'".
        expectOneLine(try runHFRNN(["experiment", "grid", "--tasks", "addition", "--lengths", "10", "--seeds", "1",
                                    "--iteration-budget", "1", "--variant", "--hidden-units 4"], in: folder), status: 64,
                      startsWith: "--variant: '--hidden-units 4' reads as an option, not as the value of --variant "
                          + "(a value cannot start with '--')")
        let help = try runHFRNN(["help", "train"], in: folder)
        #expect(help.status == 0 && help.stdout.contains("USAGE: hfrnn train"), "\(help.stdout)")
        // `hfrnn` alone printed the help and exited 0; a missing command is a usage error.
        expectOneLine(try runHFRNN([], in: folder), status: 64,
                      startsWith: "no command given (commands: train, resume, evaluate, predict, export")
        let rootHelp = try runHFRNN(["--help"], in: folder)
        #expect(rootHelp.status == 0 && rootHelp.stdout.contains("USAGE: hfrnn <subcommand>"), "\(rootHelp.stdout)")
    }

    /// A run folder the user may not look into was "not a run folder (no latest.h5 or best.h5 in
    /// it…)". Run as another user, so only where the tests run as root (as in CI).
    @Test(.enabled(if: WhatAPathIsTests.canRunAsAnotherUser(), "needs root, setpriv and a checkout that user 65534 can run"))
    func aFolderThatCannotBeReadSaysSo() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = folder.file("run")
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: false)
        chmod(folder.path, 0o755)
        chmod(run, 0o000)
        expectOneLine(try runHFRNN(["evaluate", run], in: folder, launcher: Self.otherUser),
                      startsWith: "\(run): cannot look inside: Permission denied")
    }

    static let otherUser = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

    /// Whether hfrnn can be run as user 65534 (a checkout under /root cannot).
    static func canRunAsAnotherUser() -> Bool {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: otherUser[0]) else { return false }
        return (try? runHFRNN(["--version"], in: NSTemporaryDirectory(), launcher: otherUser).status) == 0
    }

    /// Output that does not reach stdout is a failure: `evaluate --json > /dev/full` exited 0.
    @Test func lostStandardOutputIsAFailure() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // A shell starts hfrnn with stdout on /dev/full, where every write fails with ENOSPC.
        let full = try runHFRNN(["generate", "addition", "--length", "10", "--count", "4", "--output", "x.h5"],
                                in: folder, launcher: ["/bin/sh", "-c", "exec \"$@\" > /dev/full", "sh"])
        #expect(full.status == 1, "\(full.stderr)")
        #expect(full.stderr == "hfrnn: error: stdout: No space left on device\n", "\(full.stderr)")
    }

    /// `--dataset a.h5 --dataset b.h5` trained on b.h5 without a word: the last value won.
    @Test func anOptionGivenTwiceIsRefused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        expectOneLine(try runHFRNN(["train", "--dataset", "a.h5", "--dataset", "b.h5"], in: folder), status: 64,
                      startsWith: "--dataset: given more than once; give it once (see 'hfrnn train --help')")
        expectOneLine(try runHFRNN(["train", "--task", "addition", "--seed=1", "--seed", "2"], in: folder), status: 64,
                      startsWith: "--seed: given more than once")
        expectOneLine(try runHFRNN(["generate", "addition", "-T", "5", "--length", "6", "--count", "2", "-o", "x.h5"],
                                   in: folder), status: 64, startsWith: "--length: given more than once")
        expectOneLine(try runHFRNN(["generate", "addition", "-T5", "-T", "6", "--count", "2", "-o", "x.h5"],
                                   in: folder), status: 64, startsWith: "--length: given more than once")
        #expect(folder.contents().isEmpty)
        // Options meant to be repeated, and values that look like numbers, are not refused.
        let grid = try runHFRNN(["experiment", "grid", "--tasks", "addition", "--lengths", "5", "--seeds", "1",
                                 "--variant", "a=--hidden-units 4", "--variant", "b=--hidden-units 5",
                                 "--iteration-budget", "-1"], in: folder)
        #expect(!grid.stderr.contains("given more than once"), "\(grid.stderr)")
    }

    /// A folder of runs (here one with runs/tiny in it) used to give "latest.h5: file not found".
    @Test func aFolderOfRunsListsTheRuns() throws {
        let workspace = try Workspace(train: true)
        for command in ["resume", "evaluate", "export"] {
            expectOneLine(try runHFRNN([command, "runs"], in: workspace.path),
                          startsWith: "runs: a folder of runs, not a run; give one of them: runs/tiny", command)
            expectOneLine(try runHFRNN([command, "."], in: workspace.path),
                          startsWith: ".: a folder of runs, not a run; give one of them: ./runs/tiny", command)
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.run + "/export"))
    }

    /// A file that is not HDF5 used to show HDF5's error stack; a dataset, "no precision attribute".
    @Test func aFileThatIsNoCheckpointIsNamedForWhatItIs() throws {
        let workspace = try Workspace(train: false)
        try Data("not a checkpoint\n".utf8).write(to: URL(fileURLWithPath: workspace.path + "/notes.txt"))
        let generated = try runHFRNN(["generate", "addition", "--length", "8", "--count", "10", "--seed", "1",
                                      "--output", "sums.h5"], in: workspace.path)
        try #require(generated.status == 0, "\(generated.stderr)")
        let probed = try runHFRNN(["probe", "--task", "addition", "--length", "8", "--hidden-units", "3", "--count", "4",
                                   "--output", "probe.h5"], in: workspace.path)
        try #require(probed.status == 0, "\(probed.stderr)")
        // A device never ends and a FIFO blocks whoever opens it: /dev/zero crashed (the search for
        // the HDF5 signature doubled its offset past 2^63) and a FIFO hung every command.
        try #require(mkfifo(workspace.path + "/fifo", 0o600) == 0)
        for command in ["resume", "evaluate", "export"] {
            for special in ["/dev/zero", "fifo"] {
                expectOneLine(try runHFRNN([command, special], in: workspace.path),
                              startsWith: "\(special): not a regular file (a device or a pipe?)", command)
            }
        }
        for command in ["resume", "evaluate", "export"] {
            // It said "not an hfrnn checkpoint (no format = 'hfrnn-checkpoint' attribute)".
            expectOneLine(try runHFRNN([command, "probe.h5"], in: workspace.path),
                          startsWith: "probe.h5: a derivative probe file (hfrnn probe), not a checkpoint", command)
            let text = try runHFRNN([command, "notes.txt"], in: workspace.path)
            expectOneLine(text, startsWith: "notes.txt: not an HDF5 file, so not an hfrnn checkpoint", command)
            #expect(!text.stderr.contains("HDF5:"), "\(text.stderr)")
            expectOneLine(try runHFRNN([command, "sums.h5"], in: workspace.path),
                          startsWith: "sums.h5: a dataset, not a checkpoint (train on it with `hfrnn train --dataset sums.h5`)",
                          command)
        }
    }

    /// An output folder that cannot be created used to print Foundation's wording, without the folder first.
    @Test func anExportFolderThatCannotBeCreatedIsNamedFirst() throws {
        let workspace = try Workspace(train: true)
        _ = FileManager.default.createFile(atPath: workspace.path + "/blocker", contents: Data("x".utf8))
        expectOneLine(try runHFRNN(["export", "runs/tiny", "--output", "/proc/hfrnn-export"], in: workspace.path),
                      startsWith: "/proc/hfrnn-export: cannot create the output folder: ")
        expectOneLine(try runHFRNN(["export", "runs/tiny", "--output", "blocker/out"], in: workspace.path),
                      startsWith: "blocker/out: cannot create the output folder: ")
        expectOneLine(try runHFRNN(["export", "runs/tiny", "--output", "blocker"], in: workspace.path),
                      startsWith: "blocker: exists and is not a folder")
    }

    /// A double Ctrl-C during iteration 1 leaves a run folder with only metrics.csv; resume used to
    /// say "latest.h5: file not found".
    @Test func aRunStoppedBeforeItsFirstIterationSaysHowToStartAgain() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // The default batches at T = 100: the first iteration takes seconds.
        let training = try HFRNNProcess(["train", "--task", "addition", "--length", "100", "--checkpoint-dir",
                                         folder.file("runs"), "--run-name", "r"], in: folder)
        let metrics = folder.file("runs/r/metrics.csv")
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: metrics) && Date() < deadline { usleep(10_000) }
        training.interrupt()
        // Signals do not queue: the second must come after the handler has taken the first.
        let noted = Date().addingTimeInterval(10)
        while !training.stderr.contains("stopping at the next safe point") && Date() < noted { usleep(5_000) }
        training.interrupt()
        _ = try training.wait(timeout: 20)
        try #require(!FileManager.default.fileExists(atPath: folder.file("runs/r/latest.h5")),
                     "the first iteration finished before the signals: \(training.stdout)")
        expectOneLine(try runHFRNN(["resume", "runs/r"], in: folder),
                      startsWith: "runs/r: no checkpoint: the run stopped before its first iteration finished; "
                        + "start it again with the same `hfrnn train` command")
        let again = try runHFRNN(["train", "--task", "addition", "--length", "8", "--hidden-units", "4",
                                  "--gradient-batch", "20", "--curvature-batch", "20", "--evaluation-batch", "20",
                                  "--test-sequences", "20", "--max-iterations", "1",
                                  "--checkpoint-dir", "runs", "--run-name", "r"], in: folder)
        #expect(again.status == 0, "starting again in the same folder: \(again.stderr)")
    }
}
