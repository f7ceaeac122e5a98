import Foundation

/// The cells one call of `hfrnn experiment` works on: those whose names match one of its shell
/// patterns (`*`, `?`, `[…]`), e.g. `*-T100-*-undamped`, or every cell when it has none. The
/// others keep their state for a later call; the results always cover the whole grid. It lets a
/// grid that takes many sessions answer its most urgent question first without changing its spec.
public struct CellSelection: Equatable, Sendable {
    public let patterns: [String]

    public static let everyCell = CellSelection(patterns: [])

    public init(patterns: [String]) {
        self.patterns = patterns
    }

    public func contains(_ cell: GridCell) -> Bool {
        patterns.isEmpty || patterns.contains { Self.matches($0, cell.name) }
    }

    /// The first pattern that matches none of `cells` (a misspelt name, most likely), or nil.
    public func unmatchedPattern(in cells: [GridCell]) -> String? {
        patterns.first { pattern in !cells.contains { Self.matches(pattern, $0.name) } }
    }

    private static func matches(_ pattern: String, _ name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
}
