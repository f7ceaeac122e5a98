import Foundation
import HDF5IO
import Linalg
import Tasks
import Training

/// A run small enough for unit tests: addition T = 8, 8 hidden units, tiny batches. Tests keep it
/// in the run folder `small` of a temporary folder.
public func smallConfig(_ precision: Precision) throws -> TrainingConfig {
    var config = TrainingConfig(data: .task(try TaskSpec(task: .addition, minimumLength: 8)))
    config.hiddenUnits = 8
    config.precision = precision
    config.seed = 3
    config.testSequences = 40
    config.batches.gradientBatchSize = 60
    config.batches.curvatureBatchSize = 30
    config.batches.backtrackBatchSize = 30
    config.batches.lineSearchBatchSize = 30
    config.hessianFree?.cgMaxIterations = 20
    return config
}

public func taskSource<S: BLASScalar>(_ config: TrainingConfig, _: S.Type) -> TaskSource<S> {
    TaskSource<S>(spec: config.task!, testSequences: config.testSequences, testSeed: config.seed ^ 0x7E57)
}

/// A new trainer on `config` that has run `iterations` HF iterations.
public func trainedTrainer<S: BLASScalar>(_ config: TrainingConfig, _: S.Type, iterations: Int) throws -> Trainer<HessianFreeTraining<S>> {
    let trainer = try Trainer<HessianFreeTraining<S>>(config: config, source: taskSource(config, S.self))
    for _ in 0..<iterations { _ = try trainer.step() }
    return trainer
}

/// Every field of each record, floating-point values as bit patterns (so NaN == NaN and
/// 0 != −0): equal arrays mean bit-identical histories.
public func historyBits(_ history: [IterationRecord], includingElapsed: Bool = true) -> [[String]] {
    history.map { record in
        let doubles = [record.trainLoss, record.trainObjective, record.testLoss, record.testError, record.lambda, record.lambdaNext,
                       record.rho, record.stepSize] + (includingElapsed ? [record.elapsedSeconds] : [])
        return doubles.map { String($0.bitPattern, radix: 16) }
            + ["\(record.iteration)", "\(record.cgIterations)", "\(String(describing: record.cgStop))",
               "\(record.backtrackIteration)", "\(record.decision)", "\(record.sequences)"]
    }
}

/// The raw bytes of an array of numbers: equal bytes mean bit-identical values.
public func rawBytes<S>(_ values: [S]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
}

/// Stores how CG ended and the decision as the sentences checkpoints held before format 4, for
/// tests that turn a new checkpoint into an older format.
public func storeStatusesAsSentences(_ history: [IterationRecord], in file: HDF5File) throws {
    try file.writeStrings(history.map { $0.cgStop?.reason ?? "not run" }, to: "history/cg_stop")
    try file.writeStrings(history.map(\.decision.reason), to: "history/decision")
}
