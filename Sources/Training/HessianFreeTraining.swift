import Diagnostics
import HessianFree
import Linalg
import SequenceModel

/// Hessian-free training (docs/algorithm.md#the-hf-iteration): each record is one HF iteration on
/// freshly drawn minibatches, `HessianFreeOptimizer.step` on the RNN objective.
public enum HessianFreeTraining<Scalar: BLASScalar>: TrainingMethod {
    public typealias Settings = HFConfig
    public typealias State = HFState<Scalar>
    public typealias Record = IterationRecord

    public static var settingsInConfig: KeyPath<TrainingConfig, HFConfig?> { \.hessianFree }

    public static var displayName: String { "Hessian-free" }
    public static var stepUnit: StepUnit { .iteration }

    /// λ = λ₀, zero warm start, counters at zero.
    public static func initialState(parameterCount: Int, settings: HFConfig) -> HFState<Scalar> {
        HFState(parameterCount: parameterCount, config: settings)
    }

    public static func mismatch(_ state: HFState<Scalar>, parameterCount: Int, settings: HFConfig) -> String? {
        state.warmStart.count == parameterCount ? nil
            : "warm start has \(state.warmStart.count) entries, the network has \(parameterCount) parameters"
    }

    public static func completedSteps(_ state: HFState<Scalar>) -> Int { state.iteration }

    public static func cgIterations(_ state: HFState<Scalar>) -> Int { state.totalCGIterations }

    public static func stalledSteps(_ sessionHistory: ArraySlice<IterationRecord>) -> Int {
        sessionHistory.trailingRejections
    }

    /// One HF iteration on the minibatches `drawSubBatches` draws; the test set after the step.
    public static func advance(_ trainer: Trainer<Self>) throws -> IterationRecord {
        let config = trainer.config, group = trainer.group
        var rng = trainer.rng
        // A worker that cannot read its rows stops every worker, before any exchange.
        let drawn = try group.agreeing { try drawSubBatches(for: trainer, using: &rng) }
        func objective(_ subBatches: [SubBatch<Scalar>?]) -> RNNObjective<Scalar> {
            RNNObjective(network: trainer.network, subBatches: subBatches, group: group, workspace: trainer.workspace,
                         curvatureArithmetic: config.curvatureArithmetic)
        }
        let batches = HFBatches(gradient: objective(drawn.gradient),
                                curvature: objective(Array(drawn.gradient.prefix(config.batches.subBatchesPerChunk))),
                                backtracking: objective(drawn.backtracking), lineSearch: objective(drawn.lineSearch))
        let outcome = HessianFreeOptimizer.step(parameters: trainer.parameters, state: trainer.state, batches: batches,
                                                config: trainer.settings)
        trainer.rng = rng
        trainer.parameters = outcome.parameters
        trainer.state = outcome.state
        let test = trainer.testSet.evaluate(at: trainer.parameters)
        let report = outcome.report
        return IterationRecord(
            iteration: outcome.state.iteration, trainLoss: report.gradientDataLoss, trainObjective: report.gradientLoss,
            testLoss: test.loss, testError: test.errorRate,
            lambda: report.lambdaUsed, lambdaNext: outcome.state.lambda, rho: report.rho,
            cgIterations: report.cgIterations, cgStop: report.cgTermination,
            backtrackIteration: report.backtrackIteration ?? 0, stepSize: report.stepSize, decision: report.decision,
            elapsedSeconds: trainer.elapsedSeconds, lineSearchTries: report.lineSearchTries,
            testStepError: test.stepErrorRate, testLossRelative: test.loss / trainer.testSet.constantPredictionLoss,
            processorSeconds: trainer.processorSeconds,
            sequences: outcome.state.iteration * config.trainingSequencesPerIteration)
    }

    /// The iteration's data drawn with `rng` as `BatchPlan` cuts it: the gradient batch as
    /// `gradientChunkCount` chunks of `chunkSize` sequences, each split into sub-batches; the curvature batch is the first chunk's
    /// sub-batches ("GN batches are a subset of the gradient batches" [ISC]); then the backtracking
    /// and line-search batches, drawn afresh or, with `evaluationBatchesFromGradient`, the gradient
    /// batch's second and third chunks [ISC]. This worker makes only the sub-batches it evaluates;
    /// `rng` advances as for one process. When the gradient batch is too large to hold
    /// (`SubBatch.isTooLargeToHold`), its chunks that serve the gradient alone are remade when
    /// evaluated, so the gradient batch's size does not set the run's memory.
    private static func drawSubBatches(for trainer: Trainer<Self>, using rng: inout SeededGenerator) throws
        -> (gradient: [SubBatch<Scalar>?], backtracking: [SubBatch<Scalar>?], lineSearch: [SubBatch<Scalar>?]) {
        let plan = trainer.config.batches, group = trainer.group, source = trainer.source
        let size = plan.resolvedSubBatchSize, perChunk = plan.subBatchesPerChunk
        func schedule(_ count: Int) -> SubBatchSchedule {
            RNNObjective<Scalar>.schedule(subBatches: count, network: trainer.network, workers: group.size)
        }
        func subBatchCount(_ sequences: Int) -> Int { (sequences + size - 1) / size }
        let gradientSchedule = schedule(plan.gradientChunkCount * perChunk), chunkSchedule = schedule(perChunk)
        let fromGradient = plan.evaluationBatchesFromGradient
        /// Whether chunk `chunk` of the gradient batch is also the curvature, backtracking or line-search batch.
        func hasOtherRoles(_ chunk: Int) -> Bool { chunk == 0 || (fromGradient && chunk <= 2) }
        let remakeGradient = SubBatch<Scalar>.isTooLargeToHold(sequences: plan.gradientChunkCount * plan.chunkSize,
                                                               steps: source.steps, inputs: source.inputSize,
                                                               outputs: source.outputSize)
        /// Whether this worker evaluates sub-batch `index` of the gradient batch in any role.
        func ownsGradientSubBatch(_ index: Int) -> Bool {
            if gradientSchedule.isOwned(index, by: group.rank) { return true }
            return hasOtherRoles(index / perChunk) && chunkSchedule.isOwned(index % perChunk, by: group.rank)
        }
        var gradientSubBatches: [SubBatch<Scalar>?] = []
        for chunk in 0..<plan.gradientChunkCount {
            gradientSubBatches += try source.trainingSubBatches(count: plan.chunkSize, subBatchSize: size, using: &rng,
                                                                remade: remakeGradient && !hasOtherRoles(chunk)) {
                ownsGradientSubBatch(chunk * perChunk + $0)
            }
        }
        if fromGradient {
            return (gradientSubBatches, Array(gradientSubBatches[perChunk..<(2 * perChunk)]),
                    Array(gradientSubBatches[(2 * perChunk)..<(3 * perChunk)]))
        }
        let backtrackSchedule = schedule(subBatchCount(plan.backtrackBatchSize))
        let backtrackSubBatches = try source.trainingSubBatches(count: plan.backtrackBatchSize, subBatchSize: size, using: &rng,
                                                                remade: false) {
            backtrackSchedule.isOwned($0, by: group.rank)
        }
        let lineSearchSchedule = schedule(subBatchCount(plan.lineSearchBatchSize))
        let lineSearchSubBatches = try source.trainingSubBatches(count: plan.lineSearchBatchSize, subBatchSize: size, using: &rng,
                                                                 remade: false) {
            lineSearchSchedule.isOwned($0, by: group.rank)
        }
        return (gradientSubBatches, backtrackSubBatches, lineSearchSubBatches)
    }
}
