import ArgumentParser
import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import Linalg
import Reports
import RunStore
import SequenceModel
import Tasks
import Training

struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the loss, gradient and curvature products of a network on one minibatch.",
        discussion: """
            For checking hfrnn's derivatives against another implementation. The model comes from \
            --checkpoint, or is initialised as a new run would be (--task, --length, --seed, \
            --hidden-units). The minibatch is --count task sequences drawn with --data-seed (the task \
            of --task, or the checkpoint's), or the first --count sequences of --dataset. The output \
            file holds the groups /parameters, /gradient, /direction, /Gv and /Av, each with one \
            dataset per parameter block (W_hx, W_hh, b_h, W_yh, b_y, h_0), and the root attributes \
            loss, data_loss, lambda, mu, weight_cost, scored_outputs, sequences, steps, network (JSON), \
            precision, format, format_version and hfrnn_version, where \
            A v = G v + λ v + λμ·J_tᵀ D'' J_t v + weight_cost·v and the loss includes ½·weight_cost·‖θ‖².

            Examples:
              hfrnn probe --task addition --length 20 --hidden-units 10 --output p.h5
              hfrnn probe --checkpoint checkpoints/addition-T100-seed1 \\
                  --lambda 0.1 --mu 0.03 --output probe.h5
            """)

    @Option(help: ArgumentHelp("Take the model (and, without --task, the data's task) from this checkpoint or run folder.",
                               valueName: "file"))
    var checkpoint: String?

    @Option(help: ArgumentHelp("Task of a fresh model and of the minibatch: \(taskNames).", valueName: "task"), transform: choice())
    var task: PathologicalTask?

    @Option(name: [.customShort("T"), .long], parsing: .unconditional, help: "Minimum sequence length T of --task.")
    var length: Int?

    @Option(parsing: .unconditional, help: "Seed of a fresh model's initial parameters, as `hfrnn train --seed` (default: 1).")
    var seed: UInt64?

    @Option(parsing: .unconditional, help: "Hidden units of a fresh model (default: 100).")
    var hiddenUnits: Int?

    @Option(help: ArgumentHelp("Take the minibatch from this HDF5 dataset instead of a task.", valueName: "file"))
    var dataset: String?

    @Option(parsing: .unconditional, help: "Sequences in the minibatch.")
    var count: Int = 100

    @Option(parsing: .unconditional, help: "Seed of the task minibatch (default: 1).")
    var dataSeed: UInt64?

    @Option(help: ArgumentHelp("HDF5 file with the direction v: one dataset per parameter block, shapes as in a checkpoint (default: Gaussian, from --direction-seed).",
                               valueName: "file"))
    var direction: String?

    @Option(parsing: .unconditional, help: "Seed of the default Gaussian direction (default: 1).")
    var directionSeed: UInt64?

    @Option(parsing: .unconditional, help: "Tikhonov damping λ of A v.")
    var lambda: Double = 0

    @Option(parsing: .unconditional, help: "Structural damping weight μ of A v.")
    var mu: Double = 0

    @Option(parsing: .unconditional, help: "L2 weight cost, added to the loss, gradient and A v.")
    var weightCost: Double = 0

    @Option(help: "Numeric precision: float or double (default: double).", transform: choice())
    var precision: Precision = .double

    @Option(help: ArgumentHelp("The HDF5 file to write (missing folders are created; a file there is replaced unless it is an input, a checkpoint or a dataset).", valueName: "file"))
    var output: String

    func validate() throws {
        if checkpoint != nil {
            if seed != nil { throw ValidationError("--seed: sets up a fresh model; it cannot be combined with --checkpoint") }
            if hiddenUnits != nil { throw ValidationError("--hidden-units: sets up a fresh model; it cannot be combined with --checkpoint") }
            if (task == nil) != (length == nil) { throw ValidationError("give --task and --length together") }
        } else {
            guard task != nil else { throw ValidationError("give --checkpoint, or --task and --length for a fresh model") }
            guard length != nil else { throw ValidationError("--task: needs --length") }
        }
        if let hiddenUnits, hiddenUnits < 1 { throw ValidationError("--hidden-units: must be at least 1, got \(hiddenUnits)") }
        if let hiddenUnits, hiddenUnits > NetworkShape.largestLayer {
            throw ValidationError("--hidden-units: must be at most \(NetworkShape.largestLayer), got \(hiddenUnits)")
        }
        if count < 1 { throw ValidationError("--count: must be at least 1, got \(count)") }
        if count > BatchPlan.largestBatch { throw ValidationError("--count: must be at most \(BatchPlan.largestBatch), got \(count)") }
        if dataset != nil && dataSeed != nil { throw ValidationError("--data-seed: draws a task minibatch; it cannot be combined with --dataset") }
        if direction != nil && directionSeed != nil { throw ValidationError("give at most one of --direction and --direction-seed") }
        for (name, value) in [("--lambda", lambda), ("--mu", mu), ("--weight-cost", weightCost)] {
            guard value >= 0 && value.isFinite else { throw ValidationError("\(name): must be a finite non-negative number, got \(value)") }
        }
        if output.isEmpty { throw ValidationError("--output: must not be empty") }
        if let task, let length { _ = try makeTaskSpec(task, length: length) }
    }

    func run() throws {
        try runGuarded {
            try MemoryRequirement.requireBLASBuffers()
            switch precision {
            case .float: try probe(Float.self)
            case .double: try probe(Double.self)
            }
        }
    }

    private func probe<S: BLASScalar & HDF5Element>(_: S.Type) throws {
        // Every check first; then the computation; then the one file.
        try checkOutputFile(output, inputs: [checkpoint.flatMap { try? existingCheckpoint($0) }, dataset, direction].compactMap { $0 })
        let taskSpec = try task.flatMap { task in try length.map { try makeTaskSpec(task, length: $0) } }

        // The model.
        let network: RecurrentNetwork
        let parameters: [S]
        var dataTask = taskSpec
        var modelName = "the new model"
        if let checkpoint {
            let path = try existingCheckpoint(checkpoint)
            modelName = path
            let run = try StoredRun<S>.load(from: path)
            network = run.network
            parameters = run.parameters
            if dataTask == nil { dataTask = run.config.task }
        } else {
            guard let spec = taskSpec else { throw HFRNNError("give --checkpoint, or --task and --length") }
            var config = TrainingConfig(data: .task(spec))
            if let hiddenUnits { config.hiddenUnits = hiddenUnits }
            if let seed { config.seed = seed }
            try config.requireMemory(S.self, inputs: spec.inputSize, outputs: spec.outputSize, steps: spec.maximumLength)
            let fresh = FreshModel(config: config, source: TaskSource<S>(spec: spec, testSequences: 1, testSeed: 0))
            network = fresh.network
            parameters = fresh.parameters
        }

        // The minibatch.
        let batch: SequenceBatch<S>
        if let dataset {
            var config = TrainingConfig(data: .dataset(path: dataset, testPath: nil))
            config.testSequences = count
            let source = try makeSource(config, S.self)
            try requireFit(data: source.name, inputs: source.inputSize, outputs: source.outputSize,
                           outputLoss: source.outputLoss, model: modelName, network: network)
            // The source reads min(count, rows): a shorter file would silently give a smaller minibatch.
            if source.testSetSize < count {
                throw HFRNNError.file(dataset, "has \(source.testSetSize) sequences; --count asks for \(count)")
            }
            try requireMinibatchMemory(S.self, sequences: source.testSetSize, steps: source.steps, network: network)
            guard let first = try source.testSubBatchReader(subBatchSize: count)() else {
                throw HFRNNError.file(dataset, "no sequences")
            }
            batch = first
        } else {
            guard let spec = dataTask else {
                throw HFRNNError.file(modelName, "was trained on a dataset, not a task: give --task and --length, or --dataset")
            }
            try requireFit(data: spec.name, inputs: spec.inputSize,
                           outputs: spec.outputSize, outputLoss: spec.outputLoss, model: modelName, network: network)
            try requireMinibatchMemory(S.self, sequences: count, steps: spec.maximumLength, network: network)
            var rng = SeededGenerator(seed: dataSeed ?? 1)
            batch = spec.makeBatch(count: count, using: &rng)
        }

        // The direction.
        let v: [S] = if let direction {
            try DerivativeProbe<S>.readDirection(from: direction, network: network)
        } else {
            DerivativeProbe<S>.gaussianDirection(count: network.parameterCount, seed: directionSeed ?? 1)
        }

        let result = DerivativeProbe(network: network, parameters: parameters, batch: batch, direction: v,
                                     lambda: lambda, mu: mu, weightCost: weightCost)
        guard result.loss.isFinite else {
            throw HFRNNError("the loss is \(result.loss) at these parameters on this minibatch; nothing written")
        }
        try result.write(to: output)
        print("\(output): loss \(String(format: "%.10g", result.loss)) on \(result.sequences) sequences "
              + "(\(Int(result.scoredOutputs)) scored outputs), \(network.shape) network, \(precision.rawValue) precision")
    }

    /// The minibatch with its evaluator's buffers, the curvature product's among them.
    private func requireMinibatchMemory<S: BLASScalar>(_: S.Type, sequences: Int, steps: Int, network: RecurrentNetwork) throws {
        try MemoryRequirement.require(
            MemoryRequirement.product(sequences, steps, EvaluationWorkspace<S>.bytesPerCurvatureStep(of: network.shape)),
            for: "a minibatch of \(sequences) sequences of \(steps) steps", flag: "--count")
    }
}
