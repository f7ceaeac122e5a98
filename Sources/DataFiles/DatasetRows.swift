import Linalg
import SequenceModel

/// Decoded rows of a dataset, batch-major like the file (`[n, T, ·]`), targets always as vectors.
public struct DatasetRows: Sendable, Equatable {
    public let steps: Int
    public let inputSize: Int
    public let outputSize: Int
    /// `[n, T, I]`
    public internal(set) var inputs: [Float] = []
    /// `[n, T, O]` (one-hot rows when the file stores `/labels`)
    public internal(set) var targets: [Float] = []
    /// `[n, T]`, 0 or 1
    public internal(set) var mask: [Float] = []
    /// `[n, T]`
    public internal(set) var errorMask: [Bool] = []
    /// `[n]`, each in 1...T
    public internal(set) var lengths: [Int] = []

    /// The number of sequences n.
    public var count: Int { lengths.count }

    init(steps: Int, inputSize: Int, outputSize: Int) {
        self.steps = steps
        self.inputSize = inputSize
        self.outputSize = outputSize
    }

    mutating func append(_ other: DatasetRows) {
        inputs += other.inputs
        targets += other.targets
        mask += other.mask
        errorMask += other.errorMask
        lengths += other.lengths
    }

    /// Rows `rows` (in that order, repeats allowed) as a time-major batch `[T, B, ·]`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func sequenceBatch<S: BLASScalar>(rows: [Int], as _: S.Type = S.self) -> SequenceBatch<S> {
        let (t, i, o) = (steps, inputSize, outputSize)
        var batch = SequenceBatch<S>(sequenceCount: rows.count, steps: t, inputSize: i, outputSize: o)
        for (b, row) in rows.enumerated() {
            precondition(row >= 0 && row < count, "row \(row) outside 0..<\(count)")
            for step in 0..<t {
                let source = row * t + step, destination = batch.index(step: step, sequence: b)
                batch.mask[destination] = S(mask[source])
                batch.errorMask[destination] = errorMask[source]
                for k in 0..<i { batch.inputs[destination * i + k] = S(inputs[source * i + k]) }
                for k in 0..<o { batch.targets[destination * o + k] = S(targets[source * o + k]) }
            }
            batch.lengths[b] = lengths[row]
        }
        return batch
    }
}
