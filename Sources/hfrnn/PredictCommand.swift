import ArgumentParser
import DataFiles
import Diagnostics
import Foundation
import Reports
import RunStore
import Training

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a trained network over the sequences of an HDF5 dataset and write its outputs.",
        discussion: """
            Writes one HDF5 file (format hfrnn-predictions, version 2; layout in docs/interop.md): \
            the outputs at every step, the dataset's targets, mask, judged steps and lengths, which \
            sequences are wrong, the loss and error rate, and with --hidden-states every hidden \
            state. Sequences are processed a sub-batch at a time, so memory does not grow with the \
            file; the output appears whole or not at all.

            Examples:
              hfrnn predict checkpoints/sums --dataset new-sums.h5 --output predictions.h5
              hfrnn predict checkpoints/sums/best.h5 --dataset new-sums.h5 \\
                  --output states.h5 --hidden-states --count 100
            """)

    @Argument(help: ArgumentHelp("A checkpoint file, or a run folder (its latest.h5).", valueName: "checkpoint"))
    var checkpoint: String

    @Option(help: ArgumentHelp("The sequences: an HDF5 dataset (see datasets/README.md).", valueName: "file"))
    var dataset: String

    @Option(help: ArgumentHelp("The predictions file to write (missing folders are created; a file there is replaced unless it is an input, a checkpoint or a dataset).", valueName: "file"))
    var output: String

    @Option(parsing: .unconditional, help: "Only the first this many sequences of the dataset (default: all).")
    var count: Int?

    @Flag(help: "Also write every hidden state h_t (hidden_states, [N, T, H]).")
    var hiddenStates = false

    func validate() throws {
        if dataset.isEmpty { throw ValidationError("--dataset: must not be empty") }
        if output.isEmpty { throw ValidationError("--output: must not be empty") }
        if let count, count < 1 { throw ValidationError("--count: must be at least 1, got \(count)") }
    }

    func run() throws {
        try runGuarded {
            try MemoryRequirement.requireBLASBuffers()
            Interruption.install(note: .removingOutput)
            let report = try predict(checkpoint: checkpoint, dataset: dataset, output: output, count: count,
                                     hiddenStates: hiddenStates, shouldStop: Interruption.requested)
            let result = report.evaluation
            print("wrote \(report.output): \(report.sequences) sequences of \(report.steps) steps; loss "
                  + String(format: "%.6g", result.loss) + ", error rate "
                  + String(format: "%.2f%%", 100 * result.errorRate) + " (\(result.wrong) of \(result.judged) judged sequences wrong)")
        }
    }
}
