import Foundation
import Testing

/// One name for one thing: a fixed slice of a batch, evaluated on its own and summed in a fixed
/// order, is a "sub-batch" (not a chunk, part, slot or partial). "Chunk" is kept for what batches
/// are drawn in (`BatchPlan.chunkSize`, the curvature batch's size [ISC]) and for HDF5's and
/// files' own chunks, in the files that deal with those.
@Suite struct VocabularyTests {
    private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Files where "chunk" means a chunk of a batch plan, of an HDF5 dataset or of a file read.
    static let chunkFiles: Set<String> = [
        "Training/BatchPlan.swift", "Training/HessianFreeTraining.swift", "Training/SettingsPreset.swift",
        "Training/TrainingConfig.swift", "Training/FirstOrderTraining.swift", "hfrnn/TrainCommands.swift",
        "DataFiles/FileHash.swift", "Reports/PredictionsWriter.swift", "Training/MemoryRequirement.swift",
    ]

    @Test func subBatchesAreCalledSubBatches() throws {
        let sources = packageRoot + "/Sources"
        let files = try FileManager.default.subpathsOfDirectory(atPath: sources).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50)
        for file in files where !file.hasPrefix("HDF5IO/") {
            let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
            if !Self.chunkFiles.contains(file) {
                #expect(text.range(of: "chunk", options: .caseInsensitive) == nil, "\(file)")
            }
            for word in ["forEachPartial", "partial result", "slotBytes", "ChunkTotals"] {
                #expect(!text.contains(word), "\(file): \(word)")
            }
        }
    }
}
