import Diagnostics
import Foundation
import HDF5IO
import HessianFree
import Linalg
import RunStore
import Training

// What a training session prints for each method: how the run is described, the column names
// and one progress line per record, and how the end of a session is worded.

/// A method as `hfrnn train` and `hfrnn resume` report it.
protocol ReportedMethod: StoredMethod {
    /// Whether its steps are shared among the processes of an MPI job and the threads of `--threads`.
    static var sharesWork: Bool { get }
    /// The header line of a new run.
    static func startHeader(_ trainer: Trainer<Self>) -> String
    /// The column names above the progress lines, and one line per record.
    static var progressHeader: String { get }
    static func progressLine(_ record: Record) -> String
    /// How much a session did, after "stopped: … after".
    static func work(_ trainer: Trainer<Self>, _ outcome: TrainingOutcome) -> String
    /// The line of a run stopped without progress.
    static func noProgressMessage(_ trainer: Trainer<Self>) -> String
}

extension ReportedMethod {
    /// What the run trains and tests on; a dataset without a separate test file says that its
    /// test rows are trained on too, which nothing else on the screen would.
    static func dataSummary(_ trainer: Trainer<Self>) -> String {
        switch trainer.config.data {
        case .task(let spec): spec.name
        case .dataset(let path, let testPath?): "\(path) with test set \(testPath)"
        case .dataset(let path, nil): "\(path) (test set: its first \(trainer.testSetSize) sequences, also trained on)"
        }
    }

    /// The network part of the header.
    static func networkSummary(_ trainer: Trainer<Self>) -> String {
        "\(trainer.network.shape) network, \(trainer.network.parameterCount) parameters"
    }
}

extension HessianFreeTraining: ReportedMethod where Scalar: HDF5Element {
    static var sharesWork: Bool { true }

    static func startHeader(_ trainer: Trainer<Self>) -> String {
        let config = trainer.config, mu = trainer.settings.structuralDampingWeight
        return "training \(dataSummary(trainer)), seed \(config.seed), \(config.precision.rawValue)\(curvatureNote(config)), "
            + (mu > 0 ? "structural damping μ = \(String(format: "%g", mu))" : "no structural damping") + ", " + networkSummary(trainer)
    }

    static var progressHeader: String {
        " iter    train loss   test err   test loss         λ        ρ     CG  CG stop        α       time"
    }

    static func progressLine(_ record: IterationRecord) -> String {
        // String(format:) takes only numbers here: %s would need a C string.
        String(format: "%5d  %12.6g  ", record.iteration, record.trainLoss)
            + pad(formatPercent(record.testError), 9)
            + String(format: "  %10.5g  %8.2e  %7.3f  %5d  ", record.testLoss, record.lambda, record.rho, record.cgIterations)
            + pad(String(record.cgStopCode.prefix(10)), -10)
            + " " + formatStepSize(record.stepSize) + String(format: "  %6.1fs", record.elapsedSeconds)
            + (record.accepted ? "" : "  (\(record.decision.reason))")
    }

    static func work(_ trainer: Trainer<Self>, _ outcome: TrainingOutcome) -> String {
        "\(counted(outcome.iterations, "HF iteration")), \(counted(outcome.totalCGIterations, "CG step"))"
    }

    static func noProgressMessage(_ trainer: Trainer<Self>) -> String {
        let rejected = trainer.history.suffix(trainer.stalledSteps)
        // Line-search failures alone mean no step lowered the loss on fresh sequences: a plateau,
        // not bad data; a non-finite value points at the data's scale.
        let likelyCause = rejected.allSatisfy { $0.decision == .lineSearchFailed }
            ? "a plateau where no step lowers the loss on fresh sequences (another seed, or larger "
                + "--gradient-batch and --evaluation-batch, may get past it)"
            : "data on an extreme scale (rescale inputs and targets to about ±1) or values that overflow"
        return "stopped: the last \(rejected.count) HF iterations were all rejected (λ "
            + String(format: "%.3g → %.3g", rejected.first?.lambda ?? .nan, rejected.last?.lambdaNext ?? .nan)
            + "; last: \(rejected.last?.decision.reason ?? "-")). Likely cause: \(likelyCause); training cannot move"
    }

