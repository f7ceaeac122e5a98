import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import Linalg
import SequenceModel
import Training

// What the CLI commands and the exporter share about a stored run: where its checkpoint is, in
// which precision it was written, and what it holds whichever optimizer trained it.

/// The precision a checkpoint was written in (its root `precision` attribute). The first read of
/// every command that takes a checkpoint, so it also says what a file is when it is not one.
public func checkpointPrecision(_ path: String) throws -> Precision {
    let file = try openCheckpointFile(path)
    guard try file.hasAttribute("precision") else { throw notACheckpoint(path, file) }
    let stored = try file.stringAttribute("precision")
    guard let precision = Precision(rawValue: stored) else {
        let choices = Precision.allCases.map(\.rawValue).joined(separator: " or ")
        throw HFRNNError.file(path, "precision attribute is '\(stored)'; it must be \(choices)")
    }
    return precision
}

/// The OpenBLAS kernels the checkpoint at `path` was written on (its root `blas_kernels`
/// attribute), or nil for checkpoints written before it was recorded.
public func checkpointBLASKernels(_ path: String) -> String? {
    guard let file = try? HDF5File.open(path), (try? file.hasAttribute("blas_kernels")) == true else { return nil }
    return try? file.stringAttribute("blas_kernels")
}

/// A one-line note when the checkpoint at `path` was written on other OpenBLAS kernels than this
/// process runs (`BLAS.kernels`), or nil: the kernels cannot be switched once loaded, and on others
/// the continued run is not bit for bit the one that never stopped.
public func blasKernelsNote(forCheckpointAt path: String) -> String? {
    guard let stored = checkpointBLASKernels(path), stored != BLAS.kernels else { return nil }
    return "note: \(path) was trained on OpenBLAS's \(stored) kernels and continues on \(BLAS.kernels): the run "
        + "will not match one that never stopped bit for bit (run with OPENBLAS_CORETYPE=\(stored) to match)"
}

/// What the analysis commands need from a checkpoint, with the parameters converted to `S` whatever
/// precision the checkpoint was written in.
public struct StoredRun<S: BLASScalar> {
    public var path: String
    /// The precision the checkpoint was written in.
    public var storedPrecision: Precision
    public var config: TrainingConfig
    public var network: RecurrentNetwork
    public var parameters: [S]
    /// The history in the method's own records.
    public var history: StoredHistory
    /// What every method's history has, record by record: the learning curve.
    public var curve: [CurvePoint]
    /// What the curve's steps count.
    public var stepUnit: StepUnit
    /// HF iterations, or first-order updates, done.
    public var iteration: Int
    public var totalCGIterations: Int
    public var rejectedSteps: Int
    /// λ for the next HF iteration; nil for methods without one.
    public var lambda: Double?
    public var elapsedSeconds: Double
    /// Whether the run stopped because it could not move: its method's stalled steps at the end of
    /// the history (rejected HF iterations, skipped updates) reached `maxConsecutiveRejections`.
    public var stoppedWithoutProgress: Bool
    /// Processor time of the training so far (nil when the history does not record it).
    public var processorSeconds: Double? {
        guard let seconds = curve.last?.processorSeconds, seconds.isFinite else { return nil }
        return seconds
    }

    /// The run of the checkpoint at `path`, its dataset files where `moved` says if they have moved.
    public static func load(from path: String, moved: MovedDataset) throws -> StoredRun<S> {
        var run = try load(from: path)
        run.config = try relocating(run.config, to: moved)
        return run
    }

    public static func load(from path: String) throws -> StoredRun<S> {
        let precision = try checkpointPrecision(path)  // first: it says what a file that is no checkpoint is
        let firstOrder = try checkpointFirstOrderMethod(path) != nil
        func load<Stored: BLASScalar & HDF5Element>(_: Stored.Type) throws -> StoredRun<S> {
            firstOrder ? StoredRun(path: path, precision: precision, try Checkpoint<FirstOrderTraining<Stored>>.load(from: path))
                : StoredRun(path: path, precision: precision, try Checkpoint<HessianFreeTraining<Stored>>.load(from: path))
        }
        switch precision {
        case .float: return try load(Float.self)
        case .double: return try load(Double.self)
        }
    }

    private init<Method: StoredMethod>(path: String, precision: Precision, _ checkpoint: Checkpoint<Method>) {
        self.path = path
        storedPrecision = precision
        config = checkpoint.config
        network = checkpoint.network
        parameters = checkpoint.parameters.map { S($0) }
        history = Method.storedHistory(checkpoint.history)
        curve = checkpoint.history.map(\.curvePoint)
        stepUnit = Method.stepUnit
        iteration = Method.completedSteps(checkpoint.state)
        totalCGIterations = Method.cgIterations(checkpoint.state)
        rejectedSteps = Method.rejectedSteps(checkpoint.state)
        lambda = Method.nextLambda(checkpoint.state)
        elapsedSeconds = checkpoint.elapsedSeconds
        stoppedWithoutProgress = Method.stalledSteps(checkpoint.history[...]) >= checkpoint.config.maxConsecutiveRejections
    }

    /// The test error below which the run counts as solved.
    public var successThreshold: Double { config.resolvedSuccessThreshold }
}

/// A stored run's history in its method's own records.
public enum StoredHistory: Sendable {
    case hessianFree([IterationRecord])
    case firstOrder([FirstOrderRecord])

    /// HF's records (diagnostics.svg plots them); nil for a first-order run.
    public var hessianFree: [IterationRecord]? { if case .hessianFree(let h) = self { h } else { nil } }
    /// A first-order run's records; nil for HF.
    public var firstOrder: [FirstOrderRecord]? { if case .firstOrder(let h) = self { h } else { nil } }

    /// curves.csv: the method's columns, one row per record.
    public var curvesCSV: String {
        switch self {
        case .hessianFree(let h): RunStore.curvesCSV(h)
        case .firstOrder(let h): RunStore.curvesCSV(h)
        }
    }
}
