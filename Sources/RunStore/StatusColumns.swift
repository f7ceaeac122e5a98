import HDF5IO
import HessianFree
import Linalg
import Training

/// How CG ended and what became of each HF iteration's step, stored as data (format 4 on): a
/// stable code per iteration (`CGTermination.code`, `HFStepDecision.code`) and the values its case
/// carries, in columns of their own, so that nothing is parsed back from a sentence.
struct StatusColumns {
    var integers: [(String, [Int64])]
    var doubles: [(String, [Double])]
    var strings: [(String, [String])]

    init(_ history: [IterationRecord]) {
        let parts = history.map { Self.parts(of: $0.cgStop) }
        integers = [("cg_stop_iteration", parts.map { Int64($0.iteration) }),
                    ("cg_stop_window", parts.map { Int64($0.window) })]
        doubles = [("cg_stop_value", parts.map(\.value))]
        strings = [
            ("cg_stop", history.map(\.cgStopCode)), ("cg_stop_quantity", parts.map(\.quantity)),
            ("decision", history.map(\.decision.code)), ("decision_quantity", history.map(\.decision.quantity)),
        ]
    }

    /// The values a termination carries, each in its column; 0, NaN or "" where the case has none.
    private static func parts(of stop: CGTermination?) -> (iteration: Int, window: Int, value: Double, quantity: String) {
        switch stop {
        case nil: return (0, 0, .nan, "")
        case let .progressConverged(iteration, window, relativeProgress)?: return (iteration, window, relativeProgress, "")
        case let .maxIterations(limit)?: return (limit, 0, .nan, "")
        case let .nonPositiveCurvature(iteration, curvature)?: return (iteration, 0, curvature, "")
        case let .nonFinite(iteration, quantity)?: return (iteration, 0, .nan, quantity)
        case let .exactSolution(iteration)?: return (iteration, 0, .nan, "")
        }
    }

    /// Writes the columns into `/history`.
    func write(to file: HDF5File) throws {
        for (name, values) in integers { try file.write(values, shape: [values.count], to: "history/\(name)") }
        for (name, values) in doubles { try file.write(values, shape: [values.count], to: "history/\(name)") }
        for (name, values) in strings { try file.writeStrings(values, to: "history/\(name)") }
    }

    /// Reads the statuses of `count` iterations; an unknown code is one line naming its column.
    static func read<Scalar: BLASScalar & HDF5Element>(from stored: CheckpointFile<Scalar>, count: Int) throws
        -> [(cgStop: CGTermination?, decision: HFStepDecision)] {
        let file = stored.file
        func column<T: HDF5Element>(_ name: String, _: T.Type) throws -> [T] {
            try stored.checkVector("history/\(name)", count: count)
            return try file.read("history/\(name)", as: T.self, shape: [count])
        }
        func strings(_ name: String) throws -> [String] {
            try stored.checkVector("history/\(name)", count: count)
            return try file.readStrings("history/\(name)", count: count)
        }
        let (codes, quantities) = (try strings("cg_stop"), try strings("cg_stop_quantity"))
        let (iterations, windows) = (try column("cg_stop_iteration", Int64.self), try column("cg_stop_window", Int64.self))
        let values = try column("cg_stop_value", Double.self)
        let (decisions, decisionQuantities) = (try strings("decision"), try strings("decision_quantity"))
        return try (0..<count).map { k in
            let iteration = Int(iterations[k])
            let cgStop: CGTermination?
            switch codes[k] {
            case IterationRecord.cgNotRunCode: cgStop = nil
            case "progress": cgStop = .progressConverged(iteration: iteration, window: Int(windows[k]), relativeProgress: values[k])
            case "max-iter": cgStop = .maxIterations(iteration)
            case "curvature": cgStop = .nonPositiveCurvature(iteration: iteration, curvature: values[k])
            case "non-finite": cgStop = .nonFinite(iteration: iteration, quantity: quantities[k])
            case "exact": cgStop = .exactSolution(iteration: iteration)
            default: throw stored.fail("history/cg_stop[\(k)] is '\(codes[k])', not a code this hfrnn knows")
            }
            let decision: HFStepDecision
            switch decisions[k] {
            case "accepted": decision = .accepted
            case "line-search": decision = .lineSearchFailed
            case "non-finite": decision = .nonFinite(decisionQuantities[k])
            default: throw stored.fail("history/decision[\(k)] is '\(decisions[k])', not a code this hfrnn knows")
            }
            return (cgStop, decision)
        }
    }
}

extension HFStepDecision {
    /// The quantity a non-finite rejection names, "" for the other cases.
    var quantity: String {
        if case let .nonFinite(what) = self { return what }
        return ""
    }
}
