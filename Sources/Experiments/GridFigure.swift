import Figures
import Foundation

// results.svg, drawn by hand like the paper's figure: for every task and length (or dataset), one bar per
// variant with the fraction of its seeds that solved (top panel, "solved/seeds" under the bar) and
// the median training time of the solved ones on a log scale (bottom panel). Seeds not finished yet
// are a grey segment on top of the solved ones, so that "not run" never reads as "failed".

extension GridResults {
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    public static func svg(_ outcomes: [CellOutcome], spec: GridSpec, title: String) -> String {
        let groups = self.groups(outcomes, spec: spec)
        let variants = spec.variants.map(\.name)
        let clusters = spec.problems
        let barWidth = 16.0, left = 70.0, right = 20.0
        // Room for the rotated task label under each cluster, however few its bars.
        let clusterGap = max(22.0, 40.0 - Double(variants.count) * barWidth)
        let width = max(520, left + right + Double(clusters.count) * (Double(variants.count) * barWidth + clusterGap))
        // Clusters spread over the whole width when the minimum width leaves room.
        let clusterWidth = (width - left - right) / Double(max(clusters.count, 1))
        let pending = groups.contains { $0.run < $0.cells }
        // Legend: one swatch per variant (and one for seeds not finished), in as many rows as the
        // figure's width needs.
        let legendLabels = variants + (pending ? [Self.pendingLabel] : [])
        let legend = legendPositions(legendLabels, left: left, right: width - right)
        let legendRows = (legend.map(\.row).max() ?? 0) + 1
        let panelHeight = 200.0, top = 52.0 + 18 * Double(legendRows), labelBand = 150.0
        let height = top + 2 * (panelHeight + labelBand) + 10

        var svg = svgDocumentStart(width: width, height: height, title: title, titleY: 24, titleSize: 15)
        for (index, label) in legendLabels.enumerated() {
            let (x, row) = legend[index]
            let y = 38 + 18 * Double(row)
            let fill = index < variants.count ? color(index) : Self.pendingColor
            svg += "<g class=\"legend\"><rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"12\" height=\"12\" fill=\"\(fill)\"/>"
                + "<text x=\"\(number(x + 16))\" y=\"\(number(y + 10))\">\(escape(label))</text></g>\n"
        }
        // Times from a damaged results.csv may be absurd (5e-324 s made the range 0 and its ticks endless):
        // the axis spans at most 10^-6 to 10^12 s, and a bar beyond it is drawn at its end.
        let timeBounds = (low: 1e-6, high: 1e12)
        let times = groups.compactMap(\.medianSecondsToSolve).filter { $0.isFinite && $0 > 0 }
            .map { min(max($0, timeBounds.low), timeBounds.high) }
        let timeRange = (low: pow(10, floor(log10(times.min() ?? 1))), high: pow(10, ceil(log10(max(times.max() ?? 10, 1.0001)))))

        for panel in 0..<2 {
            let y0 = top + Double(panel) * (panelHeight + labelBand)
            let yLabel = panel == 0 ? "fraction of seeds solved" : "median time to solve (s, log)"
            svg += "<g class=\"panel\" id=\"\(panel == 0 ? "success" : "time")\">\n"
            svg += "<rect x=\"\(number(left))\" y=\"\(number(y0))\" width=\"\(number(width - left - right))\" "
                + "height=\"\(number(panelHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
            svg += "<text x=\"16\" y=\"\(number(y0 + panelHeight / 2))\" transform=\"rotate(-90 16 \(number(y0 + panelHeight / 2)))\" "
                + "text-anchor=\"middle\">\(yLabel)</text>\n"
            // Y ticks.
            let ticks: [(value: Double, label: String)] = panel == 0
                ? [0, 0.25, 0.5, 0.75, 1].map { ($0, number($0)) }
                : stride(from: log10(timeRange.low), through: log10(timeRange.high), by: 1).map { (pow(10, $0), number(pow(10, $0))) }
            func yPosition(_ value: Double) -> Double {
                if panel == 0 { return y0 + panelHeight * (1 - value) }
                let span = log10(timeRange.high) - log10(timeRange.low)
                let shown = min(max(value, timeRange.low), timeRange.high)
                return y0 + panelHeight * (1 - (log10(shown) - log10(timeRange.low)) / max(span, 1))
            }
            for tick in ticks {
                let y = yPosition(tick.value)
                svg += "<line x1=\"\(number(left - 4))\" x2=\"\(number(left))\" y1=\"\(number(y))\" y2=\"\(number(y))\" stroke=\"#444\"/>"
                    + "<text x=\"\(number(left - 6))\" y=\"\(number(y + 4))\" text-anchor=\"end\">\(tick.label)</text>\n"
            }
            for (clusterIndex, cluster) in clusters.enumerated() {
                let x0 = left + Double(clusterIndex) * clusterWidth + (clusterWidth - Double(variants.count) * barWidth) / 2
                for (variantIndex, variant) in variants.enumerated() {
                    guard let group = groups.first(where: { $0.problem == cluster && $0.variant == variant }) else { continue }
                    let x = x0 + Double(variantIndex) * barWidth
                    let value = panel == 0 ? group.solvedFraction : group.medianSecondsToSolve
                    let notFinished = group.cells - group.run
                    let description = "\(group.problem.title) \(variant): \(group.solved) of \(group.cells) solved"
                        + (notFinished > 0 ? ", \(notFinished) not finished" : "")
                        + (group.medianSecondsToSolve.map { String(format: ", median %.0f s", $0) } ?? "")
                    var top = y0 + panelHeight
                    if let value, value > 0 || panel == 0 {
                        top = yPosition(max(value, panel == 0 ? 0 : timeRange.low))
                        svg += "<rect class=\"bar\" \(problemAttributes(group.problem))"
                            + "data-variant=\"\(escape(variant))\" data-value=\"\(number(value))\" x=\"\(number(x + 1))\" "
                            + "y=\"\(number(top))\" width=\"\(number(barWidth - 2))\" height=\"\(number(max(0, y0 + panelHeight - top)))\" "
                            + "fill=\"\(color(variantIndex))\"><title>\(escape(description))</title></rect>\n"
                    }
                    if panel == 0 && notFinished > 0 {
                        let height = panelHeight * Double(notFinished) / Double(group.cells)
                        svg += "<rect class=\"pending\" \(problemAttributes(group.problem))"
                            + "data-variant=\"\(escape(variant))\" data-value=\"\(number(Double(notFinished) / Double(group.cells)))\" "
                            + "x=\"\(number(x + 1))\" y=\"\(number(top - height))\" width=\"\(number(barWidth - 2))\" "
                            + "height=\"\(number(height))\" fill=\"\(Self.pendingColor)\"><title>\(escape(description))</title></rect>\n"
                    }
                    if panel == 0 {
                        svg += "<text class=\"count\" x=\"\(number(x + barWidth / 2))\" y=\"\(number(y0 + panelHeight + 12))\" "
                            + "text-anchor=\"middle\" font-size=\"8\">\(group.solved)/\(group.cells)</text>\n"
                    }
                }
                // The cluster's label, rotated so that long task names never overlap.
                let center = x0 + Double(variants.count) * barWidth / 2
                let labelY = y0 + panelHeight + (panel == 0 ? 24 : 10)
                svg += "<text class=\"cluster\" x=\"\(number(center))\" y=\"\(number(labelY))\" text-anchor=\"end\" "
                    + "font-size=\"9\" transform=\"rotate(-45 \(number(center)) \(number(labelY)))\">"
                    + "\(escape(cluster.title))</text>\n"
            }
            svg += "</g>\n"
        }
        return svg + "</svg>\n"
    }

    /// Where each legend entry starts, and its row: entries run left to right, each as wide as its
    /// swatch and label plus a gap, and wrap to a new row before passing `right`.
    static func legendPositions(_ labels: [String], left: Double, right: Double) -> [(x: Double, row: Int)] {
        var positions: [(x: Double, row: Int)] = []
        var x = left, row = 0
        for label in labels {
            let entryWidth = 16 + svgCharacterWidth * Double(label.count)
            if x > left && x + entryWidth > right {
                x = left
                row += 1
            }
            positions.append((x, row))
            x += entryWidth + 24
        }
        return positions
    }

    /// The data attributes that say which task and length, or which dataset, a bar is for.
    private static func problemAttributes(_ problem: GridProblem) -> String {
        switch problem {
        case .task(let task, let length): "data-task=\"\(task.rawValue)\" data-length=\"\(length)\" "
        case .dataset(let name): "data-dataset=\"\(escape(name))\" "
        }
    }

    static let pendingLabel = "not finished"
    static let pendingColor = "#d9d9d9"

    private static func color(_ index: Int) -> String { palette[index % palette.count] }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(format: "%.3g", value)
    }

    private static func escape(_ text: String) -> String { xmlEscape(text) }
}
