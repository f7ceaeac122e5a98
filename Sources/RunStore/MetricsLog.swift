import DataFiles
import Diagnostics
import Foundation
import Training

/// `<run folder>/metrics.csv`: the run's learning curves as they happen, for watching a live run.
/// Same columns as an export's curves.csv (header included), one row appended and written through
/// to the file system after every record (an HF iteration, or a first-order evaluation).
///
/// When a session starts, the file is rewritten from the checkpoint's history, so after a resume it
/// never holds rows the checkpoint does not have (from iterations done after the last saved
/// checkpoint by a killed session), and a missing or damaged file is restored.
package final class MetricsLog {
    package let path: String
    private let descriptor: Int32

    /// The file holding `csv` (header and rows of the run's history so far), opened for appending.
    package init(path: String, csv: String) throws {
        self.path = path
        try AtomicFile.write(Array(csv.utf8), to: path)
        descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw HFRNNError.file(path, "cannot open the metrics file: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// Appends one CSV row (without its newline) with one write(2), so a reader never sees a
    /// partial line from an interrupted buffer.
    package func append(row: String) throws {
        let bytes = Array((row + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            let reason = written < 0 ? String(cString: strerror(errno)) : "short write"
            throw HFRNNError.file(path, "cannot append to the metrics file: \(reason)")
        }
    }
}
