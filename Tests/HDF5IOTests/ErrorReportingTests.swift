import Foundation
import TestSupport
import Testing
import HDF5IO
#if canImport(Glibc)
import Glibc
#endif

/// Files that make HDF5 fail in different ways, and the error each failing call must produce.
struct BrokenFiles: Sendable {
    let valid = temporaryPath()
    let garbage = temporaryPath()
    let truncated = temporaryPath()
    let missing = temporaryPath()

    init() throws {
        let file = try HDF5File.create(valid)
        try file.write([Float](repeating: 0.25, count: 16), shape: [4, 4], to: "floats")
        try file.write((0..<4096).map(Double.init), shape: [4096], to: "payload")  // 32 KB
        try file.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: valid))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        var state: UInt32 = 12345  // deterministic "random" bytes
        let noise = (0..<8192).map { _ -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        try Data(noise).write(to: URL(fileURLWithPath: garbage))
    }

    func remove() {
        [valid, garbage, truncated].forEach(removeFile)
    }

    /// Each case: a name, the failing call, and texts its error description must contain.
    var cases: [(name: String, call: () throws -> Void, expected: [String])] {
        [
            ("missing file", { _ = try HDF5File.open(missing) }, ["\(missing): file not found"]),
            ("not HDF5", { _ = try HDF5File.open(garbage) },
             ["\(garbage): cannot open: not an HDF5 file or corrupt/truncated (HDF5: ", "signature"]),
            ("truncated", { _ = try HDF5File.open(truncated) },
             ["\(truncated): cannot open: not an HDF5 file or corrupt/truncated (HDF5: ", "truncated file"]),
            ("missing dataset", { _ = try HDF5File.open(valid).read("nope", as: Float.self) },
             ["\(valid): dataset '/nope': not found (HDF5: ", "doesn't exist"]),
            ("float as Int32", { _ = try HDF5File.open(valid).read("floats", as: Int32.self) },
             ["\(valid): dataset '/floats': stored as float32; it must hold integers"]),
            ("shape mismatch", {
                try HDF5File.open(valid, writable: true).write([1, 2, 3, 4, 5] as [Float], shape: [2, 3], to: "bad")
            }, ["\(valid): dataset '/bad': shape [2, 3] holds 6 values but 5 were given"]),
        ]
    }

    /// Runs every case; returns, per case, the error description or what went wrong instead.
    func runAll() -> [String: String] {
        var outcomes: [String: String] = [:]
        for (name, call, _) in cases {
            do {
                try call()
                outcomes[name] = "no error was thrown"
            } catch let error as HDF5Error {
                outcomes[name] = error.description
            } catch {
                outcomes[name] = "unexpected error type: \(error)"
            }
        }
        return outcomes
    }

    func expectMessages(_ outcomes: [String: String], thread: String) {
        for (name, _, expected) in cases {
            let description = outcomes[name] ?? "case did not run"
            #expect(!description.contains("\n"), "\(thread) / \(name)")
            for text in expected {
                #expect(description.contains(text), "\(thread) / \(name): \(description)")
            }
        }
    }
}

/// fd 2 is shared by the whole process, so the tests that capture it run one at a time.
@Suite(.serialized) struct ErrorReportingTests {
    @Test func captureSeesWritesToStandardError() async throws {
        let (_, text) = try await capturingStandardError {
            let line = "HDF5-DIAG: Error detected in HDF5 (1.10.8) thread 1:\n  #000: H5F.c line 1 in H5Fopen()\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
        }
        #expect(hdf5Diagnostics(in: text).count == 2)
    }

    @Test func otherTestsOutputIsNotADiagnostic() {
        let text = """
            ✔ Test interoperatesWithH5py() passed after 9.553 seconds.
            HDF5-DIAG: Error detected in HDF5 (1.10.8) thread 1:
              #000: H5F.c line 620 in H5Fopen(): unable to open file
                major: File accessibility
                minor: Unable to open file
            """
        #expect(hdf5Diagnostics(in: text).count == 4)
    }

    @Test func errorsOnTheTestThread() async throws {
        let files = try BrokenFiles()
        defer { files.remove() }
        let (outcomes, text) = try await capturingStandardError { files.runAll() }
        files.expectMessages(outcomes, thread: "test thread")
        #expect(hdf5Diagnostics(in: text) == [])
    }

    @Test func errorsOnANewThread() async throws {
        let files = try BrokenFiles()
        defer { files.remove() }
        let (outcomes, text) = try await capturingStandardError { await onNewThread { files.runAll() } }
        files.expectMessages(outcomes, thread: "new thread")
        #expect(hdf5Diagnostics(in: text) == [])
    }

    @Test func errorsInADetachedTask() async throws {
        let files = try BrokenFiles()
        defer { files.remove() }
        let (outcomes, text) = try await capturingStandardError { await Task.detached { files.runAll() }.value }
        files.expectMessages(outcomes, thread: "detached task")
        #expect(hdf5Diagnostics(in: text) == [])
    }
}
