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

    /// Throws unless `bytes` (nil: beyond counting) fits in `available` bytes (default: this
    /// machine's memory; nothing is refused where it is unknown).
    public static func require(_ bytes: Int?, for what: String, flag: String, available: Int? = physicalBytes) throws {
        guard let available else { return }
        if let bytes, bytes <= available { return }
        let needed = bytes.map { "at least \(gigabytes($0))" } ?? "more memory than can be counted"
        throw HFRNNError("\(flag): \(what) needs \(needed), and this machine has \(gigabytes(available))")
    }

    static func gigabytes(_ bytes: Int) -> String {
        let gigabytes = Double(bytes) / 1e9
        return gigabytes >= 1000 ? String(format: "%.0f TB", gigabytes / 1000)
            : String(format: gigabytes >= 10 ? "%.0f GB" : "%.1f GB", gigabytes)
    }
}

extension TrainingConfig {
    /// Refuses a run of this configuration on data of `inputs`, `outputs` and `steps` that cannot
    /// fit in memory: the parameters with the vectors kept beside them (at least eight: the
    /// gradient, CG's four, the warm start, the best and the trial point), and for HF the
    /// curvature batch with its evaluators' buffers (`EvaluationWorkspace.bytesPerCurvatureStep`).
    public func requireMemory<Scalar: BLASScalar>(_: Scalar.Type, inputs: Int, outputs: Int, steps: Int,
                                                  available: Int? = MemoryRequirement.physicalBytes) throws {
        let shape = NetworkShape(inputs: inputs, hidden: hiddenUnits, outputs: outputs)
        try MemoryRequirement.require(MemoryRequirement.product(ParameterLayout(shape).count, MemoryLayout<Scalar>.stride, 8),
                                      for: "a network of \(hiddenUnits) hidden units", flag: "--hidden-units",
                                      available: available)
        guard hessianFree != nil else { return }
        try MemoryRequirement.require(
            MemoryRequirement.product(batches.curvatureBatchSize, steps, EvaluationWorkspace<Scalar>.bytesPerCurvatureStep(of: shape)),
            for: "a curvature batch of \(batches.curvatureBatchSize) sequences of \(steps) steps",
            flag: "--curvature-batch", available: available)
    }
}
