import Foundation
import Training

// curves.svg, drawn by hand: a title and a 2 × 2 grid of panels — test error (%) and train/test
// loss (log scale) against HF iteration (top row) and against training wall time (bottom row).
// Each panel is a `<g class="panel">` with a frame, ticks, tick labels, axis labels and a legend.

/// The learning-curve figure as a standalone SVG document. `iterationName` names the x axis of the
/// top row ("update" for first-order runs, whose records carry the update count as `iteration`).
public func curvesSVG(history: [IterationRecord], title: String, successThreshold: Double? = nil,
                      iterationName: String = "HF iteration") -> String {
    let maxSeconds = history.map(\.elapsedSeconds).filter(\.isFinite).max() ?? 0
    let time = TimeUnit(maxSeconds: maxSeconds)

    let iterations = history.map { Double($0.iteration) }
    let times = history.map { $0.elapsedSeconds / time.seconds }
    let errors = history.map { 100 * $0.testError }
    let trainLoss = history.map(\.trainLoss), testLoss = history.map(\.testLoss)
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
        errorPanel(iterations, against: iterationName, xLabel: iterationName, integerX: true, id: "error-vs-iteration"),
        lossPanel(iterations, against: iterationName, xLabel: iterationName, integerX: true, id: "loss-vs-iteration"),
        errorPanel(times, against: "wall time", xLabel: timeLabel, integerX: false, id: "error-vs-time"),
        lossPanel(times, against: "wall time", xLabel: timeLabel, integerX: false, id: "loss-vs-time"),
    ]

    return twoByTwoFigure(panels, title: title)
}

/// Four panels in a 2 × 2 grid under a title, as a standalone SVG document (curves.svg and
/// diagnostics.svg).
func twoByTwoFigure(_ panels: [PlotPanel], title: String) -> String {
    let width = 960.0, height = 740.0
    let top = 50.0, panelWidth = width / 2, panelHeight = (height - top) / 2
    var svg = svgDocumentStart(width: width, height: height, title: title, titleY: 30, titleSize: 17)
    for (index, panel) in panels.enumerated() {
        let origin = (x: Double(index % 2) * panelWidth, y: top + Double(index / 2) * panelHeight)
        svg += panel.render(x: origin.x, y: origin.y, width: panelWidth, height: panelHeight)
    }
    svg += "</svg>\n"
    return svg
}

/// Wall-time axis unit: seconds, minutes or hours, whichever keeps the numbers readable.
package struct TimeUnit {
    package let name: String
    package let seconds: Double
    package init(maxSeconds: Double) {
        if maxSeconds >= 2 * 3600 {
            (name, seconds) = ("h", 3600)
        } else if maxSeconds >= 120 {
            (name, seconds) = ("min", 60)
        } else {
            (name, seconds) = ("s", 1)
        }
    }
}

/// One line of a panel, with its legend entry.
package struct PlotSeries {
    var name: String
    var color: String
    var x: [Double]
    var y: [Double]
    /// An SVG stroke-dasharray ("6,3"), so that series of one colour can be told apart; nil: solid.
    var dash: String?

    package init(name: String, color: String, x: [Double], y: [Double], dash: String? = nil) {
        (self.name, self.color, self.x, self.y, self.dash) = (name, color, x, y, dash)
    }

    /// The stroke attributes of the series' line.
    var strokeAttributes: String {
        "stroke=\"\(color)\" stroke-width=\"1.8\"" + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")
    }
}

package enum AxisScale { case linear, logarithmic }

