import Foundation

// TestSupport: helpers shared by the test targets (temporary files and folders). Test code only;
// nothing here is part of hfrnn.

/// A fresh folder in the temporary directory with a UUID name; `remove()` deletes it and its contents.
public struct TemporaryFolder: Sendable {
    public let path: String

    public init() throws {
        path = temporaryPath("")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Paths in the folder (recursively), sorted; hidden temporary files included.
    public func contents() -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []).sorted()
    }

    public func remove() { removeFile(path) }
}

/// A fresh path in the temporary directory (nothing is created there); the caller removes it.
public func temporaryPath(_ suffix: String = ".h5") -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("hfrnn-test-\(UUID().uuidString)\(suffix)").path
}

/// Removes a file or a folder with its contents, if it exists.
public func removeFile(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// The path of a committed test file in Tests/Fixtures (see the README there).
public func fixturePath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name).path
}
