import ArgumentParser
import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import HessianFree
import Linalg
import RunStore
import SequenceModel
import Tasks
import Training
import TrainingRun

// A training session of `hfrnn train` or `hfrnn resume` for Hessian-free runs: build or restore the
// trainer, print the header and one progress line per HF iteration, and end with where the
// checkpoints are and how to go on.

func startTraining<S: BLASScalar & HDF5Element>(_ config: TrainingConfig, _: S.Type, threads: Int? = nil) throws {
    let group = try Workers.group()
    if config.firstOrder != nil {
        try refuseSharing(group, "start")
        return try startFirstOrderTraining(config, S.self)
    }
    // Every rank opens the data and builds its trainer; any failure ends all of them, reported once.
    let trainer = try group.agreeing {
        let source = try makeSource(config, S.self)
        // Stored by absolute path and content hash, so the run finds its data from any folder.
        let recorded = try recordingDatasetIdentity(config)
        if group.isPrimary { try RunFolder(config: recorded).refuseExistingRun() }
        return try HFTrainer<S>(config: recorded, source: source, group: group,
                                threads: ThreadCount.resolved(requested: threads, workers: group.size))
    }
    try train(trainer, header: "training \(describe(trainer.config)), \(trainer.network.shape) network, \(trainer.network.parameterCount) parameters")
}

func resumeTraining<S: BLASScalar & HDF5Element>(_ path: String, _: S.Type, limits: SessionLimits,
                                                successThreshold: Double?, moved: MovedDataset, threads: Int? = nil) throws {
    let group = try Workers.group()
    if try group.agreeing({ try checkpointFirstOrderMethod(path) }) != nil {
        if threads != nil { throw HFRNNError("--threads belongs to HF runs; \(path) is a first-order run") }
        try refuseSharing(group, "resume")
        return try resumeFirstOrderTraining(path, S.self, limits: limits, successThreshold: successThreshold, moved: moved)
    }
    let (trainer, iteration) = try group.agreeing {
        let checkpoint = try TrainingCheckpoint<S>.load(from: path)
        if group.isPrimary, let note = blasKernelsNote(forCheckpointAt: path) { print(note) }
        let config = try relocating(
            checkpoint.config.resumed(fromCheckpointAt: path, maxIterations: limits.maxIterations,
                                      timeLimitSeconds: limits.timeLimitSeconds,
                                      processorTimeLimitSeconds: limits.processorTimeLimitSeconds,
                                      successThreshold: successThreshold),
            to: moved)
        let trainer = try checkpoint.makeTrainer(source: try makeStoredRunSource(config, S.self), config: config,
                                                 path: path, group: group,
                                                   threads: ThreadCount.resolved(requested: threads, workers: group.size))
        return (trainer, checkpoint.state.iteration)
    }
    try train(trainer, header: "resuming \(path) at iteration \(iteration)")
}

/// First-order runs are not shared among processes: under mpirun with several, every rank stops
/// and rank 0 alone says why.
func refuseSharing(_ group: any WorkerGroup, _ verb: String) throws {
    try group.agreeing {
        if group.size > 1 { throw HFRNNError("first-order training runs in one process; \(verb) it without mpirun") }
    }
}

func describe(_ config: TrainingConfig) -> String {
    let mu = config.optimizer.structuralDampingWeight
    return "\(config.data.name), seed \(config.seed), \(config.precision.rawValue), "
        + (mu > 0 ? "structural damping μ = \(mu)" : "no structural damping")
}

func train<S: BLASScalar & HDF5Element>(_ trainer: HFTrainer<S>, header: String) throws {
    try runSession(trainer, header: header, columns: ProgressLine.header, line: ProgressLine.format,
                   limitName: "iteration", work: { "\($0.iterations) HF iterations, \($0.totalCGIterations) CG steps" },
                   noProgress: {
        let rejected = trainer.history.suffix(trainer.trailingRejections)
        // Line-search failures alone mean no step lowered the loss on fresh sequences: a plateau,
        // not bad data; a non-finite value points at the data's scale.
        let likelyCause = rejected.allSatisfy { $0.decision == .lineSearchFailed }
            ? "a plateau where no step lowers the loss on fresh sequences (another seed, or larger "
                + "--gradient-batch and --evaluation-batch, may get past it)"
            : "data on an extreme scale (rescale inputs and targets to about ±1) or values that overflow"
        return "stopped: the last \(rejected.count) HF iterations were all rejected (λ "
            + String(format: "%.3g → %.3g", rejected.first?.lambda ?? .nan, rejected.last?.lambdaNext ?? .nan)
            + "; last: \(rejected.last?.decision.reason ?? "-")). Likely cause: \(likelyCause); training cannot move"
    })
}

