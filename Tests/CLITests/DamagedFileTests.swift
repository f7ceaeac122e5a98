import Foundation
import TestSupport
import Testing

/// Files with one flipped bit end hfrnn with one line naming the file and the problem, exit status
/// 1, no crash and nothing written; files written before hfrnn checked them still work.
@Suite struct DamagedFileTests {
    /// A folder holding a copy of the fixture `name` as `copy`.
    private func folder(with name: String, as copy: String) throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try FileManager.default.copyItem(atPath: fixturePath(name), toPath: folder.file(copy))
        return folder
    }

    private func expectOneLine(_ result: CommandResult, _ expected: String, _ command: [String]) {
        #expect(result.status == 1, "\(command): status \(result.status), \(result.stderr)")
        #expect(result.stderr == "hfrnn: error: \(expected)\n", "\(command)")
        #expect(result.stdout.isEmpty, "\(command)")
    }

    /// A format-2 checkpoint with a global heap object's size flipped (bit 51): SIGSEGV in memcpy
    /// inside libhdf5 before hfrnn read the heap itself.
    @Test func theDamagedCheckpointThatCrashedIsOneLine() throws {
        let folder = try folder(with: "bitflip-checkpoint-segv.h5", as: "latest.h5")
        defer { folder.remove() }
        let expected = "latest.h5: dataset '/history/cg_stop': is damaged: in the global heap collection at address 2048, "
            + "which holds its text, object 11 claims 2251799813685384 bytes, more than the collection holds"
        for command in [["evaluate", "latest.h5"], ["resume", "latest.h5"], ["export", "latest.h5", "--output", "out"],
                        ["probe", "--checkpoint", "latest.h5", "--output", "probe.h5"]] {
            expectOneLine(try runHFRNN(command, in: folder), expected, command)
        }
        #expect(folder.contents() == ["latest.h5"])
    }

    /// A dataset written with h5py, the size of its `format` attribute's heap object flipped (bit 39).
    @Test func theDamagedDatasetThatCrashedIsOneLine() throws {
        let folder = try folder(with: "bitflip-dataset-segv.h5", as: "data.h5")
        defer { folder.remove() }
        let expected = "data.h5: attribute 'format' of '/': is damaged: in the global heap collection at address 2048, "
            + "which holds its text, object 1 claims 549755813901 bytes, more than the collection holds"
        for command in [["generate", "--check", "data.h5"],
                        ["train", "--dataset", "data.h5", "--max-iterations", "1", "--checkpoint-dir", "runs"]] {
            expectOneLine(try runHFRNN(command, in: folder), expected, command)
        }
        #expect(folder.contents() == ["data.h5"])
    }

    /// A dataset h5py compressed with LZF, a filter Debian's libhdf5 has no plugin for: the read
    /// failed with the plugin loader's message and a path of the machine, not the filter's name.
    @Test func aDatasetCompressedWithAMissingFilterIsOneLine() throws {
        let folder = try folder(with: "dataset-h5py-lzf.h5", as: "data.h5")
        defer { folder.remove() }
        let expected = "data.h5: dataset '/inputs': is compressed with the HDF5 filter 'lzf' (id 32000), which this HDF5 "
            + "cannot decode; rewrite the file with gzip compression or none"
        for command in [["generate", "--check", "data.h5"],
                        ["train", "--dataset", "data.h5", "--max-iterations", "1", "--checkpoint-dir", "runs"]] {
            expectOneLine(try runHFRNN(command, in: folder), expected, command)
        }
        #expect(folder.contents() == ["data.h5"])
    }

    /// A checkpoint of format 2 (no checksums) evaluates to the very numbers it did when it was
    /// written, and resumes into a checkpoint of format 3.
    @Test func aFormatTwoCheckpointStillEvaluatesAndResumes() throws {
        let folder = try folder(with: "checkpoint-format2.h5", as: "old.h5")
        defer { folder.remove() }
        let evaluation = try runHFRNN(["evaluate", "old.h5"], in: folder)
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        #expect(evaluation.stdout.contains("checkpoint: old.h5 (iteration 2, 2-4-1 network, float, W_hh spectral radius "))
        #expect(evaluation.stdout.contains("loss:       0.119589\n"))
        #expect(evaluation.stdout.contains("error rate: 100.00% (30 of 30 sequences wrong"))

        let resumed = try runHFRNN(["resume", "old.h5", "--max-iterations", "1"], in: folder)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let latest = try Data(contentsOf: URL(fileURLWithPath: folder.file("latest.h5")))
        #expect(latest.starts(with: Data("hfrnn-checkpoint crc32=".utf8)))
        let again = try runHFRNN(["evaluate", "latest.h5"], in: folder)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("(iteration 3, 2-4-1 network, float, W_hh spectral radius "))
    }

    @Test func anOldDatasetStillChecks() throws {
        let folder = try folder(with: "dataset-unchecked.h5", as: "old.h5")
        defer { folder.remove() }
        let result = try runHFRNN(["generate", "--check", "old.h5"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "old.h5: N = 20 sequences, T = 10 steps (lengths all 10), I = 2, O = 1, linear-squared-error, "
                + "20 scored steps (targets)\n")
    }
}
