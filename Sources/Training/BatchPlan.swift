import Diagnostics

/// How a run cuts the sequences it draws into batches: the trainer's policy, not the solver's (the
/// HF solver evaluates whatever objectives it is given). Each default carries its source tag
/// (docs/algorithm.md#references). Stored in every checkpoint as `training.batches`.
public struct BatchPlan: Sendable, Codable, Equatable {
    /// Sequences for the gradient each HF iteration. Default 10 000 = 10 × 1000 fresh sequences [ISC];
    /// the trainer draws whole curvature batches (`gradientChunkCount`), so it evaluates
    /// 34 × 300 = 10 200 by default.
    public var gradientBatchSize = 10_000

    /// Sequences for curvature products and for ρ, and the chunk every batch is drawn in. Default
    /// 300 [ours, from the settings study in docs/time-to-solve.md: on addition, multiplication,
    /// temporal order and 5-bit memorisation at T = 50, seeds 1–3, every run solved with 300 as with
    /// 1000, at about half the median processor time; ISC's code notes that batches of 300 can solve
    /// the T = 100 problems]. [ISC] and [BL] ("CG batch sizes of 1000+") use 1000, reachable with
    /// `--curvature-batch 1000`.
    public var curvatureBatchSize = 300

    /// Sequences for choosing the backtracking iterate. Default 1000 [ISC `BT_batches`].
    public var backtrackBatchSize = 1000

    /// Sequences for the line search. Default 1000 [ISC `line_search_batches`].
    public var lineSearchBatchSize = 1000

    /// Where the backtracking and line-search batches come from. false (default, [ours]): their own
    /// fresh draws of `backtrackBatchSize` and `lineSearchBatchSize` sequences. true [ISC]: the
    /// second and third chunks of the gradient batch (`BT_batches = [1]`, `line_search_batches =
    /// [2]`, the curvature batch being chunk 0), so every role sees data the gradient saw and the
    /// two sizes are the curvature batch's; the gradient batch must then hold at least three chunks.
    public var evaluationBatchesFromGradient = false

    /// Sequences per sub-batch of HF runs: every batch (gradient, curvature, backtracking, line
    /// search, test set) is split into sub-batches of this many sequences, whose results
    /// are summed in sub-batch order, by one process or by an MPI job of any size (docs/mpi.md).
    /// It changes the rounding, so it is part of the run. nil (runs from before it existed): one
    /// sub-batch per chunk, `chunkSize`. First-order runs do not use it.
    public var subBatchSize: Int? = nil

    /// Sequences per sub-batch of new runs [ours]: the default curvature batch of 300 makes six, which
    /// two threads share evenly (three of 100 left one thread idle for a third of every curvature
    /// product); one thread is as fast with 50 as with 100 (docs/benchmark.md), and addition at
    /// T = 100 on two threads solved sooner for all three seeds (docs/time-to-solve.md). 100 until
    /// 2026-12-06.
    public static let defaultSubBatchSize = 50

    /// The most sequences any batch may have: 2³⁰, a thousand times the largest batch of any run
    /// here, and small enough that no count of sequences per iteration overflows.
    public static let largestBatch = 1 << 30

    /// The defaults listed on each property, `subBatchSize` nil.
    public init() {}

    /// Sequences per chunk: the curvature batch size, so the curvature batch is the first chunk of
    /// the gradient batch ("GN batches are a subset of the gradient batches" [ISC]). A chunk is the
    /// unit batches are drawn in; each is split into sub-batches, the fixed slices that are
    /// evaluated separately and summed in order.
    public var chunkSize: Int { min(curvatureBatchSize, gradientBatchSize) }

    /// Sequences per sub-batch: `subBatchSize`, at most `chunkSize`.
    public var resolvedSubBatchSize: Int { min(subBatchSize ?? chunkSize, chunkSize) }

    /// Sub-batches per chunk (a chunk of `chunkSize` sequences, the last one shorter if they do not divide).
    public var subBatchesPerChunk: Int { (chunkSize + resolvedSubBatchSize - 1) / resolvedSubBatchSize }

    /// Gradient chunks per iteration: the gradient batch rounded up to whole chunks.
    public var gradientChunkCount: Int { (gradientBatchSize + chunkSize - 1) / chunkSize }

    /// Fresh training sequences one HF iteration draws: the gradient chunks plus the backtracking
    /// and line-search batches when they are drawn on their own.
    public var sequencesPerIteration: Int {
        gradientChunkCount * chunkSize + (evaluationBatchesFromGradient ? 0 : backtrackBatchSize + lineSearchBatchSize)
    }

    /// With `evaluationBatchesFromGradient`, records the backtracking and line-search batches at the
    /// size they then have, the chunk's (the sizes given for fresh draws would be stored but unused).
    public mutating func sizeEvaluationBatchesAsChunks() {
        backtrackBatchSize = chunkSize
        lineSearchBatchSize = chunkSize
    }

    /// The first invalid value, or nil. Each test is written so that NaN fails it.
    public var issue: FieldIssue? {
        FieldIssue.first([
            { .check(gradientBatchSize >= 1, "gradientBatchSize", "must be at least 1, got \(gradientBatchSize)") },
            { .check(curvatureBatchSize >= 1, "curvatureBatchSize", "must be at least 1, got \(curvatureBatchSize)") },
            { .check(backtrackBatchSize >= 1, "backtrackBatchSize", "must be at least 1, got \(backtrackBatchSize)") },
            { .check(lineSearchBatchSize >= 1, "lineSearchBatchSize", "must be at least 1, got \(lineSearchBatchSize)") },
            { .check((subBatchSize ?? 1) >= 1, "subBatchSize", subject: "sub-batch size",
                     "must be at least 1, got \(subBatchSize ?? 0)") },
            { .check(gradientBatchSize <= Self.largestBatch, "gradientBatchSize",
                     "must be at most \(Self.largestBatch), got \(gradientBatchSize)") },
            { .check(curvatureBatchSize <= gradientBatchSize, "curvatureBatchSize", subject: "curvature batch",
                     "must be at most the gradient batch (\(gradientBatchSize)), whose first chunk it is, got \(curvatureBatchSize)") },
            { .check(backtrackBatchSize <= Self.largestBatch, "backtrackBatchSize",
                     "must be at most \(Self.largestBatch), got \(backtrackBatchSize)") },
            { .check(lineSearchBatchSize <= Self.largestBatch, "lineSearchBatchSize",
                     "must be at most \(Self.largestBatch), got \(lineSearchBatchSize)") },
            { .check((subBatchSize ?? 1) <= Self.largestBatch, "subBatchSize", subject: "sub-batch size",
                     "must be at most \(Self.largestBatch), got \(subBatchSize ?? 0)") },
            { .check(!evaluationBatchesFromGradient || gradientChunkCount >= 3, "gradientBatchSize", subject: "gradient batch",
                     "must hold at least 3 curvature batches (\(3 * chunkSize) sequences) when the backtracking and line-search batches come from it, got \(gradientBatchSize)") },
        ])
    }
}
