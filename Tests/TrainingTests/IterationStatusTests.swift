import HessianFree
import Testing
import Training

/// The status enums of `IterationRecord` read back from a checkpoint's sentences.
@Suite struct IterationStatusTests {
    static let terminations: [CGTermination] = [
        .progressConverged(iteration: 16, window: 3, relativeProgress: 0.00012345678901234),
        .maxIterations(250),
        .nonPositiveCurvature(iteration: 4, curvature: -1.5e-7),
        .nonFinite(iteration: 0, quantity: "the gradient"),
        .nonFinite(iteration: 7, quantity: "pᵀAp in CG iteration 3"),
        .exactSolution(iteration: 2),
    ]

    @Test func everyCGStopReadsBackFromItsSentence() {
        for stop in Self.terminations.map(CGStop.init) + [.notRun] {
            #expect(CGStop(recorded: stop.reason) == stop)
        }
        // The sentences the history column held before the enum, as a checkpoint stores them.
        #expect(CGStop(recorded: "not run") == .notRun)
        #expect(CGStop(recorded: "reached the maximum of 250 CG iterations") == .finished(.maxIterations(250)))
    }

    @Test func everyDecisionReadsBackFromItsSentence() {
        let decisions: [HFStepDecision] = [.accepted, .lineSearchFailed, .nonFinite("the loss on the gradient batch")]
        for decision in decisions {
            #expect(StepDecision(recorded: decision.reason) == StepDecision(decision))
        }
        #expect(StepDecision(recorded: "accepted") == .accepted)
    }

    @Test func unknownSentencesAreKeptVerbatim() {
        for text in ["", "relative progress below ε after 3 steps", "reached the maximum of many CG iterations"] {
            #expect(CGStop(recorded: text) == .unknown(text))
            #expect(CGStop(recorded: text).reason == text)
        }
        #expect(StepDecision(recorded: "rejected: ρ ≤ 0") == .unknown("rejected: ρ ≤ 0"))
    }

    @Test func labelsAreOneShortWord() {
        let labels = (Self.terminations.map(CGStop.init) + [.notRun, .unknown("x y")]).map(\.label)
        #expect(labels == ["progress", "max-iter", "curvature", "non-finite", "non-finite", "exact", "not-run", "unknown"])
        #expect(labels.allSatisfy { $0.count <= 10 && !$0.contains(" ") })
    }
}
