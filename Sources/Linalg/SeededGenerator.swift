/// A small, fast, seedable random number generator (xoshiro256**) whose whole state is four
/// words, so a checkpoint can store it and a resumed run draws exactly the same numbers.
///
/// Every random draw in hfrnn (initialisation, task sequences, minibatch choice) goes through
/// this type and the helpers below, never through `SystemRandomNumberGenerator`, so runs are
/// reproducible from a seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
    public private(set) var state: [UInt64]

    /// Expands `seed` with SplitMix64, as the xoshiro authors recommend.
    public init(seed: UInt64) {
        var mixer = seed
        var words = [UInt64]()
        for _ in 0..<4 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            words.append(z ^ (z >> 31))
        }
        state = words
    }

    /// Restores a generator from a state saved with `state`; nil if it is not four words or all zero.
    public init?(state: [UInt64]) {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else { return nil }
        self.state = state
    }

    public mutating func next() -> UInt64 {
        let result = rotateLeft(state[1] &* 5, 7) &* 9
        let shifted = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= shifted
        state[3] = rotateLeft(state[3], 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform integer in `lower..<upper` (upper exclusive, like numpy's randint).
    public mutating func nextInt(_ lower: Int, _ upper: Int) -> Int {
        precondition(upper > lower, "empty range \(lower)..<\(upper)")
        return lower + Int(next() % UInt64(upper - lower))
    }

    /// Standard normal draw (Box–Muller; one value per call keeps the state simple to save).
    public mutating func nextGaussian() -> Double {
        var u = nextUnit()
        while u <= 0 { u = nextUnit() }
        let v = nextUnit()
        return (-2 * _log(u)).squareRoot() * _cos(2 * Double.pi * v)
    }

    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

import RealModule
@inline(__always) private func _log(_ x: Double) -> Double { Double.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Double.cos(x) }
