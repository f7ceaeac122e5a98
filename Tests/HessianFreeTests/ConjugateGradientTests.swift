import HessianFree
import Linalg
import Testing

/// A configuration whose only active CG limit is `maxIterations` (the progress rule needs i > 10).
private func cgConfig(maxIterations: Int) -> HFConfig {
    var config = HFConfig()
    config.cgMaxIterations = maxIterations
    return config
}

/// φ(x) = ½xᵀAx − bᵀx computed directly.
private func phi(_ a: DenseOperator, _ b: [Double], _ x: [Double]) -> Double {
    0.5 * dot(x, a.times(x)) - dot(b, x)
}

@Suite struct ConjugateGradientTests {
    @Test(arguments: [5, 8])
    func solvesSPDSystemInNIterations(n: Int) {
        var rng = SeededGenerator(seed: UInt64(100 + n))
        // Shift n keeps the condition number small, so round-off stays far below the tolerance.
        let a = DenseOperator(rows: randomSPD(n, shift: Double(n), rng: &rng))
        let b = (0..<n).map { _ in rng.nextGaussian() }
        let zero = [Double](repeating: 0, count: n)

        let result = ConjugateGradient.solve(operator: a, rhs: b, initial: zero, preconditioner: nil,
                                             config: cgConfig(maxIterations: n))
        #expect(result.iterations == n)
        #expect(result.termination == .maxIterations(n))
        #expect(norm(minus(a.times(result.x), b)) < 1e-10 * norm(b))

        // One iteration fewer does not solve it: the n-th step is needed.
        let short = ConjugateGradient.solve(operator: a, rhs: b, initial: zero, preconditioner: nil,
                                            config: cgConfig(maxIterations: n - 1))
        #expect(norm(minus(a.times(short.x), b)) > 1e-7 * norm(b))
    }

    @Test(arguments: [5, 8])
    func solvesSPDSystemWithDiagonalPreconditioner(n: Int) {
        var rng = SeededGenerator(seed: UInt64(200 + n))
        let a = DenseOperator(rows: randomSPD(n, shift: Double(n), rng: &rng))
        let b = (0..<n).map { _ in rng.nextGaussian() }
        let diag = (0..<n).map { _ in 0.5 + 3 * rng.nextUnit() }
        let x0 = (0..<n).map { _ in rng.nextGaussian() }

        let result = ConjugateGradient.solve(operator: a, rhs: b, initial: x0, preconditioner: diag,
                                             config: cgConfig(maxIterations: n))
        #expect(result.iterations == n)
        #expect(norm(minus(a.times(result.x), b)) < 1e-9 * norm(b))
        let short = ConjugateGradient.solve(operator: a, rhs: b, initial: x0, preconditioner: diag,
                                            config: cgConfig(maxIterations: n - 1))
        #expect(norm(minus(a.times(short.x), b)) > 1e-7 * norm(b))
    }

    @Test func identityPreconditionedByItsDiagonalSolvesInOneIterationExactly() {
        let a = DenseOperator(rows: [[4, 0, 0], [0, 2, 0], [0, 0, 8]])
        let b = [4.0, -2, 16]
        let result = ConjugateGradient.solve(operator: a, rhs: b, initial: [0, 0, 0], preconditioner: [4, 2, 8],
                                             config: cgConfig(maxIterations: 10))
        #expect(result.x == [1, -1, 2])
        #expect(result.termination == .exactSolution(iteration: 1))
        #expect(result.iterations == 1)
        // φ(x*) = −½ bᵀx* = −½(4 + 2 + 32) = −19.
        #expect(result.phiValues == [0, -19])
    }

