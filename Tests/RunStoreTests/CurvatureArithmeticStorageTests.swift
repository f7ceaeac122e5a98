import DataFiles
import Foundation
import Linalg
@testable import RunStore
import Testing
import Training
import TrainingTestSupport

/// How a run's curvature arithmetic is stored, on any CPU (no bf16 product is computed): format 7
/// only for bf16 runs, so that an hfrnn that knows only format 6 refuses them rather than continue
/// them in float, and the key only when it was given, so that float runs' configurations read as before.
@Suite struct CurvatureArithmeticStorageTests {
    @Test func onlyBFloat16RunsAreWrittenAsFormatSeven() throws {
        var config = try smallConfig(.float)
        #expect(Checkpoint<HessianFreeTraining<Float>>.writtenVersion(for: config) == 6)
        config.curvatureProducts = .float
        #expect(Checkpoint<HessianFreeTraining<Float>>.writtenVersion(for: config) == 6)
        config.curvatureProducts = .bfloat16
        #expect(Checkpoint<HessianFreeTraining<Float>>.writtenVersion(for: config) == 7)
        #expect(Checkpoint<HessianFreeTraining<Float>>.formatVersion == 7)
    }

    @Test func theKeyIsStoredOnlyWhenGivenAndReadsBack() throws {
        var config = try smallConfig(.float)
        #expect(!(try JSONFormat.string(config)).contains("curvature_products"))
        config.curvatureProducts = .bfloat16
        let text = try JSONFormat.string(config)
        #expect(text.contains("\"curvature_products\":\"bf16\""), "\(text)")
        let decoded = try JSONFormat.decoder().decode(TrainingConfig.self, from: Data(text.utf8))
        #expect(decoded.curvatureArithmetic == .bfloat16 && decoded == config)
    }
}
