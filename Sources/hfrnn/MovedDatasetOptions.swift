import ArgumentParser
import RunStore

/// `--dataset-moved-to` and `--test-dataset-moved-to` of resume, export and evaluate: where a
/// dataset run's files are now, when they are no longer at the paths the run stored.
struct MovedDatasetOptions: ParsableArguments {
    @Option(name: .customLong("dataset-moved-to"), help: ArgumentHelp(
        "Where the run's dataset file is now, if it moved since training (checked against the run's content hash).",
        valueName: "file"))
    var dataset: String?

    @Option(name: .customLong("test-dataset-moved-to"), help: ArgumentHelp(
        "Where the run's separate test file (train --test-dataset) is now, if it moved.", valueName: "file"))
    var testDataset: String?

    var moved: MovedDataset { MovedDataset(dataset: dataset, testDataset: testDataset) }

    /// Whether either flag was given.
    var given: Bool { dataset != nil || testDataset != nil }

    func validate() throws {
        if dataset?.isEmpty == true { throw ValidationError("\(MovedDataset.datasetFlag): must not be empty") }
        if testDataset?.isEmpty == true { throw ValidationError("\(MovedDataset.testDatasetFlag): must not be empty") }
    }
}