    @Test func trackedPhiMatchesExplicitQuadratic() {
        let n = 8
        var rng = SeededGenerator(seed: 31)
        let a = DenseOperator(rows: randomSPD(n, shift: 0.5, rng: &rng))
        let b = (0..<n).map { _ in rng.nextGaussian() }
        let x0 = (0..<n).map { _ in rng.nextGaussian() }
        let diag = (0..<n).map { _ in 1 + rng.nextUnit() }

        for preconditioner in [nil, diag] {
            let result = ConjugateGradient.solve(operator: a, rhs: b, initial: x0, preconditioner: preconditioner,
                                                 config: cgConfig(maxIterations: n))
            #expect(result.phiValues.count == n + 1)
            #expect(abs(result.phiValues[0] - phi(a, b, x0)) < 1e-10)
            // Snapshots at 5 and 7 (the schedule) and the final iterate 8.
            #expect(result.snapshots.map(\.iteration) == [5, 7, 8])
            for snapshot in result.snapshots {
                let explicit = phi(a, b, snapshot.x)
                #expect(abs(result.phiValues[snapshot.iteration] - explicit) < 1e-9 * max(1, abs(explicit)))
            }
            #expect(result.snapshots.last?.x == result.x)
            // CG decreases φ monotonically.
            for j in 1...n { #expect(result.phiValues[j] <= result.phiValues[j - 1] + 1e-12) }
        }
    }

    @Test func snapshotScheduleFollowsCeilFiveTimesOnePointThreeToTheJ() {
        let expected = [5, 7, 9, 11, 15, 19, 25, 32, 41, 54, 69, 90, 117, 152, 197, 256]
        #expect(ConjugateGradient.snapshotSchedule(maxIterations: 300, base: 5, growth: 1.3) == expected)
        // The default cap of 150 keeps the schedule's entries up to 117.
        #expect(ConjugateGradient.snapshotSchedule(config: HFConfig()) == Array(expected.prefix(13)))
        #expect(ConjugateGradient.snapshotSchedule(maxIterations: 4, base: 5, growth: 1.3) == [])
        // Duplicates collapse when the growth is slow: ⌈1·1.1^j⌉ = 1, 2, 2, 2, 2, 2, 2, 2, 3, …
        #expect(ConjugateGradient.snapshotSchedule(maxIterations: 3, base: 1, growth: 1.1) == [1, 2, 3])
    }

    @Test func solveKeepsScheduledSnapshotsPlusFinalIterate() {
        let n = 30
        var rng = SeededGenerator(seed: 5)
        let a = DenseOperator(rows: randomSPD(n, shift: 1, rng: &rng))
        let b = (0..<n).map { _ in rng.nextGaussian() }
        var config = cgConfig(maxIterations: 20)
        config.cgMinIterations = 20  // keep the progress rule out of the way
        let result = ConjugateGradient.solve(operator: a, rhs: b, initial: [Double](repeating: 0, count: n),
                                             preconditioner: nil, config: config)
        #expect(result.snapshots.map(\.iteration) == [5, 7, 9, 11, 15, 19, 20])
    }

    @Test func progressWindowIsMaxOfTenAndTenPercentIgnoringRoundoff() {
        let config = HFConfig()
        #expect(ConjugateGradient.progressWindow(iteration: 1, config: config) == 10)
        #expect(ConjugateGradient.progressWindow(iteration: 100, config: config) == 10)
        #expect(ConjugateGradient.progressWindow(iteration: 101, config: config) == 11)
        #expect(ConjugateGradient.progressWindow(iteration: 110, config: config) == 11)  // 0.1·110 = 11.000000000000002
        #expect(ConjugateGradient.progressWindow(iteration: 250, config: config) == 25)
    }

    /// First i at which the rule fires on the prefixes of `phi`, or nil.
    private func firstFiring(_ phi: [Double], _ config: HFConfig) -> Int? {
        (1..<phi.count).first { ConjugateGradient.progressRuleFires(phiHistory: Array(phi[0...$0]), config: config) }
    }

    @Test func progressRuleFiresAtPredictedIterationOnPlateau() {
        // φ_i = −i up to 20, then flat at −20. With k = 10 the relative progress is
        // (φ_i − φ_{i−10})/φ_i = (20 − max(i − 10, …))/20, which first drops below 10·5e-4 = 0.005
        // when φ_{i−10} = −20 too, i.e. at i = 30 (at i = 29 it is 1/20 = 0.05).
        let phi = (0...60).map { -Double(min($0, 20)) }
        let config = HFConfig()
        #expect(firstFiring(phi, config) == 30)

        // The minimum iteration count postpones it.
        var late = config
        late.cgMinIterations = 42
        #expect(firstFiring(phi, late) == 42)
    }

    @Test func progressRuleFiresAtPredictedIterationOnLinearDecrease() {
        // φ_i = −i: relative progress is k/i, compared with k·ε, so it fires at the first i > 1/ε.
        // With ε = 3e-4 that is i = 3334 (1/3333 = 3.0003e-4 is not below 3e-4).
        var config = HFConfig()
        config.cgProgressTolerance = 3e-4
        let phi = (0...3400).map { -Double($0) }
        #expect(!ConjugateGradient.progressRuleFires(phiHistory: Array(phi[0...3333]), config: config))
        #expect(ConjugateGradient.progressRuleFires(phiHistory: Array(phi[0...3334]), config: config))
    }

    @Test func progressRuleNeverFiresWhilePhiIsNonNegativeOrTooEarly() {
        let config = HFConfig()
        let flatPositive = [Double](repeating: 1, count: 100)
        #expect(firstFiring(flatPositive, config) == nil)
        // Flat negative from the start: fires only once i > k = 10.
        let flatNegative = [Double](repeating: -1, count: 100)
        #expect(firstFiring(flatNegative, config) == 11)
    }

    @Test func solveStopsExactlyWhereTheRuleFiresOnItsOwnHistory() {
        // Ill-conditioned diagonal system: CG needs many iterations and stops by relative progress.
        let n = 300
        var rows = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            let fraction = Double(i) / Double(n)
            rows[i][i] = 1 + 1e4 * fraction * fraction
        }
        var rng = SeededGenerator(seed: 9)
        let b = (0..<n).map { _ in rng.nextGaussian() }
        let result = ConjugateGradient.solve(operator: DenseOperator(rows: rows), rhs: b,
                                             initial: [Double](repeating: 0, count: n), preconditioner: nil,
                                             config: HFConfig())
        guard case let .progressConverged(iteration, window, progress) = result.termination else {
            Issue.record("expected progressConverged, got \(result.termination.reason)")
            return
        }
        #expect(iteration == result.iterations && iteration < 250)
        #expect(window == ConjugateGradient.progressWindow(iteration: iteration, config: HFConfig()))
        #expect(progress < Double(window) * 5e-4)
        #expect(firstFiring(result.phiValues, HFConfig()) == iteration)
    }

