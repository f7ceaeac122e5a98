import Diagnostics
import Foundation
import HDF5IO
import Linalg
import SequenceModel
import Tasks

/// Writes sequence batches as dataset files (schema in datasets/README.md).
public enum DatasetWriter {
    /// Writes `batch` to `path` in the dataset schema: transposed to batch-major, big arrays
    /// gzip-compressed, with the root attributes `format`, `format_version`, `output_loss`,
    /// `hfrnn_version`, and `task`, `task_length` (T of the task), `seed` when given. A seed of
    /// 2⁶³ or more is stored as the int64 with the same bits.
    ///
    /// `encoding` nil (automatic) stores softmax targets as `/labels` when every scored or judged
    /// target row is one-hot and every other row is zero (so reading gives the same batch back),
    /// and as `/targets` otherwise. `/error_mask` is written only when it differs from `mask ≠ 0`.
    ///
    /// The write is atomic: a temporary file in the same folder, fsynced, then renamed over `path`.
    public static func write(batch: SequenceBatch<Float>, loss: OutputLoss, task: TaskSpec? = nil, seed: UInt64? = nil,
                             to path: String, encoding: DatasetTargetEncoding? = nil) throws {
        let labels = loss == .softmaxCrossEntropy ? self.labels(of: batch) : nil
        let useLabels: Bool
        switch encoding {
        case nil: useLabels = labels != nil
        case .targets?: useLabels = false
        case .labels?:
            guard loss == .softmaxCrossEntropy else {
                throw HFRNNError.file(path, "/labels needs output_loss '\(OutputLoss.softmaxCrossEntropy.rawValue)', not '\(loss.rawValue)'")
            }
            guard labels != nil else {
                throw HFRNNError.file(path, "the targets cannot be stored as /labels: some scored or judged target row "
                                    + "is not one-hot, or some other row is not zero")
            }
            useLabels = true
        }

        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HFRNNError.file(path, "folder '\(directory.path)' does not exist")
        }
        do {
            let bytes = try image(batch, loss: loss, labels: useLabels ? labels : nil, task: task, seed: seed, name: path)
            try AtomicFile.write(bytes, to: path)
        } catch let error as HDF5Error {
            throw HFRNNError.file(path: error.file, message: error.description)
        }
    }

    /// Batch-major class labels `[B, T]` of a softmax batch: the one-hot index at scored or judged
    /// steps, −1 elsewhere; nil when the batch is not exactly representable that way.
    public static func labels(of batch: SequenceBatch<Float>) -> [Int32]? {
        let (count, steps, o) = (batch.sequenceCount, batch.steps, batch.outputSize)
        var labels = [Int32](repeating: -1, count: count * steps)
        for b in 0..<count {
            for t in 0..<steps {
                let k = batch.index(step: t, sequence: b)
                let row = batch.targets[(k * o)..<((k + 1) * o)]
                if batch.mask[k] != 0 || batch.errorMask[k] {
                    guard let one = row.firstIndex(of: 1),
                          row.allSatisfy({ $0 == 0 || $0 == 1 }), row.filter({ $0 == 1 }).count == 1 else { return nil }
                    labels[b * steps + t] = Int32(one - row.startIndex)
                } else if row.contains(where: { $0 != 0 }) {
                    return nil
                }
            }
        }
        return labels
    }

    /// The dataset file's bytes, built in memory.
    private static func image(_ batch: SequenceBatch<Float>, loss: OutputLoss, labels: [Int32]?, task: TaskSpec?,
                              seed: UInt64?, name path: String) throws -> [UInt8] {
        let (count, steps, i, o) = (batch.sequenceCount, batch.steps, batch.inputSize, batch.outputSize)
        /// `[T, B, width]` → `[B, T, width]`.
        func batchMajor<V>(_ values: [V], width: Int) -> [V] {
            var result = values
            for b in 0..<count {
                for t in 0..<steps {
                    let source = (t * count + b) * width, destination = (b * steps + t) * width
                    for k in 0..<width { result[destination + k] = values[source + k] }
                }
            }
            return result
        }
        let file = try HDF5File.createInMemory(name: path)
        try file.setAttribute("format", to: DatasetSchema.format)
        try file.setAttribute("format_version", to: DatasetSchema.formatVersion)
        try file.setAttribute("output_loss", to: loss.rawValue)
        try file.setAttribute("hfrnn_version", to: hfrnnVersion)
        if let task {
            try file.setAttribute("task", to: task.task.rawValue)
            try file.setAttribute("task_length", to: Int64(task.minimumLength))
        }
        if let seed { try file.setAttribute("seed", to: Int64(bitPattern: seed)) }

        try file.write(batchMajor(batch.inputs, width: i), shape: [count, steps, i], to: "inputs", compress: true)
        if let labels {
            try file.write(labels, shape: [count, steps], to: "labels", compress: true)
            try file.setAttribute("classes", to: Int64(o))
        } else {
            try file.write(batchMajor(batch.targets, width: o), shape: [count, steps, o], to: "targets", compress: true)
        }
        try file.write(batchMajor(batch.mask, width: 1), shape: [count, steps], to: "mask", compress: true)
        if zip(batch.mask, batch.errorMask).contains(where: { ($0 != 0) != $1 }) {
            let errorMask = batch.errorMask.map { $0 ? Float(1) : 0 }
            try file.write(batchMajor(errorMask, width: 1), shape: [count, steps], to: "error_mask", compress: true)
        }
        try file.write(batch.lengths.map { Int32(clamping: $0) }, shape: [count], to: "lengths")
        let bytes = try file.image()
        try file.close()
        return bytes
    }
}
