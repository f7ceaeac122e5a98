import Foundation
import TestSupport
import Testing

/// Every command's --help shows examples and writes each default one way, once.
@Suite struct HelpTextTests {
    static let commands = ["train", "resume", "evaluate", "predict", "export", "probe", "generate", "experiment"]

    private func help(_ command: String) throws -> String {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let result = try runHFRNN([command, "--help"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    /// The help text of each option, by its first flag ("--precision"), with its lines joined.
    private func optionTexts(_ help: String) -> [String: String] {
        var texts: [String: String] = [:]
        var current: String? = nil
        let options = help.components(separatedBy: "OPTIONS:").dropFirst().joined()
        for line in options.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("  -") {
                let flag = trimmed.split(separator: " ").first { $0.hasPrefix("--") }.map { String($0.trimmingCharacters(in: .punctuationCharacters.subtracting(["-"]))) }
                current = flag ?? trimmed
                texts[current!] = trimmed
            } else if let current, !trimmed.isEmpty {
                texts[current, default: ""] += " " + trimmed
            }
        }
        return texts
    }

    @Test(arguments: commands)
    func everyCommandShowsExamples(command: String) throws {
        let text = try help(command)
        let parts = text.components(separatedBy: "Examples:\n")
        try #require(parts.count == 2, "no examples in `hfrnn \(command) --help`")
        let lines = parts[1].split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }
        #expect(lines.first?.hasPrefix("  hfrnn \(command) ") == true || lines.first == "  hfrnn \(command)",
                "\(lines)")
        // Each example line is a command or an indented continuation, not a line wrapped by the help formatter.
        for line in lines {
            #expect(line.hasPrefix("  hfrnn \(command)") || line.hasPrefix("      "), "wrapped example line: '\(line)'")
        }
    }

    @Test(arguments: commands)
    func everyDefaultIsWrittenOnceAndOneWay(command: String) throws {
        for (flag, text) in optionTexts(try help(command)) {
            let defaults = text.components(separatedBy: "(default").count - 1
            #expect(defaults <= 1, "\(command) \(flag): \(text)")
            #expect(!text.contains("(default ") && !text.contains("(default,"), "\(command) \(flag): \(text)")
        }
    }

    @Test func trainSaysWhatItDoesByDefault() throws {
        let options = optionTexts(try help("train"))
        #expect(options["--precision"]?.contains("(default: float)") == true, "\(options["--precision"] ?? "")")
        #expect(options["--length"]?.contains("(default: 100)") == true, "\(options["--length"] ?? "")")
        #expect(options["--gradient-batch"]?.contains("rounded up to whole curvature batches") == true,
                "\(options["--gradient-batch"] ?? "")")
        #expect(options["--gradient-batch"]?.contains("is 10200") == true, "\(options["--gradient-batch"] ?? "")")
    }

    /// `resume --help` used to repeat train's words ("in total for train, more for resume").
    @Test func resumeHelpIsInItsOwnWords() throws {
        let resume = optionTexts(try help("resume"))
        let train = optionTexts(try help("train"))
        for flag in ["--max-iterations", "--time-limit"] {
            let text = try #require(resume[flag])
            #expect(text != train[flag])
            #expect(!text.contains("for train"), "\(text)")
            #expect(text.contains("more"), "\(text)")
        }
    }
}
