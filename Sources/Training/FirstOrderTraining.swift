import Diagnostics
import FirstOrder
import Linalg
import SequenceModel

/// First-order training (docs/first-order.md): each record is one evaluation period, up to
/// `evaluateEvery` updates of `FirstOrderOptimizer.step`, each on `minibatchSize` fresh sequences,
/// then the fixed test set. `TrainingConfig.maxIterations` counts updates; a period ends early at
/// that limit, so a session stops exactly there.
public enum FirstOrderTraining<Scalar: BLASScalar>: TrainingMethod {
    public typealias Settings = FirstOrderRunConfig
    public typealias State = FirstOrderState<Scalar>
    public typealias Record = FirstOrderRecord

    public static var settingsInConfig: KeyPath<TrainingConfig, FirstOrderRunConfig?> { \.firstOrder }

    public static var displayName: String { "first-order" }
    public static var stepUnit: StepUnit { .update }

    public static func initialState(parameterCount: Int, settings: FirstOrderRunConfig) -> FirstOrderState<Scalar> {
        FirstOrderState(parameterCount: parameterCount, config: settings.optimizer)
    }

    public static func mismatch(_ state: FirstOrderState<Scalar>, parameterCount: Int,
                                settings: FirstOrderRunConfig) -> String? {
        state.mismatch(parameterCount: parameterCount, config: settings.optimizer)
    }

    /// Updates done, applied and skipped.
    public static func completedSteps(_ state: FirstOrderState<Scalar>) -> Int { state.step + state.skippedSteps }

    public static func cgIterations(_ state: FirstOrderState<Scalar>) -> Int { 0 }

    /// Skipped updates in a row, as the last record of the session counted them.
    public static func stalledSteps(_ sessionHistory: ArraySlice<FirstOrderRecord>) -> Int {
        sessionHistory.last?.trailingSkippedUpdates ?? 0
    }

    /// Updates up to the next multiple of `evaluateEvery` (or the session's update limit), then one
    /// test evaluation. Evaluations fall on multiples of `evaluateEvery` counted from the start of the
    /// run, so a resumed run records what a straight one does.
    public static func advance(_ trainer: Trainer<Self>) throws -> FirstOrderRecord {
        let config = trainer.config, optimizer = trainer.settings.optimizer, every = trainer.settings.evaluateEvery
        var updates = trainer.completedSteps
        var end = (updates / every + 1) * every
        if let limit = config.maxIterations { end = min(end, trainer.sessionStartStep + limit) }
        end = max(end, updates + 1)
        let subBatchSize = min(optimizer.minibatchSize, config.batches.chunkSize)
        var gradient = [Scalar](repeating: 0, count: trainer.network.parameterCount)
        var lossSum = 0.0, normSum = 0.0, vanishingSum = 0.0, clipped = 0, count = 0
        var consecutiveSkips = trainer.stalledSteps
        var last: FirstOrderStepReport?
        while updates < end {
            let batch = try trainer.source.trainingSequences(count: optimizer.minibatchSize, using: &trainer.rng)
            let objective = RNNObjective(network: trainer.network, batch: batch, subBatchSize: subBatchSize,
                                         workspace: trainer.workspace)
            let loss: Scalar
            if let weight = optimizer.vanishingRegularizerWeight {
                let result = objective.lossAndRegularizedGradient(at: trainer.parameters, vanishingWeight: Scalar(weight),
                                                                  gradient: &gradient)
                loss = result.loss
                vanishingSum += result.vanishingTerm
            } else {
                loss = objective.lossAndGradient(at: trainer.parameters, gradient: &gradient)
            }
            let outcome = FirstOrderOptimizer.step(parameters: trainer.parameters, gradient: gradient,
                                                   state: trainer.state, config: optimizer)
            trainer.parameters = outcome.parameters
            trainer.state = outcome.state
            consecutiveSkips = outcome.report.decision.isApplied ? 0 : consecutiveSkips + 1
            lossSum += Double(loss)
            normSum += outcome.report.gradientNorm
            if outcome.report.clipped { clipped += 1 }
            count += 1
            last = outcome.report
            updates = trainer.completedSteps
        }
        let test = trainer.evaluateTest()
        return FirstOrderRecord(
            evaluation: trainer.history.count + 1, updates: updates, sequences: updates * optimizer.minibatchSize,
            trainLoss: lossSum / Double(count), testLoss: test.loss, testError: test.error,
            learningRate: last?.learningRate ?? optimizer.learningRate, momentum: last?.momentum ?? .nan,
            clippedFraction: Double(clipped) / Double(count), gradientNorm: normSum / Double(count),
            skippedUpdates: trainer.state.skippedSteps, elapsedSeconds: trainer.elapsedSeconds,
            trailingSkippedUpdates: consecutiveSkips,
            vanishingTerm: optimizer.vanishingRegularizerWeight == nil ? .nan : vanishingSum / Double(count),
            processorSeconds: trainer.processorSeconds)
    }
}
