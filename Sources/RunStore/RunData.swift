import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import Linalg
import Training

// A dataset run's data, found again: a new run records its files by absolute path and content
// hash; resume, export and evaluate open them at the stored paths, or where the user says they
// moved, and check the hashes, so that a run works from any folder and never silently on other data.

/// Where a stored run's data files are now, when they are no longer at the paths the run stored.
public struct MovedDataset: Sendable, Equatable {
    /// The training file's new path (with no separate test file, the test set's too).
    public var dataset: String?
    /// The separate test file's new path.
    public var testDataset: String?

    public init(dataset: String? = nil, testDataset: String? = nil) {
        self.dataset = dataset
        self.testDataset = testDataset
    }

    /// The command-line flags that set the two paths, for messages.
    public static let datasetFlag = "--dataset-moved-to"
    public static let testDatasetFlag = "--test-dataset-moved-to"
}

/// `config` as a new run stores it: a dataset run's files by absolute path, with their content
/// hashes. A task run is returned unchanged.
public func recordingDatasetIdentity(_ config: TrainingConfig) throws -> TrainingConfig {
    guard case .dataset(let path, let testPath) = config.data else { return config }
    var recorded = config
    recorded.data = .dataset(path: absolutePath(path), testPath: testPath.map(absolutePath))
    recorded.datasetHashes = DatasetHashes(training: try contentHash(ofFileAt: path),
                                           test: try testPath.map { try contentHash(ofFileAt: $0) })
    return recorded
}

/// `config` with its data files at the paths of `moved` (absolute) instead of the stored ones.
/// Naming a file the run does not have (a task run's dataset, a test file of a run without one)
/// is an error naming the flag.
public func relocating(_ config: TrainingConfig, to moved: MovedDataset) throws -> TrainingConfig {
    guard moved.dataset != nil || moved.testDataset != nil else { return config }
    guard case .dataset(let path, let testPath) = config.data else {
        throw HFRNNError("\(moved.dataset != nil ? MovedDataset.datasetFlag : MovedDataset.testDatasetFlag): "
                         + "the run trains on \(config.data.name), not on a dataset file")
    }
    if moved.testDataset != nil && testPath == nil {
        throw HFRNNError("\(MovedDataset.testDatasetFlag): the run has no separate test file "
                         + "(its test set is rows of its dataset; give \(MovedDataset.datasetFlag))")
    }
    // A path the user just gave is named as theirs, not as the run's stored path, and checked at
    // once: evaluate and export read only a separate test file, so a training file given here
    // would otherwise never be compared with the run's.
    let given = [(MovedDataset.datasetFlag, moved.dataset, "dataset", config.datasetHashes?.training),
                 (MovedDataset.testDatasetFlag, moved.testDataset, "test dataset", config.datasetHashes?.test)]
    for case let (flag, path?, what, hash) in given {
        guard FileManager.default.fileExists(atPath: path) else {
            throw HFRNNError.file(path, "file not found (given with \(flag))")
        }
        try checkContentHash(path, what: what, hash: hash)
    }
    var relocated = config
    relocated.data = .dataset(path: moved.dataset.map(absolutePath) ?? path,
                              testPath: moved.testDataset.map(absolutePath) ?? testPath)
    return relocated
}

/// The data source of a stored run (`makeSource`), after checking that its files are where the
/// configuration says and hold the data the run was trained on. A missing file is named as the
/// run's stored path, with the flag that names its new place.
public func makeStoredRunSource<S: BLASScalar & HDF5Element>(_ config: TrainingConfig, _: S.Type) throws
    -> any SequenceSource<S> {
    if case .dataset(let path, let testPath) = config.data {
        try checkStoredFile(path, what: "dataset", flag: MovedDataset.datasetFlag, hash: config.datasetHashes?.training)
        if let testPath {
            try checkStoredFile(testPath, what: "test dataset", flag: MovedDataset.testDatasetFlag,
                                hash: config.datasetHashes?.test)
        }
    }
    return try makeSource(config, S.self)
}

/// The stored run's test set alone, for the commands that read nothing else (evaluate, export):
/// with a separate test file, only that file is checked and read, so a run can be evaluated where
/// its training file is not.
public func makeStoredTestSource<S: BLASScalar & HDF5Element>(_ config: TrainingConfig, _: S.Type) throws
    -> any SequenceSource<S> {
    guard case .dataset(_, let testPath?) = config.data else { return try makeStoredRunSource(config, S.self) }
    try checkStoredFile(testPath, what: "test dataset", flag: MovedDataset.testDatasetFlag, hash: config.datasetHashes?.test)
    var testOnly = config
    testOnly.data = .dataset(path: testPath, testPath: testPath)
    return try makeSource(testOnly, S.self)
}

private func checkStoredFile(_ path: String, what: String, flag: String, hash stored: String?) throws {
    guard FileManager.default.fileExists(atPath: path) else {
        throw HFRNNError.file(path, "file not found: the run's stored \(what) path (if the file has moved, "
                              + "give its new path with \(flag) FILE)")
    }
    try checkContentHash(path, what: what, hash: stored)
}

private func checkContentHash(_ path: String, what: String, hash stored: String?) throws {
    guard let stored else { return }  // runs from before hashes were recorded
    try requireContentHash(ofFileAt: path, expected: stored, what: "the run's \(what)", holder: "the run")
}

/// `path` made absolute against the current folder, with `.` and `..` resolved.
package func absolutePath(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
}
