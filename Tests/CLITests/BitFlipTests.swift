import DataFiles
import Foundation
import HDF5IO
import RunStore
import TestSupport
import Testing
import Training

/// Random single-bit flips, one at a time, of a checkpoint (run through `hfrnn evaluate`) and of a
/// dataset hfrnn wrote (through `hfrnn generate --check`), each in a child `hfrnn`, so that a crash
/// ends the child and is counted, not the test. Every flip must end in exactly one line naming the
/// file and exit status 1, or in a clean accept; an accepted flip must leave every value hfrnn
/// reads from the file as it was (loaded again here, in this process, and compared); at least 99 %
/// of the checkpoint's flips must be refused. Files without checksums (a format-2 checkpoint, a
/// dataset written with h5py) get half as many flips, which must not crash or hang either.
///
/// `HFRNN_BITFLIP_FLIPS` sets the flips per kind (default 200, the sweep of record 2,000);
/// `HFRNN_BITFLIP_REPORT` names a JSON file that receives the counts.
@Suite(.serialized) struct BitFlipTests {
    static let defaultFlips = 200
    /// A flip that takes longer than this to load hangs.
    static let timeoutSeconds = 30.0

    /// What became of the flips of one file.
    struct Counts: Codable, Equatable {
        var flips = 0
        var rejectedCleanly = 0
        var acceptedIdentical = 0
        var acceptedChanged = 0
        var crashed = 0
        var hung = 0
        /// Refused with other than one line naming the file (several lines, stdout, another status).
        var rejectedUncleanly = 0
        /// Examples of every outcome that is a failure, with the byte and bit.
        var failures: [String] = []

        mutating func record(_ failure: String) {
            if failures.count < 20 { failures.append(failure) }
        }
    }

    /// Deterministic pseudo-random numbers (SplitMix64): the same flips on every machine.
    struct Flips {
        private var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        /// `count` distinct (byte, bit) pairs of a file of `size` bytes.
        mutating func positions(_ count: Int, size: Int) -> [(byte: Int, bit: Int)] {
            var seen = Set<Int>()
            var result: [(Int, Int)] = []
            while result.count < min(count, size * 8) {
                let position = Int(next() % UInt64(size * 8))
                if seen.insert(position).inserted { result.append((position / 8, position % 8)) }
            }
            return result
        }
    }

    static var flipsPerKind: Int {
        ProcessInfo.processInfo.environment["HFRNN_BITFLIP_FLIPS"].flatMap { Int($0) } ?? defaultFlips
    }

    /// Every value `hfrnn evaluate` takes from a checkpoint, exactly (bit patterns for numbers).
    static func checkpointValues(_ path: String) throws -> [String] {
        let checkpoint = try Checkpoint<HessianFreeTraining<Float>>.load(from: path)
        let state = checkpoint.state
        return [try JSONFormat.string(checkpoint.config), try JSONFormat.string(checkpoint.network),
                "\(checkpoint.parameters.map(\.bitPattern))", "\(state.warmStart.map(\.bitPattern))",
                "\(state.lambda.bitPattern) \(state.iteration) \(state.totalCGIterations) \(state.rejectedSteps) "
                    + "\(state.nonFiniteSteps) \(checkpoint.rng.state) \(checkpoint.elapsedSeconds.bitPattern)"]
            + checkpoint.history.map { "\($0)" }
    }

    /// Every value `hfrnn generate --check` (and training) takes from a dataset.
    static func datasetValues(_ path: String) throws -> [String] {
        let file = try DatasetFile(path: path, keepInMemoryUpTo: 1 << 30)
        guard let rows = file.memory else { throw CLITestError("\(path) was not kept in memory") }
        return ["\(file.sequenceCount) \(file.steps) \(file.inputSize) \(file.outputSize) \(file.outputLoss) "
                    + "\(file.targetEncoding) \(file.hasErrorMask) \(file.scoredSteps)",
                "\(file.targetMean) \(file.judgedSteps) \(file.task ?? "-") \(file.taskLength ?? -1) "
                    + "\(file.seed.map(String.init) ?? "-") \(file.creatorVersion ?? "-")",
                "\(rows.inputs.map(\.bitPattern))", "\(rows.targets.map(\.bitPattern))", "\(rows.mask.map(\.bitPattern))",
                "\(rows.errorMask)", "\(rows.lengths)"]
    }

