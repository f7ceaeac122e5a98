import Diagnostics
import Foundation
import Linalg
import SequenceModel

/// Work that cannot fit in this machine's memory at all is refused before it starts, in one line
/// naming the flag that asked for it: an allocation that large would end the process with a
/// fatal error instead. The estimates are lower bounds (what the largest arrays alone take), so
/// nothing that could run is refused.
public enum MemoryRequirement {
    /// The machine's physical memory; nil where the system does not say.
    public static let physicalBytes: Int? = Int(exactly: ProcessInfo.processInfo.physicalMemory).flatMap { $0 > 0 ? $0 : nil }

    /// What this process may use for a run on `threads` threads: the machine's memory, or less
    /// where a limit says so (the memory limit of its cgroup, as in a container, or the
    /// address-space limit of `ulimit -v`, less what the process maps already and OpenBLAS's work
    /// buffers); nil where nothing is known.
    public static func available(threads: Int = 1) -> MemoryLimit? {
        var limits = fixedLimits
        if let addressSpace = addressSpace() {
            let left = addressSpace.limit - addressSpace.mapped - blasBufferReserve(threads: threads)
            limits.append(MemoryLimit(bytes: max(left, 0), holder: "ulimit -v leaves, beyond the "
                                      + "\(gigabytes(addressSpace.mapped)) this process maps and OpenBLAS's work buffers,"))
        }
        return limits.min { $0.bytes < $1.bytes }
    }

    /// The machine's memory and the cgroup's limit, which do not change while the process runs.
    private static let fixedLimits: [MemoryLimit] = {
        var limits: [MemoryLimit] = []
        if let physicalBytes { limits.append(MemoryLimit(bytes: physicalBytes, holder: "this machine has")) }
        let cgroups = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        if let bytes = cgroupMemoryLimit(procSelfCgroup: cgroups, read: { try? String(contentsOfFile: $0, encoding: .utf8) }) {
            limits.append(MemoryLimit(bytes: bytes, holder: "this process's cgroup allows"))
        }
        return limits
    }()

    /// OpenBLAS's work buffer: each thread that multiplies matrices maps one (128 MiB and a page) on
    /// its first such call, and retries without end when the mapping fails (a process under a
    /// tight `ulimit -v` hung there). The size is that of OpenBLAS's x86-64 builds (Debian's among
    /// them); other builds may map less.
    static let blasBufferBytes = 128 << 20 + 4096

    /// One thread runs on the caller's; more run on the caller's and the system's worker threads.
    static func blasBufferReserve(threads: Int) -> Int { (threads > 1 ? threads + 1 : 1) * blasBufferBytes }

    /// Whether `bytes` of address space can be mapped now (inaccessible, and unmapped at once).
    static func canMap(_ bytes: Int) -> Bool {
        guard let region = mmap(nil, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              region != MAP_FAILED else { return false }
        munmap(region, bytes)
        return true
    }

    /// `ulimit -v` (RLIMIT_AS) and the address space this process maps now (`/proc/self/statm`);
    /// nil without a limit.
    static func addressSpace() -> (limit: Int, mapped: Int)? {
        var addressSpace = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &addressSpace) == 0, addressSpace.rlim_cur != rlim_t.max,  // RLIM_INFINITY
              let limit = Int(exactly: addressSpace.rlim_cur) else { return nil }
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let pages = statm.split(separator: " ").first.flatMap { Int($0) } ?? 0
        return (limit, pages * sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Throws unless `ulimit -v` leaves room for OpenBLAS's work buffers on `threads` threads
    /// beside what the process maps already: without it the first matrix product never returns.
    /// Tried by mapping that much (and 64 MiB for what the command maps before its first product):
    /// under a tight limit the process maps less than it would otherwise, and the arithmetic of
    /// `/proc/self/statm` let a hanging `evaluate` through.
    public static func requireBLASBuffers(threads: Int = 1) throws {
        guard let addressSpace = addressSpace() else { return }
        let needed = blasBufferReserve(threads: threads)
        guard !canMap(needed + 64 << 20) else { return }
        throw HFRNNError("ulimit -v: this process may address \(gigabytes(addressSpace.limit)), maps "
                         + "\(gigabytes(addressSpace.mapped)) already, and OpenBLAS's work buffers for \(counted(max(threads, 1), "thread")) "
                         + "take \(gigabytes(needed)) more; raise the limit\(threads > 1 ? " or give fewer --threads" : "")")
    }

    /// The memory limit of the cgroup named in `/proc/self/cgroup` (its text), read through `read`:
    /// cgroup v2's `memory.max` or v1's `memory.limit_in_bytes`; nil when there is none ("max", or
    /// v1's near-2⁶³ "unlimited").
    static func cgroupMemoryLimit(procSelfCgroup: String, read: (String) -> String?) -> Int? {
        for line in procSelfCgroup.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else { continue }
            let group = fields[2] == "/" ? "" : fields[2]
            let file: String
            if fields[0] == "0" && fields[1].isEmpty {
                file = "/sys/fs/cgroup" + group + "/memory.max"
            } else if fields[1].split(separator: ",").contains("memory") {
                file = "/sys/fs/cgroup/memory" + group + "/memory.limit_in_bytes"
            } else {
                continue
            }
            guard let text = read(file)?.trimmingCharacters(in: .whitespacesAndNewlines),
                  let bytes = Int(text), bytes < 1 << 62 else { continue }
            return bytes
        }
        return nil
    }

    /// The product of `factors` (bytes), nil when it overflows.
    public static func product(_ factors: Int...) -> Int? {
        var result = 1
        for factor in factors {
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            result = next
        }
        return result
    }

    /// Throws unless `bytes` (nil: beyond counting) fits in `limit` (default: what this process may
    /// use; nothing is refused where it is unknown).
    public static func require(_ bytes: Int?, for what: String, flag: String, limit: MemoryLimit? = available()) throws {
        try require(bytes, for: what, source: "\(flag):", limit: limit)
    }

    /// The same, the message led by `source` ("--flag: a", or "<checkpoint>: the stored").
    static func require(_ bytes: Int?, for what: String, source: String, limit: MemoryLimit? = available()) throws {
        guard let limit else { return }
        if let bytes, bytes <= limit.bytes { return }
        let needed = bytes.map { "at least \(gigabytes($0))" } ?? "more memory than can be counted"
        throw HFRNNError("\(source) \(what) needs \(needed), and \(limit.holder) \(gigabytes(limit.bytes))")
    }

    static func gigabytes(_ bytes: Int) -> String {
        let gigabytes = Double(bytes) / 1e9
        return gigabytes >= 1000 ? String(format: "%.0f TB", gigabytes / 1000)
            : String(format: gigabytes >= 10 ? "%.0f GB" : "%.1f GB", gigabytes)
    }
}

/// A bound on the memory a process may use, and who sets it, in the words of a message ("this
/// machine has", "this process's cgroup allows").
public struct MemoryLimit: Sendable {
    public var bytes: Int
    public var holder: String

