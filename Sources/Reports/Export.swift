import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import Linalg
import RunStore
import SequenceModel
import Training

// `hfrnn export`: a run's results in formats any tool reads. From a checkpoint (normally the run
// folder's latest.h5) it writes into one output folder:
//
// curves.csv — one row per HF iteration, the checkpoint's history (a first-order run: one row per
//   evaluation, the columns of `FirstOrderRecord.curvesHeader`, see checkpoints/README.md):
//   iteration, train_loss, test_loss, test_error, lambda, lambda_next, rho, cg_iterations,
//   backtrack_iteration, step_size, accepted, elapsed_seconds, train_objective, cg_stop, decision,
//   line_search_tries, test_step_error, test_loss_relative, processor_seconds, sequences
//   train_loss and test_loss are both the mean data loss (no L2 term), on the iteration's gradient
//   batch and on the test set; train_objective = train_loss + ½·weight_cost·‖θ‖², what HF minimises.
//   Numbers in Swift's shortest round-trip form; non-finite values as inf, -inf, nan (ρ is -inf
//   when a step made the loss worse); `accepted` is 1 or 0; test_error is a fraction.
//
// summary.json — one object, snake_case keys (keys sorted; non-finite floats as the strings "inf",
// "-inf", "nan"; the JSON set-up of JSONFormat):
//   format                "hfrnn-export-summary";   format_version  4
//   hfrnn_version         version of the hfrnn that wrote the export
//   checkpoint            path of the exported checkpoint
//   run_name              the run folder's name
//   data                  {"kind": "task", "task": name, "minimum_length": T} or
//                         {"kind": "dataset", "path": …, "test_path": … or null}
//   seed                  the run seed
//   precision             "float" or "double"
//   network               {"inputs", "hidden", "outputs", "output_loss", "parameters",
//                          "recurrent_spectral_radius"}
//   config                the TrainingConfig, in the checkpoint's JSON schema (checkpoints/README.md)
//   optimizer             "hf", "sgd", "nesterov" or "adam"
//   iterations            HF iterations (first-order: updates) done;  total_cg_iterations  CG steps (0)
//   rejected_steps        HF iterations whose step was rejected (first-order: skipped updates)
//   wall_time_seconds     training wall time over all sessions
//   lambda                λ for the next HF iteration (null for first-order runs)
//   final                 {"test_error", "test_loss", "test_sequences", "wrong_sequences",
//                          "judged_sequences"}: the checkpoint's parameters on the run's test set,
//                         evaluated afresh (the same numbers as predictions.h5)
//   last_train_loss       train (data) loss of the last iteration (null before the first)
//   best_test_error       lowest test error in the history (null before the first iteration)
//   success_threshold     test error below which the run counts as solved
//   solved                final.test_error < success_threshold
//
// predictions.h5 — the network on the run's test set (regenerated from the config as training
//   does): the predictions file of `PredictionsWriter` (format 2, documented in docs/interop.md),
//   without hidden states.
//
// curves.svg — four panels: test error (%) and train/test loss (log scale) against HF iteration
//   (first-order runs: updates), and the same against wall time; self-contained SVG 1.1.
//
// diagnostics.svg (HF runs) — four panels against HF iteration: test error per sequence and per
//   judged step, the relative test loss, λ and ρ, CG steps and line-search tries.
//
// All files are staged as hidden temporaries and renamed into place together only after
// all were written, so a failure leaves no partial output.

/// Paths written by `exportRun` and the freshly evaluated final metrics.
public struct ExportResult: Sendable {
    public var directory: String
    public var curves: String
    public var summary: String
    public var predictions: String
    public var plot: String
    public var testError: Double
    public var testLoss: Double

    /// diagnostics.svg (HF runs), or nil.
    public var diagnosticsPlot: String? = nil
    public var paths: [String] { [curves, summary, predictions, plot] + (diagnosticsPlot.map { [$0] } ?? []) }
}

/// The default export folder of a checkpoint: `export/` in its run folder.
public func defaultExportDirectory(forCheckpoint checkpoint: String) -> String {
    URL(fileURLWithPath: checkpoint).deletingLastPathComponent().appendingPathComponent("export").path
}

