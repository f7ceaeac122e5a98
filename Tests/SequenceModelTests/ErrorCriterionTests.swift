import Linalg
import Testing
@testable import SequenceModel

/// A prediction that is NaN or infinite is never counted as right, whatever the criterion.
@Suite struct ErrorCriterionTests {
    @Test(arguments: OutputLoss.allCases)
    func nonFinitePredictionsAreWrong(loss: OutputLoss) {
        let problem = TinyProblem(loss: loss)
        let evaluator = BatchEvaluator(network: problem.network, batch: problem.batch)
        var theta = problem.theta
        for k in problem.network.layout.outputBias.range { theta[k] = .nan }
        evaluator.forward(theta)
        let errors = evaluator.sequenceErrors(criterion: .standard(for: loss))
        #expect(errors.judged == 3)
        #expect(errors.wrong == 3)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func criteriaRejectNonFiniteRows(value: Double) {
        let criteria: [(ErrorCriterion, [Double])] = [
            (.absoluteTolerance(0.04), [0.5, 0.5]), (.binaryThreshold, [0, 0]), (.argmax, [1, 0]),
        ]
        for (criterion, target) in criteria {
            let prediction = [value, target[1]]
            let wrong = prediction.withUnsafeBufferPointer { p in
                target.withUnsafeBufferPointer { criterion.isWrong(p.baseAddress!, $0.baseAddress!, count: 2) }
            }
            #expect(wrong, "\(criterion) counted \(prediction) as right for \(target)")
        }
    }
}
