import Foundation
import SequenceModel

/// Checks that data fits a network before any work: the same input and output sizes and the same
/// output/loss pair. `data` and `model` name where each side came from (a file, a task, a
/// checkpoint), so the one-line error says which file does not fit which.
public func requireFit(data: String, inputs: Int, outputs: Int, outputLoss: OutputLoss,
                       model: String, network: RecurrentNetwork) throws {
    guard inputs == network.shape.inputs, outputs == network.shape.outputs, outputLoss == network.outputLoss else {
        throw TrainingError("\(data): the data has \(inputs) inputs and \(outputs) outputs (\(outputLoss.rawValue)) "
                            + "but \(model) is a \(network.shape) network (\(network.outputLoss.rawValue))")
    }
}

extension RunFolder {
    /// Creates the run folder (and its parents) and checks that files can be written there, so a
    /// bad `--checkpoint-dir` fails before the first iteration with one line naming the folder.
    public func prepare() throws {
        var isDirectory: ObjCBool = false
        let manager = FileManager.default
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw TrainingError("\(path): exists and is not a folder") }
        } else {
            // Walk up to the first existing ancestor: it must be a folder we can write into.
            var ancestor = URL(fileURLWithPath: path).deletingLastPathComponent()
            while !manager.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
                ancestor.deleteLastPathComponent()
            }
            guard isDirectory.boolValue else {
                throw TrainingError("\(path): cannot create the run folder: \(ancestor.path) is not a folder")
            }
            guard access(ancestor.path, W_OK) == 0 else {
                throw TrainingError("\(path): cannot create the run folder: \(ancestor.path): \(String(cString: strerror(errno)))")
            }
            do {
                try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw TrainingError("\(path): cannot create the run folder")
            }
        }
        guard access(path, W_OK) == 0 else {
            throw TrainingError("\(path): cannot write checkpoints here: \(String(cString: strerror(errno)))")
        }
    }
}
