import HDF5IO
import SequenceModel

// The value checks of a dataset file, applied to every row block read (at validation and later).

extension DatasetFile {
    struct Statistics {
        var scored = 0
        var judged = 0
        var shortest = Int.max
        var longest = 0
        var targetSums: [Double]
        init(outputs: Int) { targetSums = Array(repeating: 0, count: outputs) }
    }

    /// Reads rows `range` of every dataset, checks each value and decodes them.
    func decode(_ range: Range<Int>, statistics: inout Statistics) throws -> DatasetRows {
        let fail = Failure(path: path)
        let (t, i, o) = (steps, inputSize, outputSize)
        let first = range.lowerBound
        var rows = DatasetRows(steps: t, inputSize: i, outputSize: o)
        /// "sequence n, step t" of a flat [n, T] index.
        func at(_ k: Int) -> String { "sequence \(first + k / t), step \(k % t)" }

        let lengths = try fail.hdf5 { try file.readRows("lengths", rows: range, as: Int64.self) }
        rows.lengths.reserveCapacity(lengths.count)
        for (k, length) in lengths.enumerated() {
            guard length >= 1 && length <= Int64(t) else {
                throw fail("/lengths is \(length) for sequence \(first + k); lengths must be in 1...\(t) (T)")
            }
            rows.lengths.append(Int(length))
            statistics.shortest = min(statistics.shortest, Int(length))
            statistics.longest = max(statistics.longest, Int(length))
        }

        rows.inputs = try fail.hdf5 { try file.readRows("inputs", rows: range, as: Float.self) }
        if let bad = rows.inputs.firstIndex(where: { !$0.isFinite }) {
            throw fail("/inputs has \(nonFinite(rows.inputs[bad])) at \(at(bad / i)), input \(bad % i); values must be finite"
                       + " and fit in float32")
        }

        rows.mask = try fail.hdf5 { try file.readRows("mask", rows: range, as: Float.self) }
        for (k, value) in rows.mask.enumerated() {
            guard value == 0 || value == 1 else { throw fail("/mask has \(value) at \(at(k)); values must be 0 or 1") }
            if value == 1 && k % t >= rows.lengths[k / t] {
                throw fail("/mask is 1 at \(at(k)), beyond the sequence's length \(rows.lengths[k / t]); it must be 0 there")
            }
        }

        switch errorMaskClass {
        case nil:
            rows.errorMask = rows.mask.map { $0 != 0 }
        case .float?:
            let values = try fail.hdf5 { try file.readRows("error_mask", rows: range, as: Float.self) }
            rows.errorMask = try binary(values, fail, at)
        default:
            let values = try fail.hdf5 { try file.readRows("error_mask", rows: range, as: Int64.self) }
            rows.errorMask = try binary(values, fail, at)
        }
        for (k, judged) in rows.errorMask.enumerated() where judged && k % t >= rows.lengths[k / t] {
            throw fail("/error_mask is 1 at \(at(k)), beyond the sequence's length \(rows.lengths[k / t]); it must be 0 there")
        }

        switch targetEncoding {
        case .targets:
            rows.targets = try fail.hdf5 { try file.readRows("targets", rows: range, as: Float.self) }
            if let bad = rows.targets.firstIndex(where: { !$0.isFinite }) {
                throw fail("/targets has \(nonFinite(rows.targets[bad])) at \(at(bad / o)), output \(bad % o); values must be finite"
                           + " and fit in float32")
            }
            for k in 0..<rows.mask.count where rows.mask[k] != 0 || rows.errorMask[k] {
                try checkTarget(rows.targets[(k * o)..<((k + 1) * o)], fail) { at(k) }
            }
        case .labels:
            let labels = try fail.hdf5 { try file.readRows("labels", rows: range, as: Int64.self) }
            rows.targets = Array(repeating: 0, count: labels.count * o)
            for (k, label) in labels.enumerated() where rows.mask[k] != 0 || rows.errorMask[k] {
                guard label >= 0 && label < Int64(o) else {
                    throw fail("/labels has \(label) at \(at(k)), a scored or judged step; labels must be in 0..<\(o) (classes)")
                }
                rows.targets[k * o + Int(label)] = 1
            }
        }

        for k in 0..<rows.mask.count {
            if rows.errorMask[k] { statistics.judged += 1 }
            guard rows.mask[k] != 0 else { continue }
            statistics.scored += 1
            for out in 0..<o { statistics.targetSums[out] += Double(rows.targets[k * o + out]) }
        }
        return rows
    }

    /// 0/1 values of `/error_mask` as Bool.
    private func binary<V: BinaryFloatingPoint & CustomStringConvertible>(
        _ values: [V], _ fail: Failure, _ at: (Int) -> String
    ) throws -> [Bool] {
        try values.enumerated().map { k, value in
            guard value == 0 || value == 1 else { throw fail("/error_mask has \(value) at \(at(k)); values must be 0 or 1") }
            return value == 1
        }
    }

    private func binary(_ values: [Int64], _ fail: Failure, _ at: (Int) -> String) throws -> [Bool] {
        try values.enumerated().map { k, value in
            guard value == 0 || value == 1 else { throw fail("/error_mask has \(value) at \(at(k)); values must be 0 or 1") }
            return value == 1
        }
    }

    /// The target row of a scored or judged step must suit the loss: linear targets within
    /// ±`maximumLinearTarget`, logistic targets in [0, 1], softmax targets a probability vector.
    private func checkTarget(_ row: ArraySlice<Float>, _ fail: Failure, _ at: () -> String) throws {
        switch outputLoss {
        case .linearSquaredError:
            if let bad = row.firstIndex(where: { abs($0) > DatasetSchema.maximumLinearTarget }) {
                throw fail("/targets has \(row[bad]) at \(at()), output \(bad - row.startIndex); linear-squared-error "
                           + "targets must be within ±\(DatasetSchema.maximumLinearTarget) so that float32 can square "
                           + "the error (rescale the data)")
            }
        case .logisticCrossEntropy:
            if let bad = row.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
                throw fail("/targets has \(row[bad]) at \(at()), output \(bad - row.startIndex); "
                           + "logistic-cross-entropy targets must be in [0, 1]")
            }
        case .softmaxCrossEntropy:
            let sum = row.reduce(0, +)
            guard row.allSatisfy({ $0 >= 0 }), abs(sum - 1) <= DatasetSchema.probabilityTolerance else {
                throw fail("/targets at \(at()) is not a probability vector (sum \(sum)); softmax-cross-entropy "
                           + "targets must be ≥ 0 and sum to 1 at scored and judged steps")
            }
        }
    }
}

/// A value read as float32 that is not finite, as the file may hold it: NaN, or an infinity that
/// may be a float64 beyond float32's range (±3.4e38) rounded on reading.
private func nonFinite(_ value: Float) -> String {
    value.isNaN ? "nan" : "\(value < 0 ? "-" : "")inf or a value beyond float32's range (±3.4e38)"
}
