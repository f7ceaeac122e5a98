import SequenceModel

/// Why a task specification was rejected.
public enum TaskError: Error, CustomStringConvertible, Equatable {
    /// T is below the task's `smallestMinimumLength`.
    case minimumLengthTooSmall(task: PathologicalTask, minimumLength: Int, smallest: Int)
    /// T is above `TaskSpec.largestMinimumLength`.
    case minimumLengthTooLarge(task: PathologicalTask, minimumLength: Int)

    public var description: String {
        switch self {
        case let .minimumLengthTooSmall(task, t, smallest):
            let reason = task.family.markerSpans.isEmpty
                ? "a dependency needs at least two steps"
                : "shorter sequences leave no room for its marked positions before the final cue"
            return "\(task.rawValue) needs minimum length T ≥ \(smallest), got \(t): \(reason)"
        case let .minimumLengthTooLarge(task, t):
            return "\(task.rawValue) takes minimum lengths T ≤ \(TaskSpec.largestMinimumLength), got \(t)"
        }
    }
}

/// One pathological task at minimum length T: its sizes, loss, success rule and a generator of
/// fresh minibatches ([ISC] encodings, docs/algorithm.md#tasks).
///
/// Sequence lengths L, 0-based steps:
/// - addition, multiplication, XOR, temporal order: L ~ randint(T, 1.1T) (see `lengthRange`); the
///   one scored step is the last, L − 1. The release's XOR (`xor-isc`): L ~ randint(0.5T, 0.55T).
/// - random permutation: L = T, every step scored, the last one judged.
/// - memorisation: L = T + 2·n (n symbols to recall, [PMB] layout, T the delay), every step
///   scored, the last n judged.
public struct TaskSpec: Sendable, Codable, Equatable, CustomStringConvertible {
    public let task: PathologicalTask
    /// T: the shortest sequence (memorisation: the delay; `xor-isc`: the release's nominal T, twice
    /// its shortest sequence), which scales every position range.
    public let minimumLength: Int
    /// The longest minimum length T a task takes: 2²⁴ steps, far beyond any sequence a network is
    /// trained or evaluated on, and small enough that no length or position computed from it overflows.
    public static let largestMinimumLength = 1 << 24

    /// Throws `TaskError.minimumLengthTooSmall` when T < `task.smallestMinimumLength`
    /// (2 for every task, more where marked positions need room).
    public init(task: PathologicalTask, minimumLength: Int) throws {
        let smallest = task.smallestMinimumLength
        guard minimumLength >= smallest else {
            throw TaskError.minimumLengthTooSmall(task: task, minimumLength: minimumLength, smallest: smallest)
        }
        guard minimumLength <= Self.largestMinimumLength else {
            throw TaskError.minimumLengthTooLarge(task: task, minimumLength: minimumLength)
        }
        self.task = task
        self.minimumLength = minimumLength
    }

