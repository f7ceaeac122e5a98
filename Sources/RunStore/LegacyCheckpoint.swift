import HDF5IO
import HessianFree
import Linalg

// What checkpoints of formats 1 to 3 stored differently, read here and nowhere else: how CG ended
// and what became of the step were the sentences `CGTermination.reason` and
// `HFStepDecision.reason` ("not run" when CG did not run), with an `accepted` column beside them.
// Each sentence reads back as the case that wrote it; hfrnn wrote no other sentences.

enum LegacyStatusSentences {
    /// The statuses of `count` iterations from the sentence columns `history/cg_stop` and
    /// `history/decision`; a sentence hfrnn never wrote is one line naming its column.
    static func read<Scalar: BLASScalar & HDF5Element>(from stored: CheckpointFile<Scalar>, count: Int) throws
        -> [(cgStop: CGTermination?, decision: HFStepDecision)] {
        try stored.checkVector("history/cg_stop", count: count)
        let stops = try stored.file.readStrings("history/cg_stop", count: count)
        try stored.checkVector("history/decision", count: count)
        let decisions = try stored.file.readStrings("history/decision", count: count)
        func unknown(_ column: String, _ k: Int, _ text: String) -> any Error {
            stored.fail("history/\(column)[\(k)] is '\(text)', not a sentence hfrnn wrote")
        }
        return try (0..<count).map { k in
            (try cgStop(stops[k]) { unknown("cg_stop", k, stops[k]) },
             try decision(decisions[k]) { unknown("decision", k, decisions[k]) })
        }
    }

    /// The termination whose `reason` is `text` (nil for "not run"); `failure()` for any other text.
    static func cgStop(_ text: String, orThrow failure: () -> any Error) throws -> CGTermination? {
        if text == "not run" { return nil }
        let candidates: [CGTermination?] = [
            fields(text, ["relative progress (φ_i − φ_{i−k})/φ_i = ", " over the last k = ",
                          " iterations fell below k·ε after ", " iterations"]).flatMap { f in
                guard let p = Double(f[0]), let k = Int(f[1]), let i = Int(f[2]) else { return nil }
                return .progressConverged(iteration: i, window: k, relativeProgress: p)
            },
            fields(text, ["reached the maximum of ", " CG iterations"]).flatMap { f in Int(f[0]).map { .maxIterations($0) } },
            fields(text, ["non-positive curvature pᵀAp = ", " in CG iteration ",
                          ": the system matrix is not positive definite"]).flatMap { f in
                guard let c = Double(f[0]), let i = Int(f[1]) else { return nil }
                return .nonPositiveCurvature(iteration: i, curvature: c)
            },
            fields(text, ["non-finite value in ", " before CG started"]).map { f in .nonFinite(iteration: 0, quantity: f[0]) },
            fields(text, ["non-finite value in ", " in CG iteration ", ""]).flatMap { f in
                Int(f[1]).map { .nonFinite(iteration: $0, quantity: f[0]) }
            },
            fields(text, ["residual became exactly zero after ", " CG iterations"]).flatMap { f in
                Int(f[0]).map { .exactSolution(iteration: $0) }
            },
        ]
        guard let match = candidates.compactMap({ $0 }).first(where: { $0.reason == text }) else { throw failure() }
        return match
    }

    /// The decision whose `reason` is `text`; `failure()` for any other text.
    static func decision(_ text: String, orThrow failure: () -> any Error) throws -> HFStepDecision {
        let candidates: [HFStepDecision] = [.accepted, .lineSearchFailed]
            + (fields(text, ["rejected: non-finite value in ", ""]).map { [.nonFinite($0[0])] } ?? [])
        guard let match = candidates.first(where: { $0.reason == text }) else { throw failure() }
        return match
    }

    /// The fields between the literal `pieces` of `text` (`pieces[0]` + field + `pieces[1]` + … +
    /// `pieces.last`), each running to the last occurrence of the piece after it; nil when `text`
    /// does not have that form. An empty last piece lets the last field run to the end. The callers
    /// check the case they build against `text`, so a wrong split can only fail to match.
    private static func fields(_ text: String, _ pieces: [String]) -> [String]? {
        guard let first = pieces.first, text.hasPrefix(first) else { return nil }
        var rest = text.dropFirst(first.count)
        var fields: [String] = []
        for (index, piece) in pieces.dropFirst().enumerated() {
            if index == pieces.count - 2 {
                guard rest.hasSuffix(piece) else { return nil }
                fields.append(String(rest.dropLast(piece.count)))
            } else {
                guard let range = rest.range(of: piece, options: .backwards) else { return nil }
                fields.append(String(rest[..<range.lowerBound]))
                rest = rest[range.upperBound...]
            }
        }
        return fields
    }
}
