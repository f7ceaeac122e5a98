import Foundation
import Testing

/// The result tables of README.md and docs/ are generated from committed data files by
/// scripts/tables.py; a table edited by hand, or data changed without regenerating, fails here.
@Suite struct GeneratedTablesTests {
    private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    private func tables(_ arguments: [String], root: String) throws -> CommandResult {
        let interpreter = try #require(python(importing: []), "needs python3")
        return try runProgram([interpreter, root + "/scripts/tables.py"] + arguments, in: NSTemporaryDirectory())
    }

    @Test func committedTablesMatchTheirData() throws {
        let result = try tables(["--check"], root: packageRoot)
        #expect(result.status == 0, "run `python3 scripts/tables.py` to regenerate: \(result.stderr)")
    }

    /// The check can fail: a copy of the repository's documents with one cell changed is caught.
    @Test func aHandEditedTableIsCaught() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("hfrnn-tables-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: copy) }
        for entry in ["scripts", "docs", "experiments", "README.md"] {
            try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: packageRoot + "/" + entry, toPath: copy + "/" + entry)
        }
        let readme = copy + "/README.md"
        let text = try String(contentsOfFile: readme, encoding: .utf8)
        let marker = try #require(text.range(of: "<!-- table: head-to-head-seed1"))
        let firstCell = try #require(text.range(of: "| addition |", range: marker.upperBound..<text.endIndex))
        try text.replacingCharacters(in: firstCell, with: "| additions |").write(toFile: readme, atomically: true, encoding: .utf8)
        let result = try tables(["--check"], root: copy)
        #expect(result.status == 1)
        #expect(result.stderr.contains("README.md: table 'head-to-head-seed1' differs from its data"), "\(result.stderr)")
    }
}
