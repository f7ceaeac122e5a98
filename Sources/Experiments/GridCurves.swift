import Figures
import Foundation
import Training

// results-curves.svg: for every task and length (or dataset) of the grid, two panels side by side — the test
// error of each cell against training processor time (wall time when a cell did not record it), and
// against training sequences processed — one line per cell, coloured by variant and dashed by seed.
// With HF and first-order variants under one budget it is the head-to-head of the methods at equal
// cost in compute and in data.

extension GridResults {
    /// One cell's learning curve.
    public struct Curve: Sendable {
        public var cell: GridCell
        public var history: [CurvePoint]

        public init(cell: GridCell, history: [CurvePoint]) {
            self.cell = cell
            self.history = history
        }

        var sequences: [Double] { history.map(\.sequences) }
        /// Curves files written before HF recorded its sequences leave the cell out of the
        /// sequences panel.
        var knowsSequences: Bool { history.allSatisfy { $0.sequences.isFinite } }
    }

    public static func curvesSVG(_ curves: [Curve], spec: GridSpec, title: String) -> String {
        let clusters = spec.problems.filter { problem in curves.contains { $0.cell.problem == problem } }
        // Processor time is the fair measure on a shared machine; older runs (and first-order runs
        // before 2026-12-06) did not record it, and then the whole figure uses wall time.
        let byProcessor = curves.allSatisfy { $0.history.allSatisfy { $0.processorSeconds.isFinite } }
        func seconds(_ point: CurvePoint) -> Double { byProcessor ? point.processorSeconds : point.elapsedSeconds }
        let clock = byProcessor ? "processor time" : "wall time"
        let maxSeconds = curves.flatMap { $0.history.map(seconds) }.filter(\.isFinite).max() ?? 0
        let time = TimeUnit(maxSeconds: maxSeconds)
        let maxSequences = curves.filter(\.knowsSequences).flatMap(\.sequences).max() ?? 0
        let (sequenceScale, sequenceUnit) = maxSequences >= 2e6 ? (1e6, "millions") : (1e3, "thousands")
        let panelWidth = 480.0, panelHeight = 360.0, top = 50.0
        let width = 2 * panelWidth, height = top + panelHeight * Double(max(1, clusters.count))
        var svg = svgDocumentStart(width: width, height: height, title: title, titleY: 30, titleSize: 17)
        let variantNames = spec.variants.map(\.name)
        // Colour by variant, dash pattern by seed: every cell's line can be told apart.
        let seedDashes: [String?] = [nil, "7,3", "2,3", "9,3,2,3", "4,4"]
        let seeds = spec.seeds.sorted()
        for (row, cluster) in clusters.enumerated() {
            let members = curves.filter { $0.cell.problem == cluster }
            func series(of curves: [Curve], _ x: (Curve) -> [Double]) -> [PlotSeries] {
                curves.map { curve in
                    PlotSeries(name: "\(curve.cell.variant.name) seed \(curve.cell.seed)",
                               color: palette[(variantNames.firstIndex(of: curve.cell.variant.name) ?? 0) % palette.count],
                               x: x(curve), y: curve.history.map { 100 * $0.testError },
                               dash: seedDashes[(seeds.firstIndex(of: curve.cell.seed) ?? 0) % seedDashes.count])
                }
            }
            let name = cluster.title
            let panels = [
                PlotPanel(id: cluster.name, title: "\(name), against \(clock)",
                          xLabel: "training \(clock) (\(time.name))", yLabel: "test error (%)", yScale: .linear,
                          series: series(of: members) { $0.history.map { seconds($0) / time.seconds } },
                          guideline: (1, "1 %"), yIncludesZero: true, integerX: false),
                PlotPanel(id: "\(cluster.name)-sequences",
                          title: "\(name), against sequences",
                          xLabel: "training sequences processed (\(sequenceUnit))", yLabel: "test error (%)", yScale: .linear,
                          series: series(of: members.filter(\.knowsSequences)) { $0.sequences.map { $0 / sequenceScale } },
                          guideline: (1, "1 %"), yIncludesZero: true, integerX: false),
            ]
            for (column, panel) in panels.enumerated() {
                svg += panel.render(x: Double(column) * panelWidth, y: top + Double(row) * panelHeight,
                                    width: panelWidth, height: panelHeight)
            }
        }
        return svg + "</svg>\n"
    }
}
