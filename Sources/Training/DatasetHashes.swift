/// The content hashes (`contentHash(ofFileAt:)`) of a dataset run's files, taken when the run
/// started: whoever opens the run's data again, at its stored path or a new one, checks that it
/// is the same. In the checkpoint's JSON: `{"training": "fnv1a64:…", "test": "fnv1a64:…" or null}`.
public struct DatasetHashes: Sendable, Codable, Equatable {
    public var training: String
    /// The separate test file's, nil when the test set is rows of the training file.
    public var test: String?

    public init(training: String, test: String?) {
        self.training = training
        self.test = test
    }
}
