import Linalg

/// A copy of the CG iterate x after `iteration` completed iterations (0 = the initial iterate),
/// kept as a candidate step for backtracking.
public struct CGSnapshot<Scalar: BLASScalar>: Sendable, Equatable {
    public var iteration: Int
    public var x: [Scalar]

    public init(iteration: Int, x: [Scalar]) {
        self.iteration = iteration
        self.x = x
    }
}

/// What one conjugate-gradient solve produced.
public struct CGResult<Scalar: BLASScalar>: Sendable {
    /// The final iterate (for `.nonFinite` it may itself be non-finite; do not use it then).
    public var x: [Scalar]
    /// Number of completed iterations (matrix-vector products with a search direction).
    public var iterations: Int
    /// `phiValues[j]` = φ(x_j) = ½x_jᵀAx_j − bᵀx_j after j iterations, j = 0 … iterations.
    public var phiValues: [Double]
    /// Iterates at the scheduled iterations ⌈base·growth^j⌉ reached, plus the final iterate
    /// (always the last element, except after a non-finite breakdown that spoilt it).
    public var snapshots: [CGSnapshot<Scalar>]
    public var termination: CGTermination

    public init(x: [Scalar], iterations: Int, phiValues: [Double], snapshots: [CGSnapshot<Scalar>],
                termination: CGTermination) {
        self.x = x
        self.iterations = iterations
        self.phiValues = phiValues
        self.snapshots = snapshots
        self.termination = termination
    }
}

