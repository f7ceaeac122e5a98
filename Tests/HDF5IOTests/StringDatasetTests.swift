import Foundation
import TestSupport
import Testing
import HDF5IO

@Suite struct StringDatasetTests {
    @Test func roundTripIncludingEmptyAndUnicode() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let values = ["converged", "", "λ ← 2λ (ρ < ¼)", "rejected: non-finite", String(repeating: "x", count: 10_000)]
        do {
            let file = try HDF5File.create(path)
            try file.writeStrings(values, to: "history/decision")
            try file.writeStrings([], to: "history/none")
            try file.close()
        }
        let file = try HDF5File.open(path)
        #expect(try file.readStrings("history/decision") == values)
        #expect(try file.readStrings("/history//none") == [])
        #expect(try file.shape(of: "history/decision") == [values.count])
        #expect(try file.shape(of: "history/none") == [0])
        #expect(try file.elementClass(of: "history/decision") == .string)
    }

    /// Far beyond the 64 KB attribute limit: a long run's per-iteration text columns.
    @Test func manyLongStrings() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let values = (0..<5000).map { "iteration \($0): accepted, λ ← \(Double($0) * 0.75) " + String(repeating: "·", count: $0 % 50) }
        let file = try HDF5File.create(path)
        try file.writeStrings(values, to: "log")
        try file.close()
        #expect(try HDF5File.open(path).readStrings("log") == values)
    }

    /// Text longer than an attribute's 64 KB of compact storage: a dataset holds it, and so does a
    /// string attribute (variable-length, so its characters live in the file's global heap).
    @Test func longTextFitsADatasetAndAnAttribute() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        let long = String(repeating: "relative progress fell below k·ε after 16 iterations; ", count: 2000)
        try file.setAttribute("log", to: long)
        #expect(try file.stringAttribute("log") == long)
        try file.writeStrings([long], to: "log")
        #expect(try file.readStrings("log") == [long])
    }

    @Test func writingReplacesAnExistingDataset() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        try file.write([1.0, 2.0], shape: [2], to: "column")
        try file.writeStrings(["a", "b", "c"], to: "column")
        #expect(try file.readStrings("column") == ["a", "b", "c"])
        try file.writeStrings(["only"], to: "column")
        #expect(try file.readStrings("column") == ["only"])
        #expect(try file.children() == ["column"])
    }

    @Test func errors() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        try file.write([1.5, 2.5], shape: [2], to: "numbers")
        try file.writeStrings(["x"], to: "words")
        try file.createGroup("group")
        let nul = #expect(throws: HDF5Error.self) { try file.writeStrings(["ok", "a\u{0}b"], to: "bad") }
        #expect(nul?.description == "\(path): dataset '/bad': string 1 contains a NUL character, which HDF5 strings cannot hold")
        #expect(try !file.exists("bad"))
        let notStrings = #expect(throws: HDF5Error.self) { try file.readStrings("numbers") }
        #expect(notStrings?.description == "\(path): dataset '/numbers': stored as float64, not as strings")
        let missing = #expect(throws: HDF5Error.self) { try file.readStrings("nope") }
        #expect(missing?.description.hasPrefix("\(path): dataset '/nope': not found") == true)
        let overGroup = #expect(throws: HDF5Error.self) { try file.writeStrings(["x"], to: "group") }
        #expect(overGroup?.description == "\(path): dataset '/group': exists and is a group, not a dataset")
        let asNumbers = #expect(throws: HDF5Error.self) { try file.read("words", as: Double.self) }
        #expect(asNumbers?.description.contains("stored as string; it must hold floating-point numbers") == true)
        try file.close()
        let readOnly = try HDF5File.open(path)
        let refused = #expect(throws: HDF5Error.self) { try readOnly.writeStrings(["y"], to: "more") }
        #expect(refused?.description == "\(path): dataset '/more': the file is open read-only")
    }

    /// The same file through h5py, when python3 with h5py is available: variable-length strings
    /// come back as `bytes` (`.asstr()` gives `str`), and h5py-written string lists read back here.
    @Test(.enabled(if: pythonWithH5py() != nil, "needs python3 with h5py (make test installs python3-h5py)"))
    func interoperatesWithH5py() throws {
        let python = try #require(pythonWithH5py())
        let path = temporaryPath()
        defer { removeFile(path) }
        let values = ["not run", "", "ρ = -inf ✓"]
        do {
            let file = try HDF5File.create(path)
            try file.writeStrings(values, to: "ours")
            try file.close()
        }
        let script = """
            import sys, json, h5py, numpy as np
            with h5py.File(sys.argv[1], "r+") as f:
                d = f["ours"]
                print(json.dumps({"raw": [type(v).__name__ for v in d[...]], "str": list(d.asstr()[...]),
                                  "shape": list(d.shape)}, ensure_ascii=False))
                f.create_dataset("theirs_vlen", data=["α", "", "three"], dtype=h5py.string_dtype())
                f.create_dataset("theirs_fixed", data=np.array([b"ab", b"c", b""], dtype="S4"))
            """
        let output = try runProcess(python, ["-c", script, path])
        let decoded = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        #expect(decoded?["raw"] as? [String] == ["bytes", "bytes", "bytes"])
        #expect(decoded?["str"] as? [String] == values)
        #expect(decoded?["shape"] as? [Int] == [3])
        let file = try HDF5File.open(path)
        #expect(try file.readStrings("theirs_vlen") == ["α", "", "three"])
        #expect(try file.readStrings("theirs_fixed") == ["ab", "c", ""])
    }
}

/// The first `python3` (on PATH, then the system's) that can import h5py, else nil (the
/// interoperability test is then reported as skipped). Found once.
func pythonWithH5py() -> String? { pythonWithH5pyPath }

private let pythonWithH5pyPath: String? = {
    let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
    let candidates = (directories + ["/usr/bin"]).map { $0 + "/python3" }.filter(FileManager.default.isExecutableFile)
    return candidates.first { (try? runProcess($0, ["-c", "import h5py"])) != nil }
}()

/// Runs a program and returns its standard output; throws with its standard error when it exits non-zero.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    // Under the library's lock: see HDF5Library.whileNoFileOpensOrCloses.
    try HDF5Library.whileNoFileOpensOrCloses { try process.run() }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: String(decoding: errorData, as: UTF8.self)])
    }
    return String(decoding: data, as: UTF8.self)
}
