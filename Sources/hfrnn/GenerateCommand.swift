import ArgumentParser
import DataFiles
import Diagnostics
import Foundation
import Linalg
import SequenceModel
import Tasks
import Training

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a pathological-task dataset to an HDF5 file, or check a dataset file.",
        discussion: """
            Generates N sequences of a task at minimum length T with one seed (the file holds exactly \
            the batch the generator makes from that seed), writes them in the dataset schema of \
            datasets/README.md (atomically; an existing file is replaced), validates the result and \
            prints one summary line. The whole set is generated in memory. \
            With --check FILE, only validates an existing dataset (for example one written with h5py) \
            and prints its summary line.

            Examples:
              hfrnn generate addition --length 100 --count 10000 --seed 1 --output sums.h5
              hfrnn generate --check mydata.h5
            """)

    @Argument(help: ArgumentHelp("Pathological task: \(taskNames).", valueName: "task"), transform: choice())
    var task: PathologicalTask?

    // Optional, so that --check can refuse them: a flag that would do nothing is an error.
    @Option(name: [.customShort("T"), .long], parsing: .unconditional, help: "Minimum sequence length T of the task (default: 100).")
    var length: Int?

    @Option(name: [.customShort("n"), .long], parsing: .unconditional, help: "Number of sequences N (default: 1000).")
    var count: Int?

    @Option(parsing: .unconditional, help: "Seed of the generator (default: 1).")
    var seed: UInt64?

    @Option(name: [.short, .long], help: ArgumentHelp("The HDF5 file to write (missing folders are created).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("How to store softmax targets: auto (class labels when they are one-hot), labels or targets (default: auto).",
                               valueName: "auto|labels|targets"), transform: choice())
    var targetFormat: TargetFormat?

    private var sequenceLength: Int { length ?? 100 }
    private var sequenceCount: Int { count ?? 1000 }
    private var generatorSeed: UInt64 { seed ?? 1 }

    @Option(help: ArgumentHelp("Validate this existing dataset file and print its summary instead of generating.",
                               valueName: "file"))
    var check: String?

    func validate() throws {
        if check != nil {
            guard task == nil && output == nil else { throw ValidationError("--check: takes no task and no --output") }
            let unused = [("--length", length != nil), ("--count", count != nil), ("--seed", seed != nil),
                          ("--target-format", targetFormat != nil)].filter(\.1).map(\.0)
            if let flag = unused.first { throw ValidationError("--check: only reads the file; \(flag) would do nothing") }
            return
        }
        guard let task else { throw ValidationError("give a task (\(taskNames)) or --check FILE") }
        let spec = try makeTaskSpec(task, length: sequenceLength)
        if targetFormat == .labels && spec.outputLoss != .softmaxCrossEntropy {
            throw ValidationError("--target-format: labels needs a task with softmax outputs; \(task) has \(spec.outputLoss.rawValue)")
        }
        guard sequenceCount > 0 else { throw ValidationError("--count: must be positive, got \(sequenceCount)") }
        guard sequenceCount <= BatchPlan.largestBatch else {
            throw ValidationError("--count: must be at most \(BatchPlan.largestBatch), got \(sequenceCount)")
        }
        guard output?.isEmpty == false else { throw ValidationError("give the file to write with --output FILE") }
    }

    func run() throws {
        try runGuarded {
            if let check {
                print(try DatasetFile(path: check).summary)
                return
            }
            guard let task, let output else { return }
            try checkOutputFile(output, replacesDatasets: true)
            let spec = try makeTaskSpec(task, length: sequenceLength)
            // The whole file is made in memory before it is written.
            try MemoryRequirement.require(
                MemoryRequirement.product(sequenceCount, spec.maximumLength,
                                          SequenceBatch<Float>.bytesPerStep(inputs: spec.inputSize, outputs: spec.outputSize)),
                for: "\(sequenceCount) sequences of \(spec.maximumLength) steps", flag: "--count")
            Interruption.install(note: .removingOutput)
            var rng = SeededGenerator(seed: generatorSeed)
            let batch: SequenceBatch<Float> = spec.makeBatch(count: sequenceCount, using: &rng)
            if Interruption.requested() { throw Interrupted(output: output) }
            // Like every command's output, a missing folder is created (and removed on failure).
            try withOutputFolder(of: output) {
                try DatasetWriter.write(batch: batch, loss: spec.outputLoss, task: spec, seed: generatorSeed, to: output,
                                        encoding: (targetFormat ?? .auto).encoding)
                // A signal during the write: the handler said the output goes (an interrupted
                // generate left the folder it had made).
                if Interruption.requested() {
                    unlink(output)
                    throw Interrupted(output: output)
                }
            }
            print(try DatasetFile(path: output).summary)
        }
    }
}
