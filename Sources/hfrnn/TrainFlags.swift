import Diagnostics

// Each flag of `train` that sets a configuration field or belongs to HF alone has its option (in
// TrainCommands.swift) and one row here; what it sets and whether it is HF's alone are read off it.

extension Train {
    /// The flags of `train` that set a configuration field or belong to HF alone, declared once:
    /// `flagOfField` and `hfOnlyFlags` are read off it. The order is the order in which an HF-only
    /// flag given with a first-order optimizer is reported.
    static let flags: [TrainFlag] = [
        TrainFlag("--no-structural-damping", hfOnly: { $0.noStructuralDamping }),
        TrainFlag("--mu", fields: ["hessianFree.structuralDampingWeight"], hfOnly: { $0.mu != nil }),
        TrainFlag("--initial-lambda", fields: ["hessianFree.initialLambda"], hfOnly: { $0.initialLambda != nil }),
        TrainFlag("--gradient-batch", fields: ["batches.gradientBatchSize"], hfOnly: { $0.gradientBatch != nil }),
        TrainFlag("--curvature-batch", fields: ["batches.curvatureBatchSize"], hfOnly: { $0.curvatureBatch != nil }),
        TrainFlag("--evaluation-batch", fields: ["batches.backtrackBatchSize", "batches.lineSearchBatchSize"],
                  hfOnly: { $0.evaluationBatch != nil }),
        TrainFlag("--max-cg", fields: ["hessianFree.cgMaxIterations"], hfOnly: { $0.maxCg != nil }),
        TrainFlag("--min-cg", fields: ["hessianFree.cgMinIterations"], hfOnly: { $0.minCg != nil }),
        TrainFlag("--sub-batch-size", fields: ["batches.subBatchSize"], hfOnly: { $0.subBatchSize != nil }),
        TrainFlag("--curvature-products", fields: ["curvatureProducts"], hfOnly: { $0.curvatureProducts != nil }),
        TrainFlag("--preconditioner", hfOnly: { $0.preconditioner }),
        TrainFlag("--settings", hfOnly: { $0.settings != nil }),
        TrainFlag("--rho-model", hfOnly: { $0.rhoModel != nil }),
        TrainFlag("--line-search", hfOnly: { $0.lineSearch != nil }),
        TrainFlag("--evaluation-batches", hfOnly: { $0.evaluationBatches != nil }),
        TrainFlag("--processor-time-limit", fields: ["processorTimeLimitSeconds"]),
        TrainFlag("--threads", hfOnly: { $0.threads != nil }),
        TrainFlag("--hidden-units", fields: ["hiddenUnits"]),
        TrainFlag("--max-iterations", fields: ["maxIterations"]),
        TrainFlag("--time-limit", fields: ["timeLimitSeconds"]),
        TrainFlag("--checkpoint-every", fields: ["checkpointEvery"]),
        TrainFlag("--test-sequences", fields: ["testSequences"]),
        TrainFlag("--success-threshold", fields: ["successThreshold"]),
        TrainFlag("--run-name", fields: ["runName"]),
        TrainFlag("--blas-threads", fields: ["blasThreads"]),
    ]

    /// The flag that sets each configuration field the command line exposes.
    static let flagOfField: [String: String] = Dictionary(
        uniqueKeysWithValues: flags.flatMap { entry in entry.fields.map { ($0, entry.flag) } })

    /// The HF-only flags given on the command line.
    var hfOnlyFlags: [String] { Self.flags.filter { $0.hfOnly?(self) ?? false }.map(\.flag) }

    /// A configuration problem in the words of the command line: the flag, not the field.
    static func flagMessage(_ problem: FieldIssue) -> String {
        guard let flag = flagOfField[problem.field] ?? FirstOrderOptions.flagOfField[problem.field] else {
            return problem.description
        }
        return "\(flag): \(problem.requirement)"
    }
}

/// One flag of `train`: the configuration fields it sets (their paths in `TrainingConfig`, for
/// messages), and, for a flag that belongs to HF alone, whether the command line gave it.
struct TrainFlag: Sendable {
    let flag: String
    let fields: [String]
    let hfOnly: (@Sendable (Train) -> Bool)?

    init(_ flag: String, fields: [String] = [], hfOnly: (@Sendable (Train) -> Bool)? = nil) {
        self.flag = flag
        self.fields = fields
        self.hfOnly = hfOnly
    }
}
