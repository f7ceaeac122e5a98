import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import HessianFree
import Linalg
import RunStore
import SequenceModel
import Tasks
import TestSupport
import Testing
@testable import Training
import TrainingTestSupport

/// Training with sub-batches shared among workers (threads standing in for MPI ranks) follows the
/// one-process trajectory bit for bit.
@Suite struct SubBatchTrainingTests {
    /// The small test run with sub-batches of 7 sequences: chunks of 30 split 7, 7, 7, 7, 2.
    func config() throws -> TrainingConfig {
        var config = try smallConfig(.float)
        config.batches.subBatchSize = 7
        return config
    }

    /// Parameters, optimizer state and history of a run of `iterations`, as bytes.
    func fingerprint(_ trainer: Trainer<HessianFreeTraining<Float>>) -> [[UInt8]] {
        [rawBytes(trainer.parameters), rawBytes(trainer.state.warmStart), rawBytes([trainer.state.lambda]),
         rawBytes([trainer.state.iteration, trainer.state.totalCGIterations]),
         Array(historyBits(trainer.history, includingElapsed: false).joined().joined().utf8)]
    }

    func trainShared(workers: Int, config: TrainingConfig, sources: [any SequenceSource<Float>]) throws -> [[[UInt8]]] {
        try ThreadedGroup(size: workers).run { worker in
            let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: sources[worker.rank], group: worker)
            for _ in 0..<2 { _ = try trainer.step() }
            #expect(trainer.history.allSatisfy { $0.cgIterations > 0 })
            return self.fingerprint(trainer)
        }
    }

    @Test func taskRunIsTheSameForOneTwoOrThreeWorkers() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try config()
        let alone = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        for _ in 0..<2 { _ = try alone.step() }
        for workers in 1...3 {
            let sources: [any SequenceSource<Float>] = (0..<workers).map { _ in taskSource(config, Float.self) }
            for (rank, result) in try trainShared(workers: workers, config: config, sources: sources).enumerated() {
                #expect(result == fingerprint(alone), "worker \(rank) of \(workers)")
            }
        }
    }

    /// Threads inside one process (and inside each of several workers) share the sub-batches
    /// without changing a bit: parameters, warm start, λ and the whole history.
    @Test func threadsDoNotChangeTheNumbers() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try config()
        let alone = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        for _ in 0..<2 { _ = try alone.step() }
        for threads in [2, 3, 8] {
            let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self),
                                               threads: ComputeThreads(count: threads))
            for _ in 0..<2 { _ = try trainer.step() }
            #expect(fingerprint(trainer) == fingerprint(alone), "\(threads) threads")
        }
        let shared = try ThreadedGroup(size: 2).run { worker in
            let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self), group: worker,
                                               threads: ComputeThreads(count: 3))
            for _ in 0..<2 { _ = try trainer.step() }
            return self.fingerprint(trainer)
        }
        for result in shared { #expect(result == fingerprint(alone), "2 workers × 3 threads") }
    }

    @Test func datasetRunIsTheSameForOneTwoOrThreeWorkers() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try config()
        let spec = config.task!
        var rng = SeededGenerator(seed: 12)
        let path = folder.file("addition.h5")
        try DatasetWriter.write(batch: spec.makeBatch(count: 45, using: &rng) as SequenceBatch<Float>,
                                loss: spec.outputLoss, to: path)
        config.data = .dataset(path: path, testPath: nil)
        // The sources are opened here, one at a time: HDF5 is not thread-safe (in memory afterwards).
        func source() throws -> DatasetSource<Float> { try DatasetSource(path: path, testPath: nil, testSequences: 40) }
        let alone = try Trainer<HessianFreeTraining<Float>>(config: config, source: source())
        for _ in 0..<2 { _ = try alone.step() }
        for workers in 1...3 {
            let sources: [any SequenceSource<Float>] = try (0..<workers).map { _ in try source() }
            for (rank, result) in try trainShared(workers: workers, config: config, sources: sources).enumerated() {
                #expect(result == fingerprint(alone), "worker \(rank) of \(workers)")
            }
        }
    }

    @Test func aWorkerThatCannotReadItsDataStopsEveryWorkerAndOnlyItReports() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let config = try config()
        let results = try ThreadedGroup(size: 3).run { worker -> String in
            do {
                let source: any SequenceSource<Float> = worker.rank == 1 ? FailingSource(taskSource(config, Float.self))
                                                                          : taskSource(config, Float.self)
                let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: source, group: worker)
                _ = try trainer.step()
                return "finished"
            } catch let failure as PeerFailure {
                return "peer \(failure.rank)"
            } catch {
                return "\(error)"
            }
        }
        #expect(results == ["peer 1", "no rows today", "peer 1"])
    }

    @Test func aRunStoredBeforeSubBatchesKeepsOneSubBatchPerChunk() throws {
        var config = try smallConfig(.float)
        #expect(config.batches.subBatchSize == BatchPlan.defaultSubBatchSize)
        config.batches.subBatchSize = nil
        #expect(config.batches.resolvedSubBatchSize == config.batches.chunkSize && config.testSubBatchSize == config.batches.chunkSize)
        config.batches.subBatchSize = 1000
        #expect(config.batches.resolvedSubBatchSize == config.batches.chunkSize)
        config.batches.subBatchSize = 0
        #expect(config.issue?.field == "batches.subBatchSize")
        config.batches.subBatchSize = 100
        config.batches.curvatureBatchSize = 0
        #expect(config.issue?.field == "batches.curvatureBatchSize")
        // An empty dataset path (a damaged stored run) is refused, not looked up as the file "".
        config.batches.curvatureBatchSize = 30
        #expect(config.issue == nil)
        for data in [DataSourceConfig.dataset(path: "", testPath: nil), .dataset(path: "a.h5", testPath: "")] {
            config.data = data
            #expect(config.issue?.description == "dataset path must not be empty", "\(data)")
        }
        config.data = .dataset(path: "a.h5", testPath: nil)
        #expect(config.issue == nil)
    }
}

