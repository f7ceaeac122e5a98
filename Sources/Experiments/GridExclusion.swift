import Tasks

/// Cells a grid leaves out of its product, e.g. T = 200 without structural damping for some
/// tasks only. A cell is left out when it matches every field given; a field left out matches
/// any cell. JSON: `{"task": "xor-isc", "length": 200, "variant": "undamped"}` (docs/experiments.md).
public struct GridExclusion: Codable, Equatable, Sendable {
    public var task: PathologicalTask?
    public var length: Int?
    public var dataset: String?
    public var variant: String?

    public init(task: PathologicalTask? = nil, length: Int? = nil, dataset: String? = nil, variant: String? = nil) {
        self.task = task
        self.length = length
        self.dataset = dataset
        self.variant = variant
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case task, length, dataset, variant
    }

    public init(from decoder: any Decoder) throws {
        // A misspelt "task" would otherwise leave an exclusion of every length, or of every cell.
        if let unknown = try decoder.unknownKey(besides: CodingKeys.self) {
            throw GridError("an excluded cell has the unknown key '\(unknown)'; its keys are \(CodingKeys.specSpelling)")
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        task = try container.decodeIfPresent(PathologicalTask.self, forKey: .task)
        length = try container.decodeIfPresent(Int.self, forKey: .length)
        dataset = try container.decodeIfPresent(String.self, forKey: .dataset)
        variant = try container.decodeIfPresent(String.self, forKey: .variant)
    }

    public func matches(_ cell: GridCell) -> Bool {
        if let variant, cell.variant.name != variant { return false }
        switch cell.problem {
        case .task(let cellTask, let cellLength):
            if dataset != nil { return false }
            if let task, task != cellTask { return false }
            if let length, length != cellLength { return false }
        case .dataset(let name):
            if task != nil || length != nil { return false }
            if let dataset, dataset != name { return false }
        }
        return true
    }
}
