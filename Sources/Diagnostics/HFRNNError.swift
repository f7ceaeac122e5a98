/// A problem that stops a command, by kind, printed as one line (`message`). Where a file or folder
/// is at fault its path travels with the error, and the usual line is "<path>: <problem>".
public enum HFRNNError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file or folder cannot be read or written, or what it holds is not valid.
    case file(path: String, message: String)
    /// A configuration value is invalid: its field's path in `TrainingConfig` (e.g. "hiddenUnits").
    case configuration(field: String, message: String)
    /// Data does not fit a network or another file: different sizes or loss. `path` names the data.
    case dataMismatch(path: String, message: String)
    /// Anything else (a missing option, say).
    case other(String)

    /// A problem of no particular kind.
    public init(_ message: String) { self = .other(message) }

    /// The file problem "<path>: <problem>".
    public static func file(_ path: String, _ problem: String) -> HFRNNError {
        .file(path: path, message: "\(path): \(problem)")
    }

    /// The mismatch "<path>: <problem>".
    public static func dataMismatch(_ path: String, _ problem: String) -> HFRNNError {
        .dataMismatch(path: path, message: "\(path): \(problem)")
    }

    /// The one line printed after "hfrnn: error: ".
    public var message: String {
        switch self {
        case .file(_, let message), .configuration(_, let message), .dataMismatch(_, let message), .other(let message):
            return message
        }
    }

    /// The file or folder at fault, if any.
    public var path: String? {
        switch self {
        case .file(let path, _), .dataMismatch(let path, _): return path
        case .configuration, .other: return nil
        }
    }

    /// The same kind of problem as seen from `path` (a checkpoint being resumed, say): the line
    /// "<path>: <context><message>".
    public func reported(at path: String, _ context: String) -> HFRNNError {
        let line = "\(path): \(context)\(message)"
        switch self {
        case .file: return .file(path: path, message: line)
        case .configuration(let field, _): return .configuration(field: field, message: line)
        case .dataMismatch: return .dataMismatch(path: path, message: line)
        case .other: return .other(line)
        }
    }

    public var description: String { message }
}

extension HFRNNError {
    /// The invalid configuration value `issue`, with the same one line.
    public init(_ issue: FieldIssue) {
        self = .configuration(field: issue.field, message: issue.description)
    }
}
