import Diagnostics
import Testing

/// The one field-issue type the HF, first-order and run configurations share.
@Suite struct FieldIssueTests {
    @Test func theSubjectDefaultsToTheFieldAndSurvivesNesting() {
        let issue = FieldIssue(field: "weightCost", requirement: "must be non-negative and finite, got -1.0")
        #expect(issue.description == "weightCost must be non-negative and finite, got -1.0")
        let nested = issue.nested(under: "optimizer")
        #expect(nested.field == "optimizer.weightCost" && nested.subject == "weightCost")
        #expect(nested.description == issue.description)
    }

    @Test func theFirstFailingCheckWinsAndLaterOnesAreNotBuilt() {
        var built: [String] = []
        func requirement(_ text: String) -> String { built.append(text); return text }
        let issue = FieldIssue.first([
            { .check(true, "a", requirement("a")) },
            { .check(false, "b", subject: "the b", requirement("must be b")) },
            { .check(false, "c", requirement("must be c")) },
        ])
        #expect(issue == FieldIssue(field: "b", subject: "the b", requirement: "must be b"))
        #expect(built == ["must be b"])
    }
}

/// The tool's one error type prints one line and keeps the file or field at fault.
@Suite struct HFRNNErrorLineTests {
    @Test func aProblemSeenFromAnotherFileKeepsItsKind() {
        let mismatch = HFRNNError.dataMismatch("data.h5", "has 3 inputs, the network 2")
        #expect(mismatch.message == "data.h5: has 3 inputs, the network 2" && mismatch.path == "data.h5")
        let resumed = mismatch.reported(at: "run/latest.h5", "cannot resume: ")
        #expect(resumed == .dataMismatch(path: "run/latest.h5",
                                         message: "run/latest.h5: cannot resume: data.h5: has 3 inputs, the network 2"))
        let field = HFRNNError(FieldIssue(field: "hiddenUnits", subject: "hidden units", requirement: "must be at least 1, got 0"))
        #expect(field == .configuration(field: "hiddenUnits", message: "hidden units must be at least 1, got 0"))
    }
}
