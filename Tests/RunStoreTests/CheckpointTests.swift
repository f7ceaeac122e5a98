import Diagnostics
import Foundation
@testable import RunStore
import TestSupport
import Testing
import HDF5IO
import HessianFree
import Linalg
import SequenceModel
import Tasks
@testable import DataFiles
@testable import Training
import TrainingTestSupport

@Suite struct CheckpointTests {
    // MARK: Round trip

    @Test(arguments: [Precision.float, .double])
    func saveLoadRoundTrip(precision: Precision) throws {
        switch precision {
        case .float: try roundTrip(Float.self, precision)
        case .double: try roundTrip(Double.self, precision)
        }
    }

    private func roundTrip<S: BLASScalar & HDF5Element>(_: S.Type, _ precision: Precision) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let trainer = try trainedTrainer(try smallConfig(precision), S.self, iterations: 3)
        let saved = Checkpoint(trainer)
        let path = folder.file("round-trip.h5")
        try saved.save(to: path)
        let loaded = try Checkpoint<HessianFreeTraining<S>>.load(from: path)
        #expect(rawBytes(loaded.parameters) == rawBytes(saved.parameters))
        #expect(loaded.parameters == trainer.parameters)
        #expect(loaded.state == saved.state)
        #expect(loaded.rng == trainer.rng)
        #expect(rawBytes(loaded.state.warmStart) == rawBytes(saved.state.warmStart))
        #expect(loaded.state.iteration == 3)
        #expect(loaded.config == saved.config)
        #expect(loaded.network == saved.network)
        #expect(historyBits(loaded.history) == historyBits(saved.history))
        #expect(loaded.history.count == 3)
        #expect(loaded.elapsedSeconds == saved.elapsedSeconds)
        #expect(folder.contents() == ["round-trip.h5"])
    }

    /// The defect this format fixes: per-iteration text used to live in one JSON attribute, and
    /// HDF5 attributes hold at most 64 KB — a run of ~1000 iterations could not be saved.
    @Test func longHistoryWithUnusualStringsRoundTrips() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try smallConfig(.double)
        let network = RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 8, outputs: 1),
                                       outputLoss: .linearSquaredError)
        let iterations = 3000
        let history = (1...iterations).map { k in
            IterationRecord(iteration: k, trainLoss: 1 / Double(k), testLoss: 0.5, testError: 0.25, lambda: 0.1,
                            lambdaNext: 0.2, rho: k % 7 == 0 ? -.infinity : (k % 11 == 0 ? .nan : 0.6),
                            cgIterations: k % 250, cgStop: StatusCodeTests.terminations[k % 7],
                            backtrackIteration: k % 17, stepSize: 1,
                            decision: k % 5 == 0 ? .nonFinite("λ ← 1.5λ ✗ “quoted” \\ 日本") : .accepted, elapsedSeconds: Double(k))
        }
        var state = HFState<Double>(parameterCount: network.parameterCount, config: config.hessianFree!)
        state.iteration = iterations
        state.totalCGIterations = 123_456
        state.rejectedSteps = 600
        state.nonFiniteSteps = 2
        state.lambda = 3.5e-4
        state.warmStart = (0..<network.parameterCount).map { Double($0) * -0.125 }
        let checkpoint = Checkpoint<HessianFreeTraining<Double>>(config: config, network: network,
                                            parameters: (0..<network.parameterCount).map { Double($0).squareRoot() },
                                            state: state, rng: SeededGenerator(seed: 99), history: history,
                                            elapsedSeconds: 86_400.25)
        let path = folder.file("long.h5")
        try checkpoint.save(to: path)
        let loaded = try Checkpoint<HessianFreeTraining<Double>>.load(from: path)
        #expect(historyBits(loaded.history) == historyBits(history))
        #expect(loaded.state == state)
        #expect(loaded.parameters == checkpoint.parameters)
        #expect(loaded.elapsedSeconds == 86_400.25)
        #expect(try HDF5File.open(path).readStrings("history/decision").count == iterations)
    }

    // MARK: Exact resume

    @Test(arguments: [Precision.float, .double])
    func resumedRunIsBitIdenticalToStraightRun(precision: Precision) throws {
        switch precision {
        case .float: try exactResume(Float.self, precision)
        case .double: try exactResume(Double.self, precision)
        }
    }

    /// 4 iterations in one go vs 2, save, load, a new trainer from the checkpoint (as `hfrnn resume`
    /// builds it), 2 more: everything but wall time must be identical to the last bit.
    private func exactResume<S: BLASScalar & HDF5Element>(_: S.Type, _ precision: Precision) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try smallConfig(precision)
        let straight = try trainedTrainer(config, S.self, iterations: 4)

        let first = try trainedTrainer(config, S.self, iterations: 2)
        let run = RunFolder(path: folder.file("small"))
        try run.prepare()
        let path = run.latest
        try Checkpoint(first).save(to: path)
        let checkpoint = try Checkpoint<HessianFreeTraining<S>>.load(from: path)
        var resumedConfig = checkpoint.config
        resumedConfig.maxIterations = 4  // what `resume --max-iterations 4` changes
        let resumed = try checkpoint.makeTrainer(source: taskSource(checkpoint.config, S.self), config: resumedConfig,
                                                 path: path)
        #expect(resumed.state.iteration == 2)
        for _ in 0..<2 { _ = try resumed.step() }

        #expect(resumed.parameters == straight.parameters)
        #expect(rawBytes(resumed.parameters) == rawBytes(straight.parameters))
        #expect(resumed.state.warmStart == straight.state.warmStart)
        #expect(rawBytes(resumed.state.warmStart) == rawBytes(straight.state.warmStart))
        #expect(resumed.state.lambda == straight.state.lambda)
        #expect(resumed.state == straight.state)
        #expect(historyBits(resumed.history, includingElapsed: false)
                == historyBits(straight.history, includingElapsed: false))
        #expect(resumed.history.count == 4)
        // The run actually moved: the resumed half took a step and changed the parameters.
        #expect(resumed.history.suffix(2).contains { $0.accepted })
        #expect(resumed.parameters != checkpoint.parameters)
        #expect(resumed.elapsedSeconds >= checkpoint.elapsedSeconds)
    }

    // MARK: Atomic write

    private struct Interrupted: Error {}

    /// A save that fails after writing its temporary file (a crash or full disk just before the
    /// rename) leaves the previous checkpoint untouched and loadable, and no temporary file.
    @Test func interruptedSaveKeepsThePreviousCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try smallConfig(.float)
        let trainer = try trainedTrainer(config, Float.self, iterations: 1)
        let path = folder.file("latest.h5")
        let good = Checkpoint(trainer)
        try good.save(to: path)
        let goodBytes = try Data(contentsOf: URL(fileURLWithPath: path))
        _ = try trainer.step()
        let newer = Checkpoint(trainer)

        var temporaryPath: String?
        #expect(throws: Interrupted.self) {
            try newer.save(to: path) { temporary in
                temporaryPath = temporary
                // The temporary file is a complete checkpoint before it replaces anything.
                #expect(try Checkpoint<HessianFreeTraining<Float>>.load(from: temporary).state == newer.state)
                #expect(folder.contents() == [URL(fileURLWithPath: temporary).lastPathComponent, "latest.h5"].sorted())
                throw Interrupted()
            }
        }
        #expect(temporaryPath?.hasPrefix(folder.file(".latest.h5.tmp-")) == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == goodBytes)
        let loaded = try Checkpoint<HessianFreeTraining<Float>>.load(from: path)
        #expect(loaded.state == good.state)
        #expect(loaded.parameters == good.parameters)
        #expect(loaded.state.iteration == 1)
        #expect(folder.contents() == ["latest.h5"])

        // The next save goes through and replaces it.
        try newer.save(to: path)
        #expect(try Checkpoint<HessianFreeTraining<Float>>.load(from: path).state.iteration == 2)
        #expect(folder.contents() == ["latest.h5"])
    }

    /// A rename that fails for real (the target is a non-empty folder) reports the path and
    /// removes the temporary file.
    @Test func failedRenameLeavesNoTemporaryFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let trainer = try trainedTrainer(try smallConfig(.float), Float.self, iterations: 0)
        let path = folder.file("latest.h5")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: URL(fileURLWithPath: path + "/note"))
        let error = #expect(throws: HFRNNError.self) { try Checkpoint(trainer).save(to: path) }
        #expect(error?.message.hasPrefix("\(path): cannot move the new file into place: ") == true)
        #expect(folder.contents() == ["latest.h5", "latest.h5/note"])
    }

    // MARK: Load failures

    /// Every way a checkpoint can be unusable gives a one-line error naming the file, and loading
    /// never changes the file.
    @Test func loadFailuresAreOneLineErrorsNamingTheFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try smallConfig(.float)
        let good = folder.file("good.h5")
        try Checkpoint(try trainedTrainer(config, Float.self, iterations: 2)).save(to: good)
        let goodBytes = try Data(contentsOf: URL(fileURLWithPath: good))

        /// A copy of the good checkpoint, changed by `edit` through the low-level API.
        func variant(_ name: String, _ edit: (HDF5File) throws -> Void) throws -> String {
            let path = folder.file(name + ".h5")
            try goodBytes.write(to: URL(fileURLWithPath: path))
            let file = try HDF5File.open(path, writable: true)
            try edit(file)
            try file.close()
            return path
        }
        func json(_ file: HDF5File, _ name: String) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(try file.stringAttribute(name, on: "config").utf8)) as! [String: Any]
        }
        func setJSON(_ file: HDF5File, _ name: String, _ object: [String: Any]) throws {
            let data = try JSONSerialization.data(withJSONObject: object)
            try file.setAttribute(name, to: String(decoding: data, as: UTF8.self), on: "config")
        }

        let truncated = folder.file("truncated.h5")
        try goodBytes.prefix(goodBytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        let notHDF5 = folder.file("notes.h5")
        try Data("this is a text file, not a checkpoint\n".utf8).write(to: URL(fileURLWithPath: notHDF5))
        let empty = folder.file("empty.h5")
        try Data().write(to: URL(fileURLWithPath: empty))
        let otherHDF5 = folder.file("other.h5")
        do {
            let file = try HDF5File.create(otherHDF5)
            try file.write([1.0, 2.0], shape: [2], to: "x")
            try file.close()
        }
        let futureVersion = try variant("future") { try $0.setAttribute("format_version", to: 8) }
        let textVersion = try variant("text-version") { try $0.setAttribute("format_version", to: "1") }
        let wrongShape = try variant("shape") {
            try $0.write([Float](repeating: 0.5, count: 56), shape: [8, 7], to: "parameters/W_hh")
        }
        let wrongBlockCount = try variant("bias") {
            try $0.write([Float](repeating: 0, count: 9), shape: [9], to: "parameters/b_h")
        }
        let badConfigJSON = try variant("config-json") { try $0.setAttribute("training", to: "{\"data\": ", on: "config") }
        let missingKey = try variant("config-key") { file in
            var object = try json(file, "network")
            object["output_loss"] = nil
            try setJSON(file, "network", object)
        }
        let negativeHidden = try variant("negative-hidden") { file in
            var object = try json(file, "network")
            object["shape"] = ["inputs": 2, "hidden": -8, "outputs": 1]
            try setJSON(file, "network", object)
        }
        let hugeHidden = try variant("huge-hidden") { file in
            var object = try json(file, "network")
            object["shape"] = ["inputs": 2, "hidden": Int.max / 2, "outputs": 1]
            try setJSON(file, "network", object)
        }
        let otherHidden = try variant("other-hidden") { file in
            var object = try json(file, "training")
            object["hidden_units"] = 9
            try setJSON(file, "training", object)
        }
        let invalidConfig = try variant("invalid-config") { file in
            var object = try json(file, "training")
            object["test_sequences"] = 0
            try setJSON(file, "training", object)
        }
        let badTask = try variant("bad-task") { file in
            var object = try json(file, "training")
            object["data"] = ["kind": "task", "task": "addition", "minimum_length": 1]
            try setJSON(file, "training", object)
        }
        let nanWeight = try variant("nan-weight") { file in
            var values = try file.read("parameters/W_hh", as: Float.self).values
            values[3] = .nan
            try file.write(values, shape: [8, 8], to: "parameters/W_hh")
        }
        let infiniteBias = try variant("inf-bias") { try $0.write([-Float.infinity], shape: [1], to: "parameters/b_y") }
        let nanWarmStart = try variant("nan-warm-start") { file in
            var values = try file.read("optimizer/warm_start", as: Float.self).values
            values[0] = .nan
            try file.write(values, shape: [values.count], to: "optimizer/warm_start")
        }
        let shortWarmStart = try variant("warm-start") { try $0.write([Float](repeating: 0, count: 3), shape: [3], to: "optimizer/warm_start") }
        let zeroRNG = try variant("rng") { try $0.write([UInt64](repeating: 0, count: 4), shape: [4], to: "optimizer/rng_state") }
        let threeWordRNG = try variant("rng3") { try $0.write([UInt64](repeating: 7, count: 3), shape: [3], to: "optimizer/rng_state") }
        let floatRNG = try variant("rng-float") { try $0.write([1.5, 2, 3, 4], shape: [4], to: "optimizer/rng_state") }
        let negativeIteration = try variant("iteration") { try $0.setAttribute("iteration", to: -2, on: "optimizer") }
        let nanLambda = try variant("lambda") { try $0.setAttribute("lambda", to: Double.nan, on: "optimizer") }
        let longerHistory = try variant("iteration-3") { try $0.setAttribute("iteration", to: 3, on: "optimizer") }
        let shortDecisions = try variant("decisions") { try $0.writeStrings(["accepted"], to: "history/decision") }
        let shortColumn = try variant("column") { try $0.write([0.5], shape: [1], to: "history/test_error") }
        let numericStops = try variant("cg-stop") { try $0.write([1.0, 2.0], shape: [2], to: "history/cg_stop") }
        let notACheckpoint = try variant("format") { try $0.setAttribute("format", to: 7) }
        // History values are taken as they are by reports and grids: a test error of −1 read as solved.
        let widened = try variant("float64-weights") { file in
            let values = try file.read("parameters/W_hh", as: Double.self).values
            try file.write(values, shape: [8, 8], to: "parameters/W_hh")
        }
        let negativeError = try variant("test-error") { try $0.write([0.5, -1.0], shape: [2], to: "history/test_error") }
        let zeroLambda = try variant("history-lambda") { try $0.write([0.0, 1.0], shape: [2], to: "history/lambda") }
        let repeatedIteration = try variant("history-iteration") { try $0.write([Int64(1), 1], shape: [2], to: "history/iteration") }
        let negativeCG = try variant("history-cg") { try $0.write([Int64(-4), 3], shape: [2], to: "history/cg_iterations") }

        let cannotOpen = "cannot open: not an HDF5 file or corrupt/truncated (HDF5: "
        let cases: [(path: String, precision: Precision, expected: String)] = [
            (truncated, .float, "\(truncated): \(cannotOpen)"),
            (notHDF5, .float, "\(notHDF5): \(cannotOpen)"),
            (empty, .float, "\(empty): \(cannotOpen)"),
            (folder.file("absent.h5"), .float, "\(folder.file("absent.h5")): file not found"),
            (folder.path, .float, "\(folder.path): is a folder, not an HDF5 file"),
            (otherHDF5, .float, "\(otherHDF5): not an hfrnn checkpoint (no format = 'hfrnn-checkpoint' attribute)"),
            (notACheckpoint, .float, "\(notACheckpoint): not an hfrnn checkpoint (no format = 'hfrnn-checkpoint' attribute)"),
            (futureVersion, .float, "\(futureVersion): checkpoint format version 8 is not supported (this hfrnn reads versions 1 to 7)"),
            (textVersion, .float, "\(textVersion): attribute 'format_version' of '/': stored as string; it must hold integers"),
            (good, .double, "\(good): checkpoint precision is float, expected double"),
            (wrongShape, .float, "\(wrongShape): parameters/W_hh has shape [8, 7], the 2-8-1 network needs [8, 8]"),
            (wrongBlockCount, .float, "\(wrongBlockCount): parameters/b_h has shape [9], the 2-8-1 network needs [8]"),
            (badConfigJSON, .float, "\(badConfigJSON): stored training configuration is not readable: The given data was not valid JSON"),
            (missingKey, .float, "\(missingKey): stored network is not readable: key 'output_loss' is missing"),
            (negativeHidden, .float, "\(negativeHidden): stored network 2--8-1 has a size outside 1...1048576"),
            (hugeHidden, .float, "\(hugeHidden): stored network 2-\(Int.max / 2)-1 has a size outside 1...1048576"),
            (otherHidden, .float, "\(otherHidden): stored network 2-8-1 does not have the configured 9 hidden units"),
            (invalidConfig, .float, "\(invalidConfig): stored training configuration is invalid: test_sequences must be at least 1, got 0"),
            (badTask, .float, "\(badTask): stored training configuration is not readable: addition needs minimum length T ≥ 6, got 1"),
            (nanWeight, .float, "\(nanWeight): parameters/W_hh has nan at index 3; a network with non-finite parameters is unusable"),
            (infiniteBias, .float, "\(infiniteBias): parameters/b_y has -inf at index 0; a network with non-finite parameters is unusable"),
            (nanWarmStart, .float, "\(nanWarmStart): optimizer/warm_start has non-finite values"),
            (shortWarmStart, .float, "\(shortWarmStart): optimizer/warm_start has 3 entries, expected 105"),
            (zeroRNG, .float, "\(zeroRNG): optimizer/rng_state is not a valid generator state (4 words, not all zero)"),
            (threeWordRNG, .float, "\(threeWordRNG): optimizer/rng_state is not a valid generator state (4 words, not all zero)"),
            (floatRNG, .float, "\(floatRNG): dataset '/optimizer/rng_state': stored as float64; it must hold integers"),
            (negativeIteration, .float, "\(negativeIteration): optimizer iteration = -2 is negative"),
            (nanLambda, .float, "\(nanLambda): optimizer λ = nan is not positive and finite"),
            (longerHistory, .float, "\(longerHistory): history has 2 iterations but the optimizer is at iteration 3"),
            (shortDecisions, .float, "\(shortDecisions): history/decision has 1 entries, expected 2"),
            (shortColumn, .float, "\(shortColumn): history/test_error has 1 entries, expected 2"),
            (numericStops, .float, "\(numericStops): dataset '/history/cg_stop': stored as float64, not as strings"),
            (widened, .float, "\(widened): parameters/W_hh holds float64 values, but the checkpoint's precision needs float32"),
            (negativeError, .float, "\(negativeError): history/test_error[1] is -1.0; a test error is in [0, 1]"),
            (zeroLambda, .float, "\(zeroLambda): history/lambda[0] is 0.0; λ is positive and finite"),
            (repeatedIteration, .float, "\(repeatedIteration): history/iteration[1] is 1 after 1; it must count up"),
            (negativeCG, .float, "\(negativeCG): history/cg_iterations[0] is -4.0; a count is not negative"),
        ]
        for (path, precision, expected) in cases {
            let before = try? Data(contentsOf: URL(fileURLWithPath: path))
            let message = loadError(path, precision)
            #expect(message.hasPrefix(expected), "\(path)")
            #expect(!message.contains("\n"), "\(path)")
            #expect((try? Data(contentsOf: URL(fileURLWithPath: path))) == before, "\(path) was changed")
        }
        // The good file itself loads, and is unchanged by all of this.
        #expect(try Checkpoint<HessianFreeTraining<Float>>.load(from: good).state.iteration == 2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: good)) == goodBytes)
    }

    /// The description of the error loading `path` at `precision` throws ("no error" if none).
    private func loadError(_ path: String, _ precision: Precision) -> String {
        do {
            switch precision {
            case .float: _ = try Checkpoint<HessianFreeTraining<Float>>.load(from: path)
            case .double: _ = try Checkpoint<HessianFreeTraining<Double>>.load(from: path)
            }
            return "no error"
        } catch let error as HFRNNError {
            return error.description
        } catch let error as HDF5Error {
            return error.description
        } catch {
            return "unexpected \(type(of: error)): \(error)"
        }
    }

    /// A checkpoint that loads but whose network does not fit the data it is resumed on.
    @Test func resumingOnDataThatDoesNotFitNamesTheCheckpoint() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try smallConfig(.float)
        let path = folder.file("latest.h5")
        try Checkpoint(try trainedTrainer(config, Float.self, iterations: 1)).save(to: path)
        let checkpoint = try Checkpoint<HessianFreeTraining<Float>>.load(from: path)
        var other = config
        other.data = .task(try TaskSpec(task: .temporalOrder, minimumLength: 10))
        let source = taskSource(other, Float.self)
        let error = #expect(throws: HFRNNError.self) {
            _ = try checkpoint.makeTrainer(source: source, config: other, path: path)
        }
        #expect(error?.description == "\(path): cannot resume: temporal-order T = 10: the data has \(source.inputSize) inputs "
                + "and \(source.outputSize) outputs (softmax-cross-entropy) but the model is a 2-8-1 network (linear-squared-error)")
        var invalid = config
        invalid.checkpointEvery = 0
        let configError = #expect(throws: HFRNNError.self) {
            _ = try checkpoint.makeTrainer(source: taskSource(config, Float.self), config: invalid, path: path)
        }
        #expect(configError?.description == "\(path): cannot resume: checkpoint cadence must be at least 1 iteration, got 0")
    }
}

