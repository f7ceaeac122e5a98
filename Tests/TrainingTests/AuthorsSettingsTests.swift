import Foundation
import HessianFree
import Linalg
@testable import SequenceModel
import Tasks
import TestSupport
import Testing
@testable import Training
import TrainingTestSupport

/// `--settings isc` (the authors' released code), the evaluation batches taken from the gradient
/// batch, and the per-iteration diagnostics.
@Suite struct AuthorsSettingsTests {
    func taskConfig(_ task: PathologicalTask, _ t: Int) throws -> TrainingConfig {
        TrainingConfig(data: .task(try TaskSpec(task: task, minimumLength: t)))
    }

    @Test func iscPresetHoldsTheReleasesValues() throws {
        let config = SettingsPreset.isc.applied(to: try taskConfig(.temporalOrder3, 100))
        let hf = try #require(config.hessianFree)
        #expect(hf.structuralDampingWeight == 0.0075)
        #expect(hf.rhoUsesDampedModel && config.batches.evaluationBatchesFromGradient)
        #expect(hf.cgMaxIterations == 300 && hf.cgMinIterations == 1)
        #expect(config.batches.curvatureBatchSize == 1000 && config.batches.gradientBatchSize == 10_000)
        #expect(hf.lineSearchArmijoC == 0 && hf.lineSearchMaxTries == 50 && hf.lineSearchShrink == 0.8)
        #expect(hf.initialLambda == 0.08)
        #expect(!config.initialization.rescalesRecurrentWeights && !config.initialization.outputBiasAtTargetMean)
        #expect(config.issue == nil)
        // Each task's λ₀ = 0.01 × the release's num_outputs.
        let lambdas: [(PathologicalTask, Int, Double)] = [
            (.addition, 100, 0.01), (.xorRelease, 100, 0.01), (.temporalOrder, 200, 0.08),
            (.randomPermutation, 100, 1.0), (.memorization5, 100, 0.01 * 2 * 5 * 110),
            (.memorization20, 100, 0.01 * 5 * 10 * 120),
        ]
        for (task, t, lambda) in lambdas {
            let got = try #require(SettingsPreset.isc.applied(to: try taskConfig(task, t)).hessianFree?.initialLambda)
            #expect(abs(got - lambda) < 1e-12, "\(task)")
        }
        // 5-bit memorisation: the release's batch of 32 (all patterns) in every role.
        let memorisation = SettingsPreset.isc.applied(to: try taskConfig(.memorization5, 50)).batches
        #expect(memorisation.curvatureBatchSize == 32 && memorisation.gradientBatchSize == 320)
    }

    @Test func hfrnnPresetRestoresTheDefaults() throws {
        let base = try taskConfig(.temporalOrder, 100)
        var changed = SettingsPreset.isc.applied(to: base)
        changed.seed = 9
        let back = SettingsPreset.hfrnn.applied(to: changed)
        #expect(back.method == base.method && back.initialization == base.initialization && back.seed == 9)
    }

