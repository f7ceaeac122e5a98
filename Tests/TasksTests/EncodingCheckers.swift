import Tasks

// One checker per task family. Each rebuilds an encoding rule of docs/algorithm.md#tasks from what
// it reads in the batch and returns every disagreement as a message, so the same checks serve the
// targeted tests and the sweep over small T.

/// The values when none is nil.
func allPresent(_ values: [Int?]) -> [Int]? {
    let present = values.compactMap { $0 }
    return present.count == values.count ? present : nil
}

/// The rule of docs/algorithm.md#addition-multiplication-and-xor:
/// the marker channel is exactly −1 at 0, +1 at I and J, −1 at L − 3; values in [0, 1)
/// (XOR: bits); the one scored and judged step is L − 1 and its target is op(value[I], value[J]).
func markedPairViolations(_ r: BatchReader, _ spec: TaskSpec) -> [String] {
    var problems: [String] = []
    let ranges = spec.markerRanges
    for b in 0..<r.count {
        let length = r.batch.lengths[b]
        let marked = (0..<length).filter { r.input($0, b, 1) != 0 }
        let cue = length - 3
        guard marked.count == 4, marked.first == 0, marked.last == cue,
              r.input(0, b, 1) == -1, r.input(cue, b, 1) == -1,
              r.input(marked[1], b, 1) == 1, r.input(marked[2], b, 1) == 1 else {
            problems.append("b \(b): marker channel at \(marked) in a sequence of length \(length)")
            continue
        }
        let (i, j) = (marked[1], marked[2])
        if !ranges[0].contains(i) || !ranges[1].contains(j) { problems.append("b \(b): marks at \(i), \(j)") }
        for t in 0..<length {
            let v = r.input(t, b, 0)
            let ok = spec.outputLoss == .logisticCrossEntropy ? (v == 0 || v == 1)
                : spec.task == .additionSMDH ? (v >= -0.5 && v < 0.5) : (v >= 0 && v < 1)
            if !ok { problems.append("b \(b) t \(t): value \(v)") }
        }
        let (a, c) = (r.input(i, b, 0), r.input(j, b, 0))
        let expected: Double = switch spec.task {
        case .addition: a + c
        case .additionSMDH: ((a + 0.5) + (c + 0.5)) / 2
        case .multiplication: a * c
        default: (a == 1) != (c == 1) ? 1 : 0
        }
        if r.scoredSteps(b) != [length - 1] || r.judgedSteps(b) != [length - 1] {
            problems.append("b \(b): scored \(r.scoredSteps(b)), judged \(r.judgedSteps(b)), length \(length)")
        }
        let targets = (0..<length).filter { r.target($0, b, 0) != 0 }
        if r.target(length - 1, b, 0) != expected || targets.contains(where: { $0 != length - 1 }) {
            problems.append("b \(b): target \(r.target(length - 1, b, 0)) ≠ \(expected) or set at \(targets)")
        }
    }
    return problems
}

/// The temporal-order class from the marked bits read off the input, first marked symbol first:
/// 2A' + B' for two symbols, 4C' + 2B' + A' for three (docs/algorithm.md#temporal-order).
func temporalClass(_ bits: [Int]) -> Int {
    bits.count == 2 ? 2 * bits[0] + bits[1] : 4 * bits[2] + 2 * bits[1] + bits[0]
}

/// The rule of docs/algorithm.md#temporal-order:
/// every step < L one-hot; 7 at 0, 6 at L − 1; X/Y (4/5) exactly at one position in
/// each marker range, distractors 0–3 elsewhere; the one scored and judged step is L − 1, with a
/// one-hot target of the class of the marked bits.
func temporalOrderViolations(_ r: BatchReader, _ spec: TaskSpec) -> [String] {
    var problems: [String] = []
    let ranges = spec.markerRanges
    for b in 0..<r.count {
        let length = r.batch.lengths[b]
        guard let symbols = allPresent((0..<length).map { r.inputSymbol($0, b) }) else {
            problems.append("b \(b): input not one-hot at some step < \(length)")
            continue
        }
        if symbols[0] != 7 || symbols[length - 1] != 6 { problems.append("b \(b): start/trigger \(symbols[0]) \(symbols[length - 1])") }
        let marked = symbols.indices.filter { symbols[$0] == 4 || symbols[$0] == 5 }
        let middle = symbols.indices.dropFirst().dropLast()
        if middle.contains(where: { !marked.contains($0) && symbols[$0] >= 4 }) {
            problems.append("b \(b): a symbol ≥ 4 other than the marks inside the sequence")
        }
        guard marked.count == ranges.count, zip(marked, ranges).allSatisfy({ $1.contains($0) }) else {
            problems.append("b \(b): marked positions \(marked), ranges \(ranges)")
            continue
        }
        let expected = temporalClass(marked.map { symbols[$0] - 4 })
        if r.scoredSteps(b) != [length - 1] || r.judgedSteps(b) != [length - 1] {
            problems.append("b \(b): scored \(r.scoredSteps(b)), judged \(r.judgedSteps(b))")
        }
        if r.targetClass(length - 1, b) != expected { problems.append("b \(b): class \(String(describing: r.targetClass(length - 1, b))) ≠ \(expected)") }
        if (0..<(length - 1)).contains(where: { r.targetRow($0, b).contains { $0 != 0 } }) {
            problems.append("b \(b): targets before the last step")
        }
    }
    return problems
}

