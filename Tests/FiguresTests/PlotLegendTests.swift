import Figures
import Foundation
import Testing

/// The legend box of a plot panel must hold its longest label (a grid's variant names can be long).
@Suite struct PlotLegendTests {
    func legendWidth(forLabel label: String) throws -> Double {
        let panel = PlotPanel(id: "p", title: "t", xLabel: "x", yLabel: "y", yScale: .linear,
                              series: [PlotSeries(name: label, color: "#000000", x: [0, 1], y: [1, 2])],
                              guideline: (1, "1 %"), yIncludesZero: true, integerX: false)
        let svg = panel.render(x: 0, y: 0, width: 480, height: 345)
        // The legend is the only rect drawn translucent.
        let legend = try #require(svg.split(separator: "\n").first { $0.contains("<rect") && $0.contains("fill-opacity") })
        let width = try #require(legend.firstMatch(of: /width="([0-9.]+)"/))
        return try #require(Double(width.1))
    }

    @Test func legendBoxGrowsWithItsLongestLabel() throws {
        let long = String(repeating: "w", count: 40)
        // 11 px Helvetica averages about 6 px per character; the box also holds a 22 px line sample.
        #expect(try legendWidth(forLabel: long) >= 22 + 6 * 40)
        #expect(try legendWidth(forLabel: "hf seed 1") == 130)
    }
}