extension SubBatchTrainingTests {
    /// A checkpoint written before `sub_batch_size` existed (the key absent, and another later key
    /// too, so that loading fills in defaults) resumes with its old arithmetic: chunks of the
    /// curvature batch size as the only sub-batches, not today's default sub-batch size.
    @Test func aCheckpointWithoutSubBatchSizeResumesWithOneSubBatchPerChunk() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.batches.gradientBatchSize = 240
        config.batches.curvatureBatchSize = 120  // chunks of 120 > the default sub-batch
        config.batches.subBatchSize = nil
        let path = folder.file("old.h5")
        let trainer = try trainedTrainer(config, Float.self, iterations: 1)
        try Checkpoint(trainer).save(to: path)
        let file = try HDF5File.open(path, writable: true)
        try storeStatusesAsSentences(trainer.history, in: file)
        var training = try #require(try JSONSerialization.jsonObject(
            with: Data(try file.stringAttribute("training", on: "config").utf8)) as? [String: Any])
        // Format 2 kept the batch sizes in the HF settings, which were `optimizer`.
        var plan = try #require(training.removeValue(forKey: "batches") as? [String: Any])
        #expect(plan.removeValue(forKey: "sub_batch_size") == nil)
        let method = try #require(training.removeValue(forKey: "method") as? [String: Any])
        training["optimizer"] = try #require(method["hessian_free"] as? [String: Any]).merging(plan) { $1 }
        training["max_consecutive_rejections"] = nil
        try file.setAttribute("training", to: String(decoding: try JSONSerialization.data(withJSONObject: training), as: UTF8.self),
                              on: "config")
        try file.setAttribute("format_version", to: 2)  // such checkpoints predate format 3's seal
        try file.close()

        let old = try Checkpoint<HessianFreeTraining<Float>>.load(from: path)
        #expect(old.config.batches.subBatchSize == nil && old.config.batches.resolvedSubBatchSize == 120)
        let resumed = try old.makeTrainer(source: taskSource(config, Float.self), path: path)
        _ = try resumed.step()
        var whole = config
        whole.batches.subBatchSize = 120
        var newDefault = config
        newDefault.batches.subBatchSize = BatchPlan.defaultSubBatchSize
        #expect(rawBytes(resumed.parameters) == rawBytes(try trainedTrainer(whole, Float.self, iterations: 2).parameters))
        #expect(rawBytes(resumed.parameters) != rawBytes(try trainedTrainer(newDefault, Float.self, iterations: 2).parameters))
    }
}

