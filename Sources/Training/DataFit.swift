import DataFiles
import Diagnostics
import Foundation
import SequenceModel

/// Checks that data fits a network before any work: the same input and output sizes and the same
/// output/loss pair. `data` and `model` name where each side came from (a file, a task, a
/// checkpoint), so the one-line error says which file does not fit which.
public func requireFit(data: String, inputs: Int, outputs: Int, outputLoss: OutputLoss,
                       model: String, network: RecurrentNetwork) throws {
    guard inputs == network.shape.inputs, outputs == network.shape.outputs, outputLoss == network.outputLoss else {
        throw HFRNNError.dataMismatch(data, "the data has \(counted(inputs, "input")) and \(counted(outputs, "output")) (\(outputLoss.rawValue)) "
                            + "but \(model) is a \(network.shape) network (\(network.outputLoss.rawValue))")
    }
}