/// The rule of docs/algorithm.md#random-permutation:
/// length T; step 0 shows 0 or 1, later steps 2..<100; the target at t is the input at
/// t + 1, and at the last step the first input; every step scored, only the last judged.
func randomPermutationViolations(_ r: BatchReader, _ spec: TaskSpec) -> [String] {
    var problems: [String] = []
    let t = spec.minimumLength
    for b in 0..<r.count {
        let length = r.batch.lengths[b]
        if length != t { problems.append("b \(b): length \(length) ≠ T \(t)") }
        guard let symbols = allPresent((0..<length).map { r.inputSymbol($0, b) }),
              let targets = allPresent((0..<length).map { r.targetClass($0, b) }) else {
            problems.append("b \(b): not one-hot")
            continue
        }
        if symbols[0] > 1 || symbols.dropFirst().contains(where: { $0 < 2 || $0 >= 100 }) {
            problems.append("b \(b): symbols out of range")
        }
        if targets != Array(symbols.dropFirst()) + [symbols[0]] { problems.append("b \(b): targets are not the next symbols") }
        if r.scoredSteps(b) != Array(0..<length) || r.judgedSteps(b) != [length - 1] {
            problems.append("b \(b): scored \(r.scoredSteps(b).count) steps, judged \(r.judgedSteps(b))")
        }
    }
    return problems
}

/// The rule of docs/algorithm.md#noiseless-memorisation,
/// with the [PMB] layout: length T + 2n; inputs are the pattern (symbols < n_values) at
/// 0..<n, go (n_values + 1) at L − n − 1 and blank (n_values) elsewhere; targets are blank
/// before L − n and the pattern read from the inputs after; all scored, the last n judged.
func memorisationViolations(_ r: BatchReader, _ spec: TaskSpec, values: Int, positions n: Int) -> [String] {
    var problems: [String] = []
    let (blank, go) = (values, values + 1)
    for b in 0..<r.count {
        let length = r.batch.lengths[b]
        if length != spec.minimumLength + 2 * n { problems.append("b \(b): length \(length)") }
        guard let inputs = allPresent((0..<length).map { r.inputSymbol($0, b) }),
              let targets = allPresent((0..<length).map { r.targetClass($0, b) }) else {
            problems.append("b \(b): not one-hot")
            continue
        }
        let pattern = Array(inputs[0..<n])
        if pattern.contains(where: { $0 >= values }) { problems.append("b \(b): pattern \(pattern)") }
        let expectedInputs = pattern + Array(repeating: blank, count: length - 2 * n - 1) + [go]
            + Array(repeating: blank, count: n)
        if inputs != expectedInputs { problems.append("b \(b): inputs \(inputs)") }
        if targets != Array(repeating: blank, count: length - n) + pattern { problems.append("b \(b): targets \(targets)") }
        if r.scoredSteps(b) != Array(0..<length) || r.judgedSteps(b) != Array((length - n)..<length) {
            problems.append("b \(b): scored \(r.scoredSteps(b).count), judged \(r.judgedSteps(b))")
        }
    }
    return problems
}

/// The family checker for any task (shared invariants included).
func violations(_ batch: BatchReader, _ spec: TaskSpec) -> [String] {
    let specific: [String] = switch spec.task {
    case .addition, .additionSMDH, .multiplication, .xor, .xorRelease: markedPairViolations(batch, spec)
    case .temporalOrder, .temporalOrder3: temporalOrderViolations(batch, spec)
    case .randomPermutation: randomPermutationViolations(batch, spec)
    case .memorization5: memorisationViolations(batch, spec, values: 2, positions: 5)
    case .memorization20: memorisationViolations(batch, spec, values: 5, positions: 10)
    }
    return batch.sharedViolations(spec) + specific
}
