import Diagnostics
import Tasks
import Testing
import Training

@Suite struct MemoryRequirementTests {
    /// The estimate refuses only what cannot fit at all, and counts that overflow as too much.
    @Test func memoryRequirementsRefuseOnlyWhatCannotFit() throws {
        try MemoryRequirement.require(1 << 30, for: "x", flag: "--x", available: 1 << 31)
        #expect(throws: HFRNNError.self) { try MemoryRequirement.require(1 << 32, for: "x", flag: "--x", available: 1 << 31) }
        #expect(throws: HFRNNError.self) { try MemoryRequirement.require(nil, for: "x", flag: "--x", available: 1 << 31) }
        try MemoryRequirement.require(nil, for: "x", flag: "--x", available: nil)
        #expect(MemoryRequirement.product(1 << 40, 1 << 30) == nil && MemoryRequirement.product(3, 5, 7) == 105)
        var config = TrainingConfig(data: .task(try TaskSpec(task: .addition, minimumLength: 100)))
        try config.requireMemory(Float.self, inputs: 2, outputs: 1, steps: 110, available: 1 << 30)
        config.hiddenUnits = 10_000
        #expect(throws: HFRNNError.self) { try config.requireMemory(Float.self, inputs: 2, outputs: 1, steps: 110, available: 1 << 30) }
    }
}
