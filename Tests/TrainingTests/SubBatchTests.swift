import Linalg
import SequenceModel
import Tasks
import TestSupport
import Testing
@testable import HessianFree
@testable import Training

/// Sub-batched objectives: the ordered sum of their sub-batches, whoever evaluates them.
@Suite struct SubBatchTests {
    let network = RecurrentNetwork(shape: NetworkShape(inputs: 2, hidden: 6, outputs: 1), outputLoss: .linearSquaredError)

    /// 11 addition sequences, parameters and a direction, in Float (where rounding shows).
    func fixture() throws -> (batch: SequenceBatch<Float>, theta: [Float], v: [Float]) {
        let spec = try TaskSpec(task: .addition, minimumLength: 6)
        var rng = SeededGenerator(seed: 21)
        let batch: SequenceBatch<Float> = spec.makeBatch(count: 11, using: &rng)
        let theta: [Float] = network.initialParameters(using: &rng)
        let v = (0..<theta.count).map { _ in Float(rng.nextGaussian()) }
        return (batch, theta, v)
    }

    /// Everything an objective computes, as bit patterns.
    struct Results: Equatable {
        var loss: UInt32, gradientLoss: UInt32, gradient: [UInt32], fisherLoss: UInt32, fisher: [UInt32],
            boundLoss: UInt32, product: [UInt32]
    }

    func evaluate(_ objective: RNNObjective<Float>, _ theta: [Float], _ v: [Float]) -> Results {
        var gradient = [Float](), fisherGradient = [Float](), fisher = [Float](), product = [Float](repeating: 0, count: theta.count)
        let loss = objective.loss(at: v)
        let gradientLoss = objective.lossAndGradient(at: theta, gradient: &gradient)
        let fisherLoss = objective.lossGradientAndFisherDiagonal(at: theta, gradient: &fisherGradient, fisherDiagonal: &fisher)
        #expect(fisherGradient == gradient)
        let boundLoss = objective.bindCurvature(at: theta)
        objective.curvatureProduct(v, into: &product, structuralWeight: 0.3)
        return Results(loss: loss.bitPattern, gradientLoss: gradientLoss.bitPattern, gradient: gradient.map(\.bitPattern),
                       fisherLoss: fisherLoss.bitPattern, fisher: fisher.map(\.bitPattern),
                       boundLoss: boundLoss.bitPattern, product: product.map(\.bitPattern))
    }