/// One framed chart: axes with ticks and labels, its series as lines, a legend, an optional
/// dashed guideline. `curvesSVG` draws four; experiment figures draw one per task and length.
package struct PlotPanel {
    var id: String
    var title: String
    var xLabel: String
    var yLabel: String
    var yScale: AxisScale
    var series: [PlotSeries]
    /// A dashed horizontal line (value, label), e.g. the success threshold.
    var guideline: (value: Double, label: String)?
    var yIncludesZero: Bool
    /// Ticks only at whole numbers on the x axis (HF iterations).
    var integerX: Bool

    package init(id: String, title: String, xLabel: String, yLabel: String, yScale: AxisScale, series: [PlotSeries],
                 guideline: (value: Double, label: String)?, yIncludesZero: Bool, integerX: Bool) {
        self.id = id
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.yScale = yScale
        self.series = series
        self.guideline = guideline
        self.yIncludesZero = yIncludesZero
        self.integerX = integerX
    }

    /// Points that can be drawn: finite, and positive on a log axis.
    func drawable(_ s: PlotSeries) -> [(Double, Double)?] {
        zip(s.x, s.y).map { x, y in
            x.isFinite && y.isFinite && (yScale == .linear || y > 0) ? (x, y) : nil
        }
    }

    package func render(x originX: Double, y originY: Double, width: Double, height: Double) -> String {
        let left = originX + 72, right = originX + width - 24
        let top = originY + 34, bottom = originY + height - 52
        let points = series.flatMap { drawable($0).compactMap { $0 } }

        let xAxis = Axis.linear(values: points.map(\.0), includeZero: true, integer: integerX)
        var yValues = points.map(\.1)
        if let guideline { yValues.append(guideline.value) }
        let yAxis = yScale == .linear ? Axis.linear(values: yValues, includeZero: yIncludesZero, integer: false)
                                      : Axis.logarithmic(values: yValues.filter { $0 > 0 })
        func px(_ v: Double) -> Double { left + (right - left) * xAxis.fraction(v) }
        func py(_ v: Double) -> Double { bottom - (bottom - top) * yAxis.fraction(v) }

        var out = "<g class=\"panel\" id=\"\(id)\">\n"
        out += "<text x=\"\(fmt((left + right) / 2))\" y=\"\(fmt(originY + 22))\" text-anchor=\"middle\" "
            + "font-size=\"13\" font-weight=\"bold\">\(xmlEscape(title))</text>\n"
        // Grid, ticks and tick labels.
        for tick in yAxis.minorTicks {
            out += line(left, py(tick), right, py(tick), stroke: "#f0f0f0")
        }
        for tick in yAxis.ticks {
            out += line(left, py(tick.value), right, py(tick.value), stroke: "#dddddd")
            out += line(left - 5, py(tick.value), left, py(tick.value), stroke: "black")
            out += "<text x=\"\(fmt(left - 8))\" y=\"\(fmt(py(tick.value) + 4))\" text-anchor=\"end\">\(tick.label)</text>\n"
        }
        for tick in xAxis.ticks {
            out += line(px(tick.value), top, px(tick.value), bottom, stroke: "#dddddd")
            out += line(px(tick.value), bottom, px(tick.value), bottom + 5, stroke: "black")
            out += "<text x=\"\(fmt(px(tick.value)))\" y=\"\(fmt(bottom + 18))\" text-anchor=\"middle\">\(tick.label)</text>\n"
        }
        out += "<rect x=\"\(fmt(left))\" y=\"\(fmt(top))\" width=\"\(fmt(right - left))\" height=\"\(fmt(bottom - top))\" "
            + "fill=\"none\" stroke=\"black\"/>\n"
        // Axis labels.
        out += "<text x=\"\(fmt((left + right) / 2))\" y=\"\(fmt(bottom + 38))\" text-anchor=\"middle\">\(xmlEscape(xLabel))</text>\n"
        let labelX = originX + 16, labelY = (top + bottom) / 2
        out += "<text x=\"\(fmt(labelX))\" y=\"\(fmt(labelY))\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 \(fmt(labelX)) \(fmt(labelY)))\">\(xmlEscape(yLabel))</text>\n"

        if points.isEmpty {
            out += "<text x=\"\(fmt((left + right) / 2))\" y=\"\(fmt((top + bottom) / 2))\" text-anchor=\"middle\" "
                + "fill=\"#888888\">no iterations recorded</text>\n"
        }
        if let guideline, guideline.value >= yAxis.lower, guideline.value <= yAxis.upper {
            out += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(py(guideline.value)))\" x2=\"\(fmt(right))\" "
                + "y2=\"\(fmt(py(guideline.value)))\" stroke=\"#555555\" stroke-dasharray=\"5,4\"/>\n"
        }
        // Curves: polylines broken where a value cannot be drawn; markers when the points are few.
        for s in series {
            let drawn = drawable(s)
            var run: [(Double, Double)] = []
            func flush() {
                if run.count > 1 {
                    let coordinates = run.map { "\(fmt(px($0.0))),\(fmt(py($0.1)))" }.joined(separator: " ")
                    out += "<polyline fill=\"none\" \(s.strokeAttributes) points=\"\(coordinates)\"/>\n"
                }
                run = []
            }
            for point in drawn {
                if let point { run.append(point) } else { flush() }
            }
            flush()
            let present = drawn.compactMap { $0 }
            if present.count <= 60 {
                for (x, y) in present {
                    out += "<circle cx=\"\(fmt(px(x)))\" cy=\"\(fmt(py(y)))\" r=\"2.5\" fill=\"\(s.color)\"/>\n"
                }
            }
        }
        // Legend, top right inside the frame, on a white box so curves do not hide it.
        var entries = series.map { ($0.name, $0.strokeAttributes) }
        if let guideline { entries.append((guideline.label, "stroke=\"#555555\" stroke-width=\"1.8\" stroke-dasharray=\"5,4\"")) }
        // Wide enough for the longest label.
        let longestLabel = entries.map { $0.0.count }.max() ?? 0
        let legendWidth = max(130, 40 + svgCharacterWidth * Double(longestLabel))
        out += "<rect x=\"\(fmt(right - legendWidth - 6))\" y=\"\(fmt(top + 3))\" width=\"\(fmt(legendWidth))\" "
            + "height=\"\(fmt(15 * Double(entries.count) + 6))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>\n"
        for (index, entry) in entries.enumerated() {
            let y = top + 14 + 15 * Double(index)
            let x = right - legendWidth
            out += "<line x1=\"\(fmt(x))\" y1=\"\(fmt(y - 4))\" x2=\"\(fmt(x + 22))\" y2=\"\(fmt(y - 4))\" \(entry.1)/>\n"
            out += "<text x=\"\(fmt(x + 28))\" y=\"\(fmt(y))\">\(xmlEscape(entry.0))</text>\n"
        }
        out += "</g>\n"
        return out
    }

    func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String) -> String {
        "<line x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" stroke=\"\(stroke)\"/>\n"
    }
}

