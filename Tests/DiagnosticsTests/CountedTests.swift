import Diagnostics
import Testing

/// Counts in messages take their noun in the right number ("1 outputs" was printed).
@Suite struct CountedTests {
    @Test func theNounFollowsTheCount() {
        #expect(counted(1, "output") == "1 output")
        #expect(counted(2, "output") == "2 outputs")
        #expect(counted(0, "evaluation") == "0 evaluations")
        #expect(counted(1, "CG step") == "1 CG step")
        #expect(counted(3, "mouse", plural: "mice") == "3 mice")
    }
}
