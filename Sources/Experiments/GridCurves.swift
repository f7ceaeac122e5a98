import Foundation
import RunFiles
import Training

// results-curves.svg: for every task and length of the grid, the test error of each cell against
// training wall time, one line per cell coloured by variant — the head-to-head view (HF with and
// without structural damping against first-order baselines, say) at equal time budgets.

extension GridResults {
    public static func curvesSVG(_ histories: [(cell: GridCell, history: [IterationRecord])], spec: GridSpec,
                                 title: String) -> String {
        let clusters = spec.lengths.sorted().flatMap { length in spec.tasks.map { (task: $0, length: length) } }
            .filter { cluster in histories.contains { $0.cell.task == cluster.task && $0.cell.length == cluster.length } }
        let maxSeconds = histories.flatMap { $0.history.map(\.elapsedSeconds) }.filter(\.isFinite).max() ?? 0
        let time = TimeUnit(maxSeconds: maxSeconds)
        let panelWidth = 480.0, panelHeight = 360.0, top = 50.0, columns = 2
        let rows = max(1, (clusters.count + columns - 1) / columns)
        let width = panelWidth * Double(columns), height = top + panelHeight * Double(rows)
        var svg = svgDocumentStart(width: width, height: height, title: title, titleY: 30, titleSize: 17)
        let variantNames = spec.variants.map(\.name)
        for (index, cluster) in clusters.enumerated() {
            let series = histories.filter { $0.cell.task == cluster.task && $0.cell.length == cluster.length }
                .map { entry in
                    PlotSeries(name: "\(entry.cell.variant.name) seed \(entry.cell.seed)",
                               color: palette[(variantNames.firstIndex(of: entry.cell.variant.name) ?? 0) % palette.count],
                               x: entry.history.map { $0.elapsedSeconds / time.seconds },
                               y: entry.history.map { 100 * $0.testError })
                }
            let panel = PlotPanel(id: "\(cluster.task.rawValue)-T\(cluster.length)",
                                  title: "\(cluster.task.rawValue) T = \(cluster.length): test error vs wall time",
                                  xLabel: "training wall time (\(time.name))", yLabel: "test error (%)", yScale: .linear,
                                  series: series, guideline: (1, "1 %"), yIncludesZero: true, integerX: false)
            svg += panel.render(x: Double(index % columns) * panelWidth, y: top + Double(index / columns) * panelHeight,
                                width: panelWidth, height: panelHeight)
        }
        return svg + "</svg>\n"
    }
}
