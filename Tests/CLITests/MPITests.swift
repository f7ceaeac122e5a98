// Runs only in the MPI build (`swift build --traits MPI --build-tests`, docs/mpi.md): the same
// training under mpirun with 1, 2 and 3 processes (oversubscribed) and without MPI, bit for bit.
#if MPI
import DataFiles
import Foundation
import Linalg
import RunStore
import SequenceModel
import Tasks
import TestSupport
import Testing
import Training
@testable import hfrnn

/// mpirun, for `processes` ranks however many cores there are; `quiet`: without mpirun's own
/// notice that a process exited with an error.
private func mpirun(_ processes: Int, quiet: Bool = false) throws -> [String] {
    let candidates = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"]
    guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw CLITestError("no mpirun in \(candidates) (apt-get install openmpi-bin)")
    }
    return [path, "--allow-run-as-root", "--oversubscribe"] + (quiet ? ["--quiet"] : []) + ["-np", "\(processes)"]
}

/// Sub-batches of 7 in chunks of 30 (7, 7, 7, 7, 2): with 3 ranks every evaluation is split unevenly.
private let tinyRun = ["--hidden-units", "8", "--gradient-batch", "60", "--curvature-batch", "30",
                       "--evaluation-batch", "30", "--test-sequences", "40", "--sub-batch-size", "7"]

@Suite(.serialized) struct MPITests {
    /// Trains `data` for 3 iterations without MPI and under mpirun -np 1, 2, 3; all checkpoints equal.
    func expectSameRunForEveryProcessCount(_ data: [String], in folder: TemporaryFolder) throws {
        func train(_ name: String, launcher: [String]) throws -> [String] {
            let run = try runHFRNN(["train"] + data + tinyRun + ["--max-iterations", "3", "--checkpoint-dir", folder.file("runs"),
                                                                 "--run-name", name], in: folder, timeout: 300, launcher: launcher)
            #expect(run.status == 0, "\(name): stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
            #expect(run.stderr.isEmpty, "\(name): \(run.stderr)")
            // Only rank 0 prints: one header, one line per iteration.
            #expect(run.stdout.components(separatedBy: "training ").count == 2, "\(name): \(run.stdout)")
            return try checkpointFingerprint(folder.file("runs/\(name)/latest.h5"))
        }
        let alone = try train("alone", launcher: [])
        #expect(alone.count == 4 + 3)
        for processes in 1...3 {
            #expect(try train("np\(processes)", launcher: mpirun(processes)) == alone, "mpirun -np \(processes)")
        }
    }

    @Test func taskRunIsBitIdenticalForAnyProcessCount() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try expectSameRunForEveryProcessCount(["--task", "addition", "--length", "8"], in: folder)
    }

    @Test func datasetRunIsBitIdenticalForAnyProcessCount() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let spec = try TaskSpec(task: .addition, minimumLength: 8)
        var rng = SeededGenerator(seed: 5)
        try DatasetWriter.write(batch: spec.makeBatch(count: 90, using: &rng), loss: spec.outputLoss, to: folder.file("addition.h5"))
        try expectSameRunForEveryProcessCount(["--dataset", folder.file("addition.h5")], in: folder)
    }

    /// SIGTERM to mpirun (which forwards it to every rank, killing them a second later) and SIGUSR1
    /// (forwarded without a deadline) save a checkpoint at the next safe point; `mpirun hfrnn resume`
    /// with another number of processes then continues exactly as a run that never stopped.
    @Test(arguments: [SIGTERM, SIGUSR1])
    func interruptAndResumeUnderMPI(signal: Int32) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let task = ["--task", "addition", "--length", "30", "--success-threshold", "1e-9"]
        let training = try HFRNNProcess(["train"] + task + tinyRun + ["--max-iterations", "400", "--checkpoint-dir",
                                                                      folder.file("runs"), "--run-name", "stopped"],
                                        in: folder, launcher: mpirun(2))
        _ = try training.waitForLine(timeout: 60) { $0.hasPrefix("    2  ") }
        kill(training.pid, signal)
        let status = try training.wait(timeout: 60)
        #expect(status != 0, "stdout:\n\(training.stdout)\nstderr:\n\(training.stderr)")
        #expect(training.stdout.contains("interrupted: checkpoint saved after "), "\(training.stdout)")
        // Every rank gets the signal; rank 0 alone says so.
        #expect(training.stderr.components(separatedBy: "stopping at the next safe point").count == 2, "\(training.stderr)")
        let done = try Checkpoint<HessianFreeTraining<Float>>.load(from: folder.file("runs/stopped/latest.h5")).state.iteration
        #expect((2..<400).contains(done))

        let resume = try runHFRNN(["resume", folder.file("runs/stopped"), "--max-iterations", "2"], in: folder,
                                  timeout: 120, launcher: mpirun(3))
        #expect(resume.status == 0, "stdout:\n\(resume.stdout)\nstderr:\n\(resume.stderr)")
        #expect(resume.stdout.components(separatedBy: "resuming ").count == 2, "one rank prints: \(resume.stdout)")
        let straight = try runHFRNN(["train"] + task + tinyRun + ["--max-iterations", "\(done + 2)", "--checkpoint-dir",
                                                                  folder.file("runs"), "--run-name", "straight"], in: folder)
        #expect(straight.status == 0, "\(straight.stderr)")
        #expect(try checkpointFingerprint(folder.file("runs/stopped/latest.h5")) == checkpointFingerprint(folder.file("runs/straight/latest.h5")))
    }

    /// First-order runs are not shared: every rank stops before any work and rank 0 alone says why.
    @Test func firstOrderRunsRefuseSeveralProcessesWithOneMessage() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let run = try runHFRNN(["train", "--task", "addition", "--length", "8", "--optimizer", "sgd", "--checkpoint-dir",
                                folder.file("runs")], in: folder, timeout: 120, launcher: mpirun(2, quiet: true))
        #expect(run.status == 1)
        #expect(run.stderrLines == ["hfrnn: error: first-order training runs in one process; start it without mpirun"],
                "stderr:\n\(run.stderr)")
        #expect(run.stdout.isEmpty && !FileManager.default.fileExists(atPath: folder.file("runs")))
    }

    /// Rank 1 is given a file that does not exist: every rank stops, and the job prints one error line.
    @Test func aRankWithAMissingFileEndsTheJobWithOneMessage() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let spec = try TaskSpec(task: .addition, minimumLength: 8)
        var rng = SeededGenerator(seed: 5)
        try DatasetWriter.write(batch: spec.makeBatch(count: 90, using: &rng), loss: spec.outputLoss, to: folder.file("addition.h5"))
        let common = tinyRun + ["--max-iterations", "3", "--checkpoint-dir", folder.file("runs"), "--run-name", "broken"]
        let missing = folder.file("missing.h5")
        let run = try runHFRNN(["train", "--dataset", folder.file("addition.h5")] + common
                               + [":", "-np", "1", try hfrnnExecutable().path, "train", "--dataset", missing] + common,
                               in: folder, timeout: 120, launcher: mpirun(1, quiet: true))
        #expect(run.status != 0)
        #expect(run.stderrLines == ["hfrnn: error: \(missing): file not found"], "stderr:\n\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("runs/broken/latest.h5")))
    }
}
#endif
