import DataFiles

/// Any key of a JSON object, to find those a type does not know.
private struct AnyCodingKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

extension CaseIterable where Self: CodingKey {
    /// Every key as a spec spells it, for messages: "name, options, shared_from".
    static var specSpelling: String { allCases.map { JSONFormat.snakeCase($0.stringValue) }.joined(separator: ", ") }
}

extension Decoder {
    /// The first key of this object, in snake_case, that is none of `Keys`, or nil. A spec refuses
    /// such a key: a misspelt one would otherwise be ignored, and its setting silently not applied.
    func unknownKey<Keys: CodingKey & CaseIterable>(besides _: Keys.Type) throws -> String? {
        let known = Set(Keys.allCases.map(\.stringValue))
        return try container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue).sorted()
            .first { !known.contains($0) }.map(JSONFormat.snakeCase)
    }
}
