import Linalg
import SequenceModel
import Tasks
import Testing

@Suite("makeBatch: the task encodings read back from the batch")
struct BatchGenerationTests {
    static let operandTasks: [PathologicalTask] = [.addition, .additionSMDH, .multiplication, .xor]

    @Test(arguments: operandTasks, [6, 7, 13, 50, 100, 200])
    func operandTasksFollowTheEncoding(task: PathologicalTask, t: Int) throws {
        let spec = try makeSpec(task, t)
        let problems = violations(BatchReader(batch: makeBatch(spec, count: 300, seed: 7)), spec)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }

    @Test(arguments: [12, 13, 50, 100, 200])
    func releaseXorFollowsTheEncoding(t: Int) throws {
        let spec = try makeSpec(.xorRelease, t)
        let r = BatchReader(batch: makeBatch(spec, count: 300, seed: 7))
        let problems = violations(r, spec)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(r.batch.lengths.allSatisfy { spec.lengthRange.contains($0) })
    }

    /// `addition-smdh` is addition's sequences from the same draws, the values shifted by −½ and
    /// the target halved: the only differences from `addition`.
    @Test func smdhAdditionIsAdditionCentredWithHalfTheTarget() throws {
        let addition = BatchReader(batch: makeBatch(try makeSpec(.addition, 80), count: 200, seed: 3))
        let smdh = try makeSpec(.additionSMDH, 80)
        let centred = BatchReader(batch: makeBatch(smdh, count: 200, seed: 3))
        #expect(centred.batch.lengths == addition.batch.lengths)
        var largest = 0.0
        for b in 0..<200 {
            for t in 0..<addition.batch.lengths[b] {
                largest = max(largest, abs(centred.input(t, b, 0) - (addition.input(t, b, 0) - 0.5)))
                #expect(centred.input(t, b, 1) == addition.input(t, b, 1))
            }
            let last = addition.batch.lengths[b] - 1
            #expect(centred.target(last, b, 0) == addition.target(last, b, 0) / 2)
        }
        #expect(largest == 0)
        #expect(smdh.targetMean == [0.5])
    }

    /// 2000 addition sequences at T = 200 hit every length 200..<220, every I in [2, 19] and every
    /// J in [20, 99], and nothing else.
    @Test func additionCoversEveryLengthAndPosition() throws {
        let spec = try makeSpec(.addition, 200)
        let r = BatchReader(batch: makeBatch(spec, count: 2000, seed: 1))
        var lengths = Set<Int>(), firsts = Set<Int>(), seconds = Set<Int>()
        for b in 0..<r.count {
            lengths.insert(r.batch.lengths[b])
            let marked = (1..<r.batch.lengths[b]).filter { r.input($0, b, 1) == 1 }
            try #require(marked.count == 2)
            firsts.insert(marked[0])
            seconds.insert(marked[1])
        }
        #expect(lengths == Set(200..<220))
        #expect(firsts == Set(2..<20))
        #expect(seconds == Set(20..<100))
    }

    @Test(arguments: [PathologicalTask.temporalOrder, .temporalOrder3], [5, 9, 31, 100, 200])
    func temporalOrderFollowsTheEncoding(task: PathologicalTask, t: Int) throws {
        let spec = try makeSpec(task, t)
        let problems = violations(BatchReader(batch: makeBatch(spec, count: 300, seed: 5)), spec)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }

    /// The classes come from the sequence index: every class equally often in a batch of a
    /// multiple of the class count, and positions still cover their ranges.
    @Test(arguments: [PathologicalTask.temporalOrder, .temporalOrder3])
    func temporalClassesAreBalancedWithinABatch(task: PathologicalTask) throws {
        let spec = try makeSpec(task, 100)
        let r = BatchReader(batch: makeBatch(spec, count: 400, seed: 9))
        var counts = Array(repeating: 0, count: spec.outputSize)
        for b in 0..<r.count {
            let cls = try #require(r.targetClass(r.batch.lengths[b] - 1, b))
            counts[cls] += 1
        }
        #expect(counts == Array(repeating: 400 / spec.outputSize, count: spec.outputSize))
    }

    @Test(arguments: [2, 3, 50, 200])
    func randomPermutationFollowsTheEncoding(t: Int) throws {
        let spec = try makeSpec(.randomPermutation, t)
        let r = BatchReader(batch: makeBatch(spec, count: 300, seed: 13))
        let problems = violations(r, spec)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        let ones = (0..<r.count).filter { r.inputSymbol(0, $0) == 1 }.count
        #expect(ones == 150)                                      // recalled symbol balanced: b mod 2
    }

    @Test(arguments: [PathologicalTask.memorization5, .memorization20], [2, 30, 100])
    func memorisationFollowsTheEncoding(task: PathologicalTask, t: Int) throws {
        let spec = try makeSpec(task, t)
        let problems = violations(BatchReader(batch: makeBatch(spec, count: 100, seed: 17)), spec)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }

