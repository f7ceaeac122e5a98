import Figures
import Foundation
import Training

// curves.svg, drawn by hand: a title and a 2 × 2 grid of panels — test error (%) and train/test
// loss (log scale) against HF iteration (top row) and against training wall time (bottom row).
// Each panel is a `<g class="panel">` with a frame, ticks, tick labels, axis labels and a legend.

/// The learning-curve figure of any method as a standalone SVG document. `stepName` names the x
/// axis of the top row: what the curve's steps count ("HF iteration", or "update" for first-order runs).
public func curvesSVG(curve: [CurvePoint], title: String, successThreshold: Double? = nil,
                      stepName: String = "HF iteration") -> String {
    let maxSeconds = curve.map(\.elapsedSeconds).filter(\.isFinite).max() ?? 0
    let time = TimeUnit(maxSeconds: maxSeconds)

    let iterations = curve.map { Double($0.steps) }
    let times = curve.map { $0.elapsedSeconds / time.seconds }
    let errors = curve.map { 100 * $0.testError }
    let trainLoss = curve.map(\.trainLoss), testLoss = curve.map(\.testLoss)
    let threshold = successThreshold.map { 100 * $0 }

    func errorPanel(_ x: [Double], against: String, xLabel: String, integerX: Bool, id: String) -> PlotPanel {
        PlotPanel(id: id, title: "Test error vs \(against)", xLabel: xLabel, yLabel: "test error (%)", yScale: .linear,
                  series: [PlotSeries(name: "test error", color: "#d62728", x: x, y: errors)],
                  guideline: threshold.map { ($0, "success threshold") }, yIncludesZero: true, integerX: integerX)
    }
    func lossPanel(_ x: [Double], against: String, xLabel: String, integerX: Bool, id: String) -> PlotPanel {
        PlotPanel(id: id, title: "Loss vs \(against)", xLabel: xLabel, yLabel: "loss (log scale)", yScale: .logarithmic,
                  series: [PlotSeries(name: "train loss", color: "#1f77b4", x: x, y: trainLoss),
                           PlotSeries(name: "test loss", color: "#ff7f0e", x: x, y: testLoss)],
                  guideline: nil, yIncludesZero: false, integerX: integerX)
    }
    let timeLabel = "wall time (\(time.name))"
    let panels = [
        errorPanel(iterations, against: stepName, xLabel: stepName, integerX: true, id: "error-vs-iteration"),
        lossPanel(iterations, against: stepName, xLabel: stepName, integerX: true, id: "loss-vs-iteration"),
        errorPanel(times, against: "wall time", xLabel: timeLabel, integerX: false, id: "error-vs-time"),
        lossPanel(times, against: "wall time", xLabel: timeLabel, integerX: false, id: "loss-vs-time"),
    ]

    return twoByTwoFigure(panels, title: title)
}