/// Every JSON document hfrnn writes has snake_case keys only (no camelCase, no Swift "_0").
@Suite struct JSONSchemaTests {
    private func keys(of json: String) throws -> [String] {
        func walk(_ value: Any) -> [String] {
            if let object = value as? [String: Any] { return object.flatMap { [$0.key] + walk($0.value) } }
            if let array = value as? [Any] { return array.flatMap(walk) }
            return []
        }
        return walk(try JSONSerialization.jsonObject(with: Data(json.utf8)))
    }

    private func isSnakeCase(_ key: String) -> Bool {
        !key.isEmpty && !key.hasPrefix("_") && key.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }
    }

    @Test func checkpointConfigurationKeysAreSnakeCase() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for data in [DataSourceConfig.task(try TaskSpec(task: .addition, minimumLength: 8)),
                     .dataset(path: "a/b.h5", testPath: nil)] {
            var config = TrainingConfig(data: data)
            config.successThreshold = 0.02
            for document in [try JSONFormat.string(config), try JSONFormat.string(config.hessianFree!),
                             try JSONFormat.string(RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 3, outputs: 1),
                                                                    outputLoss: .linearSquaredError))] {
                let found = try keys(of: document)
                #expect(found.allSatisfy(isSnakeCase), "\(found.filter { !isSnakeCase($0) }) in \(document)")
                #expect(!document.contains("\\/"), "slashes are not escaped: \(document)")
            }
            let decoded = try JSONFormat.decoder().decode(TrainingConfig.self, from: Data(try JSONFormat.string(config).utf8))
            #expect(decoded == config)
        }
        let path = folder.file("latest.h5")
        let config = try smallConfig(.float)
        try Checkpoint(try trainedTrainer(config, Float.self, iterations: 1)).save(to: path)
        let file = try HDF5File.open(path)
        for attribute in ["training", "network", "optimizer"] {
            let found = try keys(of: try file.stringAttribute(attribute, on: "config"))
            #expect(found.allSatisfy(isSnakeCase), "\(attribute): \(found.filter { !isSnakeCase($0) })")
        }
        #expect(try file.stringAttribute("training", on: "config").contains(#""data":{"kind":"task","minimum_length":8"#))
    }

    /// A format-1 checkpoint (camelCase keys, the task as {"task": {"_0": …}}, no blasThreads or
    /// maxConsecutiveRejections yet) still loads, with those fields at their defaults.
    @Test func formatOneCheckpointsStillLoad() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("latest.h5")
        let config = try smallConfig(.float)
        try Checkpoint(try trainedTrainer(config, Float.self, iterations: 1)).save(to: path)
        let expected = try Checkpoint<HessianFreeTraining<Float>>.load(from: path)

        let file = try HDF5File.open(path, writable: true)
        var training = try #require(try JSONSerialization.jsonObject(
            with: JSONFormat.encoder(keys: .camelCase).encode(config)) as? [String: Any])
        training["data"] = ["task": ["_0": ["task": "addition", "minimumLength": 8]]]
        // Before format 5 the batch sizes were HF settings and the sub-batch size stood at the top;
        // before format 6 the HF settings were `optimizer`.
        var plan = try #require(training.removeValue(forKey: "batches") as? [String: Any])
        training["subBatchSize"] = plan.removeValue(forKey: "subBatchSize")
        let method = try #require(training.removeValue(forKey: "method") as? [String: Any])
        training["optimizer"] = try #require(method["hessianFree"] as? [String: Any]).merging(plan) { $1 }
        training["blasThreads"] = nil
        training["maxConsecutiveRejections"] = nil
        let text = String(decoding: try JSONSerialization.data(withJSONObject: training), as: UTF8.self)
        try file.setAttribute("training", to: text, on: "config")
        let network = String(decoding: try JSONFormat.encoder(keys: .camelCase).encode(expected.network), as: UTF8.self)
        try file.setAttribute("network", to: network, on: "config")
        try storeStatusesAsSentences(expected.history, in: file)
        try file.setAttribute("format_version", to: 1)
        try file.close()

        let old = try Checkpoint<HessianFreeTraining<Float>>.load(from: path)
        #expect(old.config == expected.config)
        #expect(old.network == expected.network)
        #expect(old.parameters == expected.parameters)
        #expect(historyBits(old.history) == historyBits(expected.history))
    }
}