    @Test func indefiniteMatrixReportsNonPositiveCurvatureWithIteratesSoFar() {
        // A = diag(2, −1), b = (1, 1), x0 = 0. Iteration 1: p = (1, 1), pᵀAp = 1, α = 2, x = (2, 2),
        // r = (3, −3), β = 18/2 = 9, p = (6, 12). Iteration 2: pᵀAp = 2·36 − 144 = −72.
        let a = DenseOperator(rows: [[2, 0], [0, -1]])
        let result = ConjugateGradient.solve(operator: a, rhs: [1, 1], initial: [0, 0], preconditioner: nil,
                                             config: HFConfig())
        #expect(result.termination == .nonPositiveCurvature(iteration: 2, curvature: -72))
        #expect(result.termination.isBreakdown)
        #expect(result.iterations == 1)
        #expect(result.x == [2, 2])
        #expect(result.snapshots == [CGSnapshot(iteration: 1, x: [2, 2])])
        // φ(2, 2) = ½(8 − 4) − 4 = −2.
        #expect(result.phiValues == [0, -2])
    }

    @Test func negativeCurvatureOnFirstDirectionReturnsTheInitialIterate() {
        let a = DenseOperator(rows: [[1, 0, 0], [0, -3, 0], [0, 0, 1]])
        let result = ConjugateGradient.solve(operator: a, rhs: [1, 1, 1], initial: [0, 0, 0], preconditioner: nil,
                                             config: HFConfig())
        #expect(result.termination == .nonPositiveCurvature(iteration: 1, curvature: -1))
        #expect(result.iterations == 0)
        #expect(result.snapshots == [CGSnapshot(iteration: 0, x: [0, 0, 0])])
    }

    @Test func nanInOperatorGivesNonFinite() {
        let result = ConjugateGradient.solve(operator: NaNOperator(dimension: 4), rhs: [1, 2, 3, 4],
                                             initial: [0, 0, 0, 0], preconditioner: nil, config: HFConfig())
        guard case .nonFinite(iteration: 1, _) = result.termination else {
            Issue.record("expected nonFinite in iteration 1, got \(result.termination.reason)")
            return
        }
        #expect(result.termination.isBreakdown)
        #expect(result.iterations == 0)
        #expect(result.termination.reason.contains("non-finite"))
    }

    @Test func nanInRightHandSideGivesNonFiniteBeforeAnyProduct() {
        let a = DenseOperator(rows: [[1, 0], [0, 1]])
        let result = ConjugateGradient.solve(operator: a, rhs: [1, .nan], initial: [0, 0], preconditioner: nil,
                                             config: HFConfig())
        #expect(result.termination == .nonFinite(iteration: 0, quantity: "the right-hand side b"))
    }

    @Test func worksInFloat() {
        // Float is the training precision: a 3×3 SPD system through the BLAS-backed vector ops.
        struct FloatMatrix: LinearOperator {
            let rows: [[Float]]
            var dimension: Int { rows.count }
            func apply(_ v: [Float], into out: inout [Float]) {
                for i in 0..<rows.count { out[i] = zip(rows[i], v).reduce(0) { $0 + $1.0 * $1.1 } }
            }
        }
        let a = FloatMatrix(rows: [[4, 1, 0], [1, 3, 1], [0, 1, 2]])
        let b: [Float] = [1, 2, 3]
        let result = ConjugateGradient.solve(operator: a, rhs: b, initial: [0, 0, 0], preconditioner: nil,
                                             config: cgConfig(maxIterations: 3))
        var ax: [Float] = [0, 0, 0]
        a.apply(result.x, into: &ax)
        for i in 0..<3 { #expect(abs(ax[i] - b[i]) < 1e-5) }
    }
}
