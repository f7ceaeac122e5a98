import Training

// curves.csv of an export and metrics.csv of a run folder: one row per record, the columns of the
// record's type (documented in checkpoints/README.md and at the top of Export.swift). The first
// column tells the two kinds of file apart: `iteration` (HF) or `evaluation` (first-order).

/// A record that is one row of curves.csv.
public protocol CurvesRow {
    /// The header line of the file.
    static var curvesHeader: String { get }
    /// The row's fields, in the header's order.
    var curvesFields: [String] { get }
}

/// curves.csv: the header and one row per record.
public func curvesCSV<Record: CurvesRow>(_ history: [Record]) -> String {
    ([Record.curvesHeader] + history.map(curvesCSVRow)).joined(separator: "\n") + "\n"
}

/// One row of curves.csv (and of a run folder's metrics.csv), without the newline.
package func curvesCSVRow<Record: CurvesRow>(_ record: Record) -> String {
    record.curvesFields.joined(separator: ",")
}

extension IterationRecord: CurvesRow {
    public static var curvesHeader: String {
        "iteration,train_loss,test_loss,test_error,lambda,lambda_next,rho,cg_iterations,"
            + "backtrack_iteration,step_size,accepted,elapsed_seconds,train_objective,"
            + "cg_stop,decision,line_search_tries,test_step_error,test_loss_relative,processor_seconds,sequences"
    }

    public var curvesFields: [String] {
        ["\(iteration)", csvNumber(trainLoss), csvNumber(testLoss), csvNumber(testError),
         csvNumber(lambda), csvNumber(lambdaNext), csvNumber(rho), "\(cgIterations)",
         "\(backtrackIteration)", csvNumber(stepSize), accepted ? "1" : "0", csvNumber(elapsedSeconds),
         csvNumber(trainObjective),
         cgStopCode, decision.code, "\(lineSearchTries)", csvNumber(testStepError),
         csvNumber(testLossRelative), csvNumber(processorSeconds), "\(sequences)"]
    }
}

extension FirstOrderRecord: CurvesRow {
    public static var curvesHeader: String {
        "evaluation,updates,sequences,train_loss,test_loss,test_error,learning_rate,"
            + "momentum,clipped_fraction,gradient_norm,skipped_updates,elapsed_seconds,vanishing_term,processor_seconds"
    }

    public var curvesFields: [String] {
        ["\(evaluation)", "\(updates)", "\(sequences)", csvNumber(trainLoss), csvNumber(testLoss),
         csvNumber(testError), csvNumber(learningRate), csvNumber(momentum), csvNumber(clippedFraction),
         csvNumber(gradientNorm), "\(skippedUpdates)", csvNumber(elapsedSeconds), csvNumber(vanishingTerm),
         csvNumber(processorSeconds)]
    }
}

/// Shortest round-trip decimal; inf, -inf, nan for the non-finite values.
func csvNumber(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    return "\(value)"
}

/// The learning curve in curves.csv or metrics.csv text of either method, its columns found by
/// their header names: what an experiment draws for a cell whose run folder is gone (another
/// machine) from its committed curves file, and what it reports of a running cell. A row with
/// the wrong number of fields (one being written) is passed over; a file without the curve's
/// columns gives nil. Columns a file predates read as NaN (processor time, HF's sequences).
public func curvePoints(fromCurvesCSV text: String) -> [CurvePoint]? {
    let lines = text.split { $0 == "\n" || $0 == "\r\n" }  // CR LF from an editor or a Windows checkout
    guard let header = lines.first else { return nil }
    let names = header.split(separator: ",").map(String.init)
    func column(_ name: String) -> Int? { names.firstIndex(of: name) }
    // A first-order file counts its steps in `updates` (its first column counts evaluations).
    guard let steps = column("updates") ?? column("iteration"), let testError = column("test_error"),
          let trainLoss = column("train_loss"), let testLoss = column("test_loss"),
          let elapsed = column("elapsed_seconds") else { return nil }
    let processor = column("processor_seconds"), sequences = column("sequences")
    return lines.dropFirst().compactMap { line -> CurvePoint? in
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == names.count, let step = Int(fields[steps]) else { return nil }
        func real(_ index: Int?) -> Double { index.flatMap { Double(fields[$0]) } ?? .nan }
        return CurvePoint(steps: step, trainLoss: real(trainLoss), testLoss: real(testLoss), testError: real(testError),
                          elapsedSeconds: real(elapsed), processorSeconds: real(processor), sequences: real(sequences))
    }
}
