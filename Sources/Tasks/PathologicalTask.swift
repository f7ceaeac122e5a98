import SequenceModel

/// The long-range-dependency problems of Hochreiter & Schmidhuber (1997) that Martens & Sutskever
/// (2011) solved with structurally damped HF, encoded as in Sutskever's released code [ISC] (the
/// memorisation layout follows Pascanu, Mikolov & Bengio 2013 [PMB]). `TaskSpec` pairs a task with
/// its minimum length T and generates batches. The encodings: docs/algorithm.md#tasks.
public enum PathologicalTask: String, CaseIterable, Sendable, Codable {
    /// Sum of two marked values in U[0, 1]; linear output, squared error.
    case addition
    /// Addition as Sutskever, Martens, Dahl & Hinton (2013) trained momentum methods on it, as far
    /// as it can be inferred: the values written centred, u − ½ ∈ [−½, ½), and the target the mean
    /// (A + B)/2 of the marked values, so that predicting the mean is wrong on about 84 % of the
    /// sequences (their "biases only" error: 0.82; `addition`'s: 92 %). Otherwise as `addition`.
    case additionSMDH = "addition-smdh"
    /// Product of two marked values in U[0, 1]; linear output, squared error.
    case multiplication
    /// XOR of two marked random bits; logistic output, cross-entropy. Lengths and marks as for
    /// addition: L ∈ [T, 1.1T), operands in [0.01T, 0.1T) and [0.1T, 0.5T).
    case xor
    /// XOR as the authors' release defines it at nominal T [ISC `xor`]: L ∈ [0.5T, 0.55T), operands
    /// in [0.01T, 0.1T) and [0.15T, 0.25T). Its sequences are half as long as `xor`'s at the same T.
    case xorRelease = "xor-isc"
    /// Order and identity of two marked X/Y symbols among distractors: 4 classes.
    case temporalOrder = "temporal-order"
    /// As `temporalOrder` with three marked symbols: 8 classes.
    case temporalOrder3 = "temporal-order-3bit"
    /// Predict the next of 100 symbols at every step, and at the end recall the first.
    case randomPermutation = "random-permutation"
    /// Recall five binary symbols after a delay.
    case memorization5 = "memorization-5bit"
    /// Recall ten 5-ary symbols after a delay.
    case memorization20 = "memorization-20bit"

    /// The smallest minimum length T the task accepts: the first T ≥ 2 at which its marked
    /// positions fit, in order, between the start mark at step 0 and the final cue.
    ///
    /// | task | smallest T | what binds |
    /// |---|---|---|
    /// | addition, multiplication, XOR | 6 | J ≤ T − 4, before the cue at L − 3 |
    /// | XOR as released (`xor-isc`) | 12 | J ≤ ⌊0.5T⌋ − 4 |
    /// | temporal order | 4 | J ≤ T − 2, before the trigger at L − 1 |
    /// | 3-bit temporal order | 5 | K ≤ T − 2 |
    /// | random permutation, memorisation | 2 | a dependency needs two steps |
    public var smallestMinimumLength: Int {
        var t = Encoding.absoluteMinimumLength
        while !family.markersFit(minimumLength: t) { t += 1 }
        return t
    }
}

/// The four generators behind the eight tasks (docs/algorithm.md#tasks).
enum TaskFamily: Equatable {
    /// Two marked operands on a value channel, one output at the last step; lengths
    /// L ∈ [⌊lengthPercent.lower·T/100⌋, ⌊lengthPercent.upper·T/100⌋).
    case markedPair(PairOperation, spans: [PercentSpan], lengthPercent: PercentSpan)
    /// Marked X/Y symbols among distractors; the class encodes them.
    case temporalOrder(spans: [PercentSpan], classWeights: [Int])
    /// See docs/algorithm.md#random-permutation.
    case randomPermutation
    /// See docs/algorithm.md#noiseless-memorisation.
    case memorisation(values: Int, positions: Int)

    /// Where the operands of a marked-pair task come from and how they combine.
    enum PairOperation: Equatable {
        case sum, product, exclusiveOr
        /// (A + B)/2 of values written centred (`addition-smdh`).
        case centredMean
    }

    /// Percent spans of the marked positions (empty for the tasks without markers).
    var markerSpans: [PercentSpan] {
        switch self {
        case .markedPair(_, let spans, _): spans
        case .temporalOrder(let spans, _): spans
        case .randomPermutation, .memorisation: []
        }
    }

    /// Steps at the end of the shortest sequence that the marked positions must stay clear of.
    var reservedTail: Int {
        switch self {
        case .markedPair: Encoding.cueStepsBeforeEnd
        case .temporalOrder: Encoding.triggerStepsBeforeEnd
        case .randomPermutation, .memorisation: 0
        }
    }

    /// The shortest sequence at minimum length T: T, or ⌊lower·T/100⌋ for a pair task whose
    /// lengths are given in percent of T.
    func shortestLength(minimumLength t: Int) -> Int {
        if case .markedPair(_, _, let lengths) = self { return t * lengths.lower / 100 }
        return t
    }

    func markersFit(minimumLength t: Int) -> Bool {
        guard t >= Encoding.absoluteMinimumLength else { return false }
        guard let last = Encoding.markerRanges(markerSpans, minimumLength: t).last else { return true }
        return last.upperBound <= shortestLength(minimumLength: t) - reservedTail
    }
}

extension PathologicalTask {
    var family: TaskFamily {
        switch self {
        case .addition: .markedPair(.sum, spans: Encoding.operandSpans, lengthPercent: Encoding.operandLengths)
        case .additionSMDH: .markedPair(.centredMean, spans: Encoding.operandSpans, lengthPercent: Encoding.operandLengths)
        case .multiplication: .markedPair(.product, spans: Encoding.operandSpans, lengthPercent: Encoding.operandLengths)
        case .xor: .markedPair(.exclusiveOr, spans: Encoding.operandSpans, lengthPercent: Encoding.operandLengths)
        case .xorRelease: .markedPair(.exclusiveOr, spans: Encoding.releaseXorSpans, lengthPercent: Encoding.releaseXorLengths)
        case .temporalOrder: .temporalOrder(spans: Encoding.temporal2Spans, classWeights: Encoding.temporal2ClassWeights)
        case .temporalOrder3: .temporalOrder(spans: Encoding.temporal3Spans, classWeights: Encoding.temporal3ClassWeights)
        case .randomPermutation: .randomPermutation
        case .memorization5: .memorisation(values: Encoding.memorisation5.values, positions: Encoding.memorisation5.positions)
        case .memorization20: .memorisation(values: Encoding.memorisation20.values, positions: Encoding.memorisation20.positions)
        }
    }
}
