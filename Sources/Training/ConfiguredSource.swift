import DataFiles
import Linalg

/// The data source a configuration describes. A task run's test set is regenerated bit for bit from
/// `config.seed` (through `testSetSeed`), so training, resuming, evaluating and exporting all see
/// the same test sequences.
public func makeSource<S: BLASScalar>(_ config: TrainingConfig, _: S.Type) throws -> any SequenceSource<S> {
    switch config.data {
    case .task(let spec):
        return TaskSource<S>(spec: spec, testSequences: config.testSequences, testSeed: testSetSeed(config.seed))
    case .dataset(let path, let testPath):
        return try DatasetSource<S>(path: path, testPath: testPath, testSequences: config.testSequences)
    }
}

/// The test set's own seed, derived from the run seed so it never overlaps the training stream.
public func testSetSeed(_ seed: UInt64) -> UInt64 { seed ^ 0x7E57_5E7D_0000_0001 }
