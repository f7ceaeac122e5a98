import Foundation
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// Runs `body` with file descriptor 2 redirected to a temporary file and returns what was
/// written to it. fd 2 is process-wide: only call this from `.serialized` suites, briefly.
func capturingStandardError<R>(_ body: () async throws -> R) async throws -> (result: R, stderr: String) {
    let path = temporaryPath(".stderr")
    defer { removeFile(path) }
    let capture = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard capture >= 0 else { throw CocoaError(.fileWriteUnknown) }
    fflush(nil)
    let saved = dup(2)
    dup2(capture, 2)
    close(capture)
    func restore() {
        fflush(nil)
        dup2(saved, 2)
        close(saved)
    }
    let result: R
    do {
        result = try await body()
    } catch {
        restore()
        throw error
    }
    restore()
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return (result, text)
}

/// The lines of `text` that look like HDF5 output, e.g. its automatic error-stack dump
/// ("HDF5-DIAG: Error detected in HDF5 (1.10.8) thread 1:", "  #000: H5F.c line 509 in H5Fopen(): ...",
/// "    major: File accessibility"). Only those shapes count: tests running in parallel may write
/// to the same fd 2 while one captures it, and their lines may name HDF5 (a progress line about
/// a test called `interoperatesWithH5py` once made a capture fail).
func hdf5Diagnostics(in text: String) -> [String] {
    text.split(whereSeparator: \.isNewline).map(String.init).filter { line in
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        return trimmed.hasPrefix("HDF5-DIAG") || trimmed.hasPrefix("major:") || trimmed.hasPrefix("minor:")
            || isErrorStackFrame(trimmed)
    }
}

/// "#000: H5F.c line 620 in H5Fopen(): …": a '#', three or more digits, a colon.
private func isErrorStackFrame(_ line: String) -> Bool {
    guard line.first == "#" else { return false }
    let digits = line.dropFirst().prefix { $0.isNumber }
    return digits.count >= 3 && line.dropFirst(1 + digits.count).first == ":"
}

/// Runs `body` on a brand-new OS thread (one that has never called into HDF5).
func onNewThread<R: Sendable>(_ body: @escaping @Sendable () -> R) async -> R {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}