    @Test func subBatchedObjectiveIsTheOrderedSumOfItsSubBatches() throws {
        let (batch, theta, v) = try fixture()
        let parts = batch.split(into: 3)
        #expect(parts.map(\.sequenceCount) == [3, 3, 3, 2])
        // The definition, written out: weights Nᵢ/N, partial results summed from 0 in sub-batch order.
        let scored = parts.map(\.scoredOutputCount), total = scored.reduce(0, +)
        var loss: Float = 0, gradient = [Float](repeating: 0, count: theta.count), fisher = gradient, product = gradient
        var boundLoss: Float = 0
        var partGradient = [Float](repeating: 0, count: theta.count), partFisher = partGradient, partProduct = partGradient
        for (part, count) in zip(parts, scored) {
            let evaluator = BatchEvaluator(network: network, batch: part)
            let weight = count / total
            loss += weight * evaluator.forward(theta)
            evaluator.gradient(into: &partGradient, fisherDiagonal: &partFisher)
            Vec.axpy(weight, partGradient, &gradient)
            Vec.axpy(weight, partFisher, &fisher)
            boundLoss += weight * evaluator.forward(theta)
            evaluator.curvatureProduct(v, into: &partProduct, structuralWeight: 0.3)
            Vec.axpy(weight, partProduct, &product)
        }
        var vLoss: Float = 0
        for (part, count) in zip(parts, scored) {
            vLoss += count / total * BatchEvaluator(network: network, batch: part).forward(v)
        }
        let expected = Results(loss: vLoss.bitPattern, gradientLoss: loss.bitPattern, gradient: gradient.map(\.bitPattern),
                               fisherLoss: loss.bitPattern, fisher: fisher.map(\.bitPattern),
                               boundLoss: boundLoss.bitPattern, product: product.map(\.bitPattern))
        #expect(evaluate(RNNObjective(network: network, subBatches: parts), theta, v) == expected)
        // The sub-batching is part of the definition: one batch of 11 rounds differently.
        #expect(evaluate(RNNObjective(network: network, batch: batch), theta, v).gradient != expected.gradient)
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func resultsDoNotDependOnHowSubBatchesAreShared(workers: Int) throws {
        let (batch, theta, v) = try fixture()
        let parts = batch.split(into: 2)  // 6 sub-batches: some workers get two, with 5 one gets none of them
        let alone = evaluate(RNNObjective(network: network, subBatches: parts), theta, v)
        let results = try ThreadedGroup(size: workers).run { worker in
            let schedule = RNNObjective<Float>.schedule(subBatches: parts.count, network: self.network, workers: workers)
            // Each worker holds only its own sub-batches, as an MPI rank reads only its rows.
            let own = parts.indices.map { schedule.isOwned($0, by: worker.rank) ? parts[$0] : nil }
            return self.evaluate(RNNObjective(network: self.network, subBatches: own, group: worker), theta, v)
        }
        for (rank, result) in results.enumerated() {
            #expect(result == alone, "worker \(rank) of \(workers)")
        }
    }

    /// CG passes the same output vector at every step; what it held before (a previous product, or
    /// a vector of another size) must not leak into the next product.
    @Test(arguments: [11, 3])
    func curvatureProductOverwritesAReusedOutputVector(subBatchSize: Int) throws {
        let (batch, theta, v) = try fixture()
        let objective = RNNObjective(network: network, batch: batch, subBatchSize: subBatchSize)
        _ = objective.bindCurvature(at: theta)
        var fresh = [Float]()
        objective.curvatureProduct(v, into: &fresh, structuralWeight: 0.3)
        var reused = [Float](repeating: .nan, count: theta.count)
        objective.curvatureProduct(v, into: &reused, structuralWeight: 0.3)
        #expect(reused.map(\.bitPattern) == fresh.map(\.bitPattern))
        var wrongSize: [Float] = [1, 2, 3]
        objective.curvatureProduct(v, into: &wrongSize, structuralWeight: 0.3)
        #expect(wrongSize.map(\.bitPattern) == fresh.map(\.bitPattern))
        objective.curvatureProduct(v, into: &reused, structuralWeight: 0.3)
        #expect(reused.map(\.bitPattern) == fresh.map(\.bitPattern))
    }

    /// The default sub-batch size splits the default curvature batch into whole sub-batches that two
    /// and three threads share evenly, so no thread idles through part of every CG product (three
    /// sub-batches of 100 kept one of two threads idle for a third of it).
    @Test func defaultCurvatureBatchIsSharedEvenlyByTwoAndThreeThreads() {
        let plan = BatchPlan()
        let size = BatchPlan.defaultSubBatchSize
        #expect(plan.curvatureBatchSize % size == 0)
        for threads in [2, 3] {
            #expect((plan.curvatureBatchSize / size) % threads == 0, "\(threads) threads")
        }
    }

    @Test func scheduleGivesEverySubBatchToExactlyOneWorker() {
        for count in [0, 1, 5, 10, 100, 101] {
            for workers in 1...7 {
                for resultBytes in [4, 1 << 22, 1 << 26] {
                    let schedule = SubBatchSchedule(count: count, workers: workers, resultBytes: resultBytes)
                    #expect(schedule.rounds.flatMap { Array($0) } == Array(0..<count))
                    // At least one sub-batch per worker, and as many as the partials' budget allows.
                    #expect(schedule.roundSize >= min(max(count, 1), workers))
                    #expect(schedule.roundSize == min(max(count, 1),
                                                      max(1, SubBatchSchedule.roundBudgetBytes / resultBytes / workers) * workers))
                    for index in 0..<count {
                        #expect((0..<workers).filter { schedule.isOwned(index, by: $0) }.count == 1)
                    }
                    for round in schedule.rounds {
                        let blocks = (0..<workers).map { schedule.block(of: $0, in: round) }
                        #expect(blocks.flatMap { Array($0) } == Array(round), "contiguous blocks in worker order")
                        #expect(blocks.map(\.count).max()! - blocks.map(\.count).min()! <= 1, "balanced")
                    }
                }
            }
        }
    }
}
