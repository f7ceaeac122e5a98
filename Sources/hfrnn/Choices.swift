import ArgumentParser
import DataFiles
import Tasks
import Training

// The typed values of the command line: a command holds a `PathologicalTask` or a `Precision`,
// never a string. Each is parsed by `choice()`, so a bad value is one line naming the flag, the
// value and the choices: "The value 'x' is invalid for '--task <task>': choose one of addition, …".
// (ArgumentParser's own message lists long choice sets on separate lines.)

/// Parses an enum's raw value; the error lists every choice on one line.
func choice<Choice: CaseIterable & RawRepresentable & Sendable>() -> @Sendable (String) throws -> Choice
where Choice.RawValue == String {
    { text in
        guard let value = Choice(rawValue: text) else {
            throw ValidationError("choose one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}

/// How `generate` stores softmax targets: class labels when every target is one-hot (auto), or
/// always labels, or always full target vectors.
enum TargetFormat: String, CaseIterable, Sendable {
    case auto, labels, targets

    /// The dataset writer's encoding; nil lets the writer choose.
    var encoding: DatasetTargetEncoding? {
        switch self {
        case .auto: nil
        case .labels: .labels
        case .targets: .targets
        }
    }
}

/// `--initial-lambda`: a number, or the authors' release's per-task rule
/// (`SettingsPreset.releaseInitialLambda`), so one grid variant can give every task its own λ₀
/// (tasks only: a dataset refuses it).
enum InitialLambdaChoice: Sendable, Equatable {
    case value(Double)
    case release

    @Sendable static func parse(_ text: String) throws -> InitialLambdaChoice {
        if text == "release" { return .release }
        guard let number = Double(text) else { throw ValidationError("expected a number or release") }
        return .value(number)
    }

    /// λ₀ for a run on `data`; a ValidationError for `release` on a dataset, where the release's
    /// rule (its tasks' output counts) gives what the default does, so the flag would do nothing.
    func value(for data: DataSourceConfig) throws -> Double {
        switch self {
        case .value(let number): return number
        case .release:
            guard case .task = data else {
                throw ValidationError("--initial-lambda: release needs --task (the authors' release sets λ₀ by its tasks' output counts)")
            }
            return SettingsPreset.releaseInitialLambda(for: data)
        }
    }
}

/// `--mu`: a number, or `per-scored-step` (`TrainingConfig.structuralDampingPerScoredStep`, a task's
/// default, named so that a grid variant can state it).
enum StructuralDampingChoice: Sendable, Equatable {
    case value(Double)
    case perScoredStep

    @Sendable static func parse(_ text: String) throws -> StructuralDampingChoice {
        if text == "per-scored-step" { return .perScoredStep }
        guard let number = Double(text) else { throw ValidationError("expected a number or per-scored-step") }
        return .value(number)
    }

    /// μ for a run on `data`; a ValidationError for `per-scored-step` on a dataset.
    func value(for data: DataSourceConfig) throws -> Double {
        switch self {
        case .value(let number): return number
        case .perScoredStep:
            guard let mu = TrainingConfig.structuralDampingPerScoredStep(for: data) else {
                throw ValidationError("--mu: per-scored-step needs --task (a dataset's scored steps per sequence vary)")
            }
            return mu
        }
    }
}

let taskNames = PathologicalTask.allCases.map(\.rawValue).joined(separator: ", ")

/// A task at minimum length T; a length the task does not allow is a one-line ValidationError
/// naming `--length`, the flag every command gives T with.
func makeTaskSpec(_ task: PathologicalTask, length: Int) throws -> TaskSpec {
    do {
        return try TaskSpec(task: task, minimumLength: length)
    } catch {
        throw ValidationError("--length: \(error)")
    }
}
