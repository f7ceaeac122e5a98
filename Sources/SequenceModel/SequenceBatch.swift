import Linalg

/// A minibatch of B sequences padded to T steps, stored **time-major** so that step t of all
/// sequences is one contiguous `[B, ·]` matrix and all steps together one `[T·B, ·]` matrix
/// (that is what lets the time-independent products run as single GEMMs).
///
/// - `inputs`:  `[T, B, I]`
/// - `targets`: `[T, B, O]` (one-hot rows for softmax; 0/1 for logistic)
/// - `mask`:    `[T, B]` weight of each step in the loss (1 at scored steps, 0 elsewhere); must be
///   0 at steps beyond a sequence's length.
/// - `errorMask`: `[T, B]` steps judged by the success criterion (often equal to `mask`; the
///   random-permutation task scores every step but judges only the last).
/// - `lengths`: `[B]` true length of each sequence, in `1...T`.
public struct SequenceBatch<Scalar: BLASScalar>: Sendable {
    public let sequenceCount: Int
    public let steps: Int
    public let inputSize: Int
    public let outputSize: Int
    public var inputs: [Scalar]
    public var targets: [Scalar]
    public var mask: [Scalar]
    public var errorMask: [Bool]
    public var lengths: [Int]

    /// An all-zero batch to fill in (every mask 0, every length T). Specialised: made from generic
    /// code in other modules for every minibatch, it would otherwise zero each number through the
    /// type's value witnesses.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(sequenceCount: Int, steps: Int, inputSize: Int, outputSize: Int) {
        precondition(sequenceCount > 0 && steps > 0 && inputSize >= 0 && outputSize > 0,
                     "batch needs B > 0, T > 0, O > 0 (got B \(sequenceCount), T \(steps), O \(outputSize))")
        self.sequenceCount = sequenceCount
        self.steps = steps
        self.inputSize = inputSize
        self.outputSize = outputSize
        inputs = Array(repeating: 0, count: steps * sequenceCount * inputSize)
        targets = Array(repeating: 0, count: steps * sequenceCount * outputSize)
        mask = Array(repeating: 0, count: steps * sequenceCount)
        errorMask = Array(repeating: false, count: steps * sequenceCount)
        lengths = Array(repeating: steps, count: sequenceCount)
    }

    /// Index of (step t, sequence b) in `mask` and `errorMask`; multiply by I or O for the others.
    @inlinable public func index(step t: Int, sequence b: Int) -> Int { t * sequenceCount + b }

    /// Bytes one step of one sequence takes in a batch of `inputs` and `outputs`: its inputs,
    /// targets and mask, and its error mask.
    public static func bytesPerStep(inputs: Int, outputs: Int) -> Int {
        (inputs + outputs + 1) * MemoryLayout<Scalar>.stride + MemoryLayout<Bool>.stride
    }

    /// Σ mask: the number of scored outputs, which normalises loss, gradient and curvature. Counted
    /// as an integer (the mask is 0 or 1), so that it stays exact beyond Float's 2²⁴.
    @inlinable public var scoredOutputCount: Scalar {
        var count = 0
        for value in mask where value != 0 { count += 1 }
        return Scalar(count)
    }

    /// The same data in another precision.
    public func converted<Other: BLASScalar>(to _: Other.Type = Other.self) -> SequenceBatch<Other> {
        var copy = SequenceBatch<Other>(sequenceCount: sequenceCount, steps: steps,
                                        inputSize: inputSize, outputSize: outputSize)
        copy.inputs = inputs.map { Other($0) }
        copy.targets = targets.map { Other($0) }
        copy.mask = mask.map { Other($0) }
        copy.errorMask = errorMask
        copy.lengths = lengths
        return copy
    }

    /// Sequences `range` of this batch as a new batch (same T).
    public func sequences(_ range: Range<Int>) -> SequenceBatch<Scalar> {
        precondition(range.lowerBound >= 0 && range.upperBound <= sequenceCount && !range.isEmpty,
                     "sequence range \(range) outside 0..<\(sequenceCount)")
        var part = SequenceBatch(sequenceCount: range.count, steps: steps, inputSize: inputSize, outputSize: outputSize)
        for t in 0..<steps {
            for (newB, b) in range.enumerated() {
                let src = index(step: t, sequence: b), dst = part.index(step: t, sequence: newB)
                part.mask[dst] = mask[src]
                part.errorMask[dst] = errorMask[src]
                for i in 0..<inputSize { part.inputs[dst * inputSize + i] = inputs[src * inputSize + i] }
                for o in 0..<outputSize { part.targets[dst * outputSize + o] = targets[src * outputSize + o] }
            }
        }
        part.lengths = Array(lengths[range])
        return part
    }
}

extension SequenceBatch {
    /// This batch as consecutive sub-batches of `size` sequences, the last one holding the rest
    /// (the batch itself when it fits in one).
    public func split(into size: Int) -> [SequenceBatch<Scalar>] {
        let size = max(1, size)
        if size >= sequenceCount { return [self] }
        return stride(from: 0, to: sequenceCount, by: size).map { sequences($0..<min($0 + size, sequenceCount)) }
    }
}
