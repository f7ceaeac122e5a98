import Diagnostics
import Foundation

/// The one JSON set-up of every document hfrnn writes: the checkpoint's configuration, summary.json,
/// the probe file's network, experiment specs. Keys are snake_case (the Swift property names
/// converted), sorted, slashes unescaped, and the non-finite numbers JSON lacks are the strings
/// "inf", "-inf" and "nan" (ρ is −∞ after a step that made things worse). Each document carries its
/// own format name and version where it is stored; the schemas are in checkpoints/README.md.
public enum JSONFormat {
    /// How keys are spelled: snake_case since checkpoint format 2; Swift's camelCase before.
    public enum KeyStyle: Sendable { case snakeCase, camelCase }

    public static func encoder(pretty: Bool = false, keys: KeyStyle = .snakeCase) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        if keys == .snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    public static func decoder(keys: KeyStyle = .snakeCase) -> JSONDecoder {
        let decoder = JSONDecoder()
        if keys == .snakeCase { decoder.keyDecodingStrategy = .convertFromSnakeCase }
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    /// `value` as one JSON document.
    public static func string<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        String(decoding: try encoder(pretty: pretty).encode(value), as: UTF8.self) + (pretty ? "\n" : "")
    }

    /// A Swift property name as the documents spell it ("formatVersion" → "format_version"), for messages.
    public static func snakeCase(_ key: String) -> String { snakeCased(key) }

    /// Decodes `text`, taking every key it lacks from `defaults`: a document written before a
    /// field existed reads with that field's default (nested objects are completed the same way,
    /// except under `wholeKeys`, whose stored value is taken as it is).
    package static func decode<T: Codable>(_ text: String, defaults: T, keys: KeyStyle,
                                   wholeKeys: Set<String> = []) throws -> T {
        do {
            return try decoder(keys: keys).decode(T.self, from: Data(text.utf8))
        } catch DecodingError.keyNotFound {
            // Completed below; any other problem (not JSON, a wrong type) is reported as it is.
        }
        let stored = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let base = try JSONSerialization.jsonObject(with: encoder(keys: keys).encode(defaults))
        let merged = complete(stored, from: base, wholeKeys: wholeKeys)
        return try decoder(keys: keys).decode(T.self, from: JSONSerialization.data(withJSONObject: merged))
    }

    private static func complete(_ stored: Any, from base: Any, wholeKeys: Set<String>) -> Any {
        guard var object = stored as? [String: Any], let defaults = base as? [String: Any] else { return stored }
        for (key, value) in defaults {
            if let present = object[key] {
                if !wholeKeys.contains(key) { object[key] = complete(present, from: value, wholeKeys: wholeKeys) }
            } else {
                object[key] = value
            }
        }
        return object
    }
}
