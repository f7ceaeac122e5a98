import ArgumentParser
import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import Linalg
import RunStore
import SequenceModel
import Training

// A training session of `hfrnn train` or `hfrnn resume`, whatever the method: build or restore the
// trainer, print the header and one progress line per record (`ReportedMethod`), and end with
// where the checkpoints are and how to go on.

func startTraining<S: BLASScalar & HDF5Element>(_ config: TrainingConfig, _: S.Type, in folder: RunFolder,
                                                threads: Int? = nil) throws {
    switch config.method {
    case .hessianFree: try start(HessianFreeTraining<S>.self, config, in: folder, threads: threads)
    case .firstOrder: try start(FirstOrderTraining<S>.self, config, in: folder, threads: threads)
    }
}

private func start<Method: ReportedMethod>(_: Method.Type, _ config: TrainingConfig, in folder: RunFolder,
                                           threads: Int?) throws {
    let group = try Workers.group()
    if !Method.sharesWork { try refuseSharing(group, "start") }
    // Every rank opens the data and builds its trainer; any failure ends all of them, reported once.
    let trainer = try group.agreeing {
        let pool = computeThreads(Method.self, requested: threads, group: group)
        // Each thread's products may run on --blas-threads of OpenBLAS's, each with its buffer.
        let blasCallers = pool.count * config.blasThreads
        try MemoryRequirement.requireBLASBuffers(threads: blasCallers)
        let source = try makeSource(config, Method.Scalar.self)
        try config.requireMemory(Method.Scalar.self, inputs: source.inputSize, outputs: source.outputSize, steps: source.steps,
                                 limit: MemoryRequirement.available(threads: blasCallers))
        // Stored by absolute path and content hash, so the run finds its data from any folder.
        let recorded = try recordingDatasetIdentity(config)
        if group.isPrimary { try folder.refuseExistingRun() }
        return try Trainer<Method>(config: recorded, source: source, group: trainerGroup(Method.self, group),
                                   threads: pool)
    }
    try train(trainer, in: folder, startsRun: true, header: Method.startHeader(trainer))
}

func resumeTraining<S: BLASScalar & HDF5Element>(_ path: String, _: S.Type, limits: SessionLimits,
                                                successThreshold: Double?, moved: MovedDataset, threads: Int? = nil) throws {
    let group = try Workers.group()
    guard try group.agreeing({ try checkpointFirstOrderMethod(path) }) != nil else {
        return try resume(HessianFreeTraining<S>.self, path, limits: limits, successThreshold: successThreshold,
                          moved: moved, threads: threads)
    }
    // A file that does not hold what a flag asks of it exits 1, as `--dataset-moved-to` on a task run does.
    if threads != nil { throw HFRNNError("--threads: belongs to HF runs; \(path) is a first-order run") }
    try refuseSharing(group, "resume")
    try resume(FirstOrderTraining<S>.self, path, limits: limits, successThreshold: successThreshold, moved: moved,
               threads: nil)
}

private func resume<Method: ReportedMethod>(_: Method.Type, _ path: String, limits: SessionLimits,
                                            successThreshold: Double?, moved: MovedDataset, threads: Int?) throws {
    let group = try Workers.group()
    let trainer = try group.agreeing {
        let checkpoint = try Checkpoint<Method>.load(from: path)
        try RunFolder(containing: path).refuseDiscardingLaterSteps(resuming: path, at: Method.completedSteps(checkpoint.state),
                                                                   stepUnit: Method.stepUnit)
        if group.isPrimary, let note = blasKernelsNote(forCheckpointAt: path) { print(note) }
        let config = try relocating(
            checkpoint.config.resumed(maxIterations: limits.maxIterations, timeLimitSeconds: limits.timeLimitSeconds,
                                      processorTimeLimitSeconds: limits.processorTimeLimitSeconds,
                                      successThreshold: successThreshold),
            to: moved)
        let pool = computeThreads(Method.self, requested: threads, group: group)
        let blasCallers = pool.count * config.blasThreads
        try MemoryRequirement.requireBLASBuffers(threads: blasCallers)
        let source = try makeStoredRunSource(config, Method.Scalar.self)
        // The sizes come from the file: a damaged minibatch of 2^29 sequences would end in a fatal allocation.
        try config.requireMemory(Method.Scalar.self, inputs: source.inputSize, outputs: source.outputSize,
                                 steps: source.steps, storedIn: path, limit: MemoryRequirement.available(threads: blasCallers))
        return try checkpoint.makeTrainer(source: source, config: config,
                                          path: path, group: trainerGroup(Method.self, group), threads: pool)
    }
    // The run goes on in the checkpoint's own folder, wherever it was moved.
    try train(trainer, in: RunFolder(containing: path), startsRun: false,
              header: "resuming \(path) at \(Method.stepUnit.name) \(trainer.completedSteps)\(curvatureNote(trainer.config))")
}

