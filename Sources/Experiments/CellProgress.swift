import Foundation
import RunStore

/// Where a running cell stands, from the last row of its run folder's metrics.csv (HF and
/// first-order runs alike: the columns are found by their header names).
public struct CellProgress: Sendable, Equatable {
    /// HF iterations, or first-order updates, recorded so far.
    public var iteration: Int
    public var testError: Double
    public var elapsedSeconds: Double
    /// Processor time so far (nil when the run does not record it).
    public var processorSeconds: Double?

    public init(iteration: Int, testError: Double, elapsedSeconds: Double, processorSeconds: Double?) {
        self.iteration = iteration
        self.testError = testError
        self.elapsedSeconds = elapsedSeconds
        self.processorSeconds = processorSeconds
    }

    /// The last complete row of the metrics file at `path`, or nil when it has none or cannot be read.
    public init?(metricsAt path: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let last = curvePoints(fromCurvesCSV: text)?.last else { return nil }
        iteration = last.steps
        testError = last.testError
        elapsedSeconds = last.elapsedSeconds
        processorSeconds = last.processorSeconds.isFinite ? last.processorSeconds : nil
    }
}
