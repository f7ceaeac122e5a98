import ArgumentParser
import Testing
@testable import hfrnn

/// Each first-order flag is declared once: the option itself, and its row in `FirstOrderOptions.flags`,
/// from which the flag-of-field map and the misplaced-flag checks are read.
@Suite struct FlagTableTests {
    @Test func everyFirstOrderFlagHasOneRow() {
        let declared = Set(FirstOrderOptions.helpMessage(columns: 500).split(separator: "\n").compactMap { line in
            line.split(separator: " ").first.map(String.init).flatMap { $0.hasPrefix("--") ? $0 : nil }
        })
        let rows = FirstOrderOptions.flags.map(\.flag)
        #expect(Set(rows) == declared.subtracting(["--optimizer", "--help"]))
        #expect(Set(rows).count == rows.count)
    }

    @Test func theFlagOfAFieldIsTheFirstThatSetsIt() {
        #expect(FirstOrderOptions.flagOfField == [
            "firstOrder.learningRate": "--learning-rate", "firstOrder.minibatchSize": "--minibatch",
            "firstOrder.gradientClipThreshold": "--clip", "firstOrder.momentumSchedule": "--momentum-schedule",
            "firstOrder.vanishingRegularizerWeight": "--vanishing-regularizer",
            "firstOrder.maximumMomentum": "--max-momentum", "firstOrder.adamBeta1": "--beta1",
            "firstOrder.adamBeta2": "--beta2", "firstOrder.adamEpsilon": "--adam-epsilon",
            "firstOrder.evaluateEvery": "--evaluate-every",
        ])
    }

    @Test func everyTrainRowIsADeclaredFlagAndTheMapsAreReadOffIt() throws {
        let help = Train.helpMessage(columns: 500)
        for row in Train.flags { #expect(help.contains("  \(row.flag)"), "\(row.flag)") }
        #expect(Train.flagOfField["batches.lineSearchBatchSize"] == "--evaluation-batch")
        #expect(Train.flagOfField["hiddenUnits"] == "--hidden-units" && Train.flagOfField.count == 19)
        #expect(Train.flagOfField["curvatureProducts"] == "--curvature-products")
        #expect(Train.flagOfField["hessianFree.cgMinIterations"] == "--min-cg")
        let train = try Train.parse(["--task", "addition", "--length", "10", "--threads", "2", "--mu", "0.1",
                                     "--hidden-units", "20"])
        #expect(train.hfOnlyFlags == ["--mu", "--threads"])
    }
}
