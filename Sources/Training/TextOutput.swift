import Foundation

/// Writes a small text file (JSON, CSV, Markdown, SVG) so that no reader ever sees a partial one.
public func writeFileAtomically(_ text: String, to path: String) throws {
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw TrainingError("\(path): cannot write the file")
    }
}