extension SubBatchTrainingTests {
    /// A worker's share of a dataset draw: the same rows as the whole draw (wrapping past the end,
    /// repeating rows when the batch is bigger than the file) and the same generator state, read
    /// from memory or, for big files, from disk at the kept sub-batches only; test sub-batches likewise.
    @Test(arguments: [0, DatasetFile.defaultInMemoryLimit])
    func datasetSubBatchesAreTheRowsOfTheWholeDraw(inMemoryLimit: Int) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let spec = try TaskSpec(task: .addition, minimumLength: 8)
        var data = SeededGenerator(seed: 3)
        let path = folder.file("rows.h5")
        try DatasetWriter.write(batch: spec.makeBatch(count: 23, using: &data) as SequenceBatch<Float>, loss: spec.outputLoss, to: path)
        let source = try DatasetSource<Float>(path: path, testPath: nil, testSequences: 20, inMemoryLimit: inMemoryLimit)
        #expect(source.training.isInMemory == (inMemoryLimit > 0))
        for (count, seed) in [(20, UInt64(1)), (23, 2), (50, 3)] {
            var wholeRNG = SeededGenerator(seed: seed), partRNG = wholeRNG
            let whole = try source.trainingSequences(count: count, using: &wholeRNG).split(into: 6)
            let kept = try source.trainingSubBatches(count: count, subBatchSize: 6, using: &partRNG, remade: true) { $0 % 2 == 1 }
            #expect(wholeRNG == partRNG)
            #expect(kept.count == whole.count)
            for index in whole.indices {
                #expect((kept[index] != nil) == (index % 2 == 1))
                if let part = kept[index] {
                    // Rows in memory are remade from them; a file on disk is not read from workers.
                    #expect(part.isHeld == !source.training.isInMemory)
                    #expect(sameData(part.batch, whole[index]) && sameData(part.batch, whole[index]),
                            "batch of \(count), sub-batch \(index)")
                    #expect(part.scoredOutputCount == whole[index].scoredOutputCount)
                }
            }
        }
        let tests = try source.testSubBatches(subBatchSize: 6), keptTests = try source.testSubBatches(subBatchSize: 6) { $0 != 1 }
        #expect(keptTests.count == tests.count && keptTests[1] == nil)
        for index in tests.indices where index != 1 { #expect(sameData(keptTests[index]!.batch, tests[index])) }
    }

    /// A task's sub-batches drawn one by one are the rows of the whole draw, with the same
    /// generator state after; remade ones are not held and are the same sequences every time they
    /// are made (the 5-bit memorisation's patterns depend on the whole batch's size: checked too).
    @Test(arguments: PathologicalTask.allCases)
    func taskSubBatchesAreTheRowsOfTheWholeDrawHeldOrRemade(task: PathologicalTask) throws {
        let source = TaskSource<Float>(spec: try TaskSpec(task: task, minimumLength: 12), testSequences: 40, testSeed: 9)
        for remade in [false, true] {
            var wholeRNG = SeededGenerator(seed: 5), partRNG = wholeRNG
            let whole = source.trainingSequences(count: 70, using: &wholeRNG).split(into: 16)
            let kept = source.trainingSubBatches(count: 70, subBatchSize: 16, using: &partRNG, remade: remade) { $0 != 2 }
            #expect(wholeRNG == partRNG)
            #expect(kept.count == whole.count && kept[2] == nil)
            for index in whole.indices where index != 2 {
                let part = try #require(kept[index])
                #expect(part.isHeld == !remade)
                #expect(sameData(part.batch, whole[index]) && sameData(part.batch, whole[index]), "\(task) sub-batch \(index)")
                #expect(part.scoredOutputCount == whole[index].scoredOutputCount && part.sequenceCount == whole[index].sequenceCount)
            }
        }
        let tests = try source.testSubBatches(subBatchSize: 16), keptTests = source.testSubBatches(subBatchSize: 16) { $0 != 0 }
        #expect(tests.map(\.sequenceCount) == [16, 16, 8] && keptTests[0] == nil)
        for index in 1..<tests.count {
            let part = try #require(keptTests[index])
            #expect(part.isHeld && sameData(part.batch, tests[index]), "40 short sequences are held")
        }
    }

    /// Batches above 256 MiB are remade, smaller ones held; counts that overflow are too large.
    @Test func onlyBatchesTooLargeToHoldAreRemade() {
        // The permutation at T = 100: 100 inputs and outputs, 805 bytes a step in Float.
        #expect(SubBatch<Float>.isTooLargeToHold(sequences: 10_000, steps: 100, inputs: 100, outputs: 100))
        #expect(!SubBatch<Float>.isTooLargeToHold(sequences: 3_000, steps: 100, inputs: 100, outputs: 100))
        #expect(!SubBatch<Float>.isTooLargeToHold(sequences: 10_200, steps: 110, inputs: 2, outputs: 1))
        #expect(SubBatch<Double>.isTooLargeToHold(sequences: 5_000, steps: 100, inputs: 100, outputs: 100))
        #expect(SubBatch<Float>.isTooLargeToHold(sequences: 2, steps: Int.max / 4, inputs: 2, outputs: 1))
    }

    func sameData(_ a: SequenceBatch<Float>, _ b: SequenceBatch<Float>) -> Bool {
        a.sequenceCount == b.sequenceCount && a.steps == b.steps && a.inputs == b.inputs && a.targets == b.targets
            && a.mask == b.mask && a.errorMask == b.errorMask && a.lengths == b.lengths
    }
}