    /// A 32-sequence 5-bit batch is all 32 patterns [ISC]; 64 sequences show each twice; smaller
    /// batches and 20-bit batches draw patterns at random.
    @Test func memorisationPatterns() throws {
        func patterns(_ task: PathologicalTask, count: Int, seed: UInt64) throws -> [[Int]] {
            let n = task == .memorization5 ? 5 : 10
            let r = BatchReader(batch: makeBatch(try makeSpec(task, 20), count: count, seed: seed))
            return try (0..<count).map { b in try (0..<n).map { try #require(r.inputSymbol($0, b)) } }
        }
        #expect(Set(try patterns(.memorization5, count: 32, seed: 1)).count == 32)
        let twice = try patterns(.memorization5, count: 64, seed: 1)
        let repeated = Set(twice).count == 32 && Array(twice[0..<32]) == Array(twice[32..<64])
        #expect(repeated)
        let drawn = try patterns(.memorization5, count: 8, seed: 1) != patterns(.memorization5, count: 8, seed: 2)
        #expect(drawn)
        let wide = try patterns(.memorization20, count: 300, seed: 1)
        #expect(Set(wide).count >= 295)
        #expect(Set(wide.joined()) == Set(0..<5))
    }

    /// Every task at every small T (from its smallest allowed T) and a few larger ones.
    @Test(arguments: PathologicalTask.allCases)
    func encodingHoldsAtEverySmallT(task: PathologicalTask) throws {
        let small = task.smallestMinimumLength
        for t in Array(small...(small + 40)) + [99, 101, 150, 333] {
            let spec = try makeSpec(task, t)
            let problems = violations(BatchReader(batch: makeBatch(spec, count: 24, seed: UInt64(t))), spec)
            #expect(problems.isEmpty, "T = \(t): \(problems.prefix(3))")
        }
    }

    @Test(arguments: PathologicalTask.allCases)
    func sameSeedGivesTheSameBatchAndGeneratorState(task: PathologicalTask) throws {
        let spec = try makeSpec(task, 40)
        var rng1 = SeededGenerator(seed: 42), rng2 = SeededGenerator(seed: 42)
        let a: SequenceBatch<Double> = spec.makeBatch(count: 20, using: &rng1)
        let b: SequenceBatch<Double> = spec.makeBatch(count: 20, using: &rng2)
        let same = a.inputs == b.inputs && a.targets == b.targets && a.mask == b.mask
            && a.errorMask == b.errorMask && a.lengths == b.lengths
        #expect(same)
        #expect(rng1 == rng2 && rng1 != SeededGenerator(seed: 42))
    }

    /// 20 sequences: below the 32 patterns of the 5-bit task, so every task draws something.
    @Test(arguments: PathologicalTask.allCases)
    func differentSeedsOrConsecutiveDrawsGiveDifferentBatches(task: PathologicalTask) throws {
        let spec = try makeSpec(task, 40)
        let a = makeBatch(spec, count: 20, seed: 1), b = makeBatch(spec, count: 20, seed: 2)
        let seedsDiffer = a.inputs != b.inputs
        #expect(seedsDiffer)
        var rng = SeededGenerator(seed: 1)
        let first: SequenceBatch<Double> = spec.makeBatch(count: 20, using: &rng)
        let second: SequenceBatch<Double> = spec.makeBatch(count: 20, using: &rng)
        let (firstIsSeedOne, drawsDiffer) = (first.inputs == a.inputs, second.inputs != first.inputs)
        #expect(firstIsSeedOne && drawsDiffer)
    }

    /// With room for all 32 patterns the 5-bit batch is the fixed enumeration [ISC], so it draws
    /// nothing and ignores the seed.
    @Test func fullFiveBitBatchIsTheSameForEverySeed() throws {
        let spec = try makeSpec(.memorization5, 40)
        var rng = SeededGenerator(seed: 3)
        let a: SequenceBatch<Double> = spec.makeBatch(count: 64, using: &rng)
        let b = makeBatch(spec, count: 64, seed: 4)
        let same = a.inputs == b.inputs && a.targets == b.targets
        #expect(same && rng == SeededGenerator(seed: 3))
    }

    @Test(arguments: PathologicalTask.allCases)
    func floatAndDoubleBatchesAgree(task: PathologicalTask) throws {
        let spec = try makeSpec(task, 25)
        var rngF = SeededGenerator(seed: 8), rngD = SeededGenerator(seed: 8)
        let single: SequenceBatch<Float> = spec.makeBatch(count: 50, using: &rngF)
        let double: SequenceBatch<Double> = spec.makeBatch(count: 50, using: &rngD)
        let converted = double.converted(to: Float.self)
        let agree = single.inputs == converted.inputs && single.targets == converted.targets
            && single.mask == converted.mask && single.errorMask == double.errorMask
            && single.lengths == double.lengths
        #expect(agree && rngF == rngD)
    }

    /// A one-sequence batch is valid too: the smallest B.
    @Test(arguments: PathologicalTask.allCases)
    func singleSequenceBatch(task: PathologicalTask) throws {
        let spec = try makeSpec(task, task.smallestMinimumLength)
        let problems = violations(BatchReader(batch: makeBatch(spec, count: 1, seed: 99)), spec)
        #expect(problems.isEmpty, "\(problems)")
    }
}
