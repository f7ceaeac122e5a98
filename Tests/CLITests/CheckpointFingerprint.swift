import RunStore
import Training

/// What must be bit-identical between two runs of the same arithmetic: weights, optimizer state
/// and history, but for the times (wall and processor), as text of bit patterns.
func checkpointFingerprint(_ path: String) throws -> [String] {
    let checkpoint = try Checkpoint<HessianFreeTraining<Float>>.load(from: path)
    var state = checkpoint.state
    state.warmStart = []
    let history = checkpoint.history.map { record in
        [record.trainLoss, record.trainObjective, record.testLoss, record.testError, record.lambda, record.lambdaNext,
         record.rho, record.stepSize, record.testStepError, record.testLossRelative]
            .map { String($0.bitPattern) }.joined(separator: ",")
            + " \(record.cgIterations) \(String(describing: record.cgStop)) \(record.backtrackIteration) \(record.decision)"
            + " \(record.lineSearchTries) \(record.sequences)"
    }
    return [checkpoint.parameters.map { String($0.bitPattern) }.joined(separator: ","),
            checkpoint.state.warmStart.map { String($0.bitPattern) }.joined(separator: ","),
            "\(state)", "\(checkpoint.config.batches.subBatchSize ?? 0)"] + history
}
