import DataFiles
import Diagnostics
import HDF5IO
import Linalg
import RunStore
import SequenceModel
import Training

// predictions.h5 of an export: the run's test set through the checkpoint's network
// (`PredictionsWriter`, layout in docs/interop.md).

extension RunExport {
    /// predictions.h5's bytes, built in memory like every file of an export, and the totals over
    /// the test set. `data` names the test set in the file.
    func predictionsImage(sequences: Int, nextSubBatch: () throws -> SequenceBatch<S>?, criterion: ErrorCriterion,
                          data: String, name path: String) throws -> (bytes: [UInt8], evaluation: SetEvaluation) {
        // The file's shape needs the steps: the first sub-batch's (every sub-batch of a set has them).
        guard let first = try nextSubBatch() else { throw HFRNNError("\(data): no sequences to predict") }
        var pending: SequenceBatch<S>? = first
        let file = try HDF5File.createInMemory(name: path)
        var writer = try PredictionsWriter<S>(
            file: file, sequences: sequences, steps: first.steps,
            network: run.network, includeHiddenStates: false,
            checkpoint: absolutePath(run.path), iteration: run.iteration, data: data)
        let evaluation = try EvaluationWorkspace<S>(network: run.network).evaluateSet(
            parameters: run.parameters, criterion: criterion, writingInto: &writer, nextSubBatch: {
                defer { pending = nil }
                return try pending ?? nextSubBatch()
            })
        try writer.finish(evaluation)
        let bytes = try file.image()
        try file.close()
        return (bytes, evaluation)
    }
}
