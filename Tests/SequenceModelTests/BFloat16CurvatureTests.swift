import Linalg
@testable import SequenceModel
import Testing

/// The curvature product with bfloat16 matrix products (`curvatureArithmetic = .bfloat16`): near
/// the exact product, not equal to the float one, the same bits on any number of threads, and
/// ignored by Double evaluators.
@Suite struct BFloat16CurvatureTests {
    /// 24 hidden units and 20 sequences: wide enough for every step product to take bfloat16.
    struct Problem {
        let network: RecurrentNetwork
        let batch: SequenceBatch<Double>
        let theta: [Double]
        let direction: [Double]

        init(seed: UInt64 = 11) {
            let (inputs, hidden, outputs, sequences, steps) = (3, 24, 2, 20, 7)
            network = RecurrentNetwork(shape: NetworkShape(inputs: inputs, hidden: hidden, outputs: outputs),
                                       outputLoss: .linearSquaredError)
            var rng = SeededGenerator(seed: seed)
            var batch = SequenceBatch<Double>(sequenceCount: sequences, steps: steps, inputSize: inputs, outputSize: outputs)
            batch.lengths = (0..<sequences).map { steps - $0 % 3 }
            for b in 0..<sequences {
                for t in 0..<batch.lengths[b] {
                    let row = batch.index(step: t, sequence: b)
                    for i in 0..<inputs { batch.inputs[row * inputs + i] = rng.nextGaussian() }
                    for o in 0..<outputs { batch.targets[row * outputs + o] = rng.nextGaussian() }
                    if t % 2 == 1 {
                        batch.mask[row] = 1
                        batch.errorMask[row] = true
                    }
                }
            }
            self.batch = batch
            theta = (0..<network.parameterCount).map { _ in 0.3 * rng.nextGaussian() }
            direction = (0..<network.parameterCount).map { _ in rng.nextGaussian() }
        }

        func product<S: BLASScalar>(_: S.Type, arithmetic: ProductArithmetic) -> [Double] {
            let evaluator = BatchEvaluator(network: network, batch: batch.converted(to: S.self))
            evaluator.curvatureArithmetic = arithmetic
            evaluator.forward(theta.map { S($0) })
            var out = [S](repeating: 0, count: theta.count)
            evaluator.curvatureProduct(direction.map { S($0) }, into: &out, structuralWeight: 0.3)
            return out.map { Double($0) }
        }
    }

    static func relativeError(_ x: [Double], _ reference: [Double]) -> Double {
        let difference = zip(x, reference).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        return (difference / reference.map { $0 * $0 }.reduce(0, +)).squareRoot()
    }

    @Test func isNearTheExactProductWithinBFloat16Rounding() {
        let problem = Problem()
        let exact = problem.product(Double.self, arithmetic: .float)
        let single = problem.product(Float.self, arithmetic: .float)
        let bfloat = problem.product(Float.self, arithmetic: .bfloat16)
        let bfloatError = Self.relativeError(bfloat, exact), singleError = Self.relativeError(single, exact)
        // bfloat16 keeps 8 significant bits (relative rounding 2⁻⁹); the product's error is of that order.
        #expect(bfloatError < 2e-2, "bf16 relative error \(bfloatError)")
        #expect(bfloatError > 10 * singleError, "bf16 \(bfloatError) against float \(singleError): bf16 not used?")
    }

    @Test func doubleEvaluatorsIgnoreIt() {
        let problem = Problem()
        #expect(problem.product(Double.self, arithmetic: .bfloat16) == problem.product(Double.self, arithmetic: .float))
    }
}