    /// Decodes and validates like `init(task:minimumLength:)`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(task: container.decode(PathologicalTask.self, forKey: .task),
                      minimumLength: container.decode(Int.self, forKey: .minimumLength))
    }

    // MARK: Sizes and loss

    /// I: 2 (value, marker) for the operand tasks, 8 symbols for temporal order, 100 for the
    /// permutation, n_values + 2 (symbols, blank, go) for memorisation [PMB].
    public var inputSize: Int {
        switch task.family {
        case .markedPair: Encoding.operandInputSize
        case .temporalOrder: Encoding.temporalAlphabet
        case .randomPermutation: Encoding.permutationAlphabet
        case .memorisation(let values, _): values + 2
        }
    }

    /// O: 1 for the operand tasks, 2^k classes for k-symbol temporal order, 100 for the
    /// permutation, n_values + 1 (symbols, blank) for memorisation [PMB].
    public var outputSize: Int {
        switch task.family {
        case .markedPair: 1
        case .temporalOrder(_, let weights): 1 << weights.count
        case .randomPermutation: Encoding.permutationAlphabet
        case .memorisation(let values, _): values + 1
        }
    }

    /// Linear/squared error for addition and multiplication, logistic/cross-entropy for XOR,
    /// softmax/cross-entropy for the rest (docs/algorithm.md#outputs-and-losses).
    public var outputLoss: OutputLoss {
        switch task.family {
        case .markedPair(.exclusiveOr, _, _): .logisticCrossEntropy
        case .markedPair: .linearSquaredError
        case .temporalOrder, .randomPermutation, .memorisation: .softmaxCrossEntropy
        }
    }

    /// The standard criterion of the loss: |error| > 0.04, wrong side of ½, or wrong arg-max.
    public var errorCriterion: ErrorCriterion { .standard(for: outputLoss) }

    // MARK: Lengths and positions

    /// The lengths L are drawn from: `T..<max(T + 1, ⌊1.1T⌋)` for the variable-length tasks
    /// ([ISC]'s `randint(T, f(110))`, floored in integers, at least one length), a single length
    /// for the permutation (T) and memorisation (T + 2n).
    public var lengthRange: Range<Int> {
        let t = minimumLength
        switch task.family {
        case .markedPair(_, _, let lengths):
            let shortest = t * lengths.lower / 100
            return shortest..<max(shortest + 1, t * lengths.upper / 100)
        case .temporalOrder:
            return t..<max(t + 1, t * Encoding.lengthUpperPercent / 100)
        case .randomPermutation:
            return t..<(t + 1)
        case .memorisation(_, let positions):
            return (t + 2 * positions)..<(t + 2 * positions + 1)
        }
    }

    /// Padded T of the batches: the longest possible sequence, `lengthRange.upperBound − 1`.
    public var maximumLength: Int { lengthRange.upperBound - 1 }

    /// The ranges the marked positions are drawn from, in order (empty for the permutation and
    /// memorisation). Operand tasks: I ∈ [⌊0.01T⌋, ⌊0.1T⌋), J ∈ [⌊0.1T⌋, ⌊0.5T⌋) [ISC]; temporal
    /// order: [⌊0.01T⌋, ⌊0.1T⌋], [⌊0.4T⌋, ⌊0.5T⌋] (3-bit: [0.01, 0.1], [0.3, 0.4], [0.5, 0.6])
    /// inclusive [ISC]. Below T = 100 the first range starts at 1, not 0 (step 0 holds the start
    /// mark), and each range starts where the previous one ends, so marks never collide;
    /// the last range always ends before L − 3 (operands) or L − 1 (temporal order).
    public var markerRanges: [Range<Int>] {
        Encoding.markerRanges(task.family.markerSpans, minimumLength: minimumLength)
    }

    /// Scored outputs (steps with mask 1) per sequence: 1, or L for the permutation and memorisation.
    public var scoredStepsPerSequence: Int {
        switch task.family {
        case .markedPair, .temporalOrder: 1
        case .randomPermutation, .memorisation: maximumLength
        }
    }

    // MARK: Training and evaluation hints

    /// The largest fraction of test sequences that may be wrong for a run to count as solved:
    /// 1 % [PMB] ([ISC] stops its runs at 0.1 %). A sequence is wrong when any of its
    /// `errorMask` steps is wrong under `errorCriterion`; for memorisation that means the whole
    /// recalled pattern must be right, so the trivial blank steps cannot hide errors.
    public var successThreshold: Double { Encoding.successThreshold }

    /// E[y | scored]: the mean target vector over the scored steps, one entry per output.
    ///
    /// Addition 1.0, multiplication 0.25, XOR 0.5 (the base rate of 1s). For the softmax tasks it
    /// is the class prior over all scored steps (uniform for temporal order; for the permutation
    /// and memorisation it weights the per-step classes by how many steps have them). A trainer
    /// initialising the output bias maps it through the inverse output non-linearity: itself
    /// (linear), logit (logistic) or log (softmax, up to a constant).
    public var targetMean: [Double] {
        switch task.family {
        case .markedPair(.sum, _, _): return [1.0]                 // E[A + B], A, B ~ U[0, 1]
        case .markedPair(.centredMean, _, _): return [0.5]         // E[(A + B)/2]
        case .markedPair(.product, _, _): return [0.25]            // E[A]·E[B]
        case .markedPair(.exclusiveOr, _, _): return [0.5]         // balanced bits
        case .temporalOrder:
            return Array(repeating: 1 / Double(outputSize), count: outputSize)
        case .randomPermutation:
            // L − 1 steps predict one of the 98 later symbols, the last recalls 0 or 1.
            let steps = Double(maximumLength), later = Encoding.permutationAlphabet - Encoding.permutationRecallChoices
            return (0..<outputSize).map { symbol in
                symbol < Encoding.permutationRecallChoices
                    ? 1 / (steps * Double(Encoding.permutationRecallChoices))
                    : (steps - 1) / (steps * Double(later))
            }
        case .memorisation(let values, let positions):
            // L − n steps have the blank class, n steps one of the values.
            let steps = Double(maximumLength), recall = Double(positions)
            var mean = Array(repeating: recall / (steps * Double(values)), count: values)
            mean.append((steps - recall) / steps)
            return mean
        }
    }

    public var description: String {
        let lengths = lengthRange.count == 1 ? "length \(maximumLength)" : "lengths \(lengthRange)"
        return "\(task.rawValue), T = \(minimumLength): \(lengths), I = \(inputSize), O = \(outputSize), \(outputLoss.rawValue)"
    }
}
