import FirstOrder
import Tasks
import Testing
import Training

/// The sequences a run draws per history iteration: the x axis on which HF and first-order
/// methods are compared at equal data in an experiment's curves.
@Suite struct SequencesProcessedTests {
    private let data = DataSourceConfig.task(try! TaskSpec(task: .addition, minimumLength: 10))

    @Test func hfDrawsItsGradientChunksAndItsBacktrackingAndLineSearchBatches() {
        var config = TrainingConfig(data: data)
        // 10,000 gradient sequences drawn as 34 whole chunks of the 300-sequence curvature batch.
        #expect(config.trainingSequencesPerIteration == 34 * 300 + 1000 + 1000)
        // A gradient batch that is not a whole number of chunks is drawn as whole chunks.
        config.batches.gradientBatchSize = 25
        config.batches.curvatureBatchSize = 10
        config.batches.backtrackBatchSize = 7
        config.batches.lineSearchBatchSize = 3
        #expect(config.trainingSequencesPerIteration == 30 + 7 + 3)
    }

    @Test(arguments: [FirstOrderMethod.sgd, .nesterov, .adam])
    func firstOrderDrawsOneMinibatchPerUpdate(_ method: FirstOrderMethod) {
        var config = TrainingConfig(data: data)
        var run = FirstOrderRunConfig(method: method)
        run.optimizer.minibatchSize = 37
        config.firstOrder = run
        #expect(config.trainingSequencesPerIteration == 37)
    }
}
