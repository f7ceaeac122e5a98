import Foundation
import HDF5IO
import Testing

/// `make run` with another job: the folder it clears, trains into and exports must be the same one.
@Suite struct MakefileTests {
    private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The commands `make -n run …` would run (nothing is executed).
    private func dryRun(_ variables: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["make", "--no-print-directory", "-n", "-C", packageRoot, "run"] + variables
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        // Under the library's lock: a child started while a test opens an HDF5 file would hold its lock.
        try HDF5Library.whileNoFileOpensOrCloses { try process.run() }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func anotherRunNameIsClearedTrainedAndExported() throws {
        let result = try dryRun(["RUN_NAME=xor-check", "RUN_ARGS=--task xor --length 10 --max-iterations 1"])
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.contains("rm -rf checkpoints/xor-check"), "\(result.output)")
        #expect(lines.contains { $0.contains("hfrnn train --task xor --length 10 --max-iterations 1 --run-name xor-check --checkpoint-dir checkpoints") },
                "\(result.output)")
        #expect(lines.contains { $0.hasSuffix("hfrnn export checkpoints/xor-check") }, "\(result.output)")
        #expect(!result.output.contains("demo-addition-T30"), "\(result.output)")
    }

    @Test func aRunNameInsideRunArgsIsRefusedBeforeAnyWork() throws {
        let result = try dryRun(["RUN_ARGS=--task xor --length 10 --run-name mine"])
        #expect(result.status != 0)
        #expect(result.output.contains("give the run's name as RUN_NAME=..."), "\(result.output)")
        #expect(!result.output.contains("swift build"), "\(result.output)")
    }
}
