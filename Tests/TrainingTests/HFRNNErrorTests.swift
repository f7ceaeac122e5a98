import Diagnostics
import Foundation
import HDF5IO
@testable import RunStore
import TestSupport
import Testing
@testable import DataFiles
@testable import Training
import TrainingTestSupport

/// Errors carry their kind and the file, field or data at fault, and still print one line.
@Suite struct HFRNNErrorTests {
    @Test func aCorruptDatasetIsAFileProblemNamingTheFile() throws {
        let path = temporaryPath(".h5")
        defer { removeFile(path) }
        try Data("not an HDF5 file".utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try DatasetFile(path: path)
        } throws: { error in
            guard case .file(let at, let message)? = error as? HFRNNError else { return false }
            return at == path && message.hasPrefix("\(path): ") && !message.contains("\n")
        }
    }

    @Test func anInvalidConfigurationNamesItsField() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.hiddenUnits = 0
        #expect(throws: HFRNNError.configuration(field: "hiddenUnits", message: "hidden units must be at least 1, got 0")) {
            _ = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        }
        // A first-order run's invalid value is a configuration problem too (it was one of no kind).
        config.firstOrder = FirstOrderRunConfig(method: .nesterov)
        config.firstOrder?.optimizer.learningRate = -1
        #expect(throws: HFRNNError.configuration(field: "firstOrder.learningRate",
                                                 message: "learningRate must be positive and finite, got -1.0")) {
            _ = try Trainer<FirstOrderTraining<Float>>(config: config, source: taskSource(config, Float.self))
        }
    }

    /// Every method reads its settings the same way and says the same thing when the run is another's.
    @Test func aConfigurationOfAnotherMethodNamesBoth() throws {
        var config = try smallConfig(.float)
        #expect(throws: HFRNNError("the configuration trains with hf, not first-order")) {
            _ = try FirstOrderTraining<Float>.settings(of: config)
        }
        #expect(try HessianFreeTraining<Float>.settings(of: config) == config.hessianFree)
        config.method = .firstOrder(FirstOrderRunConfig(method: .adam))
        #expect(throws: HFRNNError("the configuration trains with adam, not Hessian-free")) {
            _ = try HessianFreeTraining<Float>.settings(of: config)
        }
        #expect(try FirstOrderTraining<Float>.settings(of: config) == config.firstOrder)
    }

    @Test func dataThatDoesNotFitTheNetworkIsAMismatchNamingTheData() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try smallConfig(.float)
        let trainer = try trainedTrainer(config, Float.self, iterations: 0)
        var other = config
        other.data = .task(try .init(task: .temporalOrder, minimumLength: 50))
        let source = TaskSource<Float>(spec: other.task!, testSequences: 4, testSeed: 1)
        let checkpoint = folder.file("latest.h5")
        try Checkpoint(trainer).save(to: checkpoint)
        let loaded = try Checkpoint<HessianFreeTraining<Float>>.load(from: checkpoint)
        do {
            _ = try loaded.makeTrainer(source: source, path: checkpoint)
            Issue.record("a source with other outputs was accepted")
        } catch let error as HFRNNError {
            guard case .dataMismatch(let path, let message) = error else {
                Issue.record("expected a mismatch, got \(error)")
                return
            }
            #expect(path == checkpoint)
            #expect(message.hasPrefix("\(checkpoint): cannot resume: \(source.name): the data has"))
        }
    }

    @Test func theOneLineIsTheMessageWhateverTheKind() {
        #expect(HFRNNError.file("a.h5", "broken").description == "a.h5: broken")
        #expect(HFRNNError("plain").description == "plain")
        #expect(HFRNNError.file("a.h5", "x").reported(at: "b.h5", "cannot resume: ")
                == .file(path: "b.h5", message: "b.h5: cannot resume: a.h5: x"))
    }
}
