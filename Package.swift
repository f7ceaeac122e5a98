// swift-tools-version:6.1
import PackageDescription

// Dependencies point one way only; each target lists every module it imports:
//   CBLAS, CKernels ← Linalg ← HessianFree ← Training ← RunStore ← hfrnn
//                     Linalg ← SequenceModel ← Training (the RNN as the solver's objective: RNNObjective)
//   SequenceModel ← Tasks ← DataFiles ← Training
//                    SequenceModel ← FirstOrder ← Training (first-order baselines)
//   CHDF5 ← HDF5IO ← DataFiles ← Training ← RunStore ← Reports ← hfrnn
//                                           RunStore ← Experiments ← hfrnn
//   Figures ← Reports, Experiments
// DataFiles: files on disk with no training types (atomic writes, the dataset schema, reader,
// validator and writer). Training: configuration, sequence sources, the training methods, the one
// trainer and the one training loop, which writes through a recorder. RunStore: a run's files
// (checkpoints and their legacy formats, the run folder, metrics.csv) and the loop's recorder.
// Reports: what is computed from a stored run (export, predictions, evaluation, probe, figures).
// Diagnostics (below every module that reports a problem): HFRNNError, FieldIssue.
// Figures: the SVG kit. The math core (Linalg, SequenceModel, HessianFree, FirstOrder, Tasks)
// does no I/O and prints nothing.
// With the MPI trait (`swift build --traits MPI`, docs/mpi.md):
//   CMPI ← MPISupport ← hfrnn: MPI_COMM_WORLD as a SequenceModel.WorkerGroup, used by train and resume.
//   No other module imports MPI; without the trait MPISupport is empty and CMPI is not used.
let package = Package(
    name: "hfrnn",
    products: [
        .executable(name: "hfrnn", targets: ["hfrnn"]),
        .executable(name: "hfrnn-bench", targets: ["hfrnn-bench"]),
        .library(name: "HFRNN", targets: [
            "Linalg", "SequenceModel", "HessianFree", "FirstOrder", "Tasks", "HDF5IO", "Diagnostics", "DataFiles", "Training",
            "RunStore", "Reports", "Figures",
        ]),
    ],
    traits: [
        .trait(name: "MPI", description: "Data-parallel training over MPI (Open MPI's libopenmpi-dev; docs/mpi.md)."),
        .default(enabledTraits: []),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // System libraries: a module map and a C shim each (HDF5's constants are macros Swift cannot import).
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev"])]),

        // Element-wise C kernels with a run-time choice of AVX2 (Swift cannot select instructions per CPU).
        .target(name: "CKernels", path: "Sources/CKernels"),

        // The only module that imports CBLAS.
        .target(name: "Linalg", dependencies: [
            "CBLAS", "CKernels", .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .target(name: "SequenceModel", dependencies: ["Linalg"]),
        // What goes wrong, as values: the tool's one error type (HFRNNError) and the issue every
        // configuration reports an invalid value with (FieldIssue).
        .target(name: "Diagnostics"),
        // Process start-up: runs an executable on the kernels its CPU can use (BLASKernelChoice).
        .target(name: "BLASStartup", dependencies: ["Linalg"]),
        // The solver knows nothing of RNNs: the RNN as an objective (`RNNObjective`) lives in Training.
        .target(name: "HessianFree", dependencies: ["Linalg", "Diagnostics"]),
        .target(name: "FirstOrder", dependencies: [
            "Linalg", "SequenceModel", "Diagnostics", .product(name: "RealModule", package: "swift-numerics"),
        ]),
        .target(name: "Tasks", dependencies: ["Linalg", "SequenceModel"]),
        // The only module that imports CHDF5.
        .target(name: "HDF5IO", dependencies: ["CHDF5"]),
        // The only modules that write files: DataFiles (no training types), then RunStore and Reports.
        .target(name: "DataFiles", dependencies: ["Linalg", "SequenceModel", "Tasks", "HDF5IO", "Diagnostics"]),
        .target(name: "Training", dependencies: [
            "Linalg", "SequenceModel", "HessianFree", "FirstOrder", "Tasks", "DataFiles", "Diagnostics",
        ]),
        // A run's files: checkpoints (and the readers of their older formats), run folder, metrics.csv,
        // and the training loop's recorder that writes them.
        .target(name: "RunStore", dependencies: [
            "Linalg", "SequenceModel", "HessianFree", "FirstOrder", "HDF5IO", "DataFiles", "Diagnostics", "Training",
        ]),
        // The SVG kit of every figure.
        .target(name: "Figures"),
        // What is computed from a stored run: export, predictions, evaluation, the probe, the figures.
        .target(name: "Reports", dependencies: [
            "Linalg", "SequenceModel", "HessianFree", "Tasks", "HDF5IO", "DataFiles", "Diagnostics", "Training", "RunStore",
            "Figures",
        ]),
        // Grids of training runs: spec, runner (child processes), results.
        .target(name: "Experiments", dependencies: ["Tasks", "Diagnostics", "HDF5IO", "DataFiles", "Training", "RunStore", "Figures"]),

        // The only module that imports CMPI; without the trait it is empty and CMPI is not used.
        .target(name: "MPISupport", dependencies: [.target(name: "CMPI", condition: .when(traits: ["MPI"])), "SequenceModel"],
                swiftSettings: [.define("MPI", .when(traits: ["MPI"]))]),

        .executableTarget(name: "hfrnn", dependencies: [
            "Linalg", "SequenceModel", "HessianFree", "FirstOrder", "Tasks", "HDF5IO", "Diagnostics", "DataFiles", "Training",
            "RunStore", "Reports", "Figures", "Experiments", "BLASStartup",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .target(name: "MPISupport", condition: .when(traits: ["MPI"])),
        ], swiftSettings: [.define("MPI", .when(traits: ["MPI"]))]),
        .executableTarget(name: "hfrnn-bench", dependencies: [
            "Linalg", "SequenceModel", "Training", "BLASStartup", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Helpers the test targets share (temporary files and folders).
        .target(name: "TestSupport", dependencies: ["SequenceModel"], path: "Tests/TestSupport"),
        .testTarget(name: "LinalgTests", dependencies: ["Linalg"]),
        .testTarget(name: "DiagnosticsTests", dependencies: ["Diagnostics"]),
        .testTarget(name: "SequenceModelTests", dependencies: ["SequenceModel", "Linalg"]),
        .testTarget(name: "HessianFreeTests", dependencies: ["HessianFree", "Linalg", "Diagnostics"]),
        .testTarget(name: "FirstOrderTests", dependencies: [
            "FirstOrder", "HessianFree", "SequenceModel", "Linalg", "Tasks", "Training", "Diagnostics",
        ]),
        .testTarget(name: "TasksTests", dependencies: ["Tasks", "SequenceModel", "Linalg"]),
        // CHDF5 too: tests look at the stored HDF5 types directly.
        .testTarget(name: "HDF5IOTests", dependencies: ["HDF5IO", "CHDF5", "TestSupport"]),
        // Helpers of the tests that train small runs (a small configuration, bit-exact comparisons).
        .target(name: "TrainingTestSupport", dependencies: ["HDF5IO", "Linalg", "Tasks", "Training"],
                path: "Tests/TrainingTestSupport"),
        .testTarget(name: "DataFilesTests", dependencies: [
            "DataFiles", "Diagnostics", "HDF5IO", "Linalg", "SequenceModel", "Tasks", "Training", "TestSupport",
        ]),
        .testTarget(name: "TrainingTests", dependencies: [
            "Training", "DataFiles", "Diagnostics", "FirstOrder", "HDF5IO", "HessianFree", "Linalg", "Reports", "RunStore",
            "SequenceModel", "Tasks", "TestSupport", "TrainingTestSupport",
        ]),
        .testTarget(name: "RunStoreTests", dependencies: [
            "RunStore", "DataFiles", "Diagnostics", "FirstOrder", "HDF5IO", "HessianFree", "Linalg", "SequenceModel", "Tasks", "Training",
            "TestSupport", "TrainingTestSupport",
        ]),
        .testTarget(name: "FiguresTests", dependencies: ["Figures"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "RunStore", "Tasks", "Training", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: [
            "Reports", "DataFiles", "Diagnostics", "HDF5IO", "HessianFree", "Linalg", "RunStore", "SequenceModel", "Tasks",
            "Training", "TestSupport", "TrainingTestSupport",
        ]),
        .testTarget(name: "CLITests", dependencies: [
            "hfrnn", "DataFiles", "Training", "RunStore", "SequenceModel", "HDF5IO", "Linalg", "Tasks", "Experiments", "FirstOrder",
            "TestSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: [.define("MPI", .when(traits: ["MPI"]))]),
    ]
)