/// Exports the run of `checkpoint` (a checkpoint file or a run folder) into `directory`, reading a
/// dataset run's files where `moved` says if they have moved. Nothing is printed; every problem is
/// a one-line error and leaves no output behind.
public func exportRun(checkpoint argument: String, to directory: String,
                      moved: MovedDataset = MovedDataset()) throws -> ExportResult {
    let path = try existingCheckpoint(argument)
    guard FileManager.default.fileExists(atPath: path) else { throw HFRNNError.file(path, missingFileProblem(path)) }
    // Named before the output folder is checked (/dev/zero's default output is /dev/export).
    guard isRegularFile(path) else { throw HFRNNError.file(path, notARegularFileProblem(path)) }
    try checkOutputDirectory(directory)
    switch try checkpointPrecision(path) {
    case .float: return try RunExport<Float>(try StoredRun<Float>.load(from: path, moved: moved)).write(to: directory)
    case .double: return try RunExport<Double>(try StoredRun<Double>.load(from: path, moved: moved)).write(to: directory)
    }
}

/// The export of one loaded run, in the run's own precision.
struct RunExport<S: BLASScalar & HDF5Element> {
    let run: StoredRun<S>

    init(_ run: StoredRun<S>) { self.run = run }

    func write(to directory: String) throws -> ExportResult {
        // Everything that can fail for reasons of content happens before the first byte is written.
        let source = try makeStoredTestSource(run.config, S.self)
        try requireFit(data: source.name, inputs: source.inputSize, outputs: source.outputSize, outputLoss: source.outputLoss,
                       model: run.path, network: run.network)
        let predicted = try predictionsImage(sequences: source.testSetSize,
                                             nextSubBatch: try source.testSubBatchReader(subBatchSize: run.config.testSubBatchSize),
                                             criterion: source.errorCriterion,
                                             data: "\(source.name): the run's test set",
                                             name: URL(fileURLWithPath: directory).appendingPathComponent("predictions.h5").path)
        let csv = run.history.curvesCSV
        let summary = try summaryJSON(predicted.evaluation)
        let svg = curvesSVG(curve: run.curve, title: plotTitle(run.config), successThreshold: run.successThreshold,
                            stepName: run.stepUnit.axisLabel)
        // HF's own diagnostics (λ, ρ, CG); other methods have none of them.
        let diagnostics = run.history.hessianFree.map {
            diagnosticsSVG(history: $0, title: plotTitle(run.config), successThreshold: run.successThreshold)
        }

        let files = try StagedFiles(directory: directory)
        do {
            try files.stage("curves.csv", contents: csv)
            try files.stage("summary.json", contents: summary)
            try files.stage("predictions.h5", bytes: predicted.bytes)
            try files.stage("curves.svg", contents: svg)
            if let diagnostics { try files.stage("diagnostics.svg", contents: diagnostics) }
            try files.commit()
        } catch {
            files.discard()
            throw error
        }
        var result = ExportResult(directory: files.directory.path, curves: files.path(of: "curves.csv"),
                            summary: files.path(of: "summary.json"), predictions: files.path(of: "predictions.h5"),
                            plot: files.path(of: "curves.svg"), testError: predicted.evaluation.errorRate,
                            testLoss: predicted.evaluation.loss)
        if diagnostics != nil { result.diagnosticsPlot = files.path(of: "diagnostics.svg") }
        return result
    }

    // MARK: summary.json

    func summaryJSON(_ final: SetEvaluation) throws -> String {
        let summary = ExportSummary(
            checkpoint: absolutePath(run.path),
            runName: URL(fileURLWithPath: run.path).deletingLastPathComponent().lastPathComponent,
            data: run.config.data, seed: run.config.seed,
            precision: run.storedPrecision.rawValue,
            network: .init(inputs: run.network.shape.inputs, hidden: run.network.shape.hidden,
                           outputs: run.network.shape.outputs, outputLoss: run.network.outputLoss.rawValue,
                           parameters: run.network.parameterCount,
                           recurrentSpectralRadius: run.network.recurrentSpectralRadius(run.parameters)),
            config: run.config, iterations: run.iteration, totalCGIterations: run.totalCGIterations,
            rejectedSteps: run.rejectedSteps, wallTimeSeconds: run.elapsedSeconds,
            lambda: run.lambda, optimizer: run.config.optimizerName,
            final: .init(testError: final.errorRate, testLoss: final.loss, testSequences: final.sequences,
                         wrongSequences: final.wrong, judgedSequences: final.judged),
            lastTrainLoss: run.curve.last?.trainLoss, bestTestError: run.curve.map(\.testError).min(),
            successThreshold: run.successThreshold, solved: run.config.isSolved(testError: final.errorRate))
        return try JSONFormat.string(summary, pretty: true)
    }
}

