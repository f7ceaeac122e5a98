import ArgumentParser
import Diagnostics
import FirstOrder
import Foundation
import HDF5IO
import Linalg
import DataFiles
import RunStore
import Training

// `train --optimizer sgd|nesterov|adam` and `resume` of such a run: the shared training loop with
// a `FirstOrderTrainer`, and one progress line per evaluation.

func startFirstOrderTraining<S: BLASScalar & HDF5Element>(_ config: TrainingConfig, _: S.Type) throws {
    let source = try makeSource(config, S.self)
    let config = try recordingDatasetIdentity(config)
    try RunFolder(config: config).refuseExistingRun()
    let trainer = try FirstOrderTrainer<S>(config: config, source: source)
    let run = trainer.run
    try trainFirstOrder(trainer, header: "training \(describeFirstOrder(config)), \(trainer.network.shape) network, "
                        + "\(trainer.network.parameterCount) parameters, test every \(run.evaluateEvery) updates")
}

func resumeFirstOrderTraining<S: BLASScalar & HDF5Element>(_ path: String, _: S.Type, limits: SessionLimits,
                                                          successThreshold: Double?, moved: MovedDataset) throws {
    if limits.processorTimeLimitSeconds != nil {
        throw HFRNNError.configuration(field: "processorTimeLimitSeconds",
                                       message: "--processor-time-limit belongs to HF runs; \(path) is a first-order run")
    }
    let checkpoint = try FirstOrderCheckpoint<S>.load(from: path)
    if let note = blasKernelsNote(forCheckpointAt: path) { print(note) }
    let config = try relocating(
        checkpoint.config.resumed(fromCheckpointAt: path, maxIterations: limits.maxIterations,
                                  timeLimitSeconds: limits.timeLimitSeconds, successThreshold: successThreshold),
        to: moved)
    let trainer = try checkpoint.makeTrainer(source: try makeStoredRunSource(config, S.self), config: config, path: path)
    try trainFirstOrder(trainer, header: "resuming \(path) at update \(trainer.updates)")
}

func describeFirstOrder(_ config: TrainingConfig) -> String {
    let data = config.data.name
    guard let run = config.firstOrder else { return data }
    let o = run.optimizer
    var settings = ["ε = \(o.learningRate)", "minibatch \(o.minibatchSize)",
                    o.gradientClipThreshold.map { "clip \($0)" } ?? "no clipping"]
    if let weight = o.vanishingRegularizerWeight { settings.append("vanishing-gradient regulariser \(weight)") }
    switch o.method {
    case .sgd: break
    case .nesterov: settings.append("\(o.momentumSchedule.rawValue) momentum to \(o.maximumMomentum)")
    case .adam: settings.append("β₁ = \(o.adamBeta1), β₂ = \(o.adamBeta2), ε_adam = \(o.adamEpsilon)")
    }
    return "\(data), seed \(config.seed), \(config.precision.rawValue), \(o.method.rawValue) ("
        + settings.joined(separator: ", ") + "), \(run.initialization.rawValue) initialisation"
}

func trainFirstOrder<S: BLASScalar & HDF5Element>(_ trainer: FirstOrderTrainer<S>, header: String) throws {
    try runSession(trainer, header: header, columns: FirstOrderProgressLine.header, line: FirstOrderProgressLine.format,
                   limitName: "update",
                   work: { "\($0.iterations) updates (\(trainer.history.count) evaluations, \(trainer.state.skippedSteps) skipped)" },
                   noProgress: {
        "stopped: the last \(trainer.consecutiveSkips) updates were all skipped (non-finite gradient or "
            + "parameters). Likely cause: data on an extreme scale or a learning rate that overflows; training cannot move"
    })
}

/// One line per first-order evaluation.
enum FirstOrderProgressLine {
    static let header = " eval   updates   sequences    train loss   test err   test loss        lr       μ  clipped       time"

    static func format(_ r: FirstOrderRecord) -> String {
        let momentum = r.momentum.isNaN ? ProgressLine.pad("-", 6) : String(format: "%6.4f", r.momentum)
        return String(format: "%5d  %8d  %10d  %12.6g  ", r.evaluation, r.updates, r.sequences, r.trainLoss)
            + ProgressLine.pad(formatPercent(r.testError), 9)
            + String(format: "  %10.5g  %8.2e  ", r.testLoss, r.learningRate) + momentum
            + ProgressLine.pad(formatPercent(r.clippedFraction), 9)
            + String(format: "  %8.1fs", r.elapsedSeconds)
    }
}
