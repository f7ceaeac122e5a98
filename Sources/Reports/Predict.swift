import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import Linalg
import RunStore
import SequenceModel
import Training
#if canImport(Glibc)
import Glibc
#endif

/// What `hfrnn predict` wrote, and the totals over the sequences.
public struct PredictionReport: Sendable {
    public var output: String
    public var sequences: Int
    public var steps: Int
    public var evaluation: SetEvaluation
    /// When a sequence counts as wrong, in words.
    public var criterion: String
}

/// Runs the network of `checkpoint` (a checkpoint file or a run folder) over the first `count`
/// sequences (nil: all) of the dataset file `dataset` and writes a predictions file (format 2,
/// docs/interop.md) to `output`, with every hidden state too if `hiddenStates`. One sub-batch of
/// sequences is held at a time; the file appears whole or not at all. `shouldStop` is asked before
/// each sub-batch and once more before the file is kept: when it says yes, nothing is written and
/// `Interrupted` is thrown.
public func predict(checkpoint argument: String, dataset: String, output: String, count: Int?,
                    hiddenStates: Bool, shouldStop: () -> Bool = { false }) throws -> PredictionReport {
    let checkpoint = try existingCheckpoint(argument)
    guard FileManager.default.fileExists(atPath: checkpoint) else { throw HFRNNError.file(checkpoint, missingFileProblem(checkpoint)) }
    try checkOutputFile(output, inputs: [checkpoint, dataset])
    switch try checkpointPrecision(checkpoint) {
    case .float: return try predict(StoredRun<Float>.load(from: checkpoint), dataset, output, count, hiddenStates, shouldStop)
    case .double: return try predict(StoredRun<Double>.load(from: checkpoint), dataset, output, count, hiddenStates, shouldStop)
    }
}

private func predict<S: BLASScalar & HDF5Element>(_ run: StoredRun<S>, _ datasetPath: String, _ output: String,
                                                  _ count: Int?, _ hiddenStates: Bool,
                                                  _ shouldStop: () -> Bool) throws -> PredictionReport {
    let data = try DatasetFile(path: datasetPath)
    try requireFit(data: datasetPath, inputs: data.inputSize, outputs: data.outputSize, outputLoss: data.outputLoss,
                   model: run.path, network: run.network)
    if let count, count > data.sequenceCount {
        throw HFRNNError.file(datasetPath, "has \(data.sequenceCount) sequences; --count asks for \(count)")
    }
    let sequences = count ?? data.sequenceCount
    try requireRoom(for: output, sequences: sequences, steps: data.steps, network: run.network,
                    hiddenStates: hiddenStates, scalarBytes: MemoryLayout<S>.stride)
    let criterion = data.errorCriterion
    let datasetLocation = absolutePath(datasetPath)
    // A missing output folder is created (checkOutputFile allowed it) and removed again on failure.
    return try withOutputFolder(of: output) {
        try writePredictions(run, data, datasetPath: datasetLocation, output: output, sequences: sequences,
                             hiddenStates: hiddenStates, criterion: criterion, shouldStop: shouldStop)
    }
}

private func writePredictions<S: BLASScalar & HDF5Element>(_ run: StoredRun<S>, _ data: DatasetFile, datasetPath datasetLocation: String,
                                                           output: String, sequences: Int, hiddenStates: Bool,
                                                           criterion: ErrorCriterion,
                                                           shouldStop: () -> Bool) throws -> PredictionReport {
    // A predict killed before its rename (kill -9) left its temporary file; no one else removes it.
    let outputURL = URL(fileURLWithPath: output)
    AtomicFile.removeStaleTemporaries(in: outputURL.deletingLastPathComponent().path, of: outputURL.lastPathComponent)
    let temporary = AtomicFile.temporaryPath(for: output)
    let file = try HDF5File.create(temporary)
    do {
        var writer = try PredictionsWriter<S>(
            file: file, sequences: sequences, steps: data.steps, network: run.network, includeHiddenStates: hiddenStates,
            checkpoint: absolutePath(run.path), iteration: run.iteration, data: datasetLocation)
        let subBatchSize = EvaluationWorkspace<S>.sequencesPerSubBatch(
            preferred: run.config.testSubBatchSize, steps: data.steps, shape: run.network.shape)
        var next = 0
        let evaluation = try EvaluationWorkspace<S>(network: run.network).evaluateSet(
            parameters: run.parameters, criterion: criterion, writingInto: &writer, nextSubBatch: {
                guard next < sequences else { return nil }
                if shouldStop() { throw Interrupted(output: output) }
                let size = min(subBatchSize, sequences - next)
                defer { next += size }
                return try data.sequences(startingAt: next, count: size, as: S.self)
            })
        // A signal during the last sub-batch: the handler has said the output goes.
        if shouldStop() { throw Interrupted(output: output) }
        try writer.finish(evaluation)
        try file.close()
        try AtomicFile.commit(temporary, to: output)
        return PredictionReport(output: output, sequences: sequences, steps: data.steps, evaluation: evaluation,
                                criterion: criterion.wording)
    } catch {
        try? file.close()
        unlink(temporary)
        throw error
    }
}

/// Refuses, before any work, an output whose folder has less free space than the file can take
/// (every array uncompressed, plus 1 MB for HDF5's own structures): HDF5 writes the file in place,
/// and a disk that fills under it is better met here, with one line, than by a failed write.
private func requireRoom(for output: String, sequences: Int, steps: Int, network: RecurrentNetwork, hiddenStates: Bool,
                         scalarBytes: Int) throws {
    let perStep = 2 * network.shape.outputs + 2 + (hiddenStates ? network.shape.hidden : 0)
    let needed = Double(sequences) * (Double(steps * perStep * scalarBytes) + 8) + 1e6
    var stats = statvfs()
    let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
    guard statvfs(folder, &stats) == 0 else { return }  // unknown: let the writes decide
    let available = Double(stats.f_bavail) * Double(stats.f_frsize)
    guard available >= needed else {
        throw HFRNNError.file(output, String(format: "not enough free space: the predictions take up to %.0f MB, %.0f MB are free",
                                                needed / 1e6, available / 1e6))
    }
}