/// "addition, T = 100, seed 3" or the dataset's file name and seed.
func plotTitle(_ config: TrainingConfig) -> String {
    switch config.data {
    case .task(let spec): return "\(spec.task.rawValue), T = \(spec.minimumLength), seed \(config.seed)"
    case .dataset(let path, _): return "\(URL(fileURLWithPath: path).lastPathComponent), seed \(config.seed)"
    }
}

// MARK: - summary.json

/// The document of summary.json (keys described at the top of this file).
struct ExportSummary: Encodable {
    struct Network: Encodable {
        var inputs: Int, hidden: Int, outputs: Int
        var outputLoss: String
        var parameters: Int
        var recurrentSpectralRadius: Double
        enum CodingKeys: String, CodingKey {
            case inputs, hidden, outputs, outputLoss = "output_loss", parameters
            case recurrentSpectralRadius = "recurrent_spectral_radius"
        }
    }

    struct Final: Encodable {
        var testError: Double, testLoss: Double
        var testSequences: Int, wrongSequences: Int, judgedSequences: Int
        enum CodingKeys: String, CodingKey {
            case testError = "test_error", testLoss = "test_loss", testSequences = "test_sequences"
            case wrongSequences = "wrong_sequences", judgedSequences = "judged_sequences"
        }
    }

    var format = "hfrnn-export-summary"
    /// 4: `config.method` (checkpoint format 6); 3 had `config.optimizer` beside `config.first_order`,
    /// and `config.run_name` and `config.checkpoint_directory`;
    /// 2 had the batch sizes in `config.optimizer` and `config.sub_batch_size`; 1 had camelCase and
    /// "_0" keys there.
    var formatVersion = 4
    var hfrnnVersion = DataFiles.hfrnnVersion
    var checkpoint: String
    var runName: String
    var data: DataSourceConfig
    var seed: UInt64
    var precision: String
    var network: Network
    var config: TrainingConfig
    var iterations: Int
    var totalCGIterations: Int
    var rejectedSteps: Int
    var wallTimeSeconds: Double
    var lambda: Double?
    var optimizer: String
    var final: Final
    var lastTrainLoss: Double?
    var bestTestError: Double?
    var successThreshold: Double
    var solved: Bool

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", hfrnnVersion = "hfrnn_version", checkpoint
        case runName = "run_name", data, seed, precision, network, config, iterations
        case totalCGIterations = "total_cg_iterations", rejectedSteps = "rejected_steps"
        case wallTimeSeconds = "wall_time_seconds", lambda, optimizer, final, lastTrainLoss = "last_train_loss"
        case bestTestError = "best_test_error", successThreshold = "success_threshold", solved
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(formatVersion, forKey: .formatVersion)
        try c.encode(hfrnnVersion, forKey: .hfrnnVersion)
        try c.encode(checkpoint, forKey: .checkpoint)
        try c.encode(runName, forKey: .runName)
        try c.encode(data, forKey: .data)
        try c.encode(seed, forKey: .seed)
        try c.encode(precision, forKey: .precision)
        try c.encode(network, forKey: .network)
        try c.encode(config, forKey: .config)
        try c.encode(iterations, forKey: .iterations)
        try c.encode(totalCGIterations, forKey: .totalCGIterations)
        try c.encode(rejectedSteps, forKey: .rejectedSteps)
        try c.encode(wallTimeSeconds, forKey: .wallTimeSeconds)
        try c.encode(lambda, forKey: .lambda)  // null for first-order runs
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(final, forKey: .final)
        // Explicit nulls (not missing keys) before the first iteration.
        try c.encode(lastTrainLoss, forKey: .lastTrainLoss)
        try c.encode(bestTestError, forKey: .bestTestError)
        try c.encode(successThreshold, forKey: .successThreshold)
        try c.encode(solved, forKey: .solved)
    }
}
