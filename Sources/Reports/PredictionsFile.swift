import DataFiles
import HDF5IO
import Linalg
import SequenceModel
import Training

// predictions.h5 of an export: the run's test set through the checkpoint's network
// (`PredictionsWriter`, layout in docs/interop.md).

extension RunExport {
    /// predictions.h5's bytes, built in memory like every file of an export, and the totals over
    /// the test set. `data` names the test set in the file.
    func predictionsImage(subBatches: [SequenceBatch<S>], criterion: ErrorCriterion, data: String,
                          name path: String) throws -> (bytes: [UInt8], evaluation: SetEvaluation) {
        let file = try HDF5File.createInMemory(name: path)
        var writer = try PredictionsWriter<S>(
            file: file, sequences: subBatches.reduce(0) { $0 + $1.sequenceCount }, steps: subBatches.map(\.steps).max() ?? 0,
            network: run.network, includeHiddenStates: false, checkpoint: run.path, iteration: run.iteration, data: data)
        var remaining = subBatches.makeIterator()
        let evaluation = try EvaluationWorkspace<S>(network: run.network).evaluateSet(
            parameters: run.parameters, criterion: criterion, writingInto: &writer, nextSubBatch: { remaining.next() })
        try writer.finish(evaluation)
        let bytes = try file.image()
        try file.close()
        return (bytes, evaluation)
    }
}
