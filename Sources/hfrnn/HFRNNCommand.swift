import ArgumentParser
import BLASStartup
import DataFiles
import Diagnostics
import Foundation
import Linalg
import Tasks
import Training

@main
struct HFRNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hfrnn",
        abstract: "Hessian-free training of recurrent networks with structural damping (Martens & Sutskever, 2011).",
        version: hfrnnVersion,
        subcommands: [Train.self, Resume.self, Evaluate.self, Predict.self, Export.self, Probe.self, Generate.self,
                      ExperimentCommand.self])

    /// As ArgumentParser's `main()`, except that a usage error is one line on stderr
    /// (`hfrnn: error: <message> (see 'hfrnn train --help')`, exit status 64) instead of the message
    /// followed by the usage block. Help, `--version` and the commands' own exit codes are unchanged.
    static func main() {
        BLASStartup.restartOnFasterKernelsIfNeeded()
        // One BLAS thread unless a run stores another count (train and resume apply it), so no
        // result depends on OPENBLAS_NUM_THREADS.
        BLAS.setThreadCount(1)
        let commands = configuration.subcommands.map { $0._commandName }
        if let problem = UnknownCommand.problem(in: Array(CommandLine.arguments.dropFirst()), commands: commands) {
            FileHandle.standardError.write(Data("\(ExitStatus.errorLinePrefix)\(problem) (see 'hfrnn --help')\n".utf8))
            exit(withError: ExitCode(64))
        }
        if let problem = RepeatedOption.problem(in: Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardError.write(Data("\(ExitStatus.errorLinePrefix)\(problem) (see '\(commandWords()) --help')\n".utf8))
            exit(withError: ExitCode(64))
        }
        do {
            var command = try parseAsRoot()
            try command.run()
            Workers.finish()
            exitUnlessStandardOutputWritten()
        } catch {
            Workers.finish()
            let code = exitCode(for: error)
            let message = self.message(for: error)
            guard code != .success, !(error is ExitCode), !message.isEmpty else { exit(withError: error) }
            // A command's own checks run before ArgumentParser reports an option it does not know
            // (`hfrnn train --frobnicate` said "give exactly one of --task and --dataset").
            let unknown = code.rawValue == 64 ? unknownOption() : nil
            // Looked for only once parsing failed: it renders train's help, which no run needs.
            let stray = code.rawValue == 64 ? strayWordInTrain() : nil
            let line = unknown.map { unknownOptionLine($0.option, known: $0.known) } ?? stray ?? missingOption(message)
                ?? String(message.map { $0.isNewline ? " " : $0 })
            FileHandle.standardError.write(Data("\(ExitStatus.errorLinePrefix)\(line) (see '\(commandWords()) --help')\n".utf8))
            exit(withError: ExitCode(code.rawValue))
        }
    }

    /// Exits 1 with one line when what the command printed did not all reach stdout (a full disk,
    /// a closed pipe whose signal was ignored): a command whose output is lost has failed, as
    /// coreutils' do.
    private static func exitUnlessStandardOutputWritten() {
        // A write the C library made of a full buffer mid-run and that failed goes unseen here
        // (it drops the buffer and only marks the stream); the commands' own output is short, and
        // their progress lines go through printNow, which notes a failed flush.
        guard let reason = StandardOutput.problem() else { return }
        FileHandle.standardError.write(Data("\(ExitStatus.errorLinePrefix)stdout: \(reason)\n".utf8))
        Foundation.exit(1)
    }

    /// `hfrnn train addition --length 10` (as `generate addition` is typed): train takes options
    /// only, and its own checks said "give exactly one of --task and --dataset" of the stray word.
    private static func strayWordInTrain() -> String? {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.first == "train" else { return nil }
        // Options followed by a value, as train's help lists them ("--length <length>").
        let help = Train.helpMessage(columns: 10_000)
        let takesValue = Set(help.matches(of: /(--[A-Za-z0-9-]+)(?:, -[A-Za-z])? </).map { String($0.output.1) })
            .union(help.matches(of: /(-[A-Za-z]), --[A-Za-z0-9-]+ </).map { String($0.output.1) })
        let known = Set(help.matches(of: /-{1,2}[A-Za-z0-9][A-Za-z0-9-]*/).map { String($0.output) })
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" { return nil }
            if argument.hasPrefix("-") {
                // An unknown option's value would look stray: the unknown option is the problem.
                guard known.contains(String(argument.prefix { $0 != "=" })) else { return nil }
                index += takesValue.contains(argument) ? 2 : 1
                continue
            }
            let hint = PathologicalTask(rawValue: argument).map { _ in "; did you mean --task \(argument)?" }
                ?? (argument.hasSuffix(".h5") ? "; did you mean --dataset \(argument)?" : "")
            return "'\(argument)': train takes options only\(hint)"
        }
        return nil
    }

    /// The first `--option` of the command line that the typed command's help does not list, if
    /// any, with the options it does list.
    private static func unknownOption() -> (option: String, known: [String])? {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let typed = arguments.first,
              let command = configuration.subcommands.first(where: { $0._commandName == typed }) else { return nil }
        let help = command.helpMessage(columns: 10_000)
        let known = Set(help.matches(of: /--[A-Za-z0-9][A-Za-z0-9-]*/).map { String($0.output) } + ["--help"])
        let unknown = arguments.dropFirst().lazy.filter { $0.hasPrefix("--") && $0 != "--" }
            .map { String($0.prefix { $0 != "=" }) }.first { !known.contains($0) }
        return unknown.map { ($0, known.sorted()) }
    }

    /// "--x: unknown option", with the nearest option `known` lists when it is near enough to be a
    /// typo; but an "option" with a space in it is the value of the option before it, one
    /// ArgumentParser would not take because it starts with "--" (`--variant "--mu 0"`, where NAME=
    /// was left out): say that, naming that option.
    private static func unknownOptionLine(_ unknown: String, known: [String]) -> String {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard unknown.contains(where: \.isWhitespace), let index = arguments.firstIndex(of: unknown), index > 0,
              arguments[index - 1].hasPrefix("--") else {
            let nearest = UnknownCommand.closest(to: unknown, among: known)
            // `resume RUN --hidden-units 50`: a setting the checkpoint fixes (but `--dataset` is
            // nearest `--dataset-moved-to`, which is what such a user needs).
            if nearest == nil, arguments.first == "resume", Train.helpMessage(columns: 10_000).contains(unknown + " ") {
                return "\(unknown): not an option of resume: a run keeps the settings it was trained with "
                    + "(start a new run with hfrnn train to change it)"
            }
            return unknownOptionProblem(unknown, nearest: nearest)
        }
        let option = arguments[index - 1]
        return "\(option): '\(unknown)' reads as an option, not as the value of \(option) (a value cannot start with '--')"
    }

    /// The one wording of an unknown option, here and in a grid's variants.
    static func unknownOptionProblem(_ option: String, nearest: String?) -> String {
        "\(option): unknown option" + (nearest.map { "; did you mean \($0)?" } ?? "")
    }

    /// ArgumentParser's "Missing expected argument '--output <file>'" in hfrnn's form, the flag
    /// first: "--output: missing; give --output <file>". Nil for any other message.
    private static func missingOption(_ message: String) -> String? {
        guard let match = message.firstMatch(of: /^Missing expected argument '((--[A-Za-z0-9-]+)[^']*)'$/) else { return nil }
        return "\(match.output.2): missing; give \(match.output.1)"
    }

    /// "hfrnn" or "hfrnn <subcommand>", as typed.
    private static func commandWords() -> String {
        let names = configuration.subcommands.map { $0._commandName }
        let typed = CommandLine.arguments.dropFirst().first { !$0.hasPrefix("-") }
        guard let typed, names.contains(typed) else { return "hfrnn" }
        return "hfrnn \(typed)"
    }
}
