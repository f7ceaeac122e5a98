import Foundation

// Figures: a small SVG kit drawn by hand (documents, panels, axes), shared by a run's curves.svg and
// diagnostics.svg and by an experiment's figures.

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

/// A coordinate with two decimals.
func fmt(_ value: Double) -> String { String(format: "%.2f", value) }

/// Four panels in a 2 × 2 grid under a title, as a standalone SVG document (curves.svg and
/// diagnostics.svg).
package func twoByTwoFigure(_ panels: [PlotPanel], title: String) -> String {
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
