import Foundation
import Linalg
import Testing
@testable import SequenceModel

/// Softmax targets that do not sum to exactly 1 (the dataset rules accept a sum within 1e-3, and
/// float32 storage rounds): the gradient and the curvature must still be the derivatives of the
/// loss −Σ y·log p that is reported, i.e. (Σy)·p − y and (Σy)·(diag(p) − ppᵀ).
@Suite struct SoftTargetTests {
    /// The tiny softmax problem with every target row replaced by a soft one summing to 1 + 5e-4.
    private func softProblem() -> (problem: TinyProblem, batch: SequenceBatch<Double>) {
        let problem = TinyProblem(loss: .softmaxCrossEntropy)
        var batch = problem.batch
        for row in 0..<batch.mask.count {
            batch.targets[2 * row] = 0.3
            batch.targets[2 * row + 1] = 0.7005
        }
        return (problem, batch)
    }

    @Test func gradientMatchesCentralDifferences() {
        let (problem, batch) = softProblem()
        let evaluator = BatchEvaluator(network: problem.network, batch: batch)
        evaluator.forward(problem.theta)
        var gradient = [Double](repeating: .nan, count: problem.theta.count)
        evaluator.gradient(into: &gradient)
        let numeric = finiteDifferenceJacobian(problem.theta) { [evaluator.forward($0)] }[0]
        let error = maxRelativeError(gradient, numeric)
        #expect(error < 1e-7, "relative error \(error)")
    }

    @Test func lossCurvatureMatchesFiniteDifferenceHessian() {
        let s = [0.3, -1.2, 0.8]
        let y = [0.2, 0.3005, 0.5]
        let hessian = finiteDifferenceJacobian(s, step: 1e-4) { point in
            finiteDifferenceJacobian(point, step: 1e-4) { [ReferenceRNN.loss(.softmaxCrossEntropy, s: $0, y: y)] }[0]
        }
        var predictions = s
        _ = predictions.withUnsafeMutableBufferPointer { p in
            y.withUnsafeBufferPointer {
                OutputLoss.softmaxCrossEntropy.applyOutput(p.baseAddress!, target: $0.baseAddress!, count: 3, scored: true)
            }
        }
        for column in 0..<3 {
            var basis = [Double](repeating: 0, count: 3)
            basis[column] = 1
            basis.withUnsafeMutableBufferPointer { r in
                predictions.withUnsafeBufferPointer { p in
                    y.withUnsafeBufferPointer {
                        OutputLoss.softmaxCrossEntropy.multiplyCurvature(r.baseAddress!, predictions: p.baseAddress!,
                                                                         target: $0.baseAddress!, count: 3, weight: 1)
                    }
                }
            }
            let error = maxRelativeError(basis, hessian.map { $0[column] })
            #expect(error < 1e-6, "column \(column): relative error \(error)")
        }
    }

    /// Targets that sum to 1 exactly (one-hot) give the same bits as the plain p − y: task runs keep
    /// their trajectories.
    @Test func oneHotTargetsHaveUnitPredictionWeight() {
        let y: [Float] = [0, 0, 1, 0]
        let m = y.withUnsafeBufferPointer { OutputLoss.softmaxCrossEntropy.predictionWeight(target: $0.baseAddress!, count: 4) }
        #expect(m == 1)
    }
}
