import CKernels
import RealModule

/// Element-wise kernels that are too hot for libm: the forward pass applies tanh to every
/// hidden unit at every step of every sequence (20 M values for H = 100, T = 200, B = 1000).
public enum Elementwise {
    /// `x[i] ← tanh(x[i])` for `i < count`. Float uses the C kernel (AVX-512 or AVX2 where the CPU has it),
    /// accurate to a few ulps and bit for bit the `simdTanh8` below on every CPU; Double (the
    /// precision of the derivative checks) uses libm.
    @inlinable
    public static func tanh<S: BLASScalar>(_ x: UnsafeMutablePointer<S>, count: Int) {
        if S.self == Float.self {
            x.withMemoryRebound(to: Float.self, capacity: count) { hfrnn_tanh_f32($0, count) }
        } else {
            for i in 0..<count { x[i] = S.tanh(x[i]) }
        }
    }

    /// The Float kernels the CPU can run: the portable one always, the AVX2 and AVX-512 ones where
    /// supported (the widest is used; all give the same bits).
    public enum TanhKernel: Int32, Sendable, CaseIterable {
        case portable = 0, avx2 = 1, avx512 = 2

        public static var available: [TanhKernel] {
            [.portable] + (hfrnn_avx2_available() != 0 ? [.avx2] : []) + (hfrnn_avx512_available() != 0 ? [.avx512] : [])
        }
    }

    /// `tanh` for Float with a chosen kernel (tests and benchmarks compare them).
    public static func tanh(_ x: UnsafeMutablePointer<Float>, count: Int, kernel: TanhKernel) {
        hfrnn_tanh_f32_using(kernel.rawValue, x, count)
    }

    /// The 8-wide Swift SIMD formulation of the same kernel: the definition the C kernels match bit
    /// for bit (tests), and what the Float path ran before them.
    public static func referenceTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        simdTanh(x, count: count)
    }
}

/// tanh through expm1: with u = −2|x| ≤ 0 and m = expm1(u) ∈ (−1, 0],
/// tanh(|x|) = −m / (m + 2), and the sign of x is copied back. expm1 uses the range reduction
/// u = k·ln2 + r, |r| ≤ ln2/2, a degree-7 Taylor polynomial for expm1(r) (truncation error below
/// 2·10⁻⁹ relative), and expm1(u) = 2ᵏ·expm1(r) + (2ᵏ − 1), which is exact in the k = 0 case
/// that matters for small |x|.
func simdTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        let raw = UnsafeMutableRawPointer(x + i)
        raw.storeBytes(of: simdTanh8(raw.loadUnaligned(as: SIMD8<Float>.self)), as: SIMD8<Float>.self)
        i += 8
    }
    if i < count {  // tail: pad to a full vector
        var lanes = SIMD8<Float>(repeating: 0)
        for lane in 0..<(count - i) { lanes[lane] = x[i + lane] }
        let result = simdTanh8(lanes)
        for lane in 0..<(count - i) { x[i + lane] = result[lane] }
    }
}

@inline(__always)
func simdTanh8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
    let signBits = bits & 0x8000_0000
    let magnitude = unsafeBitCast(bits & 0x7FFF_FFFF, to: SIMD8<Float>.self)
    // tanh(9) rounds to 1 in Float; clamping keeps 2ᵏ a normal number.
    let u = -2 * magnitude.replacing(with: 9, where: magnitude .> 9)
    let log2e: Float = 1.442_695_04
    let ln2High: Float = 0.693_145_751_953_125  // ln 2 split so k·ln2High is exact
    let ln2Low: Float = 1.428_606_765_330_187e-6
    // Adding and subtracting 1.5·2²³ rounds to the nearest integer, and the sum's low mantissa
    // bits hold that integer: both without the per-lane libm calls of `rounded` and Int32(_:).
    let roundingShift: Float = 12_582_912
    let shifted = u * log2e + roundingShift
    let k = shifted - roundingShift
    let r = (u - k * ln2High) - k * ln2Low
    // expm1(r) = r + r²/2! + … + r⁷/7!, Horner form.
    var poly = SIMD8<Float>(repeating: 1.0 / 5040)
    poly = poly * r + 1.0 / 720
    poly = poly * r + 1.0 / 120
    poly = poly * r + 1.0 / 24
    poly = poly * r + 1.0 / 6
    poly = poly * r + 0.5
    poly = poly * r + 1
    let expm1r = poly * r
    let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000) &+ 127
    let twoToK = unsafeBitCast(exponent &<< 23, to: SIMD8<Float>.self)
    let m = twoToK * expm1r + (twoToK - 1)
    let t = -m / (m + 2)
    return unsafeBitCast(unsafeBitCast(t, to: SIMD8<UInt32>.self) | signBits, to: SIMD8<Float>.self)
}
