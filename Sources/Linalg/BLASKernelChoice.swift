/// Which OpenBLAS kernels a process should run on.
///
/// OpenBLAS picks its kernels once, when the library loads, from the CPU it recognises. A release
/// that does not know a newer CPU (Debian's 0.3.21 on a Sapphire Rapids, say) falls back to its
/// SSE3 "Prescott" kernels although the CPU has AVX-512: every product then runs about 3× slower
/// (docs/benchmark.md, "Kernels"). The only way to choose is the environment variable
/// OPENBLAS_CORETYPE, read at load time, so the executables ask this policy at start-up and, when
/// it names other kernels, start themselves again with the variable set.
///
/// Kernels change the rounding of every product, like a thread count does; the choice therefore
/// depends only on what the CPU can do, so two machines with the same instruction sets run on the
/// same kernels, and a checkpoint records the kernels it was trained on (`BLAS.kernels`).
public enum BLASKernelChoice {
    /// The environment variable OpenBLAS reads its kernel choice from.
    public static let environmentVariable = "OPENBLAS_CORETYPE"

    /// Kernels that already use AVX2 or AVX-512: OpenBLAS's own pick is kept when it is one of these.
    static let vectorKernels: Set<String> = [
        "Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids",
    ]

    /// The kernels to switch to, or nil to keep what OpenBLAS picked: the user's OPENBLAS_CORETYPE
    /// always wins, and OpenBLAS's pick is kept unless it ignores AVX2/AVX-512 the CPU has.
    /// - Parameters:
    ///   - cpuFlags: the CPU's instruction-set flags as Linux lists them ("avx2", "avx512f", …).
    ///   - loadedKernels: what OpenBLAS picked (`BLAS.kernels`).
    ///   - requestedKernels: the value of OPENBLAS_CORETYPE, if set.
    public static func kernelsToSwitchTo(cpuFlags: Set<String>, loadedKernels: String,
                                         requestedKernels: String?) -> String? {
        if let requestedKernels, !requestedKernels.isEmpty { return nil }
        if vectorKernels.contains(loadedKernels) { return nil }
        let avx512 = ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"]
        if avx512.allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The flags of the first processor in a `/proc/cpuinfo` text (empty if it has none).
    public static func cpuFlags(fromCPUInfo text: String) -> Set<String> {
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }
}
