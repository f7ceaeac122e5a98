import Foundation

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

    /// The last row of the metrics file at `path`, or nil when it has none or cannot be read.
    public init?(metricsAt path: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n")
        guard lines.count >= 2, let header = lines.first, let last = lines.last else { return nil }
        let names = header.split(separator: ",").map(String.init)
        let fields = last.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == names.count else { return nil }
        func value(_ name: String) -> Double? { names.firstIndex(of: name).flatMap { Double(fields[$0]) } }
        guard let iteration = value("iteration") ?? value("updates"), let error = value("test_error"),
              let elapsed = value("elapsed_seconds") else { return nil }
        self.iteration = Int(iteration)
        testError = error
        elapsedSeconds = elapsed
        processorSeconds = value("processor_seconds").flatMap { $0.isFinite ? $0 : nil }
    }
}
