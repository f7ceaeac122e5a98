import Foundation
import TestSupport
import Testing
import HDF5IO

@Suite struct AttributeTests {
    @Test(arguments: ["/", "/model", "/model/W"])
    func allKindsRoundTrip(owner: String) throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        do {
            let file = try HDF5File.create(path)
            try file.createGroup("model")
            try file.write([Float](repeating: 0.5, count: 6), shape: [2, 3], to: "model/W")
            try file.setAttribute("lr", to: 0.001, on: owner)
            try file.setAttribute("epoch", to: Int64.min, on: owner)
            try file.setAttribute("step", to: 42, on: owner)
            try file.setAttribute("cell", to: "lstm", on: owner)
            try file.setAttribute("note", to: "η = 0.1 ✓", on: owner)
            try file.setAttribute("empty", to: "", on: owner)
            try file.setAttribute("losses", to: [3.5, -1e-300, .infinity], on: owner)
            try file.setAttribute("dims", to: [Int64.max, 0, -7], on: owner)
            try file.setAttribute("none", to: [Double](), on: owner)
        }
        let file = try HDF5File.open(path)
        #expect(try file.doubleAttribute("lr", on: owner) == 0.001)
        #expect(try file.int64Attribute("epoch", on: owner) == Int64.min)
        #expect(try file.int64Attribute("step", on: owner) == 42)
        #expect(try file.stringAttribute("cell", on: owner) == "lstm")
        #expect(try file.stringAttribute("note", on: owner) == "η = 0.1 ✓")
        #expect(try file.stringAttribute("empty", on: owner) == "")
        #expect(try file.doubleArrayAttribute("losses", on: owner) == [3.5, -1e-300, .infinity])
        #expect(try file.int64ArrayAttribute("dims", on: owner) == [Int64.max, 0, -7])
        #expect(try file.doubleArrayAttribute("none", on: owner) == [])
        #expect(try file.doubleArrayAttribute("lr", on: owner) == [0.001])
        // Each string has its CRC-32 next to it.
        #expect(try file.attributeNames(of: owner)
                == ["cell", "cell.crc32", "dims", "empty", "empty.crc32", "epoch", "losses", "lr", "none", "note", "note.crc32",
                    "step"])
        #expect(try file.hasAttribute("lr", on: owner))
        #expect(try !file.hasAttribute("LR", on: owner))
    }

    @Test func overwriteReplacesValueAndType() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        try file.setAttribute("x", to: 1.0)
        try file.setAttribute("x", to: 2.0)
        #expect(try file.doubleAttribute("x") == 2)
        try file.setAttribute("x", to: "now a string, longer than before")
        #expect(try file.stringAttribute("x") == "now a string, longer than before")
        try file.setAttribute("x", to: "short")
        #expect(try file.stringAttribute("x") == "short")
        try file.setAttribute("x", to: [Int64](1...5))
        #expect(try file.int64ArrayAttribute("x") == [1, 2, 3, 4, 5])
        #expect(try file.attributeNames() == ["x"])
    }

    @Test func attributeErrors() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        try file.setAttribute("name", to: "rnn")
        try file.setAttribute("pair", to: [1.0, 2.0])
        try file.setAttribute("rate", to: 0.5)
        let missing = #expect(throws: HDF5Error.self) { try file.doubleAttribute("nope") }
        #expect(missing?.description == "\(path): attribute 'nope' of '/': not found")
        let noObject = #expect(throws: HDF5Error.self) { try file.setAttribute("a", to: 1.0, on: "ghost") }
        #expect(noObject?.description == "\(path): attribute 'a' of '/ghost': object '/ghost' not found")
        let notNumber = #expect(throws: HDF5Error.self) { try file.doubleAttribute("name") }
        #expect(notNumber?.description.contains("stored as string; it must hold floating-point numbers") == true)
        let notString = #expect(throws: HDF5Error.self) { try file.stringAttribute("rate") }
        #expect(notString?.description.contains("stored as float64, not as a string") == true)
        let notScalar = #expect(throws: HDF5Error.self) { try file.doubleAttribute("pair") }
        #expect(notScalar?.description.contains("holds 2 values; expected a single value") == true)
        let floatAsInt = #expect(throws: HDF5Error.self) { try file.int64Attribute("rate") }
        #expect(floatAsInt?.description.contains("stored as float64; it must hold integers") == true)
        try file.setAttribute("count", to: 3)
        let intAsFloat = #expect(throws: HDF5Error.self) { try file.doubleAttribute("count") }
        #expect(intAsFloat?.description.contains("stored as int64; it must hold floating-point numbers") == true)
        let listGhost = #expect(throws: HDF5Error.self) { try file.attributeNames(of: "ghost") }
        #expect(listGhost?.description == "\(path): object '/ghost': not found")
    }
}