/// The processes the trainer shares its steps among: the job's, or this one alone.
private func trainerGroup<Method: ReportedMethod>(_: Method.Type, _ group: any WorkerGroup) -> any WorkerGroup {
    Method.sharesWork ? group : SingleWorker()
}

/// The threads that evaluate this process's sub-batches: `--threads` or every processor's share.
private func computeThreads<Method: ReportedMethod>(_: Method.Type, requested: Int?, group: any WorkerGroup) -> ComputeThreads {
    Method.sharesWork ? ThreadCount.resolved(requested: requested, workers: group.size) : .single
}

/// Methods that are not shared among processes: under mpirun with several, every rank stops and
/// rank 0 alone says why.
func refuseSharing(_ group: any WorkerGroup, _ verb: String) throws {
    try group.agreeing {
        if group.size > 1 { throw HFRNNError("first-order training runs in one process; \(verb) it without mpirun") }
    }
}

/// One training session: the header and column names, one progress line per record, the line
/// saying why and where it stopped, then `finishSession`.
func train<Method: ReportedMethod>(_ trainer: Trainer<Method>, in folder: RunFolder, startsRun: Bool,
                                   header: String) throws {
    let group = trainer.group
    Interruption.install(announce: group.isPrimary)
    let say = { (line: String) in if group.isPrimary { printNow(line) } }
    // The column names come with the first row: a solved run resumed trains nothing.
    var columnsShown = false
    let outcome = try runTraining(trainer, in: folder, startsRun: startsRun, shouldStop: { Interruption.requested() }, onStart: {
        say(header)
    }) { record in
        if !columnsShown { say(Method.progressHeader) }
        columnsShown = true
        say(Method.progressLine(record))
    }
    let threshold = trainer.config.resolvedSuccessThreshold
    let message: String
    switch outcome.reason {
    case .solved: message = "solved: test error below \(formatPercent(threshold))"
    case .maxIterations: message = "stopped: reached the \(Method.stepUnit.name) limit"
    case .timeLimit: message = "stopped: reached the time limit"
    case .processorTimeLimit: message = "stopped: reached the processor time limit"
    case .interrupted: message = "interrupted: checkpoint saved"
    case .noProgress: message = Method.noProgressMessage(trainer)
    }
    say("\(message) after \(Method.work(trainer, outcome)), " + String(format: "%.1f s", outcome.elapsedSeconds)
        + "; test error \(formatPercent(outcome.finalTestError)), test loss \(String(format: "%.5g", outcome.finalTestLoss))")
    if let summary = Workers.summary { say(summary) }
    if group.isPrimary {
        try finishSession(outcome, folder: folder, successThreshold: threshold, stopMessage: message)
    } else {
        if outcome.reason == .interrupted { throw ExitCode(Interruption.exitStatus) }
        if outcome.reason == .noProgress { throw ExitCode.failure }
    }
}

/// The lines every training session ends with: where its checkpoints are, how to go on, and the
/// exit status (130/143 after a signal; 1 when training could not move, with `stopMessage`, the
/// reason, as the error line on stderr).
func finishSession(_ outcome: TrainingOutcome, folder: RunFolder, successThreshold: Double, stopMessage: String) throws {
    print("latest checkpoint: \(outcome.latestCheckpoint)")
    if let best = outcome.bestCheckpoint { print("best checkpoint:   \(best)") }
    let runPath = shellQuoted(folder.path)
    if outcome.reason == .solved {
        print("train further with: hfrnn resume \(runPath) --success-threshold <fraction below \(successThreshold)>")
    } else {
        print("resume with: hfrnn resume \(runPath)")
    }
    if outcome.reason == .interrupted { throw ExitCode(Interruption.exitStatus) }
    if outcome.reason == .noProgress { throw HFRNNError("\(folder.path): \(stopMessage)") }
}