/// The training loop in a group: worker 0 decides when to stop and writes; the others follow.
extension SubBatchTrainingTests {
    @Test func everyWorkerStopsWhenWorkerZeroIsInterruptedAndOnlyItWrites() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try config()
        config.maxIterations = 6
        let outcomes = try ThreadedGroup(size: 3).run { worker -> (StopReason, Int, Bool) in
            let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self), group: worker)
            var polls = 0
            // Worker 0 is "interrupted" before the third iteration; worker 2 always, which must not count.
            let outcome = try runTraining(trainer, in: RunFolder(path: folder.file("small")), startsRun: true, shouldStop: {
                polls += 1
                return (worker.rank == 0 && polls == 3) || worker.rank == 2
            }, onIteration: { _ in })
            return (outcome.reason, outcome.iterations, worker.isPrimary)
        }
        #expect(outcomes.map(\.0) == [.interrupted, .interrupted, .interrupted])
        #expect(outcomes.map(\.1) == [2, 2, 2])
        let saved = try Checkpoint<HessianFreeTraining<Float>>.load(from: folder.file("small/latest.h5"))
        #expect(saved.state.iteration == 2)
        let metrics = try String(contentsOfFile: folder.file("small/metrics.csv"), encoding: .utf8)
        #expect(metrics.split(separator: "\n").count == 1 + 2, "one row per iteration, written once: \(metrics)")
    }

    @Test func aRunFolderWorkerZeroCannotWriteStopsEveryWorker() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try config()
        config.maxIterations = 2
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder.file("not-a-folder")))
        let results = try ThreadedGroup(size: 2).run { worker -> String in
            let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self), group: worker)
            do {
                _ = try runTraining(trainer, in: RunFolder(path: folder.file("not-a-folder/small")), startsRun: true, shouldStop: { false },
                                    onIteration: { _ in })
                return "finished"
            } catch let failure as PeerFailure {
                return "peer \(failure.rank)"
            } catch {
                return "error"
            }
        }
        #expect(results == ["error", "peer 0"])
    }
}

/// A task source whose training draws fail, like a rank whose file went missing.
private final class FailingSource: SequenceSource {
    let inner: TaskSource<Float>
    init(_ inner: TaskSource<Float>) { self.inner = inner }
    var name: String { inner.name }
    var inputSize: Int { inner.inputSize }
    var outputSize: Int { inner.outputSize }
    var outputLoss: OutputLoss { inner.outputLoss }
    var errorCriterion: ErrorCriterion { inner.errorCriterion }
    var targetMean: [Double]? { inner.targetMean }
    var testSetSize: Int { inner.testSetSize }
    var steps: Int { inner.steps }
    func trainingSequences(count: Int, using rng: inout SeededGenerator) throws -> SequenceBatch<Float> {
        throw HFRNNError("no rows today")
    }
    func testSubBatchReader(subBatchSize: Int) throws -> () throws -> SequenceBatch<Float>? {
        inner.testSubBatchReader(subBatchSize: subBatchSize)
    }
}
