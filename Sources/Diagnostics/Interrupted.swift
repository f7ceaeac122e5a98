/// Thrown by a command's work at a safe point when it was interrupted (Ctrl-C, SIGTERM): the work
/// ends there and its unfinished output is removed, as on any other failure.
public struct Interrupted: Error, CustomStringConvertible, Sendable {
    /// The output that was not written.
    public let output: String

    public init(output: String) { self.output = output }

    public var description: String { "\(output): not written (stopped by a signal)" }
}
