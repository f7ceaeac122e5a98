import DataFiles
import HDF5IO
import Linalg
import SequenceModel
import Training

/// A predictions file (`hfrnn export`'s predictions.h5, `hfrnn predict`'s output), filled one
/// evaluated sub-batch at a time so that only one sub-batch's values are held: format `hfrnn-predictions`,
/// version 2 (layout: docs/interop.md#predictions-files). Sequence-major [N, T, ·] as numpy
/// expects; sub-batches shorter than T are padded with zeros (mask 0, not judged).
struct PredictionsWriter<S: BLASScalar & HDF5Element> {
    static var formatName: String { predictionsFormatName }
    /// 2: `format_version` and `data` written, `error_mask` in the type of `mask`, optional
    /// `hidden_states`. Version 1 (exports before 2026-12-06) had neither attribute and an int32
    /// `error_mask`.
    static var formatVersion: Int { 2 }

    let file: HDF5File
    let sequences: Int, steps: Int, outputs: Int
    /// H when hidden states are written, else nil.
    let hidden: Int?
    private(set) var written = 0
    /// Each dataset's rows, written in whole chunks (`HDF5RowAppender`).
    private var predictionRows, targetRows, maskRows, errorMaskRows: HDF5RowAppender<S>
    private var lengthRows, wrongRows: HDF5RowAppender<Int32>
    private var hiddenStateRows: HDF5RowAppender<S>?

    /// Creates every dataset of `sequences` × `steps` in `file` and writes the attributes known
    /// before evaluation: where the parameters (`checkpoint`, at `iteration`) and the sequences
    /// (`data`) come from.
    init(file: HDF5File, sequences: Int, steps: Int, network: RecurrentNetwork, includeHiddenStates: Bool,
         checkpoint: String, iteration: Int, data: String) throws {
        (self.file, self.sequences, self.steps, outputs) = (file, sequences, steps, network.shape.outputs)
        hidden = includeHiddenStates ? network.shape.hidden : nil
        try file.setAttribute("format", to: Self.formatName)
        try file.setAttribute("format_version", to: Int64(Self.formatVersion))
        try file.setAttribute("hfrnn_version", to: hfrnnVersion)
        try file.setAttribute("precision", to: S.self == Float.self ? "float" : "double")
        try file.setAttribute("checkpoint", to: checkpoint)
        try file.setAttribute("iteration", to: Int64(iteration))
        try file.setAttribute("data", to: data)
        try file.createDataset("predictions", of: S.self, shape: [sequences, steps, outputs], compress: true)
        try file.createDataset("targets", of: S.self, shape: [sequences, steps, outputs], compress: true)
        try file.createDataset("mask", of: S.self, shape: [sequences, steps], compress: true)
        try file.createDataset("error_mask", of: S.self, shape: [sequences, steps], compress: true)
        try file.createDataset("lengths", of: Int32.self, shape: [sequences])
        try file.createDataset("wrong", of: Int32.self, shape: [sequences])
        if let hidden {
            try file.createDataset("hidden_states", of: S.self, shape: [sequences, steps, hidden], compress: true)
        }
        predictionRows = try HDF5RowAppender(file: file, path: "predictions")
        targetRows = try HDF5RowAppender(file: file, path: "targets")
        maskRows = try HDF5RowAppender(file: file, path: "mask")
        errorMaskRows = try HDF5RowAppender(file: file, path: "error_mask")
        lengthRows = try HDF5RowAppender(file: file, path: "lengths")
        wrongRows = try HDF5RowAppender(file: file, path: "wrong")
        hiddenStateRows = hidden == nil ? nil : try HDF5RowAppender(file: file, path: "hidden_states")
    }

    /// Writes the next sub-batch's rows from the evaluator that holds its forward pass.
    mutating func append(_ subBatch: SequenceBatch<S>, evaluator: BatchEvaluator<S>, verdicts: [Bool?]) throws {
        let (b, subBatchSteps, o) = (subBatch.sequenceCount, subBatch.steps, outputs)
        precondition(subBatchSteps <= steps && written + b <= sequences, "subBatch outside the predictions file")
        let predicted = evaluator.predictionValues
        var predictions = [S](repeating: 0, count: b * steps * o), targets = predictions
        var mask = [S](repeating: 0, count: b * steps), errorMask = mask
        // Time-major [T_c, B, ·] → sequence-major [B, T, ·].
        for k in 0..<b {
            for step in 0..<subBatchSteps {
                let source = subBatch.index(step: step, sequence: k), destination = k * steps + step
                mask[destination] = subBatch.mask[source]
                errorMask[destination] = subBatch.errorMask[source] ? 1 : 0
                for output in 0..<o {
                    predictions[destination * o + output] = predicted[source * o + output]
                    targets[destination * o + output] = subBatch.targets[source * o + output]
                }
            }
        }
        try predictionRows.append(predictions, to: file)
        try targetRows.append(targets, to: file)
        try maskRows.append(mask, to: file)
        try errorMaskRows.append(errorMask, to: file)
        try lengthRows.append(subBatch.lengths.map { Int32($0) }, to: file)
        try wrongRows.append(verdicts.map { Int32($0 == true ? 1 : 0) }, to: file)
        if let hidden {
            // States h_1 … h_T of the sub-batch ([T_c + 1, B, H] with h_0 first).
            let states = evaluator.hiddenStates
            var values = [S](repeating: 0, count: b * steps * hidden)
            for k in 0..<b {
                for step in 0..<subBatchSteps {
                    let source = ((step + 1) * b + k) * hidden, destination = (k * steps + step) * hidden
                    for unit in 0..<hidden { values[destination + unit] = states[source + unit] }
                }
            }
            try hiddenStateRows?.append(values, to: file)
        }
        written += b
    }

    /// Writes the rows still held and the totals over every sequence, once all sub-batches are in.
    mutating func finish(_ evaluation: SetEvaluation) throws {
        precondition(written == sequences, "\(written) of \(sequences) sequences written")
        try predictionRows.finish(to: file)
        try targetRows.finish(to: file)
        try maskRows.finish(to: file)
        try errorMaskRows.finish(to: file)
        try lengthRows.finish(to: file)
        try wrongRows.finish(to: file)
        try hiddenStateRows?.finish(to: file)
        try file.setAttribute("test_error", to: evaluation.errorRate)
        try file.setAttribute("test_loss", to: evaluation.loss)
        try file.setAttribute("judged_sequences", to: Int64(evaluation.judged))
        try file.setAttribute("wrong_sequences", to: Int64(evaluation.wrong))
    }
}

extension EvaluationWorkspace where Scalar: HDF5Element {
    /// Evaluates the sub-batches `nextSubBatch` makes, writing each into `writer`; the first write error
    /// stops the writing and is thrown once the evaluation has ended.
    func evaluateSet(parameters: [Scalar], criterion: ErrorCriterion, writingInto writer: inout PredictionsWriter<Scalar>,
                     nextSubBatch: () throws -> SequenceBatch<Scalar>?) throws -> SetEvaluation {
        var failure: (any Error)?
        var output = writer
        let result = evaluateSet(parameters: parameters, criterion: criterion, nextSubBatch: {
            guard failure == nil else { return nil }
            do { return try nextSubBatch() } catch {
                failure = error
                return nil
            }
        }, visit: { subBatch, evaluator, verdicts in
            guard failure == nil else { return }
            do { try output.append(subBatch, evaluator: evaluator, verdicts: verdicts) } catch { failure = error }
        })
        writer = output
        if let failure { throw failure }
        return result
    }
}