/// One training session, HF or first-order: the header and column names, one progress line per
/// record, the line saying why and where it stopped (`work` says how much was done), then
/// `finishSession`.
func runSession<Driver: TrainingDriver>(_ trainer: Driver, header: String, columns: String,
                                        line: (Driver.Record) -> String, limitName: String,
                                        work: (TrainingOutcome) -> String, noProgress: () -> String) throws {
    let group = trainer.group
    Interruption.install(announce: group.isPrimary)
    let say = { (line: String) in if group.isPrimary { printNow(line) } }
    let outcome = try runTraining(trainer, shouldStop: { Interruption.requested() }, onStart: {
        say(header)
        say(columns)
    }) { record in
        say(line(record))
    }
    let threshold = trainer.config.resolvedSuccessThreshold
    let message: String
    switch outcome.reason {
    case .solved: message = "solved: test error below \(formatPercent(threshold))"
    case .maxIterations: message = "stopped: reached the \(limitName) limit"
    case .timeLimit: message = "stopped: reached the time limit"
    case .processorTimeLimit: message = "stopped: reached the processor time limit"
    case .interrupted: message = "interrupted: checkpoint saved"
    case .noProgress: message = noProgress()
    }
    say("\(message) after \(work(outcome)), " + String(format: "%.1f s", outcome.elapsedSeconds)
        + "; test error \(formatPercent(outcome.finalTestError)), test loss \(String(format: "%.5g", outcome.finalTestLoss))")
    if let summary = Workers.summary { say(summary) }
    if group.isPrimary {
        try finishSession(outcome, config: trainer.config, successThreshold: threshold)
    } else {
        if outcome.reason == .interrupted { throw ExitCode(Interruption.exitStatus) }
        if outcome.reason == .noProgress { throw ExitCode.failure }
    }
}

/// The lines every training session ends with, HF or first-order: where its checkpoints are, how
/// to go on, and the exit status (130/143 after a signal, 1 when training could not move).
func finishSession(_ outcome: TrainingOutcome, config: TrainingConfig, successThreshold: Double) throws {
    print("latest checkpoint: \(outcome.latestCheckpoint)")
    if let best = outcome.bestCheckpoint { print("best checkpoint:   \(best)") }
    let runPath = RunFolder(config: config).path
    if outcome.reason == .solved {
        print("train further with: hfrnn resume \(runPath) --success-threshold <fraction below \(successThreshold)>")
    } else {
        print("resume with: hfrnn resume \(runPath)")
    }
    if outcome.reason == .interrupted { throw ExitCode(Interruption.exitStatus) }
    if outcome.reason == .noProgress { throw ExitCode.failure }
}

/// One line per HF iteration.
enum ProgressLine {
    static let header = " iter    train loss   test err   test loss         λ        ρ     CG  CG stop        α       time"

    static func format(_ record: IterationRecord) -> String {
        // String(format:) takes only numbers here: %s would need a C string.
        return String(format: "%5d  %12.6g  ", record.iteration, record.trainLoss)
            + pad(formatPercent(record.testError), 9)
            + String(format: "  %10.5g  %8.2e  %7.3f  %5d  ", record.testLoss, record.lambda, record.rho, record.cgIterations)
            + pad(String(record.cgStopCode.prefix(10)), -10)
            + " " + formatStepSize(record.stepSize) + String(format: "  %6.1fs", record.elapsedSeconds)
            + (record.accepted ? "" : "  (\(record.decision.reason))")
    }

    /// The line-search step α in five columns: 0 only for a rejected step; steps below 0.001 in
    /// scientific notation so that a small accepted step never reads as 0.000.
    static func formatStepSize(_ alpha: Double) -> String {
        if alpha == 0 { return pad("0", 5) }
        return alpha < 0.001 ? String(format: "%5.0e", alpha) : String(format: "%5.3f", alpha)
    }

    /// Right-aligns (width > 0) or left-aligns (width < 0) `text` in |width| columns.
    static func pad(_ text: String, _ width: Int) -> String {
        let fill = String(repeating: " ", count: max(0, abs(width) - text.count))
        return width > 0 ? fill + text : text + fill
    }
}

func formatPercent(_ fraction: Double) -> String { String(format: "%.2f%%", 100 * fraction) }
