import Testing
@testable import Linalg

@Suite struct BLASKernelChoiceTests {
    let sapphireRapids: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq",
                                       "avx512vl", "avx512cd", "avx512_bf16", "avx512_fp16"]

    @Test func aFallbackToSSEKernelsOnAnAVX512CPUSwitchesToSkylakeX() {
        #expect(BLASKernelChoice.kernelsToSwitchTo(cpuFlags: sapphireRapids, loadedKernels: "Prescott",
                                                   requestedKernels: nil) == "SkylakeX")
    }

    @Test func anAVX2CPUWithoutAVX512GetsHaswell() {
        #expect(BLASKernelChoice.kernelsToSwitchTo(cpuFlags: ["sse3", "avx", "avx2", "fma"], loadedKernels: "Nehalem",
                                                   requestedKernels: nil) == "Haswell")
    }

    @Test func openBLASsOwnVectorPickIsKept() {
        for kernels in ["Haswell", "SkylakeX", "Cooperlake", "Zen"] {
            #expect(BLASKernelChoice.kernelsToSwitchTo(cpuFlags: sapphireRapids, loadedKernels: kernels,
                                                       requestedKernels: nil) == nil)
        }
    }

    @Test func theUsersChoiceAlwaysWins() {
        #expect(BLASKernelChoice.kernelsToSwitchTo(cpuFlags: sapphireRapids, loadedKernels: "Prescott",
                                                   requestedKernels: "Prescott") == nil)
        // An empty variable is no choice.
        #expect(BLASKernelChoice.kernelsToSwitchTo(cpuFlags: sapphireRapids, loadedKernels: "Prescott",
                                                   requestedKernels: "") == "SkylakeX")
    }

    @Test func anOldCPUKeepsWhatItHas() {
        #expect(BLASKernelChoice.kernelsToSwitchTo(cpuFlags: ["sse3", "ssse3", "avx"], loadedKernels: "Sandybridge",
                                                   requestedKernels: nil) == nil)
    }

    @Test func flagsAreReadFromTheFirstProcessor() {
        let text = "processor\t: 0\nmodel name\t: Xeon\nflags\t\t: fpu sse3 avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu\n"
        #expect(BLASKernelChoice.cpuFlags(fromCPUInfo: text) == ["fpu", "sse3", "avx2", "fma"])
        #expect(BLASKernelChoice.cpuFlags(fromCPUInfo: "processor : 0\n").isEmpty)
    }
}
