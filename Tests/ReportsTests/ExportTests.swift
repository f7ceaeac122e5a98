import Diagnostics
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HDF5IO
import HessianFree
import Linalg
@testable import Reports
@testable import RunStore
import SequenceModel
import Tasks
import TestSupport
import Testing
@testable import DataFiles
@testable import Training
import TrainingTestSupport

// MARK: - Fixture: a tiny training run, made once

/// Addition T = 8, 8 hidden units, 3 HF iterations with small batches, checkpointed into a
/// temporary folder that is removed at exit. Shared by the tests (a global `let` is initialised
/// once, thread-safely).
struct TinyRun: Sendable {
    let root: String
    let runFolder: String
    let checkpoint: String
    let history: [IterationRecord]
    let finalTestError: Double
    let finalTestLoss: Double
    let config: TrainingConfig
}

/// The fixture's folder. Swift Testing has no hook after the last test, so the fixture removes it
/// when the test process exits.
private let tinyRunRoot = FileManager.default.temporaryDirectory
    .appendingPathComponent("hfrnn-export-\(UUID().uuidString)").path

let tinyRun: TinyRun = {
    let root = tinyRunRoot
    atexit { try? FileManager.default.removeItem(atPath: tinyRunRoot) }
    var config = try! smallConfig(.float)
    config.seed = 1
    config.maxIterations = 3
    let source = try! makeSource(config, Float.self)
    let trainer = try! Trainer<HessianFreeTraining<Float>>(config: config, source: source)
    let run = RunFolder(directory: root, name: "tiny")
    let outcome = try! runTraining(trainer, in: run, startsRun: true, shouldStop: { false }, onIteration: { _ in })
    return TinyRun(root: root, runFolder: run.path, checkpoint: outcome.latestCheckpoint,
                   history: trainer.history, finalTestError: outcome.finalTestError,
                   finalTestLoss: outcome.finalTestLoss, config: config)
}()

func temporaryFolder() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("hfrnn-export-out-\(UUID().uuidString)").path
}

/// Exports the tiny run into a fresh folder.
func exportTinyRun() throws -> ExportResult {
    try exportRun(checkpoint: tinyRun.runFolder, to: temporaryFolder())
}

// MARK: - Export

@Suite("Export") struct ExportTests {
    @Test func writesTheFiveFilesAndNothingElse() throws {
        let result = try exportTinyRun()
        defer { try? FileManager.default.removeItem(atPath: result.directory) }
        let names = try FileManager.default.contentsOfDirectory(atPath: result.directory).sorted()
        #expect(names == ["curves.csv", "curves.svg", "diagnostics.svg", "predictions.h5", "summary.json"])
        let diagnostics = try String(contentsOfFile: result.directory + "/diagnostics.svg", encoding: .utf8)
        for panel in ["errors", "relative-loss", "damping", "work"] {
            #expect(diagnostics.contains("<g class=\"panel\" id=\"\(panel)\">"), "\(panel)")
        }
        #expect(result.paths.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        #expect(tinyRun.history.count == 3)
    }

    @Test func defaultFolderIsExportInTheRunFolder() {
        #expect(defaultExportDirectory(forCheckpoint: "/a/run/latest.h5") == "/a/run/export")
        #expect(checkpointPath(tinyRun.runFolder) == tinyRun.checkpoint)
    }