    /// The release's initialisation: W_hh not rescaled (its radius is the sparse draw's), b_y = 0.
    @Test func releaseInitialisationSkipsTheRescaleAndTheOutputBias() throws {
        let network = RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 30, outputs: 1), outputLoss: .linearSquaredError)
        var release = InitializationConfig()
        release.rescalesRecurrentWeights = false
        release.outputBiasAtTargetMean = false
        var rngA = SeededGenerator(seed: 4), rngB = SeededGenerator(seed: 4)
        let ours: [Double] = network.initialParameters(InitializationConfig(), outputMean: [1.0], using: &rngA)
        let theirs: [Double] = network.initialParameters(release, outputMean: [1.0], using: &rngB)
        let layout = network.layout
        #expect(ours[layout.outputBias.range] == [1.0] && theirs[layout.outputBias.range] == [0.0])
        let radiusOurs = RecurrentNetwork.spectralRadius(of: Array(ours[layout.hiddenToHidden.range]), size: 30)
        let radiusTheirs = RecurrentNetwork.spectralRadius(of: Array(theirs[layout.hiddenToHidden.range]), size: 30)
        #expect(abs(radiusOurs - 1.1) < 1e-6 && abs(radiusTheirs - 1.1) > 1e-3)
        // Same draws otherwise: the input weights agree.
        #expect(ours[layout.inputToHidden.range] == theirs[layout.inputToHidden.range])
    }

    /// Backtracking and line search on the gradient batch's 2nd and 3rd chunks: the same bits for
    /// one, two or three workers, and no separate draws.
    @Test func evaluationBatchesFromTheGradientBatchAreSharedExactly() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.batches.subBatchSize = 7
        config.batches.gradientBatchSize = 90  // three chunks of 30
        config.batches.evaluationBatchesFromGradient = true
        #expect(config.trainingSequencesPerIteration == 90)
        let alone = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        for _ in 0..<2 { _ = try alone.step() }
        let reference = [rawBytes(alone.parameters), rawBytes(alone.state.warmStart)]
        for workers in 2...3 {
            let results = try ThreadedGroup(size: workers).run { worker in
                let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self), group: worker)
                for _ in 0..<2 { _ = try trainer.step() }
                return [rawBytes(trainer.parameters), rawBytes(trainer.state.warmStart)]
            }
            for result in results { #expect(result == reference, "\(workers) workers") }
        }
        // With separate draws the run differs: the option changes what the roles see.
        config.batches.evaluationBatchesFromGradient = false
        let separate = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        for _ in 0..<2 { _ = try separate.step() }
        #expect(rawBytes(separate.parameters) != reference[0])
    }

    @Test func evaluationBatchesFromTheGradientBatchNeedThreeChunks() throws {
        var config = try smallConfig(.float)
        config.batches.evaluationBatchesFromGradient = true
        #expect(config.issue?.field == "batches.gradientBatchSize")
        config.batches.gradientBatchSize = 90
        #expect(config.issue == nil)
    }

    /// The yardstick of the relative loss: the best constant prediction, checked against the mean
    /// loss of predicting ȳ itself, and against nearby constants that must do worse.
    @Test(arguments: [OutputLoss.linearSquaredError, .logisticCrossEntropy, .softmaxCrossEntropy])
    func constantPredictionLossIsTheLossOfTheBestConstant(loss: OutputLoss) {
        var rng = SeededGenerator(seed: 5)
        let outputs = loss == .softmaxCrossEntropy ? 4 : (loss == .logisticCrossEntropy ? 2 : 3)
        let rows: [[Double]] = (0..<400).map { _ in
            switch loss {
            case .linearSquaredError: return (0..<outputs).map { _ in rng.nextUnit() * 2 - 0.5 }
            case .logisticCrossEntropy: return (0..<outputs).map { _ in rng.nextUnit() < 0.3 ? 1 : 0 }
            case .softmaxCrossEntropy:
                let k = min(outputs - 1, Int(rng.nextUnit() * rng.nextUnit() * Double(outputs)))
                return (0..<outputs).map { $0 == k ? 1 : 0 }
            }
        }
        let mean = (0..<outputs).map { o in rows.map { $0[o] }.reduce(0, +) / Double(rows.count) }
        let squared = rows.map { $0.reduce(0) { $0 + $1 * $1 } }.reduce(0, +) / Double(rows.count)
        /// Mean loss of predicting `p` (the output, after the non-linearity) at every row.
        func meanLoss(_ p: [Double]) -> Double {
            rows.map { y in
                switch loss {
                case .linearSquaredError: return zip(p, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) / 2 }
                case .logisticCrossEntropy: return zip(p, y).reduce(0) { $0 - $1.1 * log($1.0) - (1 - $1.1) * log(1 - $1.0) }
                case .softmaxCrossEntropy: return zip(p, y).reduce(0) { $0 - $1.1 * log($1.0) }
                }
            }.reduce(0, +) / Double(rows.count)
        }
        let best = loss.constantPredictionLoss(meanTarget: mean, meanSquaredNorm: squared)
        #expect(abs(best - meanLoss(mean)) < 1e-12)
        for o in 0..<outputs {
            var nudged = mean
            nudged[o] += 0.01
            if loss == .softmaxCrossEntropy { nudged = nudged.map { $0 / 1.01 } }
            #expect(meanLoss(nudged) > best)
        }
    }

    /// Memorisation judges ten steps per sequence: the per-symbol error is at most the sequence
    /// error, and a fresh network's relative loss is near 1 (it predicts about the prior).
    @Test func diagnosticsOfAnIteration() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.data = .task(try TaskSpec(task: .memorization20, minimumLength: 5))
        let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        let record = try trainer.step()
        #expect(record.testStepError <= record.testError && record.testStepError > 0)
        #expect(record.testLossRelative > 0.5 && record.testLossRelative < 3)
        #expect(record.lineSearchTries >= 1)
        #expect(record.processorSeconds > 0 && record.processorSeconds.isFinite)
    }

    /// A processor-time limit stops a session, but only after one iteration of it.
    @Test func processorTimeLimitStopsAfterAtLeastOneIteration() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var config = try smallConfig(.float)
        config.processorTimeLimitSeconds = 1e-6
        let trainer = try Trainer<HessianFreeTraining<Float>>(config: config, source: taskSource(config, Float.self))
        #expect(trainer.stopReason(interrupted: false) == nil)
        _ = try trainer.step()
        #expect(trainer.stopReason(interrupted: false) == .processorTimeLimit)
        config.processorTimeLimitSeconds = 0
        #expect(config.issue?.field == "processorTimeLimitSeconds")
    }

    /// Sub-batches made one at a time are evaluated as they come (one sub-batch held at a time) and give
    /// the same numbers as the whole list.
    @Test func streamedSubBatchesEvaluateLikeTheList() throws {
        let spec = try TaskSpec(task: .addition, minimumLength: 12)
        let network = RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 6, outputs: 1), outputLoss: spec.outputLoss)
        var rng = SeededGenerator(seed: 2)
        let theta: [Float] = network.initialParameters(using: &rng)
        var data = SeededGenerator(seed: 5)
        let subBatches: [SequenceBatch<Float>] = (0..<4).map { _ in spec.makeBatch(count: 7, using: &data) }
        let whole = EvaluationWorkspace(network: network).evaluateSet(parameters: theta, subBatches: subBatches,
                                                                      criterion: spec.errorCriterion)
        var made = 0, heldAtVisit: [Int] = []
        let streamed = EvaluationWorkspace(network: network).evaluateSet(
            parameters: theta, criterion: spec.errorCriterion,
            nextSubBatch: { () -> SequenceBatch<Float>? in
                guard made < subBatches.count else { return nil }
                made += 1
                return subBatches[made - 1]
            }, visit: { _, _, _ in heldAtVisit.append(made) })
        #expect(streamed == whole)
        #expect(heldAtVisit == [1, 2, 3, 4])
    }
}
