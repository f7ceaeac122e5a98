import ArgumentParser
import Testing
import Training
@testable import hfrnn

/// Flags against `--settings` and `--evaluation-batches from-gradient`: a flag that would do nothing
/// is refused, and a value the user never typed is not blamed on a flag without saying where it came from.
@Suite struct TrainPresetFlagTests {
    private static let task = ["--task", "addition", "--length", "20", "--hidden-units", "4"]

    /// The one-line message `train` gives for `options`, nil when they are accepted.
    private func rejection(_ options: [String]) -> String? {
        do {
            _ = try Train.parse(Self.task + options)
            return nil
        } catch {
            return Train.message(for: error)
        }
    }

    /// The backtracking and line-search sizes are the chunk's when the batches come from the
    /// gradient batch: `--evaluation-batch` would be stored and ignored (E = 50, 77 and 1000 ran the
    /// same numbers).
    @Test func evaluationBatchIsRefusedWhenTheBatchesComeFromTheGradient() {
        let fromGradient = ["--gradient-batch", "150", "--curvature-batch", "50", "--evaluation-batches", "from-gradient"]
        #expect(rejection(fromGradient + ["--evaluation-batch", "77"])
                == "--evaluation-batch: does nothing with --evaluation-batches from-gradient: the backtracking and "
                + "line-search batches are then chunks of the gradient batch, the curvature batch's size")
        #expect(rejection(["--settings", "isc", "--evaluation-batch", "77"])?
            .hasPrefix("--evaluation-batch: does nothing with --settings isc:") == true)
        #expect(rejection(["--settings", "isc", "--evaluation-batches", "separate", "--evaluation-batch", "77"]) == nil)
        #expect(rejection(["--evaluation-batches", "separate", "--evaluation-batch", "77"]) == nil)
    }

    /// What such a run stores is what it uses.
    @Test func storedEvaluationSizesAreTheChunks() throws {
        let train = try Train.parse(Self.task + ["--gradient-batch", "150", "--curvature-batch", "50",
                                                 "--evaluation-batches", "from-gradient"])
        let batches = try train.makeConfig().batches
        #expect(batches.backtrackBatchSize == 50 && batches.lineSearchBatchSize == 50)
        let isc = try Train.parse(Self.task + ["--settings", "isc", "--curvature-batch", "40"]).makeConfig().batches
        #expect(isc.backtrackBatchSize == 40 && isc.lineSearchBatchSize == 40 && isc.evaluationBatchesFromGradient)
    }

    /// A sub-batch larger than the curvature batch was cut to it without a word.
    @Test func aSubBatchLargerThanTheCurvatureBatchIsRefused() {
        #expect(rejection(["--gradient-batch", "100", "--curvature-batch", "50", "--sub-batch-size", "60"])
                == "--sub-batch-size: must be at most the curvature batch (50), which sub-batches slice, got 60")
        #expect(rejection(["--gradient-batch", "100", "--curvature-batch", "50", "--sub-batch-size", "50"]) == nil)
        #expect(rejection(["--gradient-batch", "100", "--curvature-batch", "50"]) == nil)
        // With a first-order optimizer the flag is refused as HF's, not measured against HF's batch.
        #expect(rejection(["--optimizer", "adam", "--sub-batch-size", "1000"]) == "--sub-batch-size: belongs to --optimizer hf, not adam")
        #expect(rejection(["--optimizer", "adam", "--evaluation-batches", "from-gradient", "--evaluation-batch", "7"])
                == "--evaluation-batch: belongs to --optimizer hf, not adam")
        #expect(rejection(["--dataset", ""])?.hasPrefix("--dataset: must not be empty") == true)
    }

    /// `--settings isc --gradient-batch 100`: the curvature batch of 1000 is the preset's, and the
    /// message says so rather than quoting a `--curvature-batch` the user never gave.
    @Test func aPresetValueIsNamedAsThePresets() {
        #expect(rejection(["--settings", "isc", "--gradient-batch", "100"])
                == "--curvature-batch: must be at most the gradient batch (100), whose first chunk it is, got 1000 "
                + "(the value --settings isc sets; give --curvature-batch to change it)")
        #expect(rejection(["--settings", "isc", "--gradient-batch", "100", "--curvature-batch", "200"])
                == "--curvature-batch: must be at most the gradient batch (100), whose first chunk it is, got 200")
    }
}

/// Durations of `--time-limit`, `--processor-time-limit` and the grid budgets: one unit, or hours,
/// minutes and seconds together (`1h30m` was refused).
@Suite struct DurationTests {
    @Test func durationsInOneOrSeveralUnits() throws {
        let valid: [(String, Double)] = [("90", 90), ("90s", 90), ("30m", 1800), ("1.5h", 5400), ("1e3s", 1000),
                                         ("1h30m", 5400), ("2m30s", 150), ("1h0m1s", 3601), ("0.5h30m", 3600)]
        for (text, seconds) in valid { #expect(try parseDuration(text, flag: "--time-limit") == seconds, "\(text)") }
        for text in ["", "h", "1h30", "30m1h", "1h1h", "-1h30m", "0h0m", "soon", "1 h", "nan", "2y"] {
            #expect(throws: ValidationError.self, "\(text)") { try parseDuration(text, flag: "--time-limit") }
        }
    }
}