    @Test func curvesCSVHasOneRowPerIteration() throws {
        let result = try exportTinyRun()
        defer { try? FileManager.default.removeItem(atPath: result.directory) }
        let lines = try String(contentsOfFile: result.curves, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == "iteration,train_loss,test_loss,test_error,lambda,lambda_next,rho,cg_iterations,"
                + "backtrack_iteration,step_size,accepted,elapsed_seconds,train_objective,"
                + "cg_stop,decision,line_search_tries,test_step_error,test_loss_relative,processor_seconds,sequences")
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == tinyRun.history.count)
        for (row, record) in zip(rows, tinyRun.history) {
            try #require(row.count == 20)
            #expect(Int(row[0]) == record.iteration)
            #expect(Double(row[1]) == record.trainLoss)
            #expect(Double(row[2]) == record.testLoss)
            #expect(Double(row[3]) == record.testError)
            #expect(Double(row[4]) == record.lambda)
            #expect(Double(row[5]) == record.lambdaNext)
            #expect(Double(row[6]) == record.rho)  // also -inf, which Double parses back
            #expect(Int(row[7]) == record.cgIterations)
            #expect(Int(row[8]) == record.backtrackIteration)
            #expect(Double(row[9]) == record.stepSize)
            #expect(row[10] == (record.accepted ? "1" : "0"))
            #expect(Double(row[11]) == record.elapsedSeconds)
            #expect(Double(row[12]) == record.trainObjective)
            #expect(row[13] == record.cgStopCode && row[14] == record.decision.code)
            #expect(Int(row[15]) == record.lineSearchTries && record.lineSearchTries >= 1)
            #expect(Double(row[16]) == record.testStepError && Double(row[17]) == record.testLossRelative)
            #expect(Double(row[18]) == record.processorSeconds && record.processorSeconds > 0)
            #expect(Int(row[19]) == record.sequences && record.sequences == record.iteration * tinyRun.config.trainingSequencesPerIteration)
        }
    }

    @Test func csvWritesNonFiniteValuesByName() {
        var record = IterationRecord(iteration: 1, trainLoss: 1, testLoss: .nan, testError: 0.5, lambda: 1, lambdaNext: 1.5,
                                     rho: -.infinity, cgIterations: 3, cgStop: .maxIterations(3), backtrackIteration: 2,
                                     stepSize: 0, decision: .lineSearchFailed, elapsedSeconds: 1)
        var row = curvesCSV([record]).split(separator: "\n")[1]
        #expect(row == "1,1.0,nan,0.5,1.0,1.5,-inf,3,2,0.0,0,1.0,nan,max-iter,line-search,0,nan,nan,nan,0")
        record.rho = .infinity
        row = curvesCSV([record]).split(separator: "\n")[1]
        #expect(row.contains(",inf,"))
    }

    @Test func summaryJSONHasTheDocumentedKeysAndTypes() throws {
        let result = try exportTinyRun()
        defer { try? FileManager.default.removeItem(atPath: result.directory) }
        let data = try Data(contentsOf: URL(fileURLWithPath: result.summary))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let expectedKeys: Set<String> = [
            "format", "format_version", "hfrnn_version", "checkpoint", "run_name", "data", "seed", "precision",
            "network", "config", "iterations", "total_cg_iterations", "rejected_steps", "wall_time_seconds", "lambda",
            "optimizer", "final", "last_train_loss", "best_test_error", "success_threshold", "solved",
        ]
        #expect(Set(object.keys) == expectedKeys)
        #expect(object["config"] is [String: Any])
        #expect(object["hfrnn_version"] as? String == hfrnnVersion)

        // Types checked strictly by decoding into a mirror of the documented schema.
        struct Mirror: Decodable {
            struct Network: Decodable { let inputs: Int, hidden: Int, outputs: Int, output_loss: String, parameters: Int }
            struct Final: Decodable {
                let test_error: Double, test_loss: Double, test_sequences: Int, wrong_sequences: Int, judged_sequences: Int
            }
            struct DataInfo: Decodable { let kind: String, task: String, minimum_length: Int }
            let format: String, format_version: Int, hfrnn_version: String, checkpoint: String, run_name: String
            let data: DataInfo, seed: UInt64, precision: String, network: Network
            let iterations: Int, total_cg_iterations: Int, rejected_steps: Int, wall_time_seconds: Double, lambda: Double, optimizer: String
            let final: Final, last_train_loss: Double?, best_test_error: Double?, success_threshold: Double, solved: Bool
        }
        let summary = try JSONDecoder().decode(Mirror.self, from: data)
        #expect(summary.format == "hfrnn-export-summary" && summary.format_version == 4)
        let config = try JSONFormat.decoder().decode(
            TrainingConfig.self, from: JSONSerialization.data(withJSONObject: try #require(object["config"])))
        #expect(config == tinyRun.config)
        #expect(summary.network.inputs == 2 && summary.network.hidden == 8 && summary.network.outputs == 1)
        #expect(summary.network.parameters == RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 8, outputs: 1),
                                                               outputLoss: .linearSquaredError).parameterCount)
        #expect(summary.data.task == "addition" && summary.data.minimum_length == 8)
        #expect(summary.iterations == 3)
        #expect(summary.total_cg_iterations == tinyRun.history.map(\.cgIterations).reduce(0, +))
        #expect(summary.wall_time_seconds >= tinyRun.history.last!.elapsedSeconds)
        #expect(summary.final.test_error == tinyRun.finalTestError)
        #expect(abs(summary.final.test_loss - tinyRun.finalTestLoss) <= 1e-6 * tinyRun.finalTestLoss)
        #expect(summary.solved == (summary.final.test_error < summary.success_threshold))
        #expect(summary.success_threshold == 0.01)
        #expect(summary.precision == "float")
        #expect(summary.best_test_error == tinyRun.history.map(\.testError).min())
    }

    @Test func svgIsWellFormedWithFourPanels() throws {
        let result = try exportTinyRun()
        defer { try? FileManager.default.removeItem(atPath: result.directory) }
        let structure = try SVGStructure(Data(contentsOf: URL(fileURLWithPath: result.plot)))
        #expect(structure.root == "svg")
        #expect(structure.panels == 4)
        #expect(structure.polylines >= 4)
        #expect(structure.text.contains("addition, T = 8, seed 1"))
        #expect(structure.text.contains("HF iteration") && structure.text.contains("wall time (s)"))
    }

    @Test func svgCopesWithNoHistoryAndNonFiniteValues() throws {
        let empty = try SVGStructure(Data(curvesSVG(curve: [], title: "a & b <c>", successThreshold: 0.01).utf8))
        #expect(empty.panels == 4 && empty.polylines == 0)
        #expect(empty.text.contains("a & b <c>"))
        var odd: [IterationRecord] = []
        for k in 1...5 {
            let trainLoss: Double = k == 3 ? .nan : 1 / Double(k)
            let testLoss: Double = k == 2 ? 0 : .infinity
            odd.append(IterationRecord(iteration: k, trainLoss: trainLoss, testLoss: testLoss, testError: 0.5, lambda: 1,
                                       lambdaNext: 1, rho: -.infinity, cgIterations: 1, cgStop: nil, backtrackIteration: 1,
                                       stepSize: 1, decision: .accepted, elapsedSeconds: Double(k) * 4000))
        }
        let structure = try SVGStructure(Data(curvesSVG(curve: odd.map(\.curvePoint), title: "odd").utf8))
        #expect(structure.panels == 4)
        #expect(structure.text.contains("wall time (h)"))
    }

    @Test func predictionsMatchTheRunsTestSet() throws {
        let result = try exportTinyRun()
        defer { try? FileManager.default.removeItem(atPath: result.directory) }
        let file = try HDF5File.open(result.predictions)
        let spec = try #require(tinyRun.config.task)
        // 40 test sequences in sub-batches of the curvature batch's size (30): 30 + 10, exactly the 40 asked for.
        let n = 40, t = spec.maximumLength, o = spec.outputSize
        let (predictions, predictionShape) = try file.read("predictions", as: Double.self)
        #expect(predictionShape == [n, t, o])
        #expect(try file.read("targets", as: Double.self).shape == [n, t, o])
        #expect(try file.read("mask", as: Double.self).shape == [n, t])
        let (lengths, lengthShape) = try file.read("lengths", as: Int32.self)
        #expect(lengthShape == [n])
        #expect(lengths.allSatisfy { spec.lengthRange.contains(Int($0)) })
        let (wrong, wrongShape) = try file.read("wrong", as: Int32.self)
        #expect(wrongShape == [n])
        #expect(wrong.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(predictions.allSatisfy { $0.isFinite })
        let testError = try file.doubleAttribute("test_error")
        #expect(Double(wrong.reduce(0, +)) / Double(n) == testError)
        #expect(testError == tinyRun.finalTestError)
        #expect(try file.doubleAttribute("test_loss") == tinyRun.finalTestLoss)  // one evaluation, summed in Double

        // `wrong` is the addition criterion applied at the scored step of each sequence.
        let (targets, _) = try file.read("targets", as: Double.self)
        let (mask, _) = try file.read("mask", as: Double.self)
        for b in 0..<n {
            let last = Int(lengths[b]) - 1
            #expect(mask[b * t + last] == 1)
            let k = (b * t + last) * o
            let off = Double(abs(Float(predictions[k]) - Float(targets[k]))) > 0.04
            #expect(off == (wrong[b] == 1))
        }
    }

    @Test func badOutputFolderFailsBeforeAnyWork() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let blocker = folder + "/file"
        _ = FileManager.default.createFile(atPath: blocker, contents: Data())
        for output in [blocker + "/out", blocker] {
            let error = #expect(throws: HFRNNError.self) { try exportRun(checkpoint: tinyRun.checkpoint, to: output) }
            #expect(error?.description.contains(output) == true, "\(String(describing: error))")
        }
        let missing = #expect(throws: HFRNNError.self) {
            try exportRun(checkpoint: folder + "/missing.h5", to: folder + "/out")
        }
        #expect(missing?.description == "\(folder)/missing.h5: file not found", "\(String(describing: missing))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["file"])
    }

    @Test func failedStagingLeavesNothingBehind() throws {
        let folder = temporaryFolder() + "/a/b"
        do {
            let files = try StagedFiles(directory: folder)
            try files.stage("one.txt", contents: "1")
            func failingContents() throws -> [UInt8] { throw HFRNNError("injected") }
            try files.stage("two.txt", bytes: try failingContents())
            try files.commit()
            Issue.record("staging should have failed")
        } catch let error as HFRNNError {
            #expect(error.message == "injected")
        }
        // The folders StagedFiles created are gone again.
        #expect(!FileManager.default.fileExists(atPath: URL(fileURLWithPath: folder).deletingLastPathComponent().path))
    }

    /// One test-set evaluation: the loss and error training recorded for the last iteration,
    /// `hfrnn evaluate` (evaluateSet) and `hfrnn export` (its predictions.h5) agree to the last bit, on
    /// exactly the 40 test sequences asked for (sub-batches of 30 and 10, not two of 30).
    @Test func trainingEvaluateAndExportAgreeExactly() throws {
        let run = try StoredRun<Float>.load(from: tinyRun.checkpoint)
        let source = try makeSource(run.config, Float.self)
        let evaluation = try evaluateSet(network: run.network, parameters: run.parameters, criterion: source.errorCriterion,
                                         nextSubBatch: source.testSubBatchReader(subBatchSize: run.config.testSubBatchSize))
        #expect(evaluation.sequences == 40)
        #expect(evaluation.loss.bitPattern == tinyRun.finalTestLoss.bitPattern)
        #expect(evaluation.errorRate == tinyRun.finalTestError)
        #expect(tinyRun.history.last?.testLoss.bitPattern == evaluation.loss.bitPattern)
        let predicted = try RunExport(run).predictionsImage(
            sequences: source.testSetSize, nextSubBatch: source.testSubBatchReader(subBatchSize: run.config.testSubBatchSize),
            criterion: source.errorCriterion,
                                                            data: "test", name: "predictions.h5")
        #expect(predicted.evaluation == evaluation)
        let folder = try TemporaryFolder()
        let path = folder.path + "/predictions.h5"
        try Data(predicted.bytes).write(to: URL(fileURLWithPath: path))
        let file = try HDF5File.open(path)
        let wrong: [Int32] = try file.read("wrong", as: Int32.self).values
        #expect(wrong.filter { $0 == 1 }.count == evaluation.wrong)
        #expect(try file.int64Attribute("format_version") == 2)
    }
}

