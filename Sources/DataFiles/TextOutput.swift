/// Writes a small text file (JSON, CSV, Markdown, SVG) through `AtomicFile`: no reader ever sees a
/// partial one, and a failed write leaves nothing behind and throws one line naming the file.
public func writeFileAtomically(_ text: String, to path: String) throws {
    try AtomicFile.write(Array(text.utf8), to: path)
}
