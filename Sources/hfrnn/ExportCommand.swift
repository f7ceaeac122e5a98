import ArgumentParser
import DataFiles
import Diagnostics
import Foundation
import Reports
import RunStore
import Training

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a run's learning curves, summary, test-set predictions and plot.",
        discussion: """
            Writes curves.csv (one row per HF iteration, or per test evaluation of a first-order \
            run), summary.json (config, network, final test \
            metrics, wall time, CG steps, solved), predictions.h5 (the network on the run's test set: \
            predictions, targets, mask, lengths, wrong), curves.svg (test error and losses against \
            HF iteration or update, and wall time) and, for an HF run, diagnostics.svg (per HF iteration: test error per \
            sequence and per judged step, relative test loss, λ and ρ, CG steps and line-search tries). The files appear together or not at all.

            Examples:
              hfrnn export checkpoints/addition-T100-seed1
              hfrnn export checkpoints/addition-T100-seed1/best.h5 --output best-export
            """)

    @Argument(help: ArgumentHelp("A run folder (its latest.h5 is exported) or a checkpoint file.",
                                 valueName: "run-or-checkpoint"))
    var source: String

    @Option(help: ArgumentHelp("Output folder, created if missing (default: <run folder>/export).", valueName: "dir"))
    var output: String?

    @OptionGroup var movedDataset: MovedDatasetOptions

    func validate() throws {
        if let output, output.isEmpty { throw ValidationError("--output: must not be empty") }
    }

    func run() throws {
        try runGuarded {
            let checkpoint = try existingCheckpoint(source)
            try MemoryRequirement.requireBLASBuffers()
            let directory = output ?? defaultExportDirectory(forCheckpoint: checkpoint)
            let result = try exportRun(checkpoint: checkpoint, to: directory, moved: movedDataset.moved)
            for path in result.paths { print(path) }
        }
    }
}
