/// An invalid configuration value, the one type every configuration reports with: the field's path
/// (e.g. "lmDecreaseFactor", or "optimizer.cgMaxIterations" inside a run's configuration), what
/// messages call it, and what it must be with the value found ("must be in (0, 1), got 1.5").
/// The command line names the flag that sets the field instead of the subject.
public struct FieldIssue: Error, CustomStringConvertible, Equatable, Sendable {
    public let field: String
    public let subject: String
    public let requirement: String

    /// `subject` defaults to the field's name.
    public init(field: String, subject: String? = nil, requirement: String) {
        self.field = field
        self.subject = subject ?? field
        self.requirement = requirement
    }

    public var description: String { "\(subject) \(requirement)" }

    /// The issue as a stored document names it: the field's path in snake_case keys
    /// ("hessian_free.initial_lambda must be …"), as checkpoints and JSON files spell them.
    public var storedDescription: String {
        "\(field.split(separator: ".").map { snakeCased(String($0)) }.joined(separator: ".")) \(requirement)"
    }

    /// The same issue in a configuration nested under `path` (field "optimizer.weightCost"); the
    /// subject stays.
    public func nested(under path: String) -> FieldIssue {
        FieldIssue(field: path + "." + field, subject: subject, requirement: requirement)
    }

    /// An issue unless `ok`; the requirement is only built when needed.
    public static func check(_ ok: Bool, _ field: String, subject: String? = nil,
                             _ requirement: @autoclosure () -> String) -> FieldIssue? {
        ok ? nil : FieldIssue(field: field, subject: subject, requirement: requirement())
    }

    /// The first issue `checks` find, in order (later checks may assume earlier ones passed).
    public static func first(_ checks: [() -> FieldIssue?]) -> FieldIssue? {
        for check in checks {
            if let issue = check() { return issue }
        }
        return nil
    }
}

/// A Swift property name as stored documents spell it ("formatVersion" → "format_version").
public func snakeCased(_ key: String) -> String {
    var result = ""
    for character in key {
        if character.isUppercase && !result.isEmpty { result += "_" }
        result += character.lowercased()
    }
    return result
}
