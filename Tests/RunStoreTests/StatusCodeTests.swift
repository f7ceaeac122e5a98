import DataFiles
import Diagnostics
import Foundation
import HessianFree
import Linalg
@testable import RunStore
import TestSupport
import Testing
import Training
import TrainingTestSupport

/// How CG ended and the step's decision, stored as codes with their values (format 4) and read
/// back from the sentences of older checkpoints.
@Suite struct StatusCodeTests {
    /// Every case, and a CG that did not run (nil).
    static let terminations: [CGTermination?] = [
        nil,
        .progressConverged(iteration: 16, window: 3, relativeProgress: 0.00012345678901234),
        .maxIterations(250),
        .nonPositiveCurvature(iteration: 4, curvature: -1.5e-7),
        .nonFinite(iteration: 0, quantity: "the gradient"),
        .nonFinite(iteration: 7, quantity: "pᵀAp in CG iteration 3"),
        .exactSolution(iteration: 2),
    ]
    static let decisions: [HFStepDecision] = [.accepted, .lineSearchFailed, .nonFinite("the loss on the gradient batch")]

    @Test func codesAreOneShortWordPerCase() {
        let codes = Self.terminations.map { $0?.code ?? IterationRecord.cgNotRunCode }
        #expect(codes == ["not-run", "progress", "max-iter", "curvature", "non-finite", "non-finite", "exact"])
        #expect(Self.decisions.map(\.code) == ["accepted", "line-search", "non-finite"])
        #expect(codes.allSatisfy { $0.count <= 10 })  // the progress line's CG-stop column
        #expect((codes + Self.decisions.map(\.code)).allSatisfy { !$0.isEmpty && !$0.contains(" ") })
    }

    /// Checkpoints before format 4 stored `reason`; each sentence reads back as its case.
    @Test func everyOldSentenceReadsBackAsItsCase() throws {
        func never() -> any Error { HFRNNError("no match") }
        for stop in Self.terminations {
            #expect(try LegacyStatusSentences.cgStop(stop?.reason ?? "not run", orThrow: never) == stop)
        }
        for decision in Self.decisions {
            #expect(try LegacyStatusSentences.decision(decision.reason, orThrow: never) == decision)
        }
    }

    @Test func aSentenceHFRNNNeverWroteIsAnError() {
        for text in ["", "relative progress below ε after 3 steps", "reached the maximum of many CG iterations"] {
            #expect(throws: HFRNNError.self) { try LegacyStatusSentences.cgStop(text) { HFRNNError(text) } }
        }
        #expect(throws: HFRNNError.self) { try LegacyStatusSentences.decision("rejected: ρ ≤ 0") { HFRNNError("x") } }
    }

    /// A format-3 checkpoint (sentences and an `accepted` column) loads with its statuses as cases,
    /// and continues exactly as the hfrnn that wrote it continued it (Tests/Fixtures/README.md).
    @Test func aFormatThreeCheckpointLoadsAndResumesExactly() throws {
        let old = try Checkpoint<HessianFreeTraining<Float>>.load(from: fixturePath("checkpoint-format3.h5"))
        #expect(old.state.iteration == 2)
        #expect(old.history.map(\.decision) == [.accepted, .accepted])
        #expect(old.history.allSatisfy { if case .progressConverged? = $0.cgStop { true } else { false } })
        let expected = try Checkpoint<HessianFreeTraining<Float>>.load(from: fixturePath("checkpoint-format3-resumed.h5"))
        #expect(Array(expected.history.prefix(2)) == old.history)

        let trainer = try old.makeTrainer(source: makeSource(old.config, Float.self), path: fixturePath("checkpoint-format3.h5"))
        _ = try trainer.step()
        // Other OpenBLAS kernels round differently: the fixtures' bits hold on the kernels they were made on.
        guard expectContinuation(trainer, of: old, as: expected, fixture: fixturePath("checkpoint-format3.h5")) else { return }
        #expect(historyBits(trainer.history, includingElapsed: false) == historyBits(expected.history, includingElapsed: false))
    }
}
