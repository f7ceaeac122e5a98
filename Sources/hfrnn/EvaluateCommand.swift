import ArgumentParser
import Foundation
import HDF5IO
import Linalg
import RunFiles
import SequenceModel
import Tasks
import Training

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint: test loss, error rate and the task's success criterion.",
        discussion: """
            By default the checkpoint is evaluated on its run's own test set, regenerated exactly as in \
            training. --task evaluates on freshly generated sequences of a task instead (the network's \
            input and output sizes must fit it), --dataset on the sequences of an HDF5 dataset.
            """)

    @Argument(help: ArgumentHelp("A checkpoint file, or a run folder (its latest.h5).", valueName: "checkpoint"))
    var checkpoint: String

    @Option(help: ArgumentHelp("Evaluate on this HDF5 dataset (see datasets/README.md).", valueName: "file"))
    var dataset: String?

    @Option(help: ArgumentHelp("Evaluate on fresh sequences of this task: \(taskNames).", valueName: "task"), transform: choice())
    var task: PathologicalTask?

    @Option(name: [.customShort("T"), .long], parsing: .unconditional,
            help: "Minimum sequence length T of --task (required with --task).")
    var length: Int?

    @Option(parsing: .unconditional,
            help: "Sequences to evaluate with --task or --dataset (default: the run's test set size).")
    var count: Int?

    @Option(parsing: .unconditional, help: "Seed of the --task sequences (default 1).")
    var seed: UInt64?

    func validate() throws {
        if dataset != nil && task != nil { throw ValidationError("give at most one of --dataset and --task") }
        if task == nil {
            if length != nil { throw ValidationError("--length needs --task") }
            if seed != nil { throw ValidationError("--seed needs --task") }
        }
        if task == nil && dataset == nil && count != nil { throw ValidationError("--count needs --task or --dataset") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1, got \(count)") }
        if let dataset, dataset.isEmpty { throw ValidationError("--dataset must not be empty") }
        _ = try taskSpec()
    }

    /// The --task/--length pair as a spec (nil without --task).
    func taskSpec() throws -> TaskSpec? {
        guard let task else { return nil }
        guard let length else { throw ValidationError("--task needs --length") }
        return try makeTaskSpec(task, length: length)
    }

    func run() throws {
        let spec = try taskSpec()
        try runGuarded {
            let path = checkpointPath(checkpoint)
            switch try checkpointPrecision(path) {
            case .float: try evaluate(path, spec, Float.self)
            case .double: try evaluate(path, spec, Double.self)
            }
        }
    }

    private func evaluate<S: BLASScalar & HDF5Element>(_ path: String, _ spec: TaskSpec?, _: S.Type) throws {
        let run = try StoredRun<S>.load(from: path)
        var config = run.config
        let description: String
        if let spec {
            config.data = .task(spec)
        } else if let dataset {
            config.data = .dataset(path: dataset, testPath: dataset)
        }
        if let count { config.testSequences = count }
        let source: any SequenceSource<S>
        if let spec {
            source = TaskSource<S>(spec: spec, testSequences: config.testSequences, testSeed: seed ?? 1)
            description = "\(spec.name), seed \(seed ?? 1)"
        } else {
            source = try makeSource(config, S.self)
            description = dataset ?? "the run's test set (\(dataDescription(run.config)))"
        }
        let shape = run.network.shape
        try requireFit(data: source.name, inputs: source.inputSize, outputs: source.outputSize,
                       outputLoss: source.outputLoss, model: path, network: run.network)
        let chunks: [SequenceBatch<S>]
        if let spec {
            // Exactly --count sequences from --seed, in chunks of the run's test chunk size (the last one smaller).
            var rng = SeededGenerator(seed: seed ?? 1)
            var remaining = config.testSequences
            var parts: [SequenceBatch<S>] = []
            while remaining > 0 {
                let size = min(config.testChunkSize, remaining)
                parts.append(spec.makeBatch(count: size, using: &rng))
                remaining -= size
            }
            chunks = parts
        } else {
            chunks = try source.testChunks(chunkSize: config.testChunkSize)
        }
        let result = evaluateSet(network: run.network, parameters: run.parameters, chunks: chunks,
                                 criterion: source.errorCriterion)
        let threshold = config.resolvedSuccessThreshold
        let met = result.errorRate < threshold
        print("checkpoint: \(path) (\(run.firstOrderHistory == nil ? "iteration" : "update") \(run.iteration), \(shape) network, \(run.storedPrecision.rawValue))")
        print("data:       \(description), \(result.sequences) sequences")
        print("loss:       \(String(format: "%.6g", result.loss))")
        print("error rate: \(formatPercent(result.errorRate)) (\(result.wrong) of \(result.judged) sequences wrong, "
              + "\(criterionDescription(source.errorCriterion)))")
        print("success:    \(met ? "yes" : "no") (criterion: error rate below \(formatPercent(threshold)))")
    }
}

func dataDescription(_ config: TrainingConfig) -> String {
    switch config.data {
    case .task(let spec): return "\(spec.name), seed \(config.seed)"
    case .dataset(let path, let testPath): return testPath ?? path
    }
}

func criterionDescription(_ criterion: ErrorCriterion) -> String {
    switch criterion {
    case .absoluteTolerance(let tolerance): return "wrong when an output is off by more than \(tolerance)"
    case .binaryThreshold: return "wrong when an output is on the wrong side of 0.5"
    case .argmax: return "wrong when the arg-max output is not the target class"
    }
}