/// What the tests need to know about an SVG document, from FoundationXML's parser (which fails on
/// anything that is not well-formed XML).
struct SVGStructure {
    var root: String?
    var panels = 0
    var polylines = 0
    var text = ""

    init(_ data: Data) throws {
        let delegate = Delegate()
        let parser = XMLParser(data: data)
        parser.delegate = delegate
        guard parser.parse() else {
            throw HFRNNError("SVG is not well-formed: \(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
        root = delegate.root
        panels = delegate.panels
        polylines = delegate.polylines
        text = delegate.text
    }

    final class Delegate: NSObject, XMLParserDelegate {
        var root: String?
        var panels = 0, polylines = 0
        var text = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if root == nil { root = name }
            if name == "g" && attributes["class"] == "panel" { panels += 1 }
            if name == "polyline" { polylines += 1 }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    }
}

// MARK: - Probe

@Suite("Probe") struct ProbeTests {
    static let spec = try! TaskSpec(task: .addition, minimumLength: 8)
    static let network = RecurrentNetwork(shape: NetworkShape(inputs: spec.inputSize, hidden: 6, outputs: spec.outputSize),
                                          outputLoss: spec.outputLoss)

    static func fixture(seed: UInt64 = 3) -> (theta: [Double], batch: SequenceBatch<Double>, v: [Double]) {
        var rng = SeededGenerator(seed: seed)
        let theta: [Double] = network.initialParameters(outputMean: spec.targetMean, using: &rng)
        var dataRNG = SeededGenerator(seed: 11)
        let batch: SequenceBatch<Double> = spec.makeBatch(count: 12, using: &dataRNG)
        let v = DerivativeProbe<Double>.gaussianDirection(count: network.parameterCount, seed: 5)
        return (theta, batch, v)
    }

    @Test func withoutStructuralDampingAvIsGvPlusLambdaV() {
        let (theta, batch, v) = Self.fixture()
        let probe = DerivativeProbe(network: Self.network, parameters: theta, batch: batch, direction: v,
                                    lambda: 0.7, mu: 0, weightCost: 0)
        for k in v.indices {
            let expected = probe.gaussNewtonProduct[k] + 0.7 * v[k]
            #expect(abs(probe.dampedProduct[k] - expected) <= 1e-12 * max(1, abs(expected)))
        }
        #expect(probe.loss == probe.dataLoss)
        #expect(probe.scoredOutputs == 12)
    }

    @Test func structuralTermIsPositiveSemidefiniteAndOnlyInHiddenBlocks() {
        let (theta, batch, v) = Self.fixture()
        let (lambda, mu, weightCost) = (0.5, 0.1, 1e-3)
        let probe = DerivativeProbe(network: Self.network, parameters: theta, batch: batch, direction: v,
                                    lambda: lambda, mu: mu, weightCost: weightCost)
        var structural = probe.dampedProduct
        for k in v.indices { structural[k] -= probe.gaussNewtonProduct[k] + (lambda + weightCost) * v[k] }
        #expect(Vec.dot(v, structural) > 0)
        let layout = Self.network.layout
        for block in [layout.hiddenToOutput, layout.outputBias] {
            #expect(structural[block.range].allSatisfy { abs($0) < 1e-12 })
        }
        #expect(Vec.norm(structural) > 1e-6)
    }

    @Test func gradientMatchesCentralDifferencesOfTheLoss() {
        let (theta, batch, v) = Self.fixture()
        let weightCost = 0.01
        let probe = DerivativeProbe(network: Self.network, parameters: theta, batch: batch, direction: v,
                                    lambda: 0, mu: 0, weightCost: weightCost)
        #expect(abs(probe.loss - probe.dataLoss - 0.5 * weightCost * Vec.dot(theta, theta)) < 1e-14)
        let h = 1e-5
        for block in Self.network.layout.blocks {
            for k in [block.offset, block.offset + block.count / 2, block.range.upperBound - 1] {
                var plus = theta, minus = theta
                plus[k] += h
                minus[k] -= h
                let lossPlus = DerivativeProbe(network: Self.network, parameters: plus, batch: batch, direction: v,
                                               lambda: 0, mu: 0, weightCost: weightCost).loss
                let lossMinus = DerivativeProbe(network: Self.network, parameters: minus, batch: batch, direction: v,
                                                lambda: 0, mu: 0, weightCost: weightCost).loss
                let numeric = (lossPlus - lossMinus) / (2 * h)
                #expect(abs(numeric - probe.gradient[k]) <= 1e-7 + 1e-5 * abs(numeric),
                        "\(block.name)[\(k - block.offset)]: analytic \(probe.gradient[k]), numeric \(numeric)")
            }
        }
    }

    @Test func writtenFileHasOneDatasetPerBlockInEveryGroup() throws {
        let (theta, batch, v) = Self.fixture()
        let probe = DerivativeProbe(network: Self.network, parameters: theta, batch: batch, direction: v,
                                    lambda: 0.25, mu: 0.03, weightCost: 2e-5)
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/probe.h5"
        try probe.write(to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["probe.h5"])
        let file = try HDF5File.open(path)
        #expect(try file.children() == ["Av", "Gv", "direction", "gradient", "parameters"])
        let vectors = ["parameters": theta, "gradient": probe.gradient, "direction": v, "Gv": probe.gaussNewtonProduct,
                       "Av": probe.dampedProduct]
        for (group, values) in vectors {
            #expect(try file.children(of: group) == Self.network.layout.blocks.map(\.name).sorted())
            for block in Self.network.layout.blocks {
                let (stored, shape) = try file.read("\(group)/\(block.name)", as: Double.self)
                #expect(shape == block.shape)
                #expect(stored == Array(values[block.range]))
            }
        }
        #expect(try file.doubleAttribute("loss") == probe.loss)
        #expect(try file.doubleAttribute("lambda") == 0.25)
        #expect(try file.doubleAttribute("mu") == 0.03)
        #expect(try file.doubleAttribute("weight_cost") == 2e-5)
        #expect(try file.doubleAttribute("scored_outputs") == 12)
        // A probe output serves as a direction file (its /direction group).
        #expect(try DerivativeProbe<Double>.readDirection(from: path, network: Self.network) == v)
        let other = RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 7, outputs: 1), outputLoss: .linearSquaredError)
        #expect(throws: HFRNNError.self) { try DerivativeProbe<Double>.readDirection(from: path, network: other) }
    }

    @Test func freshModelMatchesANewTrainersParameters() throws {
        var config = TrainingConfig(data: .task(Self.spec))
        config.hiddenUnits = 6
        config.seed = 42
        let trainer = try Trainer<HessianFreeTraining<Double>>(config: config, source: try makeSource(config, Double.self))
        var rng = SeededGenerator(seed: 42)
        let theta: [Double] = Self.network.initialParameters(InitializationConfig(), outputMean: Self.spec.targetMean,
                                                             using: &rng)
        #expect(theta == trainer.parameters)
    }
}

