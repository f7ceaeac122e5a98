import Linalg

/// The CG iterate chosen as the HF step by CG-backtracking.
public struct BacktrackChoice: Sendable, Equatable {
    /// Index into the snapshot array.
    public var index: Int
    /// The CG iteration the snapshot was taken at.
    public var iteration: Int
    /// f(θ + x) for the chosen snapshot x.
    public var loss: Double
    /// How many times `lossOf` was called.
    public var evaluations: Int

    public init(index: Int, iteration: Int, loss: Double, evaluations: Int) {
        self.index = index
        self.iteration = iteration
        self.loss = loss
        self.evaluations = evaluations
    }
}

public enum Backtracking {
    /// CG-backtracking [M'10, JMC]: evaluates f(θ + x) for the snapshots from the LAST one backwards
    /// while f keeps strictly decreasing, and returns the first local minimum seen from the end.
    ///
    /// A non-finite loss counts as +∞, so the walk always moves past a NaN toward earlier iterates.
    /// - Note: [ISC] instead evaluates every 10th iterate and keeps the global best; we follow JMC,
    ///   which needs only a few evaluations when later iterates are good.
    /// - Parameters:
    ///   - snapshots: the CG snapshots in increasing iteration order (must not be empty).
    ///   - lossOf: f(θ + x) for a snapshot x.
    public static func chooseIterate<S: BLASScalar>(_ snapshots: [CGSnapshot<S>],
                                                   lossOf: ([S]) -> Double) -> BacktrackChoice {
        precondition(!snapshots.isEmpty, "backtracking needs at least one CG snapshot")
        func finiteOrInfinity(_ v: Double) -> Double { v.isFinite ? v : .infinity }
        var best = snapshots.count - 1
        var bestLoss = lossOf(snapshots[best].x)
        var evaluations = 1
        while best > 0 {
            let candidate = lossOf(snapshots[best - 1].x)
            evaluations += 1
            guard finiteOrInfinity(candidate) < finiteOrInfinity(bestLoss) else { break }
            best -= 1
            bestLoss = candidate
        }
        return BacktrackChoice(index: best, iteration: snapshots[best].iteration, loss: bestLoss,
                               evaluations: evaluations)
    }
}