    public init(bytes: Int, holder: String = "this machine has") {
        self.bytes = bytes
        self.holder = holder
    }
}

extension TrainingConfig {
    /// Parameter-sized arrays an HF run keeps: the gradient, CG's four, the warm start, the best
    /// and the trial point, each thread's scratch, the folds of sub-batch results and each
    /// evaluator's copy of W_hh. Measured: a run of 3,000 hidden units (9 million parameters, one
    /// thread) grew by 19 of them in its first HF iterations, and under a `ulimit -v` of 1.2 GB (it
    /// peaked at 1.1 GB without one) died allocating; counting eight had let it pass. 24 leaves
    /// room for what the allocator maps beside them. A first-order run keeps fewer (the gradient,
    /// its momentum or moments, the trial point): eight, a lower bound, not measured.
    var parameterSizedVectors: Int { hessianFree != nil ? 24 : 8 }

    /// Refuses a run of this configuration on data of `inputs`, `outputs` and `steps` that cannot
    /// fit in memory: the parameters with the vectors kept beside them (`parameterSizedVectors`), for HF the curvature
    /// batch with its evaluators' buffers (`EvaluationWorkspace.bytesPerCurvatureStep`), for a
    /// first-order method the sequences of its minibatch (evaluated in sub-batches). The message names
    /// the flag that set the value, or `storedIn`, the checkpoint a resumed run read it from.
    public func requireMemory<Scalar: BLASScalar>(_: Scalar.Type, inputs: Int, outputs: Int, steps: Int,
                                                  storedIn checkpoint: String? = nil,
                                                  limit: MemoryLimit? = MemoryRequirement.available()) throws {
        let shape = NetworkShape(inputs: inputs, hidden: hiddenUnits, outputs: outputs)
        // "--flag: a <what>", or "<checkpoint>: the stored <what>".
        func source(_ flag: String) -> String { checkpoint.map { "\($0): the stored" } ?? "\(flag): a" }
        try MemoryRequirement.require(MemoryRequirement.product(ParameterLayout(shape).count, MemoryLayout<Scalar>.stride, parameterSizedVectors),
                                      for: "network of \(hiddenUnits) hidden units", source: source("--hidden-units"),
                                      limit: limit)
        if let firstOrder {
            // The minibatch's sequences, and the evaluator's buffers for one sub-batch of them (a
            // minibatch of 1,048,576-class targets passed the first and died allocating the second).
            let minibatch = firstOrder.optimizer.minibatchSize, subBatch = min(minibatch, batches.chunkSize)
            let dataBytes = SequenceBatch<Scalar>.bytesPerStep(inputs: inputs, outputs: outputs)
            let evaluatorBytes = EvaluationWorkspace<Scalar>.bytesPerSequenceStep(of: shape) - dataBytes
            let sequences = MemoryRequirement.product(minibatch, steps, dataBytes)
            let buffers = MemoryRequirement.product(subBatch, steps, evaluatorBytes)
            let total = sequences.flatMap { a in buffers.flatMap { b in a.addingReportingOverflow(b).overflow ? nil : a + b } }
            try MemoryRequirement.require(total, for: "minibatch of \(minibatch) sequences of \(steps) steps",
                                          source: source("--minibatch"), limit: limit)
        }
        guard hessianFree != nil else { return }
        try MemoryRequirement.require(
            MemoryRequirement.product(batches.curvatureBatchSize, steps, EvaluationWorkspace<Scalar>.bytesPerCurvatureStep(of: shape)),
            for: "curvature batch of \(batches.curvatureBatchSize) sequences of \(steps) steps",
            source: source("--curvature-batch"), limit: limit)
    }
}
