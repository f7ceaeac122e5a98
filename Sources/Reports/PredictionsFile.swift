import DataFiles
import HDF5IO
import Linalg
import Training

// predictions.h5 of an export (layout at the top of Export.swift).

extension RunExport {
    /// predictions.h5's bytes, built in memory.
    func predictionsImage(_ set: PredictionSet<S>, name path: String) throws -> [UInt8] {
        let (n, t, o) = (set.sequences, set.steps, set.outputs)
        let file = try HDF5File.createInMemory(name: path)
        try file.setAttribute("format", to: "hfrnn-predictions")
        try file.setAttribute("hfrnn_version", to: hfrnnVersion)
        try file.setAttribute("precision", to: S.self == Float.self ? "float" : "double")
        try file.setAttribute("checkpoint", to: run.path)
        try file.setAttribute("iteration", to: Int64(run.iteration))
        try file.setAttribute("test_error", to: set.evaluation.errorRate)
        try file.setAttribute("test_loss", to: set.evaluation.loss)
        try file.setAttribute("judged_sequences", to: Int64(set.evaluation.judged))
        try file.write(set.predictions, shape: [n, t, o], to: "predictions", compress: true)
        try file.write(set.targets, shape: [n, t, o], to: "targets", compress: true)
        try file.write(set.mask, shape: [n, t], to: "mask", compress: true)
        try file.write(set.errorMask.map { Int32($0 ? 1 : 0) }, shape: [n, t], to: "error_mask", compress: true)
        try file.write(set.lengths.map { Int32($0) }, shape: [n], to: "lengths")
        try file.write(set.wrong.map { Int32($0 ? 1 : 0) }, shape: [n], to: "wrong")
        let bytes = try file.image()
        try file.close()
        return bytes
    }
}
