import Figures
import Foundation
import Training

// diagnostics.svg of an HF run's export: why a run solves or does not, in four panels against the
// HF iteration — test error per sequence and per judged step (%); the relative test loss (1 is the
// best constant prediction); λ and ρ (log scale, ρ clipped to its positive values); the CG steps
// and line-search tries of each iteration.

/// The diagnostics figure of an HF history as a standalone SVG document.
public func diagnosticsSVG(history: [IterationRecord], title: String, successThreshold: Double? = nil) -> String {
    let x = history.map { Double($0.iteration) }
    let label = "HF iteration"
    let panels = [
        PlotPanel(id: "errors", title: "Test error per sequence and per judged step", xLabel: label,
                  yLabel: "test error (%)", yScale: .linear,
                  series: [PlotSeries(name: "per sequence", color: "#d62728", x: x, y: history.map { 100 * $0.testError }),
                           PlotSeries(name: "per step", color: "#9467bd", x: x, y: history.map { 100 * $0.testStepError })],
                  guideline: successThreshold.map { (100 * $0, "success threshold") }, yIncludesZero: true, integerX: true),
        PlotPanel(id: "relative-loss", title: "Test loss relative to the best constant prediction", xLabel: label,
                  yLabel: "relative test loss", yScale: .linear,
                  series: [PlotSeries(name: "relative test loss", color: "#ff7f0e", x: x, y: history.map(\.testLossRelative))],
                  guideline: (1, "constant prediction"), yIncludesZero: true, integerX: true),
        PlotPanel(id: "damping", title: "λ and ρ", xLabel: label, yLabel: "value (log scale)", yScale: .logarithmic,
                  series: [PlotSeries(name: "λ", color: "#1f77b4", x: x, y: history.map(\.lambda)),
                           PlotSeries(name: "ρ (> 0 only)", color: "#2ca02c", x: x, y: history.map(\.rho))],
                  guideline: nil, yIncludesZero: false, integerX: true),
        PlotPanel(id: "work", title: "CG steps and line-search tries", xLabel: label, yLabel: "count", yScale: .linear,
                  series: [PlotSeries(name: "CG steps", color: "#8c564b", x: x, y: history.map { Double($0.cgIterations) }),
                           PlotSeries(name: "line-search tries", color: "#e377c2", x: x,
                                      y: history.map { Double($0.lineSearchTries) })],
                  guideline: nil, yIncludesZero: true, integerX: true),
    ]
    return twoByTwoFigure(panels, title: title)
}
