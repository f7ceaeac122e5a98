import DataFiles
import Diagnostics
import Foundation
import Training

/// Where a run keeps its checkpoints, `latest.h5` and `best.h5`, and its metrics.csv: the folder a
/// new run is given (`<checkpoint-dir>/<run-name>`), or the one its checkpoint is in when it resumes,
/// wherever it was moved. Not part of the run's configuration: moving a run changes no number.
public struct RunFolder: Sendable, Equatable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// `<directory>/<name>`, for a new run.
    public init(directory: String, name: String) {
        path = URL(fileURLWithPath: directory).appendingPathComponent(name).path
    }

    /// The folder the checkpoint at `checkpointPath` is in: a resumed run goes on there.
    public init(containing checkpointPath: String) {
        path = URL(fileURLWithPath: checkpointPath).deletingLastPathComponent().path
    }

    /// Why `name` cannot name a run folder inside the checkpoint directory, or nil. The field is
    /// `runName`, as the command line's flag table knows it.
    public static func nameIssue(_ name: String) -> FieldIssue? {
        .check(!name.isEmpty && !name.contains("/") && !name.hasPrefix("."), "runName", subject: "run name",
               "'\(name)' must be non-empty, without '/', and not start with '.'")
    }

    /// The names of a run folder's files, spelt here only.
    public static let latestName = "latest.h5", bestName = "best.h5", metricsName = "metrics.csv"

    public var latest: String { path + "/" + Self.latestName }
    public var best: String { path + "/" + Self.bestName }
    /// One CSV row per record (HF iteration or first-order evaluation), written as the run goes.
    public var metrics: String { path + "/" + Self.metricsName }
    /// Whether the folder holds a best checkpoint.
    public var hasBest: Bool { FileManager.default.fileExists(atPath: best) }

    /// A new run never overwrites another: refuses a folder that already holds a checkpoint
    /// (best.h5 alone too: a copied best.h5 is how a run is branched, and a new run replaced it).
    public func refuseExistingRun() throws {
        for existing in [latest, best] where FileManager.default.fileExists(atPath: existing) {
            throw HFRNNError.file(path: existing, message: "\(existing) already exists: resume it with "
                                  + "`hfrnn resume \(shellQuoted(path))` or choose another --run-name")
        }
    }
}

extension RunFolder {
    /// A run resumed from another checkpoint of its folder (best.h5, a copy) goes on in this folder,
    /// replacing latest.h5 and the metrics after that checkpoint: refused when latest.h5 is further
    /// on, whose later steps would be lost. A damaged latest.h5 does not stop it: resuming best.h5
    /// is then how the run is saved.
    public func refuseDiscardingLaterSteps(resuming checkpointPath: String, at steps: Int, stepUnit: StepUnit) throws {
        let resolved = { (path: String) in URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
        guard resolved(checkpointPath) != resolved(latest), let latestSteps, latestSteps > steps else { return }
        throw HFRNNError.file(checkpointPath, "is at \(stepUnit.name) \(steps) and \(latest) at \(latestSteps): resuming it "
                              + "here would replace latest.h5 and drop the later \(stepUnit.name)s; to branch from it, copy it "
                              + "into a new folder and resume the copy")
    }

    /// Creates the run folder (and its parents) and checks that files can be written there, so a
    /// bad `--checkpoint-dir` fails before the first iteration with one line naming the folder.
    /// Returns the outermost folder it created (nil: the run folder existed).
    @discardableResult
    public func prepare() throws -> String? {
        var isDirectory: ObjCBool = false
        let manager = FileManager.default
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw HFRNNError.file(path, "exists and is not a folder") }
        } else {
            // The first existing ancestor must be a folder we can write into.
            // (The root always exists: nil cannot happen.)
            let ancestor = nearestExistingAncestor(of: URL(fileURLWithPath: path).deletingLastPathComponent())
                ?? (URL(fileURLWithPath: "/"), true)
            guard ancestor.isFolder else {
                throw HFRNNError.file(path, "cannot create the run folder: \(ancestor.url.path) is not a folder")
            }
            guard access(ancestor.url.path, W_OK) == 0 else {
                throw HFRNNError.file(path, "cannot create the run folder: \(ancestor.url.path): \(String(cString: strerror(errno)))")
            }
            // mkdir(2) one folder at a time, so that a failure gives the system's reason.
            return try createMissingFolders(path, what: "run folder")
        }
        guard access(path, W_OK) == 0 else {
            throw HFRNNError.file(path, "cannot write checkpoints here: \(String(cString: strerror(errno)))")
        }
        return nil
    }

    /// The steps latest.h5 holds; nil when it is missing or unreadable (a damaged latest.h5 is
    /// what resuming an older checkpoint saves the run from).
    private var latestSteps: Int? { try? StoredRun<Float>.load(from: latest).iteration }

    /// Refuses to go on from step `steps` when latest.h5 is further on: another session trained
    /// the run after this one read its checkpoint, and its steps would be replaced.
    public func refuseLaterSteps(than steps: Int, stepUnit: StepUnit) throws {
        guard let latestSteps, latestSteps > steps else { return }
        throw HFRNNError.file(latest, "is at \(stepUnit.name) \(latestSteps), beyond the \(stepUnit.name) \(steps) this session "
                              + "read: another session trained the run meanwhile; resume it again")
    }

    /// Takes the folder's training lock (flock on the folder itself, so no file is left behind) for
    /// as long as the returned descriptor is open: two sessions writing one run would interleave its
    /// checkpoints and leave metrics.csv behind them. Close-on-exec, so children never hold it.
    public func lockForTraining() throws -> Int32 {
        guard let lock = try exclusiveLock(on: path, isFolder: true) else {
            throw HFRNNError.file(path, "another hfrnn process is training this run; wait for it to stop, or stop it first")
        }
        return lock
    }
}