    /// Flips `positions` of `original` one at a time and runs `command(path)` on each. An accepted
    /// flip that changed values is a failure only in a `checked` file.
    static func sweep(_ original: String, in folder: TemporaryFolder, positions: [(byte: Int, bit: Int)], checked: Bool,
                      command: (String) -> [String], values: (String) throws -> [String]) throws -> Counts {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: original)))
        let reference = try values(original)
        let path = folder.file("flipped.h5")
        var counts = Counts()
        for (byte, bit) in positions {
            var flipped = bytes
            flipped[byte] ^= UInt8(1 << bit)
            try Data(flipped).write(to: URL(fileURLWithPath: path))
            counts.flips += 1
            let position = "byte \(byte) bit \(bit)"
            let result: CommandResult
            do {
                result = try runHFRNN(command("flipped.h5"), in: folder, timeout: timeoutSeconds)
            } catch let error as CLITestError where error.description.contains("did not finish") {
                counts.hung += 1
                counts.record("\(position): hung")
                continue
            }
            switch result.status {
            case 0:
                if (try? values(path)) == reference {
                    counts.acceptedIdentical += 1
                } else {
                    counts.acceptedChanged += 1
                    if checked { counts.record("\(position): accepted with changed values") }
                }
            case 1 where result.stdout.isEmpty && result.stderrLines.count == 1
                && result.stderr.hasPrefix("hfrnn: error: flipped.h5: "):
                counts.rejectedCleanly += 1
            case 128...:
                counts.crashed += 1
                counts.record("\(position): signal \(result.status - 128)")
            default:
                counts.rejectedUncleanly += 1
                counts.record("\(position): status \(result.status): \(result.stderr.prefix(300))")
            }
        }
        return counts
    }

    /// The outcome of one command on a committed damaged file.
    struct Example: Codable {
        var file: String
        var command: String
        var status: Int32
        var stderr: String
    }

    /// One kind of file to flip.
    struct Kind: Codable {
        var name: String
        var file: String
        var fileBytes: Int
        var loadedWith: String
        /// Whether the file carries checksums: then an accepted flip must leave every value as it was.
        var checked: Bool
        var counts: Counts
    }

    @Test func singleBitFlipsNeverCrashAndNeverChangeWhatIsRead() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let train = try runHFRNN(["train", "--task", "addition", "--length", "10", "--hidden-units", "8",
                                  "--gradient-batch", "60", "--curvature-batch", "30", "--evaluation-batch", "30",
                                  "--test-sequences", "30", "--max-iterations", "3", "--checkpoint-dir", "runs",
                                  "--run-name", "flip"], in: folder)
        try #require(train.status == 0, "\(train.stderr)")
        let generate = try runHFRNN(["generate", "addition", "--length", "10", "--count", "100", "--seed", "1",
                                     "--output", "data.h5"], in: folder)
        try #require(generate.status == 0, "\(generate.stderr)")
        for fixture in ["checkpoint-format2.h5", "dataset-h5py.h5", "bitflip-checkpoint-segv.h5", "bitflip-dataset-segv.h5"] {
            try FileManager.default.copyItem(atPath: fixturePath(fixture), toPath: folder.file(fixture))
        }

        // The files hfrnn writes now, with every flip checked; files without checksums (a format-2
        // checkpoint, a dataset written with h5py) with half as many, for crashes and hangs only.
        let flips = Self.flipsPerKind
        let evaluate = "hfrnn evaluate", check = "hfrnn generate --check"
        let plans: [(name: String, path: String, description: String, command: String, checked: Bool, flips: Int)] = [
            ("checkpoint", "runs/flip/latest.h5", "hfrnn train --task addition --length 10 --hidden-units 8 --gradient-batch 60 "
                + "--curvature-batch 30 --evaluation-batch 30 --test-sequences 30 --max-iterations 3 (latest.h5)", evaluate, true, flips),
            ("dataset", "data.h5", "hfrnn generate addition --length 10 --count 100 --seed 1", check, true, flips),
            ("checkpoint_format2", "checkpoint-format2.h5", "Tests/Fixtures/checkpoint-format2.h5", evaluate, false, flips / 2),
            ("dataset_h5py", "dataset-h5py.h5", "Tests/Fixtures/dataset-h5py.h5", check, false, flips / 2),
        ]
        var random = Flips(seed: 25)
        var kinds: [Kind] = []
        for plan in plans {
            let path = folder.file(plan.path)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            let arguments = plan.command.split(separator: " ").dropFirst().map(String.init)
            let values = plan.name.hasPrefix("checkpoint") ? Self.checkpointValues : Self.datasetValues
            let counts = try Self.sweep(path, in: folder, positions: random.positions(plan.flips, size: size),
                                        checked: plan.checked, command: { arguments + [$0] }, values: values)
            kinds.append(Kind(name: plan.name, file: plan.description, fileBytes: size, loadedWith: plan.command,
                              checked: plan.checked, counts: counts))
        }

        var examples: [Example] = []
        for (file, command) in [("bitflip-checkpoint-segv.h5", evaluate), ("bitflip-dataset-segv.h5", check)] {
            let result = try runHFRNN(command.split(separator: " ").dropFirst().map(String.init) + [file], in: folder)
            examples.append(Example(file: file, command: "\(command) \(file)", status: result.status, stderr: result.stderr))
        }

        if let report = ProcessInfo.processInfo.environment["HFRNN_BITFLIP_REPORT"] {
            try writeReport(to: report, flips: flips, kinds: kinds, examples: examples)
        }
        for kind in kinds {
            let counts = kind.counts
            #expect(counts.flips == plans.first { $0.name == kind.name }?.flips, "\(kind.name)")
            #expect(counts.crashed == 0 && counts.hung == 0 && counts.rejectedUncleanly == 0, "\(kind.name): \(counts)")
            if kind.checked { #expect(counts.acceptedChanged == 0, "\(kind.name): \(counts)") }
        }
        let checkpoint = try #require(kinds.first).counts
        #expect(checkpoint.rejectedCleanly * 100 >= checkpoint.flips * 99, "\(checkpoint)")
        for example in examples {
            #expect(example.status == 1 && example.stderr.hasPrefix("hfrnn: error: \(example.file): ")
                    && example.stderr.split(separator: "\n").count == 1, "\(example)")
        }
    }

    /// The counts as JSON (snake_case keys), with what produced them.
    private func writeReport(to path: String, flips: Int, kinds: [Kind], examples: [Example]) throws {
        struct Report: Codable {
            var command: String
            var hfrnnVersion: String
            var hdf5Version: String
            var seed: Int
            var flipsPerKind: Int
            var kinds: [Kind]
            var examples: [Example]
        }
        let report = Report(
            command: "HFRNN_BITFLIP_FLIPS=\(flips) HFRNN_BITFLIP_REPORT=\(path) swift test -c release -Xswiftc -enable-testing "
                + "--scratch-path .build-test --skip-build --filter BitFlipTests",
            hfrnnVersion: hfrnnVersion, hdf5Version: HDF5Library.version, seed: 25, flipsPerKind: flips, kinds: kinds,
            examples: examples)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try (encoder.encode(report) + Data("\n".utf8)).write(to: URL(fileURLWithPath: path))
    }
}
