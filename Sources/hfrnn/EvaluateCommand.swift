import ArgumentParser
import DataFiles
import Foundation
import Reports
import RunStore
import Tasks
import Training

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a checkpoint: test loss, error rate and the task's success criterion.",
        discussion: """
            By default the checkpoint is evaluated on its run's own test set, regenerated exactly as in \
            training. --task evaluates on freshly generated sequences of a task instead (the network's \
            input and output sizes must fit it), --dataset on every row of an HDF5 dataset (or its \
            first --count rows). --json prints one JSON document instead of the text (schema in \
            checkpoints/README.md).

            Examples:
              hfrnn evaluate checkpoints/addition-T100-seed1
              hfrnn evaluate checkpoints/xor-T50-seed1 --task xor --length 80 --seed 7
              hfrnn evaluate checkpoints/sums --dataset sums-test.h5 --json
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

    @Option(parsing: .unconditional, help: """
        Sequences to evaluate: fresh ones of --task, or the first rows of the --dataset file \
        (default: the run's test set size with --task, every row with --dataset).
        """)
    var count: Int?

    @Option(parsing: .unconditional, help: "Seed of the --task sequences (default: 1).")
    var seed: UInt64?

    @Flag(help: "Print the result as one JSON document (format hfrnn-evaluation).")
    var json = false

    @OptionGroup var movedDataset: MovedDatasetOptions

    func validate() throws {
        if dataset != nil && task != nil { throw ValidationError("give at most one of --dataset and --task") }
        if task == nil {
            if length != nil { throw ValidationError("--length: needs --task") }
            if seed != nil { throw ValidationError("--seed: needs --task") }
        }
        if task == nil && dataset == nil && count != nil { throw ValidationError("--count: needs --task or --dataset") }
        if let count, count < 1 { throw ValidationError("--count: must be at least 1, got \(count)") }
        if let count, count > BatchPlan.largestBatch {
            throw ValidationError("--count: must be at most \(BatchPlan.largestBatch), got \(count)")
        }
        if let dataset, dataset.isEmpty { throw ValidationError("--dataset: must not be empty") }
        if movedDataset.given && (dataset != nil || task != nil) {
            throw ValidationError("\(movedDataset.dataset != nil ? MovedDataset.datasetFlag : MovedDataset.testDatasetFlag)"
                                  + ": is for the run's own test set, not with --dataset or --task")
        }
        _ = try taskSpec()
    }

    /// The --task/--length pair as a spec (nil without --task).
    func taskSpec() throws -> TaskSpec? {
        guard let task else { return nil }
        guard let length else { throw ValidationError("--task: needs --length") }
        return try makeTaskSpec(task, length: length)
    }

    func run() throws {
        let data: EvaluationData
        if let spec = try taskSpec() {
            data = .task(spec, seed: seed ?? 1)
        } else if let dataset {
            data = .dataset(path: dataset)
        } else {
            data = .runTestSet
        }
        try runGuarded {
            let path = try existingCheckpoint(checkpoint)
            try MemoryRequirement.requireBLASBuffers()
            let result = try evaluateCheckpoint(at: path, on: data, count: count, moved: movedDataset.moved)
            if json {
                print(try JSONFormat.string(result, pretty: true), terminator: "")
            } else {
                printText(result)
            }
        }
    }

    private func printText(_ result: CheckpointEvaluation) {
        let network = result.network
        print("checkpoint: \(result.checkpoint) (\(StepUnit(optimizerName: result.optimizer).name) \(result.iterations), "
              + "\(network.inputs)-\(network.hidden)-\(network.outputs) network, \(result.precision), "
              + "W_hh spectral radius \(String(format: "%.3g", network.recurrentSpectralRadius)))")
        print("data:       \(dataLine(result))")
        print("loss:       \(String(format: "%.6g", result.loss))")
        print("error rate: \(formatPercent(result.errorRate)) (\(result.wrongSequences) of \(result.judgedSequences) "
              + "sequences wrong, \(result.criterion))")
        print("success:    \(result.success ? "yes" : "no") (criterion: error rate below \(formatPercent(result.successThreshold)))")
    }

    /// What was evaluated and how much of it: "sums.h5, 100 sequences (every row of the file)".
    private func dataLine(_ result: CheckpointEvaluation) -> String {
        let source = result.data
        var line = source.kind == "run_test_set" ? "the run's test set (\(source.name)" : source.name
        if let seed = source.seed { line += ", seed \(seed)" }
        if source.kind == "run_test_set" { line += ")" }
        line += ", \(result.sequences) sequences"
        if let rows = source.availableSequences {
            line += result.sequences == rows ? " (every row of the file)" : " (the first \(result.sequences) of its \(rows) rows)"
        }
        return line
    }
}
