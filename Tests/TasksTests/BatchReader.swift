import Linalg
import SequenceModel
import Tasks

/// Reads a generated batch back through the documented `[T, B, ·]` layout, written out again here
/// (not taken from the generator) so that a layout mistake in either shows up.
struct BatchReader {
    let batch: SequenceBatch<Double>

    var count: Int { batch.sequenceCount }

    func input(_ t: Int, _ b: Int, _ i: Int) -> Double {
        batch.inputs[(t * batch.sequenceCount + b) * batch.inputSize + i]
    }

    func inputRow(_ t: Int, _ b: Int) -> ArraySlice<Double> {
        let start = (t * batch.sequenceCount + b) * batch.inputSize
        return batch.inputs[start..<(start + batch.inputSize)]
    }

    func targetRow(_ t: Int, _ b: Int) -> ArraySlice<Double> {
        let start = (t * batch.sequenceCount + b) * batch.outputSize
        return batch.targets[start..<(start + batch.outputSize)]
    }

    func target(_ t: Int, _ b: Int, _ o: Int) -> Double {
        batch.targets[(t * batch.sequenceCount + b) * batch.outputSize + o]
    }

    func mask(_ t: Int, _ b: Int) -> Double { batch.mask[t * batch.sequenceCount + b] }

    func judged(_ t: Int, _ b: Int) -> Bool { batch.errorMask[t * batch.sequenceCount + b] }

    /// Steps of sequence b whose mask is 1, and whose errorMask is set.
    func scoredSteps(_ b: Int) -> [Int] { (0..<batch.steps).filter { mask($0, b) != 0 } }
    func judgedSteps(_ b: Int) -> [Int] { (0..<batch.steps).filter { judged($0, b) } }

    /// The position of the 1 in a row that is exactly one 1 and zeros, else nil.
    static func hotIndex(_ row: ArraySlice<Double>) -> Int? {
        var hot: Int?
        for (k, value) in row.enumerated() where value != 0 {
            guard value == 1, hot == nil else { return nil }
            hot = k
        }
        return hot
    }

    func inputSymbol(_ t: Int, _ b: Int) -> Int? { Self.hotIndex(inputRow(t, b)) }
    func targetClass(_ t: Int, _ b: Int) -> Int? { Self.hotIndex(targetRow(t, b)) }

    /// Problems with the invariants every task shares, as messages (empty when all hold): sizes
    /// as the spec says, lengths in `lengthRange`, masks 0/1 and only inside the length, the
    /// judged steps scored, and every entry beyond the length zero.
    func sharedViolations(_ spec: TaskSpec) -> [String] {
        var problems: [String] = []
        if batch.steps != spec.maximumLength { problems.append("steps \(batch.steps) ≠ \(spec.maximumLength)") }
        if batch.inputSize != spec.inputSize || batch.outputSize != spec.outputSize {
            problems.append("sizes \(batch.inputSize)/\(batch.outputSize)")
        }
        for b in 0..<count {
            let length = batch.lengths[b]
            if !spec.lengthRange.contains(length) { problems.append("b \(b): length \(length)") }
            let scored = scoredSteps(b).count
            for t in 0..<batch.steps {
                let m = mask(t, b)
                if m != 0 && m != 1 { problems.append("b \(b) t \(t): mask \(m)") }
                if judged(t, b) && m != 1 { problems.append("b \(b) t \(t): judged but not scored") }
                if t >= length && (m != 0 || judged(t, b) || inputRow(t, b).contains { $0 != 0 }
                                   || targetRow(t, b).contains { $0 != 0 }) {
                    problems.append("b \(b) t \(t): nonzero beyond length \(length)")
                }
            }
            if scored != spec.scoredStepsPerSequence {
                problems.append("b \(b): \(scored) scored steps")
            }
        }
        return problems
    }
}

func makeSpec(_ task: PathologicalTask, _ t: Int) throws -> TaskSpec {
    try TaskSpec(task: task, minimumLength: t)
}

func makeBatch<S: BLASScalar>(_ spec: TaskSpec, count: Int, seed: UInt64, as _: S.Type = Double.self) -> SequenceBatch<S> {
    var rng = SeededGenerator(seed: seed)
    return spec.makeBatch(count: count, using: &rng)
}