/// Preconditioned linear conjugate gradient with Martens' relative-progress stopping rule and
/// iterate snapshots for CG-backtracking [JMC `conjgrad_1`, ISC `conjgrad`].
public enum ConjugateGradient {
    /// Approximately minimises φ(x) = ½xᵀAx − bᵀx (the HF solver passes b = −g, so φ(x) is the
    /// change q(x) − q(0) of the quadratic model) starting from `x0`.
    ///
    /// φ is tracked without extra products. With the residual r = Ax − b,
    ///
    ///     φ(x) = ½xᵀAx − bᵀx = ½xᵀ(Ax − b) − ½bᵀx = ½ (r − b)ᵀx,
    ///
    /// and r is updated by the CG recurrence r ← r + αAp, reusing the product Ap of the iteration.
    ///
    /// CG stops at the first of: the relative-progress rule (`progressRuleFires`), `cgMaxIterations`,
    /// pᵀAp ≤ 0, a non-finite value in Ap, pᵀAp, α or φ, or an exactly zero residual.
    ///
    /// - Parameters:
    ///   - op: the symmetric (ideally positive definite) matrix A.
    ///   - b: the right-hand side.
    ///   - x0: the starting iterate (the product A·x0 is skipped when it is all zeros).
    ///   - diag: optional diagonal preconditioner M (all entries positive); CG then works with the
    ///     preconditioned residual y = r ⊘ M.
    ///   - config: supplies `cgMaxIterations`, `cgMinIterations`, the progress-rule constants and
    ///     the snapshot schedule.
    /// - Note: the work vectors (x, r, p, Ap and, if preconditioned, y) are allocated once per solve.
    public static func solve<Op: LinearOperator>(operator op: Op, rhs b: [Op.Scalar], initial x0: [Op.Scalar],
                                                 preconditioner diag: [Op.Scalar]?,
                                                 config: HFConfig) -> CGResult<Op.Scalar> {
        typealias S = Op.Scalar
        let n = op.dimension
        precondition(b.count == n && x0.count == n,
                     "CG lengths: operator \(n), rhs \(b.count), initial \(x0.count)")
        if let diag { precondition(diag.count == n, "CG preconditioner length \(diag.count), operator \(n)") }

        let schedule = snapshotSchedule(config: config)
        var nextScheduled = 0
        var x = x0
        var r = [S](repeating: 0, count: n)
        var p = [S](repeating: 0, count: n)
        var ap = [S](repeating: 0, count: n)
        var y = [S](repeating: 0, count: diag == nil ? 0 : n)
        var phis: [Double] = []
        var snapshots: [CGSnapshot<S>] = []

        func finish(_ termination: CGTermination, iterations: Int) -> CGResult<S> {
            let spoilt: Bool
            if case .nonFinite = termination { spoilt = !Vec.isFinite(x) } else { spoilt = false }
            if !spoilt && snapshots.last?.iteration != iterations {
                snapshots.append(CGSnapshot(iteration: iterations, x: x))
            }
            return CGResult(x: x, iterations: iterations, phiValues: phis, snapshots: snapshots,
                            termination: termination)
        }
        /// y ← r ⊘ M (only called when preconditioned).
        func applyPreconditioner(_ m: [S]) {
            for j in 0..<n { y[j] = r[j] / m[j] }
        }

        guard Vec.isFinite(b) else { return finish(.nonFinite(iteration: 0, quantity: "the right-hand side b"), iterations: 0) }
        guard Vec.isFinite(x0) else { return finish(.nonFinite(iteration: 0, quantity: "the initial iterate x0"), iterations: 0) }
        if let diag, !diag.allSatisfy({ $0 > 0 && $0.isFinite }) {
            return finish(.nonFinite(iteration: 0, quantity: "the preconditioner (entries must be positive and finite)"),
                          iterations: 0)
        }

        // r₀ = A x₀ − b.
        if x0.allSatisfy({ $0 == 0 }) {
            for j in 0..<n { r[j] = -b[j] }
        } else {
            op.apply(x0, into: &r)
            Vec.axpy(-1, b, &r)
            guard Vec.isFinite(r) else { return finish(.nonFinite(iteration: 0, quantity: "A·x0"), iterations: 0) }
        }
        phis.append(phiValue(r: r, b: b, x: x))

        // p₀ = −y₀, with y = r ⊘ M (or y = r without a preconditioner); rᵀy is carried between iterations.
        var ry: S
        if let diag {
            applyPreconditioner(diag)
            ry = Vec.dot(r, y)
            for j in 0..<n { p[j] = -y[j] }
        } else {
            ry = Vec.dot(r, r)
            for j in 0..<n { p[j] = -r[j] }
        }

        for i in 1...config.cgMaxIterations {
            if ry == 0 { return finish(.exactSolution(iteration: i - 1), iterations: i - 1) }
            op.apply(p, into: &ap)
            let pAp = Vec.dot(p, ap)
            guard Vec.isFinite(ap), pAp.isFinite else {
                return finish(.nonFinite(iteration: i, quantity: "the curvature product A·p"), iterations: i - 1)
            }
            guard pAp > 0 else {
                return finish(.nonPositiveCurvature(iteration: i, curvature: Double(pAp)), iterations: i - 1)
            }
            let alpha = ry / pAp
            guard alpha.isFinite else {
                return finish(.nonFinite(iteration: i, quantity: "the step length α"), iterations: i - 1)
            }
            Vec.axpy(alpha, p, &x)
            Vec.axpy(alpha, ap, &r)
            let phi = phiValue(r: r, b: b, x: x)
            guard phi.isFinite else {
                return finish(.nonFinite(iteration: i, quantity: "the model value φ"), iterations: i)
            }
            phis.append(phi)

            if nextScheduled < schedule.count && schedule[nextScheduled] == i {
                snapshots.append(CGSnapshot(iteration: i, x: x))
                nextScheduled += 1
            }
            if let test = progressTest(phiHistory: phis, config: config), test.fires {
                return finish(.progressConverged(iteration: i, window: test.window,
                                                 relativeProgress: test.relativeProgress), iterations: i)
            }

            // p ← −y + β p with β = r_newᵀy_new / r_oldᵀy_old (Fletcher–Reeves form of linear CG).
            let ryNew: S
            if let diag {
                applyPreconditioner(diag)
                ryNew = Vec.dot(r, y)
                Vec.scale(ryNew / ry, &p)
                Vec.axpy(-1, y, &p)
            } else {
                ryNew = Vec.dot(r, r)
                Vec.scale(ryNew / ry, &p)
                Vec.axpy(-1, r, &p)
            }
            ry = ryNew
        }
        return finish(.maxIterations(config.cgMaxIterations), iterations: config.cgMaxIterations)
    }

