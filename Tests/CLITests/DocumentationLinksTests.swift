import Foundation
import TestSupport
import Testing

/// The repository's Markdown links point at files that exist and at headings that exist, as
/// GitHub names their anchors (scripts/check-links.py): three links had gone dead when their
/// headings were renamed, and nothing noticed.
@Suite struct DocumentationLinksTests {
    private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    private func checkLinks(root: String) throws -> CommandResult {
        let interpreter = try #require(python(importing: []), "needs python3")
        return try runProgram([interpreter, packageRoot + "/scripts/check-links.py", root], in: NSTemporaryDirectory())
    }

    @Test func everyRelativeLinkAndAnchorResolves() throws {
        let result = try checkLinks(root: packageRoot)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    /// The check can fail: a dead anchor, a missing file and an anchor of the GitHub-unsupported
    /// `{#id}` form are each named with file and line; a heading's own anchor passes.
    @Test func deadLinksAreNamed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("docs"), withIntermediateDirectories: true)
        try """
            # Guide

            ## Without structural damping at T = 100 (2026-12-07)

            ### SGD-CR: the regulariser {#sgd-cr}

            ```
            [not a link](nowhere.md)
            ```
            """.write(toFile: folder.file("docs/guide.md"), atomically: true, encoding: .utf8)
        try """
            [good](docs/guide.md#without-structural-damping-at-t--100-2026-12-07) and [file](docs/guide.md)
            [dead](docs/guide.md#without-damping)
            [missing](docs/gone.md)
            [custom id](docs/guide.md#sgd-cr) [web](https://example.org/x#y)
            """.write(toFile: folder.file("README.md"), atomically: true, encoding: .utf8)
        let result = try checkLinks(root: folder.path)
        #expect(result.status == 1)
        #expect(result.stdout == """
            README.md:2: docs/guide.md#without-damping: no heading with this anchor in docs/guide.md
            README.md:3: docs/gone.md: no such file
            README.md:4: docs/guide.md#sgd-cr: no heading with this anchor in docs/guide.md

            """, "\(result.stdout)")
    }
}
