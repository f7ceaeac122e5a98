import Linalg
import SequenceModel

// B = sequences in the batch, T = padded steps (`maximumLength`), I = inputs, O = outputs,
// L = length of one sequence. Everything at steps ≥ L stays zero.

extension TaskSpec {
    /// `count` fresh sequences drawn with `rng`, padded to `maximumLength` steps
    /// ([ISC], docs/algorithm.md#tasks).
    ///
    /// Only the marked positions, lengths, values and distractors are random. The classes of the
    /// temporal-order tasks, the recalled symbol of the permutation and (when `count` ≥ 32) the
    /// 5-bit memorisation patterns are chosen from the sequence index b, so every minibatch is
    /// balanced [ISC]; a 5-bit batch of 32 or more sequences therefore draws nothing from `rng`.
    /// Float and Double batches from the same generator state are equal.
    public func makeBatch<S: BLASScalar>(count: Int, using rng: inout SeededGenerator) -> SequenceBatch<S> {
        makeSequences(0..<count, ofBatch: count, using: &rng)
    }

    /// Sequences `range` of a batch of `count`, drawn with `rng` from the state it had before
    /// sequence `range.lowerBound` of that batch: rows `range` of `makeBatch(count:)`, bit for
    /// bit, made without the rest of the batch (a sub-batch remade when it is evaluated).
    // Specialised: generic code across modules goes through value witnesses for every number written,
    // several times slower, and remade sub-batches generate their sequences at every evaluation.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func makeSequences<S: BLASScalar>(_ range: Range<Int>, ofBatch count: Int,
                                             using rng: inout SeededGenerator) -> SequenceBatch<S> {
        precondition(count > 0, "a batch needs at least one sequence (got \(count))")
        precondition(!range.isEmpty && range.lowerBound >= 0 && range.upperBound <= count,
                     "sequences \(range) are not a part of a batch of \(count)")
        var writer = BatchWriter(SequenceBatch<S>(sequenceCount: range.count, steps: maximumLength,
                                                  inputSize: inputSize, outputSize: outputSize),
                                 firstSequence: range.lowerBound)
        for b in range {
            switch task.family {
            case .markedPair(let operation, _, _):
                writeMarkedPair(operation, sequence: b, into: &writer, using: &rng)
            case .temporalOrder(_, let classWeights):
                writeTemporalOrder(classWeights: classWeights, sequence: b, into: &writer, using: &rng)
            case .randomPermutation:
                writeRandomPermutation(sequence: b, into: &writer, using: &rng)
            case .memorisation(let values, let positions):
                writeMemorisation(values: values, positions: positions, sequence: b, count: count,
                                  into: &writer, using: &rng)
            }
        }
        return writer.batch
    }

    /// Addition, multiplication, XOR (docs/algorithm.md#addition-multiplication-and-xor).
    /// Value channel: U[0, 1] (XOR: fair bits) at every step < L. Marker channel: −1 at 0,
    /// +1 at I and J, −1 at L − 3. Target op(value[I], value[J]) scored at L − 1.
    ///
    /// - Note: [ISC] scores index L of an array whose draws give L, so its cue is three steps before
    ///   the scored step; here the scored step is L − 1 and the cue two steps before it.
    private func writeMarkedPair<S>(_ operation: TaskFamily.PairOperation, sequence b: Int,
                                    into writer: inout BatchWriter<S>, using rng: inout SeededGenerator) {
        let length = rng.draw(from: lengthRange)
        let marks = markerRanges.map { rng.draw(from: $0) }
        var values = [Double]()
        values.reserveCapacity(length)
        for _ in 0..<length {
            let u = rng.nextUnit()
            values.append(operation == .exclusiveOr ? (u < Encoding.xorBitProbability ? 1 : 0) : u)
        }
        // Centred values keep the same draws, so `addition-smdh` sees addition's sequences shifted.
        let offset = operation == .centredMean ? Encoding.centredValueOffset : 0
        for (t, value) in values.enumerated() {
            writer.setInput(value - offset, step: t, sequence: b, channel: Encoding.valueChannel)
        }
        writer.setInput(Encoding.startMark, step: 0, sequence: b, channel: Encoding.markerChannel)
        for t in marks { writer.setInput(Encoding.operandMark, step: t, sequence: b, channel: Encoding.markerChannel) }
        writer.setInput(Encoding.cueMark, step: length - Encoding.cueStepsBeforeEnd, sequence: b,
                        channel: Encoding.markerChannel)

        let (a, c) = (values[marks[0]], values[marks[1]])
        let target: Double = switch operation {
        case .sum: a + c
        case .centredMean: (a + c) / 2
        case .product: a * c
        case .exclusiveOr: a == c ? 0 : 1
        }
        writer.setTarget(target, step: length - 1, sequence: b, output: 0)
        writer.finish(sequence: b, length: length, scored: (length - 1)..<length, judged: (length - 1)..<length)
    }

    /// Temporal order (docs/algorithm.md#temporal-order).
    /// One-hot symbols: start symbol 7 at 0, trigger 6 at L − 1, marked symbol 4 + bit_k
    /// at the k-th marked position, uniform distractors 0–3 elsewhere. bit_k = bit k of b [ISC];
    /// the class Σ_k weight_k·bit_k is scored at L − 1.
    ///
    /// - Note: the trigger is the input of the scored step, as in [ISC] `temporal3`; [ISC]
    ///   `temporal2` shows it one step earlier.
    private func writeTemporalOrder<S>(classWeights: [Int], sequence b: Int,
                                       into writer: inout BatchWriter<S>, using rng: inout SeededGenerator) {
        let length = rng.draw(from: lengthRange)
        let marks = markerRanges.map { rng.draw(from: $0) }
        var symbols = (0..<length).map { _ in rng.nextInt(0, Encoding.distractorCount) }
        symbols[0] = Encoding.startSymbol
        symbols[length - 1] = Encoding.triggerSymbol
        var target = 0
        for (k, (position, weight)) in zip(marks, classWeights).enumerated() {
            let bit = (b >> k) & 1
            symbols[position] = Encoding.firstMarkedSymbol + bit
            target += weight * bit
        }
        writer.setOneHotInputs(symbols, sequence: b)
        writer.setOneHotTarget(target, step: length - 1, sequence: b)
        writer.finish(sequence: b, length: length, scored: (length - 1)..<length, judged: (length - 1)..<length)
    }

    /// Random permutation (docs/algorithm.md#random-permutation).
    /// Symbol a = b mod 2 at step 0 [ISC], uniform symbols 2..<100 after it. The target at
    /// every step is the next symbol, and at the last step a. All steps scored, the last judged.
    private func writeRandomPermutation<S>(sequence b: Int, into writer: inout BatchWriter<S>,
                                           using rng: inout SeededGenerator) {
        let length = maximumLength
        var symbols = [b % Encoding.permutationRecallChoices]
        for _ in 1..<length {
            symbols.append(rng.nextInt(Encoding.permutationRecallChoices, Encoding.permutationAlphabet))
        }
        writer.setOneHotInputs(symbols, sequence: b)
        for t in 0..<length {
            writer.setOneHotTarget(t + 1 < length ? symbols[t + 1] : symbols[0], step: t, sequence: b)
        }
        writer.finish(sequence: b, length: length, scored: 0..<length, judged: (length - 1)..<length)
    }

    /// Noiseless memorisation (docs/algorithm.md#noiseless-memorisation).
    /// [PMB] layout with L = T + 2n. Inputs: the n pattern symbols at steps 0..<n, then the
    /// blank channel (index n_values), except the go channel (n_values + 1) at L − n − 1, just
    /// before the recall ([ISC]; [PMB] shows go at L − n). Targets: the blank class (n_values)
    /// until L − n, then the pattern. All steps scored (the default variant), the recall judged.
    ///
    /// The pattern is the base-n_values digits of b mod n_values^n (least significant first, as
    /// [PMB]) when the batch can hold every pattern, so a 32-sequence 5-bit batch is all 32
    /// patterns [ISC]; otherwise its symbols are drawn uniformly.
    private func writeMemorisation<S>(values: Int, positions: Int, sequence b: Int, count: Int,
                                      into writer: inout BatchWriter<S>, using rng: inout SeededGenerator) {
        let length = maximumLength, recallStart = length - positions
        let patternCount = (0..<positions).reduce(1) { product, _ in product * values }
        var pattern = [Int]()
        var index = b % patternCount
        for _ in 0..<positions {
            if count >= patternCount {
                pattern.append(index % values)
                index /= values
            } else {
                pattern.append(rng.nextInt(0, values))
            }
        }
        let blank = values, go = values + 1
        let inputs = (0..<length).map { t in t < positions ? pattern[t] : (t == recallStart - 1 ? go : blank) }
        writer.setOneHotInputs(inputs, sequence: b)
        for t in 0..<length {
            writer.setOneHotTarget(t < recallStart ? blank : pattern[t - recallStart], step: t, sequence: b)
        }
        writer.finish(sequence: b, length: length, scored: 0..<length, judged: recallStart..<length)
    }
}

