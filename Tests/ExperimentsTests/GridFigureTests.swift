@testable import Experiments
import Tasks
import Training
import Foundation
import Testing

/// results.svg's legend must stay inside the figure however many variants a grid has (a study
/// with six variants once drew the last three past the right edge).
@Suite struct GridFigureTests {
    @Test func legendWrapsInsideTheFigure() throws {
        let names = ["default", "mu-75e-4", "maxcg150", "lambda-1e-1", "preconditioner", "gradient5000"]
        let spec = GridSpec(tasks: [.addition, .multiplication, .temporalOrder, .memorization5], lengths: [50],
                            seeds: [1, 2, 3], variants: names.map { GridVariant(name: $0, options: []) },
                            timeBudgetSeconds: 60, maxIterations: nil)
        let svg = GridResults.svg([], spec: spec, title: "six variants")
        let width = try #require(svg.firstMatch(of: /<svg[^>]* width="([0-9.]+)"/).flatMap { Double($0.1) })
        let entries = svg.matches(of: /<g class="legend"><rect x="([0-9.]+)" y="([0-9.]+)"[^>]*\/><text [^>]*>([^<]*)<\/text>/)
        #expect(entries.map { String($0.3) } == names)
        for entry in entries {
            let x = try #require(Double(entry.1))
            // Swatch, gap and label at 11 px Helvetica (under 6.6 px a character).
            #expect(x + 16 + 6.6 * Double(entry.3.count) <= width, "\(entry.3) ends past the figure's width \(width)")
        }
        let rows = Set(entries.map { String($0.2) })
        #expect(rows.count > 1, "six variants need more than one legend row at this width")
        // The panels start below the last legend row.
        let lastRowY = try #require(rows.compactMap(Double.init).max())
        let firstPanelY = try #require(svg.firstMatch(of: /<g class="panel" id="success">\n<rect x="[0-9.]+" y="([0-9.]+)"/)
            .flatMap { Double($0.1) })
        #expect(firstPanelY > lastRowY + 12)
    }
}

/// The success panel counts every seed: one seed solved and two not yet run is a third of a bar
/// plus a grey "not finished" segment, never a full bar (which once read as "1/3 solved" under a
/// bar reaching 1), and a task not run at all is grey, not an empty "0/3" that reads as failed.
@Suite struct GridFigureSeedsNotFinishedTests {
    @Test func seedsNotFinishedAreGreyNotFailedOrSolved() throws {
        let spec = GridSpec(tasks: [.xor, .randomPermutation], lengths: [100], seeds: [1, 2, 3],
                            variants: [GridVariant(name: "damped", options: [])], timeBudgetSeconds: 60, maxIterations: nil)
        let cells = spec.tasks.flatMap { task in spec.seeds.map { GridCell(task: task, length: 100, seed: $0, variant: spec.variants[0]) } }
        let outcomes = cells.map { cell in
            cell.task == .xor && cell.seed == 1
                ? CellOutcome(cell: cell, status: .finished, solved: true, iterations: 82, cgSteps: 11403, wallSeconds: 527,
                              finalTestError: 0.004, peakMemoryBytes: nil, stopReason: .solved)
                : CellOutcome(cell: cell, status: cell.task == .xor ? .unfinished : .notRun, solved: nil, iterations: nil,
                              cgSteps: nil, wallSeconds: nil, finalTestError: nil, peakMemoryBytes: nil, stopReason: nil)
        }
        let svg = GridResults.svg(outcomes, spec: spec, title: "partly run")
        let successPanel = try #require(svg.components(separatedBy: "<g class=\"panel\" id=\"time\">").first)
        func rects(_ kind: String) -> [String: Double] {
            Dictionary(uniqueKeysWithValues: successPanel.matches(of: /<rect class="(bar|pending)" data-task="([a-z-]+)"[^>]* data-value="([0-9.]+)"/)
                .filter { $0.1 == kind }.map { (String($0.2), Double($0.3) ?? -1) })
        }
        #expect(abs((rects("bar")["xor"] ?? 0) - 1.0 / 3) < 1e-3, "xor's solved bar is one seed of three")
        #expect(abs((rects("pending")["xor"] ?? 0) - 2.0 / 3) < 1e-3, "xor's two unfinished seeds are grey")
        #expect(rects("pending")["random-permutation"] == 1, "a task not run is all grey")
        let counts = svg.matches(of: /<text class="count"[^>]*>([0-9]+\/[0-9]+)<\/text>/).map { String($0.1) }
        #expect(counts == ["1/3", "0/3"])
        #expect(svg.contains(">not finished</text></g>"), "the grey segment has a legend entry")
    }
}

