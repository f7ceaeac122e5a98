import ArgumentParser
import DataFiles
import Foundation
import HDF5IO
import Testing
import TestSupport
@testable import hfrnn

/// `hfrnn generate`: argument validation happens before any work, with one-line messages.
@Suite struct GenerateCommandTests {
    /// The message of the parse/validation error for `arguments`, or nil when they are accepted.
    private func rejection(_ arguments: [String]) -> String? {
        do {
            _ = try Generate.parse(arguments)
            return nil
        } catch {
            return Generate.message(for: error)
        }
    }

    @Test func validArgumentsAreAccepted() {
        #expect(rejection(["addition", "--length", "20", "--count", "5", "--output", NSTemporaryDirectory() + "a.h5"]) == nil)
        #expect(rejection(["--check", "whatever.h5"]) == nil)
    }

    @Test func badArgumentsAreRejectedInOneLine() throws {
        let out = NSTemporaryDirectory() + "hfrnn-generate-\(UUID().uuidString).h5"
        let cases: [([String], String)] = [
            (["sudoku", "-o", out], "The value 'sudoku' is invalid for '<task>': choose one of addition, addition-smdh, multiplication, xor, xor-isc, "
                + "temporal-order, temporal-order-3bit, random-permutation, memorization-5bit, memorization-20bit"),
            (["addition", "-T", "5", "-o", out],
             "--length: addition needs minimum length T ≥ 6, got 5: shorter sequences leave no room for its marked positions before the final cue"),
            (["addition", "-n", "0", "-o", out], "--count: must be positive, got 0"),
            (["addition", "--count=-3", "-o", out], "--count: must be positive, got -3"),
            (["addition", "--count", "-3", "-o", out], "--count: must be positive, got -3"),
            (["addition", "--length", "-4", "-o", out],
             "--length: addition needs minimum length T ≥ 6, got -4: shorter sequences leave no room for its marked positions before the final cue"),
            (["addition"], "give the file to write with --output FILE"),
            (["addition", "--target-format", "csv", "-o", out], "The value 'csv' is invalid for '--target-format <auto|labels|targets>': choose one of auto, labels, targets"),
            ([], "give a task (addition, addition-smdh, multiplication, xor, xor-isc, temporal-order, temporal-order-3bit, random-permutation, "
                + "memorization-5bit, memorization-20bit) or --check FILE"),
            (["addition", "--check", "x.h5"], "--check: takes no task and no --output"),
            (["--check", "x.h5", "--length", "5"], "--check: only reads the file; --length would do nothing"),
            (["--check", "x.h5", "--seed", "2"], "--check: only reads the file; --seed would do nothing"),
            (["--check", "x.h5", "--target-format", "labels"], "--check: only reads the file; --target-format would do nothing"),
        ]
        for (arguments, message) in cases {
            let rejected = rejection(arguments)
            #expect(rejected == message, "\(arguments)")
            #expect(rejected?.contains("\n") == false)
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func generateWritesAValidReproducibleFile() throws {
        let folder = NSTemporaryDirectory() + "hfrnn-generate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in ["a.h5", "b.h5"] {
            let command = try Generate.parse(["temporal-order", "-T", "10", "-n", "12", "--seed", "5", "-o", "\(folder)/\(name)"])
            try command.run()
            // HDF5 stamps objects with the clock in whole seconds: a second apart, stamped files differ.
            if name == "a.h5" { Thread.sleep(forTimeInterval: 1.1) }
        }
        // The same bytes, not only the same arrays: runs check their dataset by a hash of its
        // bytes, so a dataset generated again by the same command must still be the run's.
        #expect(FileManager.default.contents(atPath: "\(folder)/a.h5") == FileManager.default.contents(atPath: "\(folder)/b.h5"))
        let a = try DatasetFile(path: "\(folder)/a.h5", keepInMemoryUpTo: .max)
        let b = try DatasetFile(path: "\(folder)/b.h5", keepInMemoryUpTo: .max)
        #expect(a.memory == b.memory)
        #expect(a.sequenceCount == 12 && a.outputSize == 4 && a.targetEncoding == .labels)
        #expect(a.task == "temporal-order" && a.taskLength == 10 && a.seed == 5)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["a.h5", "b.h5"])
    }

    /// The committed sample is what the command datasets/README.md gives for it writes, byte for
    /// byte: it was written before generate left out HDF5's time stamps, so a sample made again
    /// had another content hash than runs trained on the committed one recorded. The bytes are
    /// libhdf5's and zlib's: with another libhdf5 than the one that wrote the sample (Debian 12's)
    /// only the contents are compared.
    @Test func theSampleDatasetIsWhatItsCommandWrites() throws {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("datasets/README.md"), encoding: .utf8)
        let line = try #require(readme.split(separator: "\n").first { $0.hasPrefix("hfrnn generate ") })
        var arguments = line.split(separator: " ").dropFirst(2).map(String.init)
        let output = try #require(arguments.firstIndex(of: "--output")) + 1
        let sample = packageRoot.appendingPathComponent(arguments[output]).path
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        arguments[output] = folder.file("sample.h5")
        try Generate.parse(arguments).run()
        let made = try DatasetFile(path: folder.file("sample.h5"), keepInMemoryUpTo: .max)
        #expect(made.memory == (try DatasetFile(path: sample, keepInMemoryUpTo: .max)).memory, "\(line)")
        if HDF5Library.version == "1.10.8" {
            #expect(FileManager.default.contents(atPath: folder.file("sample.h5")) == FileManager.default.contents(atPath: sample),
                    "\(line)")
        }
    }

    /// `--check` says how long the sequences are and how many steps are judged: it gave only T and
    /// the scored steps, so a file of varied lengths or with an error mask looked like any other.
    @Test func checkSummarisesLengthsAndJudgedSteps() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for (task, length) in [("addition", "100"), ("memorization-5bit", "10")] {
            let made = try runHFRNN(["generate", task, "--length", length, "--count", "50", "--seed", "1", "--output", task + ".h5"],
                                    in: folder)
            try #require(made.status == 0, "\(made.stderr)")
        }
        let varied = try runHFRNN(["generate", "--check", "addition.h5"], in: folder)
        #expect(varied.stdout == "addition.h5: N = 50 sequences, T = 109 steps (lengths 100–109), I = 2, O = 1, "
                + "linear-squared-error, 50 scored steps (targets)\n", "\(varied.stdout)")
        let judged = try runHFRNN(["generate", "--check", "memorization-5bit.h5"], in: folder)
        #expect(judged.stdout == "memorization-5bit.h5: N = 50 sequences, T = 20 steps (lengths all 20), I = 4, O = 3, "
                + "softmax-cross-entropy, 1000 scored steps (labels; error mask: 250 judged steps)\n", "\(judged.stdout)")
    }

    /// The output is checked like every command's (`checkOutputFile`): a folder given as the file or
    /// a folder that cannot take a file is one line naming it, exit status 1, nothing written; a
    /// missing folder is created, and removed again when the write fails. (Until 2026-12-06
    /// generate had checks of its own and refused a missing folder as a usage error.)
    @Test func outputsAreCheckedAndMissingFoldersCreatedLikeEveryCommand() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        func generate(_ output: String) throws -> CommandResult {
            try runHFRNN(["generate", "addition", "-T", "10", "-n", "4", "-o", output], in: folder)
        }
        let created = try generate("new/deeper/data.h5")
        #expect(created.status == 0, "\(created.stderr)")
        #expect(try DatasetFile(path: folder.file("new/deeper/data.h5")).sequenceCount == 4)
        for (output, problem) in [("new", "new: is a folder, not a file"), ("/proc/x.h5", "/proc: the output folder is not writable")] {
            let refused = try generate(output)
            #expect(refused.status == 1 && refused.stderr == "hfrnn: error: \(problem)\n", "\(refused.stderr)")
        }
        // A write that fails once its folders exist leaves none of them: the temporary file of a
        // 250-character name is longer than a file name may be.
        let failed = try generate("other/" + String(repeating: "d", count: 250))
        #expect(failed.status == 1 && failed.stderr.hasPrefix("hfrnn: error: "), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("other")))
    }
}