    /// The line-search step α in five columns: 0 only for a rejected step; steps below 0.001 in
    /// scientific notation so that a small accepted step never reads as 0.000.
    static func formatStepSize(_ alpha: Double) -> String {
        if alpha == 0 { return pad("0", 5) }
        return alpha < 0.001 ? String(format: "%5.0e", alpha) : String(format: "%5.3f", alpha)
    }
}

extension FirstOrderTraining: ReportedMethod where Scalar: HDF5Element {
    /// First-order runs are not shared among processes.
    static var sharesWork: Bool { false }

    static func startHeader(_ trainer: Trainer<Self>) -> String {
        let config = trainer.config, run = trainer.settings, o = run.optimizer
        var settings = ["learning rate \(o.learningRate)", "minibatch \(o.minibatchSize)",
                        o.gradientClipThreshold.map { "clip \($0)" } ?? "no clipping"]
        if let weight = o.vanishingRegularizerWeight { settings.append("vanishing-gradient regulariser \(weight)") }
        switch o.method {
        case .sgd: break
        case .nesterov: settings.append("\(o.momentumSchedule.rawValue) momentum to \(o.maximumMomentum)")
        case .adam: settings.append("β₁ = \(o.adamBeta1), β₂ = \(o.adamBeta2), ε = \(o.adamEpsilon)")
        }
        return "training \(dataSummary(trainer)), seed \(config.seed), \(config.precision.rawValue), \(o.method.rawValue) ("
            + settings.joined(separator: ", ") + "), \(run.initialization.rawValue) initialisation, "
            + networkSummary(trainer) + ", test every \(run.evaluateEvery) updates"
    }

    static var progressHeader: String {
        " eval   updates   sequences    train loss   test err   test loss        lr  momentum  clipped       time"
    }

    static func progressLine(_ r: FirstOrderRecord) -> String {
        let momentum = r.momentum.isNaN ? pad("-", 8) : String(format: "%8.4f", r.momentum)
        return String(format: "%5d  %8d  %10d  %12.6g  ", r.evaluation, r.updates, r.sequences, r.trainLoss)
            + pad(formatPercent(r.testError), 9)
            + String(format: "  %10.5g  %8.2e  ", r.testLoss, r.learningRate) + momentum
            + pad(formatPercent(r.clippedFraction), 9)
            + String(format: "  %8.1fs", r.elapsedSeconds)
    }

    static func work(_ trainer: Trainer<Self>, _ outcome: TrainingOutcome) -> String {
        "\(counted(outcome.iterations, "update")) (\(counted(trainer.history.count, "evaluation")), \(trainer.state.skippedSteps) skipped)"
    }

    static func noProgressMessage(_ trainer: Trainer<Self>) -> String {
        "stopped: the last \(trainer.stalledSteps) updates were all skipped (non-finite gradient or "
            + "parameters). Likely cause: data on an extreme scale or a learning rate that overflows; training cannot move"
    }
}

/// Right-aligns (width > 0) or left-aligns (width < 0) `text` in |width| columns.
func pad(_ text: String, _ width: Int) -> String {
    let fill = String(repeating: " ", count: max(0, abs(width) - text.count))
    return width > 0 ? fill + text : text + fill
}

func formatPercent(_ fraction: Double) -> String { String(format: "%.2f%%", 100 * fraction) }

/// " (curvature products in bf16)" for a run whose products are not float, else nothing: the
/// start and resume lines say what the run computes in, and that a CPU without AVX-512 BF16 gives
/// the same numbers slowly.
func curvatureNote(_ config: TrainingConfig) -> String {
    guard config.curvatureArithmetic == .bfloat16 else { return "" }
    let kernel = BFloat16Products.hasInstructions ? "" : ", emulated: this CPU lacks AVX-512 BF16, so they are many times slower"
    return " (curvature products in \(config.curvatureArithmetic.rawValue)\(kernel))"
}
