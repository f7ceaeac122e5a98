import Diagnostics
import Tasks
import Testing
@testable import Training

@Suite struct MemoryRequirementTests {
    /// The estimate refuses only what cannot fit at all, and counts that overflow as too much.
    @Test func memoryRequirementsRefuseOnlyWhatCannotFit() throws {
        try MemoryRequirement.require(1 << 30, for: "x", flag: "--x", limit: MemoryLimit(bytes: 1 << 31))
        let tooMuch = #expect(throws: HFRNNError.self) {
            try MemoryRequirement.require(1 << 32, for: "x", flag: "--x", limit: MemoryLimit(bytes: 1 << 31))
        }
        #expect(tooMuch?.description.hasPrefix("--x: x needs ") == true, "\(String(describing: tooMuch))")
        let overflow = #expect(throws: HFRNNError.self) {
            try MemoryRequirement.require(nil, for: "x", flag: "--x", limit: MemoryLimit(bytes: 1 << 31))
        }
        #expect(overflow?.description.hasPrefix("--x: x needs more memory than can be counted") == true, "\(String(describing: overflow))")
        try MemoryRequirement.require(nil, for: "x", flag: "--x", limit: nil)
        #expect(MemoryRequirement.product(1 << 40, 1 << 30) == nil && MemoryRequirement.product(3, 5, 7) == 105)
        var config = TrainingConfig(data: .task(try TaskSpec(task: .addition, minimumLength: 100)))
        try config.requireMemory(Float.self, inputs: 2, outputs: 1, steps: 110, limit: MemoryLimit(bytes: 1 << 30))
        config.hiddenUnits = 10_000
        let wide = #expect(throws: HFRNNError.self) {
            try config.requireMemory(Float.self, inputs: 2, outputs: 1, steps: 110, limit: MemoryLimit(bytes: 1 << 30))
        }
        #expect(wide?.description.hasPrefix("--hidden-units: a network of 10000 hidden units needs ") == true, "\(String(describing: wide))")
    }

    /// A first-order minibatch is counted too (a damaged checkpoint's 2^29 sequences ended in a
    /// fatal allocation on resume), and a value read from a checkpoint is named as its.
    @Test func aFirstOrderMinibatchAndAStoredValueAreCounted() throws {
        var config = TrainingConfig(data: .task(try TaskSpec(task: .addition, minimumLength: 100)))
        config.method = .firstOrder(FirstOrderRunConfig(method: .adam))
        let limit = MemoryLimit(bytes: 1 << 30)
        try config.requireMemory(Float.self, inputs: 2, outputs: 1, steps: 110, limit: limit)
        config.firstOrder?.optimizer.minibatchSize = 1 << 29
        let wide = #expect(throws: HFRNNError.self) {
            try config.requireMemory(Float.self, inputs: 2, outputs: 1, steps: 110, limit: limit)
        }
        #expect(wide?.description.hasPrefix("--minibatch: a minibatch of 536870912 sequences of 110 steps needs ") == true,
                "\(String(describing: wide))")
        let stored = #expect(throws: HFRNNError.self) {
            try config.requireMemory(Float.self, inputs: 2, outputs: 1, steps: 110, storedIn: "run/latest.h5", limit: limit)
        }
        #expect(stored?.description.hasPrefix("run/latest.h5: the stored minibatch of 536870912 sequences") == true,
                "\(String(describing: stored))")
        // The evaluator's buffers count beside the sequences: 100 sequences of 10 steps with 2^20
        // outputs hold 4.2 GB of targets, which fit under 6 GB, and died allocating as much again.
        config.firstOrder?.optimizer.minibatchSize = 100
        config.hiddenUnits = 10  // so that the network's own arrays (2^20 outputs) fit
        let sixGigabytes = MemoryLimit(bytes: 6_000_000_000)
        let classes = #expect(throws: HFRNNError.self) {
            try config.requireMemory(Float.self, inputs: 3, outputs: 1 << 20, steps: 10, limit: sixGigabytes)
        }
        #expect(classes?.description.hasPrefix("--minibatch: a minibatch of 100 sequences of 10 steps needs ") == true,
                "\(String(describing: classes))")
        try config.requireMemory(Float.self, inputs: 3, outputs: 1 << 20, steps: 10, limit: MemoryLimit(bytes: 40_000_000_000))
    }

    /// A container's memory limit counts like the machine's: cgroup v2's memory.max and v1's
    /// memory.limit_in_bytes of the process's own cgroup, none when they say "max" or unlimited.
    @Test func aCgroupLimitIsRead() {
        let files = ["/sys/fs/cgroup/user.slice/app/memory.max": "2147483648\n",
                     "/sys/fs/cgroup/memory.max": "max\n",
                     "/sys/fs/cgroup/memory/job/memory.limit_in_bytes": "1073741824\n",
                     "/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"]
        func read(_ path: String) -> String? { files[path] }
        #expect(MemoryRequirement.cgroupMemoryLimit(procSelfCgroup: "0::/user.slice/app\n", read: read) == 2_147_483_648)
        #expect(MemoryRequirement.cgroupMemoryLimit(procSelfCgroup: "0::/\n", read: read) == nil)
        #expect(MemoryRequirement.cgroupMemoryLimit(procSelfCgroup: "5:cpu:/\n4:memory:/job\n0::/\n", read: read) == 1_073_741_824)
        #expect(MemoryRequirement.cgroupMemoryLimit(procSelfCgroup: "4:memory:/\n", read: read) == nil)
        #expect(MemoryRequirement.cgroupMemoryLimit(procSelfCgroup: "", read: read) == nil)
    }
}
