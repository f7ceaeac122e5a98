import Foundation
import HessianFree

// How CG ended and what became of the step, in an `IterationRecord`: enums with a short `label`
// (progress line) and the long `reason` (messages, and the history columns of a checkpoint, which
// keep the sentence as they always did). A checkpoint's sentence reads back as the case it came
// from (`init(recorded:)`); a sentence this hfrnn does not write becomes `.unknown`, kept verbatim.

/// How CG ended in an HF iteration.
public enum CGStop: Sendable, Equatable, Codable {
    /// CG did not run (the iteration was rejected before it).
    case notRun
    case finished(CGTermination)
    /// A recorded sentence this hfrnn does not write.
    case unknown(String)

    public init(_ termination: CGTermination?) {
        self = termination.map { .finished($0) } ?? .notRun
    }

    /// One word for the progress line.
    public var label: String {
        switch self {
        case .notRun: return "not-run"
        case .finished(.progressConverged): return "progress"
        case .finished(.maxIterations): return "max-iter"
        case .finished(.nonPositiveCurvature): return "curvature"
        case .finished(.nonFinite): return "non-finite"
        case .finished(.exactSolution): return "exact"
        case .unknown: return "unknown"
        }
    }

    /// The sentence: `CGTermination.reason`, "not run", or the unknown text.
    public var reason: String {
        switch self {
        case .notRun: return "not run"
        case .finished(let termination): return termination.reason
        case .unknown(let text): return text
        }
    }

    /// The case whose `reason` is `text`.
    public init(recorded text: String) {
        let candidates: [CGStop] = [
            .notRun,
            recordedFields(text, ["relative progress (φ_i − φ_{i−k})/φ_i = ", " over the last k = ",
                                  " iterations fell below k·ε after ", " iterations"]).flatMap { f in
                guard let p = Double(f[0]), let k = Int(f[1]), let i = Int(f[2]) else { return nil }
                return .finished(.progressConverged(iteration: i, window: k, relativeProgress: p))
            },
            recordedFields(text, ["reached the maximum of ", " CG iterations"]).flatMap { f in
                Int(f[0]).map { .finished(.maxIterations($0)) }
            },
            recordedFields(text, ["non-positive curvature pᵀAp = ", " in CG iteration ",
                                  ": the system matrix is not positive definite"]).flatMap { f in
                guard let c = Double(f[0]), let i = Int(f[1]) else { return nil }
                return .finished(.nonPositiveCurvature(iteration: i, curvature: c))
            },
            recordedFields(text, ["non-finite value in ", " before CG started"]).map { f in
                .finished(.nonFinite(iteration: 0, quantity: f[0]))
            },
            recordedFields(text, ["non-finite value in ", " in CG iteration ", ""]).flatMap { f in
                Int(f[1]).map { .finished(.nonFinite(iteration: $0, quantity: f[0])) }
            },
            recordedFields(text, ["residual became exactly zero after ", " CG iterations"]).flatMap { f in
                Int(f[0]).map { .finished(.exactSolution(iteration: $0)) }
            },
        ].compactMap { $0 }
        self = candidates.first { $0.reason == text } ?? .unknown(text)
    }
}

/// What became of an HF iteration's step: `HFStepDecision`'s cases, and a recorded sentence this
/// hfrnn does not write.
public enum StepDecision: Sendable, Equatable, Codable {
    case accepted
    case lineSearchFailed
    case nonFinite(String)
    case unknown(String)

    public init(_ decision: HFStepDecision) {
        switch decision {
        case .accepted: self = .accepted
        case .lineSearchFailed: self = .lineSearchFailed
        case .nonFinite(let what): self = .nonFinite(what)
        }
    }

    /// One word for the progress line.
    public var label: String {
        switch self {
        case .accepted: return "accepted"
        case .lineSearchFailed: return "line-search"
        case .nonFinite: return "non-finite"
        case .unknown: return "unknown"
        }
    }

    /// The sentence: `HFStepDecision.reason`, or the unknown text.
    public var reason: String {
        switch self {
        case .accepted: return HFStepDecision.accepted.reason
        case .lineSearchFailed: return HFStepDecision.lineSearchFailed.reason
        case .nonFinite(let what): return HFStepDecision.nonFinite(what).reason
        case .unknown(let text): return text
        }
    }

    /// The case whose `reason` is `text`.
    public init(recorded text: String) {
        let candidates: [StepDecision] = [.accepted, .lineSearchFailed]
            + (recordedFields(text, ["rejected: non-finite value in ", ""]).map { [.nonFinite($0[0])] } ?? [])
        self = candidates.first { $0.reason == text } ?? .unknown(text)
    }
}

/// The fields between the literal `pieces` of `text` (`pieces[0]` + field + `pieces[1]` + … +
/// `pieces.last`), each running to the last occurrence of the piece after it; nil when `text` does
/// not have that form. An empty last piece lets the last field run to the end. The callers check
/// the case they build against `text`, so a wrong split can only give `.unknown`.
private func recordedFields(_ text: String, _ pieces: [String]) -> [String]? {
    guard let first = pieces.first, text.hasPrefix(first) else { return nil }
    var rest = text.dropFirst(first.count)
    var fields: [String] = []
    for (index, piece) in pieces.dropFirst().enumerated() {
        let isLast = index == pieces.count - 2
        if isLast {
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
