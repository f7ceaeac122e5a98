import Training

// curves.csv and metrics.csv of a first-order run: one row per evaluation.

/// The header of a first-order run's curves.csv and metrics.csv. The first column tells the two
/// kinds of file apart: `iteration` (HF) or `evaluation` (first-order).
public let firstOrderCurvesCSVHeader = "evaluation,updates,sequences,train_loss,test_loss,test_error,learning_rate,"
    + "momentum,clipped_fraction,gradient_norm,skipped_updates,elapsed_seconds,vanishing_term"

/// Header and one row per record.
public func firstOrderCurvesCSV(_ history: [FirstOrderRecord]) -> String {
    ([firstOrderCurvesCSVHeader] + history.map(firstOrderCurvesCSVRow)).joined(separator: "\n") + "\n"
}

package func firstOrderCurvesCSVRow(_ r: FirstOrderRecord) -> String {
    [
        "\(r.evaluation)", "\(r.updates)", "\(r.sequences)", csvNumber(r.trainLoss), csvNumber(r.testLoss),
        csvNumber(r.testError), csvNumber(r.learningRate), csvNumber(r.momentum), csvNumber(r.clippedFraction),
        csvNumber(r.gradientNorm), "\(r.skippedUpdates)", csvNumber(r.elapsedSeconds), csvNumber(r.vanishingTerm),
    ].joined(separator: ",")
}
