// Start-up of an executable that computes with OpenBLAS: puts the process on the kernels
// `BLASKernelChoice` names, before any product runs.
import Foundation
import Linalg

public enum BLASStartup {
    /// Starts this executable again, with the same arguments and OPENBLAS_CORETYPE set, when
    /// OpenBLAS loaded kernels that ignore the CPU's AVX2/AVX-512 (see `BLASKernelChoice`). Call it
    /// first in `main`, before threads, MPI or any output exist. Returns when nothing needs to change
    /// or the restart is impossible; then the process simply runs on the kernels it has.
    public static func restartOnFasterKernelsIfNeeded() {
        let variable = BLASKernelChoice.environmentVariable
        let requested = ProcessInfo.processInfo.environment[variable]
        guard let cpuInfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return }
        let flags = BLASKernelChoice.cpuFlags(fromCPUInfo: cpuInfo)
        guard let kernels = BLASKernelChoice.kernelsToSwitchTo(
            cpuFlags: flags, loadedKernels: BLAS.kernels, requestedKernels: requested) else { return }
        setenv(variable, kernels, 1)
        // The variable, once set, makes the started process keep its kernels: no second restart.
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        unsetenv(variable)  // exec failed: carry on, on the loaded kernels.
    }
}