// MARK: - Predict

@Suite struct PredictStopTests {
    /// A stop asked for between sub-batches ends `predict` with nothing left behind: Ctrl-C used to
    /// kill it mid-file, leaving its hidden temporary file (and the folders it made) for good.
    @Test func aStopLeavesNoFileAndNoFolder() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let spec = try #require(tinyRun.config.task)
        var rng = SeededGenerator(seed: 5)
        try DatasetWriter.write(batch: spec.makeBatch(count: 400, using: &rng), loss: spec.outputLoss, to: folder + "/data.h5")
        var asked = 0
        #expect(throws: Interrupted.self) {
            _ = try predict(checkpoint: tinyRun.runFolder, dataset: folder + "/data.h5", output: folder + "/new/p.h5",
                            count: nil, hiddenStates: true, shouldStop: { asked += 1; return asked == 3 })
        }
        #expect(asked == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["data.h5"])
        // Not asked to stop, it writes the file.
        let report = try predict(checkpoint: tinyRun.runFolder, dataset: folder + "/data.h5", output: folder + "/new/p.h5",
                                 count: nil, hiddenStates: true)
        #expect(report.sequences == 400)
        // The temporary file of a predict killed before its rename goes with the next predict of
        // that file; another file's is not predict's to remove.
        let deadProcess: pid_t = 4_000_000
        try #require(kill(deadProcess, 0) != 0)
        let stale = folder + "/new/.p.h5.tmp-\(deadProcess)", other = folder + "/new/.notes.txt.tmp-\(deadProcess)"
        for path in [stale, other] { #expect(FileManager.default.createFile(atPath: path, contents: Data([1]))) }
        _ = try predict(checkpoint: tinyRun.runFolder, dataset: folder + "/data.h5", output: folder + "/new/p.h5",
                        count: 10, hiddenStates: false)
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: other))
    }
}
