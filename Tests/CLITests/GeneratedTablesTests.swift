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

    /// A copy of what the tables are made from and written into, removed by the caller.
    private func copyOfTheDocuments() throws -> String {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("hfrnn-tables-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        for entry in ["scripts", "docs", "experiments", "README.md"] {
            try FileManager.default.copyItem(atPath: packageRoot + "/" + entry, toPath: copy + "/" + entry)
        }
        return copy
    }

    /// The check can fail: a copy of the repository's documents with one cell changed is caught.
    @Test func aHandEditedTableIsCaught() throws {
        let copy = try copyOfTheDocuments()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let readme = copy + "/README.md"
        let text = try String(contentsOfFile: readme, encoding: .utf8)
        let marker = try #require(text.range(of: "<!-- table: methods-by-task"))
        let firstCell = try #require(text.range(of: "| addition |", range: marker.upperBound..<text.endIndex))
        try text.replacingCharacters(in: firstCell, with: "| additions |").write(toFile: readme, atomically: true, encoding: .utf8)
        let result = try tables(["--check"], root: copy)
        #expect(result.status == 1)
        #expect(result.stderr.contains("README.md: table 'methods-by-task' differs from its data"), "\(result.stderr)")
    }

    /// A generated figure is checked like a table: in a copy, an SVG file changed by hand, or
    /// removed, is named by the check, and regenerating restores it byte for byte.
    @Test func aHandEditedOrMissingFigureIsCaught() throws {
        let listing = try tables(["--list"], root: packageRoot)
        #expect(listing.stdout.contains("success-by-length (figure): README.md"), "\(listing.stdout)")
        let copy = try copyOfTheDocuments()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let figure = copy + "/docs/figures/success-by-length.svg"
        let original = try String(contentsOfFile: figure, encoding: .utf8)
        try original.replacingOccurrences(of: "</svg>", with: "<circle cx=\"1\" cy=\"1\" r=\"1\"/></svg>")
            .write(toFile: figure, atomically: true, encoding: .utf8)
        let edited = try tables(["--check"], root: copy)
        #expect(edited.status == 1)
        #expect(edited.stderr.contains("docs/figures/success-by-length.svg: figure 'success-by-length' of README.md differs from its data"),
                "\(edited.stderr)")
        try FileManager.default.removeItem(atPath: figure)
        #expect(try tables(["--check"], root: copy).status == 1)
        let rewritten = try tables([], root: copy)
        #expect(rewritten.status == 0, "\(rewritten.stderr)")
        #expect(try String(contentsOfFile: figure, encoding: .utf8) == original)
    }

    /// Every generator a document uses is checked: in a copy, the last data row of the first
    /// table of each generator gets one more cell, and the check names that table.
    @Test func anEditToATableOfEveryGeneratorIsCaught() throws {
        let listing = try tables(["--list"], root: packageRoot)
        try #require(listing.status == 0, "\(listing.stderr)")
        let used = listing.stdout.split(separator: "\n").compactMap { line -> (name: String, document: String)? in
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[1] != "unused", !parts[0].hasSuffix(" (figure)") else { return nil }
            return (parts[0], String(parts[1].split(separator: ",")[0]))
        }
        #expect(Set(used.map(\.name)).isSuperset(of: ["grid-cells", "variant-summary", "methods-by-task", "bench"]),
                "\(listing.stdout)")
        for (name, document) in used {
            let copy = try copyOfTheDocuments()
            defer { try? FileManager.default.removeItem(atPath: copy) }
            let path = copy + "/" + document
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let marker = try #require(text.range(of: "<!-- table: \(name) "), "\(document): no table '\(name)'")
            let end = try #require(text.range(of: "\n<!-- end table -->", range: marker.upperBound..<text.endIndex))
            try text.replacingCharacters(in: end.lowerBound..<end.lowerBound, with: " edited |")
                .write(toFile: path, atomically: true, encoding: .utf8)
            let result = try tables(["--check"], root: copy)
            #expect(result.status == 1, "\(name) in \(document)")
            #expect(result.stderr.contains("\(document): table '\(name)' differs from its data"), "\(result.stderr)")
        }
    }
}