    /// φ = ½ (r − b)ᵀx = ½ (rᵀx − bᵀx), in Double.
    @inline(__always)
    static func phiValue<S: BLASScalar>(r: [S], b: [S], x: [S]) -> Double {
        0.5 * (Double(Vec.dot(r, x)) - Double(Vec.dot(b, x)))
    }

    // MARK: Stopping rule

    /// The relative-progress window k = max(`cgProgressWindowMinimum`, ⌈`cgProgressWindowFraction`·i⌉)
    /// for iteration i [JMC, ISC, BL]. The ceiling ignores round-off in the product, so that
    /// 0.1·110 (= 11.000000000000002 in binary floating point) gives 11, not 12.
    public static func progressWindow(iteration i: Int, config: HFConfig) -> Int {
        max(config.cgProgressWindowMinimum, ceilingIgnoringRoundoff(config.cgProgressWindowFraction * Double(i)))
    }

    /// Martens' relative-progress rule as a pure function of the φ history, where
    /// `phiHistory[j]` = φ after j iterations and i = `phiHistory.count − 1` is the current one:
    /// stop when i ≥ `cgMinIterations`, i > k, φ_i < 0 and (φ_i − φ_{i−k})/φ_i < k·ε, with
    /// k = `progressWindow(iteration: i)` and ε = `cgProgressTolerance`.
    public static func progressRuleFires(phiHistory: [Double], config: HFConfig) -> Bool {
        progressTest(phiHistory: phiHistory, config: config)?.fires ?? false
    }

    /// The rule's ingredients, or nil when it cannot apply yet (i < min iterations, i ≤ k, φ_i ≥ 0).
    static func progressTest(phiHistory phi: [Double], config: HFConfig)
        -> (fires: Bool, window: Int, relativeProgress: Double)? {
        let i = phi.count - 1
        guard i >= 1, i >= config.cgMinIterations else { return nil }
        let k = progressWindow(iteration: i, config: config)
        guard i > k, phi[i] < 0 else { return nil }
        let progress = (phi[i] - phi[i - k]) / phi[i]
        return (progress < Double(k) * config.cgProgressTolerance, k, progress)
    }

    // MARK: Snapshot schedule

    /// The CG iterations whose iterates are kept for backtracking: the distinct values
    /// ⌈base·growth^j⌉ ≤ `maxIterations`, j = 0, 1, … in increasing order [JMC]. With base 5 and
    /// growth 1.3: 5, 7, 9, 11, 15, 19, 25, 32, 41, 54, 69, 90, 117, 152, 197, 256, …
    /// (The solver adds the final iterate separately.)
    public static func snapshotSchedule(maxIterations: Int, base: Double, growth: Double) -> [Int] {
        precondition(base > 0 && growth > 1 && growth.isFinite, "snapshot schedule needs base > 0 and growth > 1")
        var result: [Int] = []
        var value = base
        while value <= Double(maxIterations) {
            let i = ceilingIgnoringRoundoff(value)
            if i > maxIterations { break }
            if result.last != i { result.append(i) }
            value *= growth
        }
        return result
    }

    /// `snapshotSchedule` with the configuration's base, growth and `cgMaxIterations`.
    public static func snapshotSchedule(config: HFConfig) -> [Int] {
        snapshotSchedule(maxIterations: config.cgMaxIterations, base: config.backtrackSnapshotBase,
                         growth: config.backtrackSnapshotGrowth)
    }
}

/// ⌈v⌉ for v ≥ 0, treating a value within a relative 1e-12 above an integer as that integer, so that
/// round-off in products such as 0.1·110 does not push the ceiling one step too far.
func ceilingIgnoringRoundoff(_ v: Double) -> Int {
    Int((v * (1 - 1e-12)).rounded(.up))
}