/// A results.csv of a clone (no run folders) with a solved cell whose time is 5e-324 s: the time
/// axis began at 10^-324 = 0 and its ticks never ended (`experiment --summarize` hung).
@Suite struct GridFigureAbsurdTimesTests {
    @Test(arguments: [5e-324, 1e-300, 1e300, 1.7e308])
    func anAbsurdTimeToSolveStillDraws(seconds: Double) {
        let spec = GridSpec(tasks: [.addition], lengths: [6], seeds: [1],
                            variants: [GridVariant(name: "d", options: [])], timeBudgetSeconds: 60, maxIterations: nil)
        let cell = GridCell(task: .addition, length: 6, seed: 1, variant: spec.variants[0])
        let outcome = CellOutcome(cell: cell, status: .finished, solved: true, iterations: 2, cgSteps: 31,
                                  wallSeconds: seconds, finalTestError: 0, peakMemoryBytes: nil, stopReason: .solved)
        let svg = GridResults.svg([outcome], spec: spec, title: "absurd")
        #expect(svg.hasSuffix("</svg>\n") && !svg.contains("nan") && !svg.contains("inf"))
    }
}

/// A run whose last iterations were all rejected stops with exit status 1; in a grid it is a
/// finished run that did not solve ("no progress"), not a failed cell (a 3-bit temporal-order cell
/// at T = 100 was once recorded as "failed: hfrnn exited with status 1").
@Suite struct CellStopReasonTests {
    private let spec = GridSpec(tasks: [.temporalOrder3], lengths: [100], seeds: [2],
                                variants: [GridVariant(name: "damped", options: [])], timeBudgetSeconds: 1800, maxIterations: nil)
    private let problem = GridProblem.task(.temporalOrder3, length: 100)

    /// Each reason reads back from results.csv as written; other text is no reason.
    @Test func stopReasonsRoundTripThroughTheirSpelling() {
        let reasons: [CellStopReason] = [.solved, .iterationBudget, .timeBudget, .processorBudget, .noProgress,
                                         .failed("--hidden-units: too many")]
        #expect(reasons.map(\.description) == ["solved", "iteration budget", "time budget", "processor budget", "no progress",
                                                "failed: --hidden-units: too many"])
        #expect(reasons.map { CellStopReason(recorded: $0.description) } == reasons)
        #expect(CellStopReason(recorded: "solve") == nil && CellStopReason(recorded: "") == nil)
    }

    @Test func aRunThatCannotMoveIsFinishedWithoutProgress() {
        #expect(CellOutcome.stopReason(solved: false, iterations: 254, elapsedSeconds: 1749, stoppedWithoutProgress: true,
                                       spec: spec, problem: problem) == .noProgress)
        #expect(CellOutcome.stopReason(solved: false, iterations: 254, elapsedSeconds: 1749, stoppedWithoutProgress: false,
                                       spec: spec, problem: problem) == nil, "still has budget: unfinished")
        #expect(CellOutcome.stopReason(solved: true, iterations: 18, elapsedSeconds: 121, stoppedWithoutProgress: true,
                                       spec: spec, problem: problem) == .solved)
        #expect(CellOutcome.stopReason(solved: false, iterations: 300, elapsedSeconds: 1801, stoppedWithoutProgress: true,
                                       spec: spec, problem: problem) == .timeBudget)
    }
}

