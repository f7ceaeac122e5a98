// Every constant of the task encodings, named once, with where it comes from (tags as defined in
// docs/algorithm.md#references: [ISC] Sutskever's HF-RNN release, `pathological.py` and
// `utils/__init__.py`; [PMB] Pascanu, Mikolov & Bengio 2013 and their generators; [H&S] Hochreiter &
// Schmidhuber 1997; [ours] our own choice).
//
// Positions are given in percent of the minimum length T and floored, like [ISC]'s
// `f(x) = int(x · T/100)`; we floor in integer arithmetic (`T·x / 100`) so that no rounding of
// 1.1 or 0.01 in binary can move a boundary.

/// A range of step indices `[⌊lower·T/100⌋, ⌊upper·T/100⌋)`, or `…]` when `includesUpper`.
struct PercentSpan: Equatable {
    let lower: Int
    let upper: Int
    let includesUpper: Bool
}

enum Encoding {
    // MARK: Lengths

    /// The smallest T of any task: a dependency needs at least two steps. [ours]
    static let absoluteMinimumLength = 2
    /// Variable lengths L ~ randint(T, 1.1T), upper bound exclusive (`T_max = f(110)`). [ISC]
    static let lengthUpperPercent = 110

    // MARK: Addition, multiplication, XOR (docs/algorithm.md#addition-multiplication-and-xor)

    /// The two operands are marked at I ~ randint(0.01T, 0.1T) and J ~ randint(0.1T, 0.5T). [ISC `op_cls`]
    static let operandSpans = [PercentSpan(lower: 1, upper: 10, includesUpper: false),
                               PercentSpan(lower: 10, upper: 50, includesUpper: false)]
    /// Marker channel value at t = 0 (the start of the sequence). [ISC, after H&S]
    static let startMark = -1.0
    /// Marker channel value at each operand. [ISC, H&S]
    static let operandMark = 1.0
    /// Marker channel value of the "about to predict" cue. [ISC `V[T − 3, b, 1] = −1`]
    static let cueMark = -1.0
    /// The cue sits this many steps before the end of the sequence: at L − 3. [ISC]
    static let cueStepsBeforeEnd = 3
    /// Lengths of addition, multiplication and `xor`: L ∈ [T, 1.1T). [ISC `T_min = f(100)`, `T_max = f(110)`]
    static let operandLengths = PercentSpan(lower: 100, upper: lengthUpperPercent, includesUpper: false)
    /// The release's XOR at nominal T: L ∈ [0.5T, 0.55T). [ISC `xor`: `T_min = f(50)`, `T_max = f(55)`]
    static let releaseXorLengths = PercentSpan(lower: 50, upper: 55, includesUpper: false)
    /// The release's XOR operands: I ~ randint(0.01T, 0.1T), J ~ randint(0.15T, 0.25T). [ISC `xor`]
    static let releaseXorSpans = [PercentSpan(lower: 1, upper: 10, includesUpper: false),
                                  PercentSpan(lower: 15, upper: 25, includesUpper: false)]
    /// Input channels of the operand tasks: the value and the marker. [ISC]
    static let valueChannel = 0
    static let markerChannel = 1
    static let operandInputSize = 2
    /// Probability of a 1 on the XOR value channel: Bernoulli(½) bits. [ISC `rand(sh) < 0.5`]
    static let xorBitProbability = 0.5
    /// Subtracted from every value of `addition-smdh` (the mean of U[0, 1]): SMDH'13 centred their inputs.
    static let centredValueOffset = 0.5

    // MARK: Temporal order (docs/algorithm.md#temporal-order)

    /// Symbols 0..<4 are distractors. [ISC `randint(0, 4)`]
    static let distractorCount = 4
    /// The marked symbols are X = 4 and Y = 5; symbol 4 + bit encodes one bit. [ISC]
    static let firstMarkedSymbol = 4
    /// "Predict now", shown at the last step. [ISC]
    static let triggerSymbol = 6
    /// Start symbol, shown at t = 0. [ISC, after H&S]
    static let startSymbol = 7
    /// One-hot input width of the temporal-order tasks. [ISC `self.V = 8`]
    static let temporalAlphabet = 8
    /// Marked positions of the 2-symbol task: [0.01T, 0.1T] and [0.4T, 0.5T], inclusive. [ISC `temporal2`]
    static let temporal2Spans = [PercentSpan(lower: 1, upper: 10, includesUpper: true),
                                 PercentSpan(lower: 40, upper: 50, includesUpper: true)]
    /// Class = 2A' + B' (A' the first marked bit). [ISC `temporal2`]
    static let temporal2ClassWeights = [2, 1]
    /// Marked positions of the 3-symbol task: [0.01T, 0.1T], [0.3T, 0.4T], [0.5T, 0.6T], inclusive. [ISC `temporal3`]
    static let temporal3Spans = [PercentSpan(lower: 1, upper: 10, includesUpper: true),
                                 PercentSpan(lower: 30, upper: 40, includesUpper: true),
                                 PercentSpan(lower: 50, upper: 60, includesUpper: true)]
    /// Class = 4C' + 2B' + A' (A' the first marked bit). [ISC `temporal3`]
    static let temporal3ClassWeights = [1, 2, 4]
    /// The marked positions must lie before the trigger at L − 1. [ISC]
    static let triggerStepsBeforeEnd = 1

    // MARK: Random permutation (docs/algorithm.md#random-permutation)

    /// One-hot width of inputs and outputs. [ISC `size = 100`]
    static let permutationAlphabet = 100
    /// The first symbol, to be recalled at the last step, is 0 or 1; the rest are 2..<100. [ISC `perm_mem`]
    static let permutationRecallChoices = 2

    // MARK: Noiseless memorisation (docs/algorithm.md#noiseless-memorisation)

    /// 5-bit: five binary symbols. [ISC `raw_mem5`, PMB]
    static let memorisation5 = (values: 2, positions: 5)
    /// 20-bit: ten 5-ary symbols. [ISC `raw_mem20`, PMB `MemTask` defaults]
    static let memorisation20 = (values: 5, positions: 10)

    // MARK: Training and evaluation hints

    /// A run succeeds when under 1 % of the test sequences are wrong. [PMB]
    static let successThreshold = 0.01
}

// MARK: - Marked-position layout

extension Encoding {
    /// Resolves percent spans at minimum length T into ordered, disjoint, non-empty ranges.
    ///
    /// Step 0 is reserved for the start mark, so the first range starts at 1 or later (below T = 100,
    /// ⌊0.01T⌋ = 0 and [ISC] could overwrite its own start mark). Each range starts no earlier than
    /// the previous one ends, and a range that would be empty is widened to one step, which keeps
    /// I < J (< K) at small T. At T ≥ 100 the ranges are exactly [ISC]'s. [ours]
    static func markerRanges(_ spans: [PercentSpan], minimumLength t: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var firstFree = 1
        for span in spans {
            let lower = max(firstFree, t * span.lower / 100)
            let upper = max(lower + 1, t * span.upper / 100 + (span.includesUpper ? 1 : 0))
            ranges.append(lower..<upper)
            firstFree = upper
        }
        return ranges
    }
}
