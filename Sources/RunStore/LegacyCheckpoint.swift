import DataFiles
import Diagnostics
import Foundation
import HDF5IO
import HessianFree
import Linalg

// What checkpoints of formats 1 to 5 stored differently, read here and nowhere else. Before
// format 4, how CG ended and what became of the step were the sentences `CGTermination.reason` and
// `HFStepDecision.reason` ("not run" when CG did not run), with an `accepted` column beside them;
// each sentence reads back as the case that wrote it (hfrnn wrote no other sentences). Before
// format 5, the batch sizes were HF settings; before format 6, the HF settings sat beside the
// first-order ones whatever the method (`LegacyTrainingConfig`).

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

/// The stored training configuration of a checkpoint of format `version`, as format 6 spells it;
/// every older layout is undone here, oldest first:
/// - before format 5 the batch plan was in the HF settings (`optimizer.gradient_batch_size`,
///   `curvature_batch_size`, `backtrack_batch_size`, `line_search_batch_size`,
///   `evaluation_batches_from_gradient`) and the sub-batch size at the top (`sub_batch_size`);
///   format 5 keeps them together in `batches`;
/// - before format 6 the HF settings were `optimizer` whatever the method, beside a `first_order`
///   object for first-order runs; format 6 keeps the one method's in `method`, and no longer
///   `run_name` and `checkpoint_directory`, where the run was first kept (a run's folder is the one
///   its checkpoint is in);
/// - format 1 wrote the data source in Swift's synthesized form, `{"task": {"_0": {"task": …,
///   "minimumLength": …}}}` or `{"dataset": {"path": …, "testPath": …}}`, where later formats have
///   `{"kind": "task", "task": …, "minimum_length": …}` or `{"kind": "dataset", "path": …, "test_path": …}`.
/// `keys` is the document's key style (format 1 spelled keys in camelCase).
enum LegacyTrainingConfig {
    static let batchPlanFields = ["gradientBatchSize", "curvatureBatchSize", "backtrackBatchSize",
                                  "lineSearchBatchSize", "evaluationBatchesFromGradient"]

    static func upgraded(_ text: String, version: Int64, keys: JSONFormat.KeyStyle, path: String) throws -> String {
        guard version < 6 else { return text }
        guard var training = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw HFRNNError.file(path, "stored training configuration is not readable: not a JSON object")
        }
        func key(_ name: String) -> String { keys == .snakeCase ? JSONFormat.snakeCase(name) : name }
        if version == 1, let data = training[key("data")] as? [String: Any], data[key("kind")] == nil {
            training[key("data")] = formatOneData(data)
        }
        if version < 5 {
            var plan: [String: Any] = [:]
            if let hessianFree = training[key("optimizer")] as? [String: Any] {
                for field in batchPlanFields { plan[key(field)] = hessianFree[key(field)] }
            }
            plan[key("subBatchSize")] = training.removeValue(forKey: key("subBatchSize"))
            training[key("batches")] = plan
        }
        training[key("runName")] = nil
        training[key("checkpointDirectory")] = nil
        // A first-order run's `optimizer` held HF's defaults, unused: only the method's settings stay.
        let hessianFree = training.removeValue(forKey: key("optimizer"))
        if let firstOrder = training.removeValue(forKey: key("firstOrder")) {
            training[key("method")] = [key("firstOrder"): firstOrder]
        } else if let hessianFree {
            training[key("method")] = [key("hessianFree"): hessianFree]
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: training), as: UTF8.self)
    }

    /// Format 1's data source (camelCase keys) in the later form, its fields as they were; an
    /// object of neither form is left for the decoder to report.
    private static func formatOneData(_ data: [String: Any]) -> [String: Any] {
        if let task = data["task"] as? [String: Any], let spec = task["_0"] as? [String: Any] {
            return spec.merging(["kind": "task"]) { stored, _ in stored }
        }
        if let dataset = data["dataset"] as? [String: Any] {
            return dataset.merging(["kind": "dataset"]) { stored, _ in stored }
        }
        return data
    }
}