/// results-curves.svg draws one line per cell: the seeds of one variant share its colour but not
/// its dash pattern (they once could not be told apart), and a task at 100 % test error draws
/// below the frame, not on it.
@Suite struct GridCurvesTests {
    @Test func seedsOfOneVariantAreDashedApartAndTheTopHasHeadroom() throws {
        let variant = GridVariant(name: "default", options: [])
        let spec = GridSpec(tasks: [.memorization20], lengths: [100], seeds: [1, 2, 3], variants: [variant],
                            timeBudgetSeconds: 60, maxIterations: nil)
        let curves = spec.seeds.map { seed in
            let history = (1...3).map { evaluation in
                FirstOrderRecord(evaluation: evaluation, updates: 100 * evaluation, sequences: 1000 * evaluation,
                                 trainLoss: 1, testLoss: 1, testError: 1, learningRate: 0.01, momentum: .nan,
                                 clippedFraction: 0, gradientNorm: 1, skippedUpdates: 0,
                                 elapsedSeconds: Double(evaluation * Int(seed))).curvePoint
            }
            return GridResults.Curve(cell: GridCell(task: .memorization20, length: 100, seed: seed, variant: variant),
                                     history: history)
        }
        let svg = GridResults.curvesSVG(curves, spec: spec, title: "three seeds")
        let firstPanel = try #require(svg.components(separatedBy: "</g>").first)
        let strokes = firstPanel.matches(of: /<polyline fill="none" (stroke="[^"]*" stroke-width="[^"]*"(?: stroke-dasharray="[^"]*")?)/)
            .map { String($0.1) }
        #expect(strokes.count == 3)
        #expect(Set(strokes).count == 3, "three seeds, three different lines: \(strokes)")
        let topTick = firstPanel.matches(of: /text-anchor="end">([0-9.]+)<\/text>/).compactMap { Double($0.1) }.max()
        #expect((topTick ?? 0) > 100, "the y axis ends above 100 % (top tick \(topTick ?? .nan))")
        // These records have no processor time: the figure falls back to wall time.
        #expect(svg.contains("against wall time") && !svg.contains("processor time"))
    }

    /// When every cell recorded its processor time (HF, and first-order runs since 2026-12-06),
    /// the curves are drawn against it, the fair measure of a grid run beside other work.
    @Test func curvesUseProcessorTimeWhenEveryCellHasIt() {
        let variant = GridVariant(name: "adam", options: ["--optimizer", "adam"])
        let spec = GridSpec(tasks: [.addition], lengths: [30], seeds: [1], variants: [variant],
                            timeBudgetSeconds: nil, maxIterations: nil, processorBudgetSeconds: 600)
        let history = (1...3).map { evaluation in
            FirstOrderRecord(evaluation: evaluation, updates: 100 * evaluation, sequences: 1000 * evaluation,
                             trainLoss: 1, testLoss: 1, testError: 0.5, learningRate: 0.01, momentum: .nan,
                             clippedFraction: 0, gradientNorm: 1, skippedUpdates: 0, elapsedSeconds: 1000 * Double(evaluation),
                             processorSeconds: 10 * Double(evaluation)).curvePoint
        }
        let curve = GridResults.Curve(cell: GridCell(task: .addition, length: 30, seed: 1, variant: variant),
                                      history: history)
        let svg = GridResults.curvesSVG([curve], spec: spec, title: "processor time")
        #expect(svg.contains("addition T = 30, against processor time"))
        #expect(svg.contains("training processor time (s)"), "30 processor-seconds at most: a seconds axis")
    }
}

/// A continued grid resumes its interrupted cells before it starts new ones (it used to take the
/// cells in run order, so a third seed could start while the first was still unfinished).
@Suite struct GridWorkOrderTests {
    @Test func interruptedCellsComeFirstThenTheOnesNotRunInRunOrder() {
        let variant = GridVariant(name: "default", options: [])
        let cells = (1...5).map { GridCell(task: .addition, length: 30, seed: UInt64($0), variant: variant) }
        let statuses: [CellStatus] = [.finished, .notRun, .unfinished, .failed, .unfinished]
        let order = GridRunner.workOrder(cells, statuses: statuses).map(\.seed)
        #expect(order == [3, 5, 2])
    }
}

@Suite struct CellSelectionTests {
    private let cells = ["damped", "undamped"].flatMap { name in
        [30, 100].map { GridCell(task: .addition, length: $0, seed: 2, variant: GridVariant(name: name, options: [])) }
    }

    @Test func patternsSelectByShellMatchOnTheCellName() {
        let selection = CellSelection(patterns: ["*-T100-*-undamped", "addition-T30-seed[12]-damped"])
        #expect(cells.filter(selection.contains).map(\.name) == ["addition-T30-seed2-damped", "addition-T100-seed2-undamped"])
        #expect(selection.unmatchedPattern(in: cells) == nil)
    }

    @Test func noPatternsSelectEveryCellAndAPatternMatchingNothingIsNamed() {
        #expect(cells.allSatisfy(CellSelection.everyCell.contains))
        #expect(CellSelection(patterns: ["addition-T100-*", "xor-*", "*-T50-*"]).unmatchedPattern(in: cells) == "xor-*")
        // A whole name, not a part of one: "T100" alone matches nothing.
        #expect(CellSelection(patterns: ["T100"]).unmatchedPattern(in: cells) == "T100")
    }
}
