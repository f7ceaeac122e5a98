import Experiments
import Tasks
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
