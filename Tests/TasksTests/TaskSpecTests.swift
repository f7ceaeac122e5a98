import Foundation
import Linalg
import SequenceModel
import Tasks
import Testing

@Suite("TaskSpec: validation, sizes, ranges, hints")
struct TaskSpecTests {
    @Test func smallestMinimumLengthsAreTheDocumentedOnes() {
        let smallest = Dictionary(uniqueKeysWithValues: PathologicalTask.allCases.map { ($0, $0.smallestMinimumLength) })
        #expect(smallest == [.addition: 6, .additionSMDH: 6, .multiplication: 6, .xor: 6, .xorRelease: 12, .temporalOrder: 4, .temporalOrder3: 5,
                             .randomPermutation: 2, .memorization5: 2, .memorization20: 2])
    }

    @Test(arguments: PathologicalTask.allCases)
    func tooShortIsRejectedWithAOneLineMessage(task: PathologicalTask) throws {
        let smallest = task.smallestMinimumLength
        for t in [-3, 0, 1, smallest - 1] {
            let error = #expect(throws: TaskError.self) { try TaskSpec(task: task, minimumLength: t) }
            #expect(error == .minimumLengthTooSmall(task: task, minimumLength: t, smallest: smallest))
            let message = error?.description ?? ""
            #expect(message.contains(task.rawValue) && message.contains("T ≥ \(smallest)") && message.contains("got \(t)"))
            #expect(!message.contains("\n"))
        }
        #expect(try TaskSpec(task: task, minimumLength: smallest).minimumLength == smallest)
    }

    @Test func sizesLossesAndCriteria() throws {
        let expected: [PathologicalTask: (inputs: Int, outputs: Int, loss: OutputLoss, criterion: ErrorCriterion)] = [
            .addition: (2, 1, .linearSquaredError, .absoluteTolerance(0.04)),
            .additionSMDH: (2, 1, .linearSquaredError, .absoluteTolerance(0.04)),
            .multiplication: (2, 1, .linearSquaredError, .absoluteTolerance(0.04)),
            .xor: (2, 1, .logisticCrossEntropy, .binaryThreshold),
            .xorRelease: (2, 1, .logisticCrossEntropy, .binaryThreshold),
            .temporalOrder: (8, 4, .softmaxCrossEntropy, .argmax),
            .temporalOrder3: (8, 8, .softmaxCrossEntropy, .argmax),
            .randomPermutation: (100, 100, .softmaxCrossEntropy, .argmax),
            .memorization5: (4, 3, .softmaxCrossEntropy, .argmax),
            .memorization20: (7, 6, .softmaxCrossEntropy, .argmax),
        ]
        for task in PathologicalTask.allCases {
            let spec = try makeSpec(task, 50)
            let want = try #require(expected[task])
            #expect(spec.inputSize == want.inputs && spec.outputSize == want.outputs, "\(task)")
            #expect(spec.outputLoss == want.loss && spec.errorCriterion == want.criterion, "\(task)")
            #expect(spec.successThreshold == 0.01)
        }
    }

    @Test func rawValuesAreTheCommandLineNames() {
        #expect(PathologicalTask.allCases.map(\.rawValue) == [
            "addition", "addition-smdh", "multiplication", "xor", "xor-isc", "temporal-order", "temporal-order-3bit",
            "random-permutation", "memorization-5bit", "memorization-20bit",
        ])
    }

    /// [ISC]'s ranges (docs/algorithm.md#tasks) at its default T = 200, and the T = 100 ones.
    @Test func rangesMatchTheReferenceAtT200AndT100() throws {
        let addition = try makeSpec(.addition, 200)
        #expect(addition.lengthRange == 200..<220 && addition.maximumLength == 219)
        #expect(addition.markerRanges == [2..<20, 20..<100])                  // I ∈ [2, 19], J ∈ [20, 99]
        #expect(try makeSpec(.xor, 100).markerRanges == [1..<10, 10..<50])
        // The release's XOR: lengths [0.5T, 0.55T), operands in [0.01T, 0.1T) and [0.15T, 0.25T).
        #expect(try makeSpec(.xorRelease, 100).lengthRange == 50..<55)
        #expect(try makeSpec(.xorRelease, 100).markerRanges == [1..<10, 15..<25])
        #expect(try makeSpec(.xorRelease, 200).lengthRange == 100..<110)
        #expect(try makeSpec(.xorRelease, 200).markerRanges == [2..<20, 30..<50])
        #expect(try makeSpec(.temporalOrder, 200).markerRanges == [2..<21, 80..<101])
        #expect(try makeSpec(.temporalOrder3, 200).markerRanges == [2..<21, 60..<81, 100..<121])
        #expect(try makeSpec(.temporalOrder, 100).markerRanges == [1..<11, 40..<51])
        #expect(try makeSpec(.randomPermutation, 200).lengthRange == 200..<201)
        #expect(try makeSpec(.memorization5, 200).lengthRange == 210..<211)
        #expect(try makeSpec(.memorization20, 200).maximumLength == 220)
        #expect(try makeSpec(.memorization20, 200).markerRanges.isEmpty)
    }

    /// Lengths: [T, max(T + 1, ⌊1.1T⌋)) for the variable-length tasks at every T.
    @Test(arguments: [PathologicalTask.addition, .temporalOrder3])
    func lengthRangeIsTToElevenTenths(task: PathologicalTask) throws {
        for t in task.smallestMinimumLength...400 {
            let spec = try makeSpec(task, t)
            #expect(spec.lengthRange == t..<max(t + 1, (11 * t) / 10), "T = \(t)")
            #expect(spec.maximumLength == spec.lengthRange.upperBound - 1)
        }
    }

    /// At every T the marked ranges are non-empty, start after step 0, are ordered and disjoint
    /// and end before the cue (operands: L − 3) or trigger (temporal: L − 1); at T ≥ 100 they are
    /// [ISC]'s floored percent ranges exactly.
    @Test(arguments: PathologicalTask.allCases)
    func markerRangesFitAtEveryT(task: PathologicalTask) throws {
        let (percents, inclusive, tail): ([(Int, Int)], Bool, Int) = switch task {
        case .addition, .additionSMDH, .multiplication, .xor: ([(1, 10), (10, 50)], false, 3)
        case .xorRelease: ([(1, 10), (15, 25)], false, 3)
        case .temporalOrder: ([(1, 10), (40, 50)], true, 1)
        case .temporalOrder3: ([(1, 10), (30, 40), (50, 60)], true, 1)
        case .randomPermutation, .memorization5, .memorization20: ([], false, 0)
        }
        for t in task.smallestMinimumLength...1000 {
            let spec = try makeSpec(task, t)
            let ranges = spec.markerRanges
            #expect(ranges.count == percents.count)
            guard let first = ranges.first, let last = ranges.last else { continue }
            #expect(first.lowerBound >= 1 && last.upperBound <= spec.lengthRange.lowerBound - tail, "T = \(t): \(ranges)")
            #expect(ranges.allSatisfy { !$0.isEmpty })
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound <= $1.lowerBound }, "T = \(t): \(ranges)")
            if t >= 100 {
                let isc = percents.map { (t * $0.0 / 100)..<(t * $0.1 / 100 + (inclusive ? 1 : 0)) }
                #expect(ranges == isc, "T = \(t)")
            }
        }
    }

    @Test func codableRoundTripValidates() throws {
        let spec = try makeSpec(.temporalOrder3, 120)
        let data = try JSONEncoder().encode(spec)
        #expect(try JSONDecoder().decode(TaskSpec.self, from: data) == spec)
        let json = #"{"task":"temporal-order-3bit","minimumLength":120}"#
        #expect(try JSONDecoder().decode(TaskSpec.self, from: Data(json.utf8)) == spec)
        let tooShort = #"{"task":"addition","minimumLength":1}"#
        #expect(throws: TaskError.self) { try JSONDecoder().decode(TaskSpec.self, from: Data(tooShort.utf8)) }
    }

    @Test func descriptionNamesTaskLengthsAndSizes() throws {
        #expect(try makeSpec(.addition, 200).description
                == "addition, T = 200: lengths 200..<220, I = 2, O = 1, linear-squared-error")
        #expect(try makeSpec(.memorization5, 100).description.hasPrefix("memorization-5bit, T = 100: length 110,"))
    }


    /// `targetMean` against the mask-weighted mean target of 2000 generated sequences.
    @Test(arguments: PathologicalTask.allCases)
    func targetMeanMatchesGeneratedTargets(task: PathologicalTask) throws {
        let spec = try makeSpec(task, max(10, task.smallestMinimumLength))
        let r = BatchReader(batch: makeBatch(spec, count: 2000, seed: 11))
        var sum = Array(repeating: 0.0, count: spec.outputSize), scored = 0.0
        for b in 0..<r.count {
            for t in r.scoredSteps(b) {
                for (o, y) in r.targetRow(t, b).enumerated() { sum[o] += y }
                scored += 1
            }
        }
        let tolerance = spec.outputLoss == .softmaxCrossEntropy ? 0.01 : 0.04
        let mean = spec.targetMean
        #expect(mean.count == spec.outputSize)
        for (o, total) in sum.enumerated() {
            #expect(abs(total / scored - mean[o]) < tolerance, "\(task) output \(o): \(total / scored) vs \(mean[o])")
        }
        if spec.outputLoss == .softmaxCrossEntropy { #expect(abs(mean.reduce(0, +) - 1) < 1e-12) }
    }

    @Test func targetMeansOfTheOperandTasks() throws {
        #expect(try makeSpec(.addition, 50).targetMean == [1.0])
        #expect(try makeSpec(.multiplication, 50).targetMean == [0.25])
        #expect(try makeSpec(.xor, 50).targetMean == [0.5])
    }
}
