import DataFiles
import Foundation
@testable import RunStore
import Tasks
import Testing
import Training

/// The stored configurations of older formats are rewritten in one place (`LegacyTrainingConfig`);
/// the configuration types decode only today's form.
@Suite struct LegacyConfigTests {
    private func data(_ json: String) throws -> DataSourceConfig {
        try JSONFormat.decoder(keys: .camelCase).decode(DataSourceConfig.self, from: Data(json.utf8))
    }

    /// Format 1's data sources, camelCase and in Swift's synthesized form.
    static let formatOne: [(stored: String, data: DataSourceConfig)] = [
        (#"{"task": {"_0": {"task": "addition", "minimumLength": 8}}}"#, .task(try! TaskSpec(task: .addition, minimumLength: 8))),
        (#"{"dataset": {"path": "a/b.h5", "testPath": "a/c.h5"}}"#, .dataset(path: "a/b.h5", testPath: "a/c.h5")),
        (#"{"dataset": {"path": "a/b.h5"}}"#, .dataset(path: "a/b.h5", testPath: nil)),
    ]

    @Test func theDataSourceDecodesOnlyTodaysForm() throws {
        for (stored, _) in Self.formatOne {
            #expect(throws: DecodingError.self) { try data(stored) }
        }
        #expect(try data(#"{"kind": "task", "task": "xor", "minimumLength": 20}"#) == .task(try TaskSpec(task: .xor, minimumLength: 20)))
    }

    @Test func formatOneDataSourcesAreRewrittenByTheLegacyReader() throws {
        for (stored, expected) in Self.formatOne {
            let text = try LegacyTrainingConfig.upgraded(#"{"data": \#(stored)}"#, version: 1, keys: .camelCase, path: "x.h5")
            let training = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let rewritten = try JSONSerialization.data(withJSONObject: try #require(training["data"]))
            #expect(try data(String(decoding: rewritten, as: UTF8.self)) == expected, "\(stored)")
        }
    }
}
