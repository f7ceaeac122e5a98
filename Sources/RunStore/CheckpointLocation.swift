import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import Training

// Which checkpoint a command reads for the path it was given, and, when there is none, one line
// saying what the path is instead: a folder of runs (listing them), a run that stopped before its
// first iteration finished, a file that is not HDF5, a dataset.

/// A run folder stands for its latest checkpoint; any other path is taken as a checkpoint file.
public func checkpointPath(_ argument: String) -> String {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue {
        // Kept as the user wrote the folder, so that every message names the path they typed (a
        // file given directly always was).
        return (argument.hasSuffix("/") ? argument : argument + "/") + RunFolder.latestName
    }
    return argument
}

/// `checkpointPath(argument)`, for commands that read a finished checkpoint (evaluate, export,
/// probe): a folder without latest.h5 is an error saying what the folder is.
public func existingCheckpoint(_ argument: String) throws -> String {
    let latest = checkpointPath(argument)
    if latest != argument, !FileManager.default.fileExists(atPath: latest) {
        throw folderWithoutCheckpoint(argument)
    }
    return latest
}

/// The checkpoint `hfrnn resume` continues from `argument`: a run folder's latest.h5 or, when a run
/// was stopped between its first two saves (best.h5 is written first), its best.h5 — then `note`
/// says so. Any other path is taken as a checkpoint file.
public func resumableCheckpoint(_ argument: String) throws -> (path: String, note: String?) {
    let latest = checkpointPath(argument)
    guard latest != argument, !FileManager.default.fileExists(atPath: latest) else { return (latest, nil) }
    let best = String(latest.dropLast(RunFolder.latestName.count)) + RunFolder.bestName
    guard FileManager.default.fileExists(atPath: best) else { throw folderWithoutCheckpoint(argument) }
    return (best, "\(argument) has no latest.h5 (the run stopped before saving it): resuming from best.h5")
}

/// The most runs an error line lists by name.
let listedRunsLimit = 8

/// Why `folder` has no checkpoint, as one line: the runs in it, or that its run never finished an
/// iteration (metrics.csv is written before the first one), or that it is not a run folder.
func folderWithoutCheckpoint(_ folder: String) -> HFRNNError {
    // A folder this user cannot look into was called "not a run folder".
    if access(folder, R_OK | X_OK) != 0, errno == EACCES {
        return .file(folder, "cannot look inside: \(String(cString: strerror(EACCES)))")
    }
    let run = RunFolder(path: folder)
    if run.hasBest {
        return .file(folder, "no latest.h5 (the run stopped before saving it); give its best.h5")
    }
    let runs = runFolders(in: folder)
    if !runs.isEmpty {
        let more = runs.count > listedRunsLimit ? " and \(runs.count - listedRunsLimit) more" : ""
        return .file(folder, "a folder of runs, not a run; give one of them: "
                     + runs.prefix(listedRunsLimit).joined(separator: ", ") + more)
    }
    if FileManager.default.fileExists(atPath: run.metrics) {
        return .file(folder, "no checkpoint: the run stopped before its first iteration finished; "
                     + "start it again with the same `hfrnn train` command")
    }
    return .file(folder, "not a run folder (no latest.h5 or best.h5 in it, nor in a folder inside it)")
}

/// The run folders (holding latest.h5 or best.h5) in `folder` and in its subfolders, e.g. an
/// experiment's `runs/`, as paths that start with `folder`, sorted.
public func runFolders(in folder: String) -> [String] {
    let manager = FileManager.default
    func isRun(_ path: String) -> Bool {
        let run = RunFolder(path: path)
        return manager.fileExists(atPath: run.latest) || run.hasBest
    }
    func subfolders(_ path: String) -> [String] {
        let names = (try? manager.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }.filter {
            var isDirectory: ObjCBool = false
            return manager.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }
    let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
    return subfolders(base).flatMap { child in isRun(child) ? [child] : subfolders(child).filter(isRun) }
}

/// Opens `path` as a checkpoint: a file that is not HDF5 at all is one plain line, not HDF5's
/// error stack.
func openCheckpointFile(_ path: String) throws -> HDF5File {
    do {
        return try HDF5File.open(path)
    } catch let error as HDF5Error {
        guard isRegularFile(path), FileManager.default.isReadableFile(atPath: path), !HDF5File.hasSignature(atPath: path) else {
            throw error
        }
        throw HFRNNError.file(path, "not an HDF5 file, so not an hfrnn checkpoint (a run folder's latest.h5 or best.h5)")
    }
}

/// The error for an HDF5 file that is not a checkpoint: a dataset, a predictions or a probe file
/// is named as what it is.
func notACheckpoint(_ path: String, _ file: HDF5File) -> HFRNNError {
    let format = (try? file.hasAttribute("format")) == true ? try? file.stringAttribute("format") : nil
    if format == DatasetSchema.format || (format == nil && (try? file.exists("inputs")) == true) {
        return .file(path, "a dataset, not a checkpoint (train on it with `hfrnn train --dataset \(shellQuoted(path))`)")
    }
    if let format, let what = describedFormat(format) { return .file(path, "\(what), not a checkpoint") }
    return .file(path, "not an hfrnn checkpoint (no format = '\(checkpointFormatName)' attribute)")
}
