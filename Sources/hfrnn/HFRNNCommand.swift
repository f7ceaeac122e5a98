import ArgumentParser
import Foundation
import Training

@main
struct HFRNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hfrnn",
        abstract: "Hessian-free training of recurrent networks with structural damping (Martens & Sutskever, 2011).",
        version: hfrnnVersion,
        subcommands: [Train.self, Resume.self, Evaluate.self, Export.self, Probe.self])

    /// As ArgumentParser's `main`, but every error — a bad flag, a bad value, a failed command — is
    /// one line on stderr (`hfrnn: error: …`) instead of a message with a usage block. Help and
    /// version requests print as usual.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            // Commands report their own failures (runGuarded) before throwing an exit code.
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success { self.exit(withError: error) }
            let message = self.message(for: error).split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
            FileHandle.standardError.write(Data("hfrnn: error: \(message)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