/// An axis range with its ticks; `fraction` maps a value to 0…1 along the axis.
private struct Axis {
    struct Tick {
        var value: Double
        var label: String
    }

    var lower: Double
    var upper: Double
    var isLog: Bool
    var ticks: [Tick]
    var minorTicks: [Double] = []

    func fraction(_ v: Double) -> Double {
        if isLog { return (log10(v) - log10(lower)) / (log10(upper) - log10(lower)) }
        return (v - lower) / (upper - lower)
    }

    /// About five "nice" ticks (1, 2 or 5 × 10^k apart) spanning the values, extended to whole ticks.
    static func linear(values: [Double], includeZero: Bool, integer: Bool) -> Axis {
        var low = values.min() ?? 0, high = values.max() ?? 1
        if includeZero { low = min(low, 0); high = max(high, 0) }
        if high - low <= 0 {
            let pad = low == 0 ? 1 : abs(low) * 0.1
            (low, high) = (low - (includeZero && low >= 0 ? 0 : pad), high + pad)
        }
        let raw = (high - low) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let residual = raw / magnitude
        var step = (residual < 1.5 ? 1 : residual < 3 ? 2 : residual < 7 ? 5 : 10) * magnitude
        if integer { step = max(step, 1) }
        let first = floor(low / step + 1e-9)
        var last = ceil(high / step - 1e-9)
        // A curve at the top value (a test error of 100 %) would run along the frame: one step of headroom.
        if high > low, abs(high - last * step) < step * 1e-9 { last += 1 }
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        let ticks = stride(from: first, through: last, by: 1).map { k -> Tick in
            let value = k * step
            return Tick(value: value, label: String(format: "%.\(decimals)f", abs(value) < step / 2 ? 0 : value))
        }
        return Axis(lower: first * step, upper: last * step, isLog: false, ticks: ticks)
    }

    /// Decades covering the (positive) values; labels 10^k, minor ticks at 2…9 × 10^k when few decades.
    static func logarithmic(values: [Double]) -> Axis {
        guard let low = values.min(), let high = values.max() else {
            return Axis(lower: 0.1, upper: 1, isLog: true, ticks: [decadeTick(-1), decadeTick(0)])
        }
        let first = Int(floor(log10(low))), last = max(Int(ceil(log10(high))), first + 1)
        let decades = last - first
        let every = max(1, (decades + 5) / 6)
        let ticks = stride(from: first, through: last, by: every).map(decadeTick)
        var minor: [Double] = []
        if decades <= 4 {
            for k in first..<last {
                for m in 2...9 { minor.append(Double(m) * pow(10, Double(k))) }
            }
        }
        return Axis(lower: pow(10, Double(first)), upper: pow(10, Double(last)), isLog: true, ticks: ticks,
                    minorTicks: minor)
    }

    static func decadeTick(_ k: Int) -> Tick {
        let label: String
        switch k {
        case 0: label = "1"
        case 1: label = "10"
        default: label = "10<tspan dy=\"-5\" font-size=\"9\">\(k)</tspan>"
        }
        return Tick(value: pow(10, Double(k)), label: label)
    }
}

/// A coordinate with two decimals.
private func fmt(_ value: Double) -> String { String(format: "%.2f", value) }

/// The width to allow per character of the figures' 11 px Helvetica/Arial text (its average is
/// under 6.6 px), for legends that must hold their labels.
package let svgCharacterWidth = 6.6

/// The opening of a standalone SVG 1.1 figure on a white page: the `<svg>` element, its `<title>`
/// and the title drawn centred at `titleY`. The caller adds the body and `</svg>`.
package func svgDocumentStart(width: Double, height: Double, title: String, titleY: Int, titleSize: Int) -> String {
    """
    <?xml version="1.0" encoding="UTF-8"?>
    <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(fmt(width))" height="\(fmt(height))" \
    viewBox="0 0 \(fmt(width)) \(fmt(height))" font-family="Helvetica, Arial, sans-serif" font-size="11">
    <title>\(xmlEscape(title))</title>
    <rect x="0" y="0" width="\(fmt(width))" height="\(fmt(height))" fill="white"/>
    <text class="title" x="\(fmt(width / 2))" y="\(titleY)" text-anchor="middle" font-size="\(titleSize)" \
    font-weight="bold">\(xmlEscape(title))</text>

    """
}

/// Text safe inside an XML element or attribute.
package func xmlEscape(_ text: String) -> String {
    var out = ""
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(character)
        }
    }
    return out
}
