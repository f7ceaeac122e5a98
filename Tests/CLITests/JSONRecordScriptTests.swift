import Foundation
import HDF5IO
import Testing

/// scripts/json-record.sh, the one writer of the measuring scripts' JSON records.
@Suite struct JSONRecordScriptTests {
    private let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// What bash prints for `script`, with the helper sourced.
    private func bash(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", "-euo", "pipefail", "-c", "source \(packageRoot)/scripts/json-record.sh; \(script)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        // Under the library's lock: a child started while a test opens an HDF5 file would hold its lock.
        try HDF5Library.whileNoFileOpensOrCloses { try process.run() }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test func aRecordIsOneJSONObjectWithItsFormatAndItems() throws {
        for items in [[], ["{\"a\": 1}"], ["{\"a\": 1}", "{\"a\": 2}", "{\"a\": 3}"]] {
            let quoted = items.map { "'\($0)'" }.joined(separator: " ")
            let text = try bash("json_record_start hfrnn-test 3; echo '  \"extra\": true,'; json_record_end runs \(quoted)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
            #expect(object["format"] as? String == "hfrnn-test")
            #expect(object["format_version"] as? Int == 3)
            #expect(object["extra"] as? Bool == true)
            #expect(object["date_utc"] is String && object["cpu"] is String)
            #expect((object["runs"] as? [[String: Int]])?.map { $0["a"] } == items.indices.map { $0 + 1 })
        }
    }

    /// Every committed measurement in docs/data names its format and version, and docs/data/README.md
    /// documents that format (one `## NAME` section each); the one record older than the format
    /// keys is documented by its file name.
    @Test func everyCommittedRecordHasADocumentedFormat() throws {
        let folder = packageRoot + "/docs/data"
        let readme = try String(contentsOfFile: folder + "/README.md", encoding: .utf8)
        let sections = Set(readme.split(separator: "\n").filter { $0.hasPrefix("## ") }
            .map { $0.dropFirst(3).split(separator: " ").first.map(String.init) ?? "" })
        let records = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }
        #expect(!records.isEmpty)
        for name in records {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
                as? [String: Any], "\(name)")
            guard let format = object["format"] as? String else {
                #expect(name == "bitflip-2026-12-05.json" && sections.contains("bitflip"), "\(name): no format key")
                continue
            }
            #expect(object["format_version"] is Int, "\(name): no format_version")
            #expect(sections.contains(format), "\(name): format \(format) has no section in docs/data/README.md")
        }
    }

    /// Every measuring script writes its record through the helper, none with a copy of it.
    @Test func noScriptRepeatsTheWriter() throws {
        let folder = packageRoot + "/scripts"
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".sh") && name != "json-record.sh" {
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            #expect(!text.contains("printf ',\\n    %s'"), "\(name)")
            #expect(!text.contains("\\\"date_utc\\\""), "\(name)")
        }
    }
}
