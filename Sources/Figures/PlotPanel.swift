import Foundation

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
