import Training

// curves.csv of an export and metrics.csv of a run folder: one row per HF iteration (columns at
// the top of Export.swift).

/// The header of curves.csv.
public let curvesCSVHeader = "iteration,train_loss,test_loss,test_error,lambda,lambda_next,rho,cg_iterations,"
    + "backtrack_iteration,step_size,accepted,elapsed_seconds,train_objective,"
    + "cg_stop,decision,line_search_tries,test_step_error,test_loss_relative,processor_seconds"

/// curves.csv: the header and one row per record (see the format notes at the top of Export.swift).
public func curvesCSV(_ history: [IterationRecord]) -> String {
    ([curvesCSVHeader] + history.map(curvesCSVRow)).joined(separator: "\n") + "\n"
}

/// One row of curves.csv (and of a run folder's metrics.csv), without the newline.
package func curvesCSVRow(_ r: IterationRecord) -> String {
    let fields: [String] = [
        "\(r.iteration)", csvNumber(r.trainLoss), csvNumber(r.testLoss), csvNumber(r.testError),
        csvNumber(r.lambda), csvNumber(r.lambdaNext), csvNumber(r.rho), "\(r.cgIterations)",
        "\(r.backtrackIteration)", csvNumber(r.stepSize), r.accepted ? "1" : "0", csvNumber(r.elapsedSeconds),
        csvNumber(r.trainObjective),
        r.cgStopCode, r.decision.code, "\(r.lineSearchTries)", csvNumber(r.testStepError),
        csvNumber(r.testLossRelative), csvNumber(r.processorSeconds),
    ]
    return fields.joined(separator: ",")
}

/// Shortest round-trip decimal; inf, -inf, nan for the non-finite values.
func csvNumber(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return "\(value)"
}