/// Writes one sequence at a time into a zeroed batch, with the `[T, B, ·]` index arithmetic in
/// one place.
struct BatchWriter<S: BLASScalar> {
    private(set) var batch: SequenceBatch<S>
    /// The batch index of the batch's first row: sequence b of the whole batch is row b − first.
    private let firstSequence: Int

    init(_ batch: SequenceBatch<S>, firstSequence: Int = 0) {
        self.batch = batch
        self.firstSequence = firstSequence
    }

    private func row(_ t: Int, _ b: Int) -> Int { batch.index(step: t, sequence: b - firstSequence) }

    mutating func setInput(_ value: Double, step t: Int, sequence b: Int, channel i: Int) {
        batch.inputs[row(t, b) * batch.inputSize + i] = S(value)
    }

    mutating func setTarget(_ value: Double, step t: Int, sequence b: Int, output o: Int) {
        batch.targets[row(t, b) * batch.outputSize + o] = S(value)
    }

    /// Step t of sequence b gets a 1 in input channel `symbols[t]` (its row is otherwise zero).
    mutating func setOneHotInputs(_ symbols: [Int], sequence b: Int) {
        for (t, symbol) in symbols.enumerated() { setInput(1, step: t, sequence: b, channel: symbol) }
    }

    mutating func setOneHotTarget(_ target: Int, step t: Int, sequence b: Int) {
        setTarget(1, step: t, sequence: b, output: target)
    }

    /// Records the length and sets `mask` on the `scored` steps and `errorMask` on the `judged` ones.
    mutating func finish(sequence b: Int, length: Int, scored: Range<Int>, judged: Range<Int>) {
        precondition(scored.upperBound <= length && judged.upperBound <= length,
                     "scored \(scored) or judged \(judged) steps beyond length \(length)")
        batch.lengths[b - firstSequence] = length
        for t in scored { batch.mask[row(t, b)] = 1 }
        for t in judged { batch.errorMask[row(t, b)] = true }
    }
}

extension SeededGenerator {
    /// Uniform in `range` (numpy's `randint(lower, upper)`); a single-value range draws nothing.
    mutating func draw(from range: Range<Int>) -> Int {
        range.count == 1 ? range.lowerBound : nextInt(range.lowerBound, range.upperBound)
    }
}
