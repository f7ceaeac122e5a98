import Dispatch
import Linalg
import Testing

/// The bfloat16 products against a reference of VDPBF16PS's operation on the same rounded inputs:
/// the rounding, the layouts and the tails of the kernel's blocks, for both kernels (the AVX-512
/// one only on a CPU that has it; elsewhere both cases take the portable one).
struct BFloat16ProductsTests {
    static let kernels: [BFloat16Products.Kernel] = [.portable, .avx512]

    /// sum + x·y as VDPBF16PS adds it: rounded once to nearest even, and zero of its sign when the
    /// value rounded to 24 bits with an unbounded exponent is below 2⁻¹²⁶ (computed here in Double,
    /// exact for these operands: a bfloat16 product and a float sum below 2⁻¹⁰⁰ or so).
    static func step(_ sum: Float, _ x: Float, _ y: Float) -> Float {
        let r = sum.addingProduct(x, y)
        guard r.isFinite, abs(r) <= .leastNormalMagnitude else { return r }
        let exact = Double(sum) + Double(x) * Double(y)
        // Rounded to 24 significant bits at its own exponent, whatever that is.
        let exponent = exact == 0 ? 0 : Int(exact.exponent)
        let ulp = Double(sign: .plus, exponent: exponent - 23, significand: 1)
        let rounded24 = (exact / ulp).rounded(.toNearestOrEven) * ulp
        return abs(rounded24) < Double(Float.leastNormalMagnitude) ? Float(signOf: r, magnitudeOf: 0) : r
    }

    /// x rounded to bfloat16 as the kernel documents: nearest, ties to even; subnormals to zero.
    static func rounded(_ x: Float) -> Float {
        let bits = x.bitPattern
        if bits & 0x7F80_0000 == 0 { return Float(bitPattern: bits & 0x8000_0000) }
        return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
    }

    struct Case: CustomStringConvertible {
        let m: Int, n: Int, k: Int, transA: Transpose, transB: Transpose, beta: Float
        var description: String { "m \(m) n \(n) k \(k) \(transA) \(transB) beta \(beta)" }
    }

    static let cases: [Case] = {
        let shapes = [(1, 1, 1), (50, 100, 100), (7, 33, 17), (5, 113, 101), (100, 100, 600), (13, 16, 2), (4, 112, 3),
                      (3, 225, 9)]
        return shapes.enumerated().flatMap { index, shape in
            [Transpose.none, .transposed].flatMap { transA in
                [Transpose.none, .transposed].map { transB in
                    Case(m: shape.0, n: shape.1, k: shape.2, transA: transA, transB: transB, beta: index % 2 == 0 ? 0 : 1)
                }
            }
        }
    }()

    /// Operands stored with padded rows, so that strides matter.
    struct Operands {
        var a: [Float], b: [Float], c: [Float]
        let lda: Int, ldb: Int, ldc: Int, item: Case
        init(_ item: Case, seed: UInt64 = 3) {
            var rng = SeededGenerator(seed: seed)
            self.item = item
            lda = (item.transA == .none ? item.k : item.m) + 3
            ldb = (item.transB == .none ? item.n : item.k) + 2
            ldc = item.n + 5
            a = (0..<((item.transA == .none ? item.m : item.k) * lda)).map { _ in Float(rng.nextGaussian()) }
            b = (0..<((item.transB == .none ? item.k : item.n) * ldb)).map { _ in Float(rng.nextGaussian()) }
            c = (0..<(item.m * ldc)).map { _ in Float(rng.nextGaussian()) }
        }
        func aAt(_ row: Int, _ p: Int) -> Float { item.transA == .none ? a[row * lda + p] : a[p * lda + row] }
        func bAt(_ p: Int, _ column: Int) -> Float { item.transB == .none ? b[p * ldb + column] : b[column * ldb + p] }
        var aView: (UnsafeBufferPointer<Float>) -> MatrixView<Float> {
            { MatrixView($0, rows: item.transA == .none ? item.m : item.k, cols: item.transA == .none ? item.k : item.m,
                         rowStride: lda) }
        }
        var bView: (UnsafeBufferPointer<Float>) -> MatrixView<Float> {
            { MatrixView($0, rows: item.transB == .none ? item.k : item.n, cols: item.transB == .none ? item.n : item.k,
                         rowStride: ldb) }
        }
        func product(packed: Bool, kernel: BFloat16Products.Kernel = .avx512) -> [Float] {
            var result = c
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in result.withUnsafeMutableBufferPointer { c in
                let cView = MutableMatrixView(c, rows: item.m, cols: item.n, rowStride: ldc)
                if packed {
                    var operand = BFloat16Products.PackedOperand()
                    BFloat16Products.pack(bView(b), item.transB, into: &operand, kernel: kernel)
                    BFloat16Products.gemm(aView(a), item.transA, operand, item.beta, cView, kernel: kernel)
                } else {
                    BFloat16Products.gemm(aView(a), item.transA, bView(b), item.transB, item.beta, cView, kernel: kernel)
                }
            } } }
            return result
        }

        /// C's element [row, column] as VDPBF16PS computes it: along k in pairs, the odd product and
        /// then the even one, each `BFloat16ProductsTests.step`; then β·C added (two roundings, no flush).
        func instructionReference(_ row: Int, _ column: Int) -> Float {
            let rounded = BFloat16ProductsTests.rounded
            var sum: Float = 0
            for p in stride(from: 0, to: item.k, by: 2) {
                // An odd k's missing element is +0 in both operands (+0·+0 turns a sum of −0 into +0).
                let odd = p + 1 < item.k ? (rounded(aAt(row, p + 1)), rounded(bAt(p + 1, column))) : (Float(0), Float(0))
                sum = BFloat16ProductsTests.step(sum, odd.0, odd.1)
                sum = BFloat16ProductsTests.step(sum, rounded(aAt(row, p)), rounded(bAt(p, column)))
            }
            let index = row * ldc + column
            return item.beta == 0 ? sum : sum + item.beta * c[index]
        }
    }

    @Test(arguments: cases, kernels) func isVDPBF16PSBitForBit(_ item: Case, _ kernel: BFloat16Products.Kernel) {
        let operands = Operands(item)
        let computed = operands.product(packed: false, kernel: kernel)
        for row in 0..<item.m {
            for column in 0..<item.n {
                let expected = operands.instructionReference(row, column)
                let got = computed[row * operands.ldc + column]
                #expect(got.bitPattern == expected.bitPattern, "\(item), \(kernel) [\(row), \(column)]: \(got), not \(expected)")
            }
        }
    }

    /// Operands near 2⁻⁶³, 2⁻¹²⁰ and 2⁶³ and signed zeros, with β = 0 (β·C would hide small sums)
    /// and 1: sums that fall below 2⁻¹²⁶ (flushed), overflow to infinity and cancel, where the order
    /// and rounding of each addition show.
    @Test(arguments: kernels) func isVDPBF16PSBitForBitAtTheEdgesOfTheRange(_ kernel: BFloat16Products.Kernel) {
        var rng = SeededGenerator(seed: 11)
        for (m, n, k, beta) in [(5, 37, 9, Float(1)), (3, 16, 2, 0), (4, 20, 7, 0), (6, 33, 12, 0)] {
            let item = Case(m: m, n: n, k: k, transA: .none, transB: .transposed, beta: beta)
            var operands = Operands(item, seed: 13)
            func extreme() -> Float {
                switch rng.next() % 8 {
                case 0: return Float(signOf: Float(rng.nextGaussian()), magnitudeOf: 0)
                case 1: return Float(rng.nextGaussian()) * 0x1p-63
                case 2: return Float(rng.nextGaussian()) * 0x1p63
                case 3: return Float(rng.nextGaussian()) * 0x1p-120
                default: return Float(rng.nextGaussian())
                }
            }
            for index in operands.a.indices { operands.a[index] = extreme() }
            for index in operands.b.indices { operands.b[index] = extreme() }
            let computed = operands.product(packed: true, kernel: kernel)
            if BFloat16Products.hasInstructions {
                let native = operands.product(packed: true, kernel: .avx512)
                #expect(zip(computed, native).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }, "\(item)")
            }
            for row in 0..<m {
                for column in 0..<n {
                    let expected = operands.instructionReference(row, column)
                    let got = computed[row * operands.ldc + column]
                    // Infinities of both signs in one sum make a NaN, whose payload is the CPU's.
                    #expect(got.bitPattern == expected.bitPattern || (got.isNaN && expected.isNaN),
                            "\(item), \(kernel) [\(row), \(column)]: \(got), not \(expected)")
                }
            }
        }
    }

    /// Sums just below 2⁻¹²⁶, where the instruction decides on the value rounded to 24 bits, not on
    /// the subnormal fmaf gives: 2⁻¹²⁶ − 2⁻¹⁵² rounds up to 2⁻¹²⁶ and stays, 2⁻¹²⁶ − 3·2⁻¹⁵² does
    /// not and is flushed (this CPU's instruction gives these; the portable kernel gave 2⁻¹²⁶ for both).
    @Test(arguments: kernels) func flushesOnTheSumRoundedTo24Bits(_ kernel: BFloat16Products.Kernel) {
        func sum(_ a: [Float], _ b: [Float]) -> Float {
            var c: [Float] = [7]
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                BFloat16Products.gemm(MatrixView(a, rows: 1, cols: 2), .none, MatrixView(b, rows: 2, cols: 1), .none, 0,
                                      MutableMatrixView(c, rows: 1, cols: 1), kernel: kernel)
            } } }
            return c[0]
        }
        // Element 1 (odd) first: 2⁻⁶³·2⁻⁶³ = 2⁻¹²⁶, then element 0's small negative product.
        #expect(sum([0x1p-76, 0x1p-63], [-0x1p-76, 0x1p-63]) == 0x1p-126)
        #expect(sum([0x1.8p-76, 0x1p-63], [-0x1p-75, 0x1p-63]).bitPattern == Float(0).bitPattern)
        #expect(sum([0x1p-76, -0x1p-63], [0x1p-76, 0x1p-63]) == -0x1p-126)
        #expect(sum([-0x1.8p-76, -0x1p-63], [-0x1p-75, 0x1p-63]).bitPattern == (-Float(0)).bitPattern)
    }

    /// The portable kernel is the instruction's bits (run only where both exist).
    @Test(.enabled(if: BFloat16Products.hasInstructions, "this CPU lacks AVX-512 BF16"), arguments: cases)
    func portableKernelGivesTheInstructionsBits(_ item: Case) {
        let operands = Operands(item)
        for packed in [false, true] {
            let portable = operands.product(packed: packed, kernel: .portable)
            let native = operands.product(packed: packed, kernel: .avx512)
            let differing = zip(portable, native).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "\(item), packed \(packed): \(differing) of \(native.count) elements differ")
        }
    }

    @Test(arguments: cases) func matchesADoubleReferenceOfTheRoundedInputs(_ item: Case) {
        let operands = Operands(item)
        let computed = operands.product(packed: false)
        for row in 0..<item.m {
            for column in 0..<operands.ldc {
                let index = row * operands.ldc + column
                guard column < item.n else {
                    #expect(computed[index] == operands.c[index], "\(item): wrote past column \(item.n)")
                    continue
                }
                var exact = Double(item.beta) * Double(operands.c[index]), magnitude = abs(exact)
                for p in 0..<item.k {
                    let term = Double(Self.rounded(operands.aAt(row, p))) * Double(Self.rounded(operands.bAt(p, column)))
                    exact += term
                    magnitude += abs(term)
                }
                // float32 sums of k + 1 terms: each addition rounds once.
                let tolerance = Double(item.k + 1) * Double(Float.ulpOfOne) * magnitude + 1e-30
                #expect(abs(Double(computed[index]) - exact) <= tolerance, "\(item) [\(row), \(column)]")
            }
        }
    }

    @Test(arguments: cases) func packingOnceGivesTheSameBits(_ item: Case) {
        let operands = Operands(item)
        #expect(operands.product(packed: true).map(\.bitPattern) == operands.product(packed: false).map(\.bitPattern))
    }

    @Test func roundsToNearestTiesToEvenAndFlushesSubnormals() {
        let one: Float = 1, step = Float(bitPattern: 0x3B80_0000)  // 2⁻⁸, half of bfloat16's ulp at 1
        let inputs: [Float] = [1 + step, 1 + 3 * step, 1 + 1.5 * step, -(1 + step), .leastNormalMagnitude / 2, 3, 1e-20]
        let expected: [Float] = [1, 1 + 4 * step, 1 + 2 * step, -1, 0, 3, Self.rounded(1e-20)]
        var result = [Float](repeating: 7, count: inputs.count)
        [one].withUnsafeBufferPointer { b in inputs.withUnsafeBufferPointer { a in result.withUnsafeMutableBufferPointer { c in
            BFloat16Products.gemm(MatrixView(a, rows: inputs.count, cols: 1), .none, MatrixView(b, rows: 1, cols: 1), .none, 0,
                                  MutableMatrixView(c, rows: inputs.count, cols: 1))
        } } }
        #expect(result == expected)
    }

    @Test func threadsDoNotShareBuffersOrChangeBits() {
        let items = Self.cases.filter { $0.k > 50 }
        let sequential = items.map { Operands($0).product(packed: false) }
        let concurrent = ResultBox(count: items.count)
        DispatchQueue.concurrentPerform(iterations: items.count * 4) { index in
            let result = Operands(items[index % items.count]).product(packed: false)
            if index < items.count { concurrent.set(index, result) }
        }
        for index in items.indices {
            #expect(concurrent.values[index].map(\.bitPattern) == sequential[index].map(\.bitPattern), "\(items[index])")
        }
    }

    @Test func blasArithmeticChoosesBFloat16OnlyForFloatProductsWideEnough() {
        let a: [Float] = (0..<40).map { 1 + Float($0) / 1024 }, b = [Float](repeating: 1, count: 40 * 20)
        func product(_ arithmetic: ProductArithmetic, columns: Int) -> [Float] {
            var c = [Float](repeating: 0, count: 20)
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                BLAS.gemm(arithmetic, MatrixView(a, rows: 1, cols: 40), .none, MatrixView(b, rows: 40, cols: columns), .none, 0,
                          MutableMatrixView(c, rows: 1, cols: columns))
            } } }
            return c
        }
        // One row: below `narrowest`, so BLAS in float even when bf16 is asked for.
        #expect(product(.bfloat16, columns: 20) == product(.float, columns: 20))
    }

    @Test func blasArithmeticTakesBFloat16ForWideFloatProducts() {
        // 1 + i/1024 needs more than bfloat16's 8 significant bits.
        let a: [Float] = (0..<(20 * 30)).map { 1 + Float($0 % 37) / 1024 }, b: [Float] = (0..<(30 * 24)).map { 1 - Float($0 % 29) / 2048 }
        func product(_ body: (MatrixView<Float>, MatrixView<Float>, MutableMatrixView<Float>) -> Void) -> [UInt32] {
            var c = [Float](repeating: 0, count: 20 * 24)
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                body(MatrixView(a, rows: 20, cols: 30), MatrixView(b, rows: 30, cols: 24), MutableMatrixView(c, rows: 20, cols: 24))
            } } }
            return c.map(\.bitPattern)
        }
        let dispatched = product { BLAS.gemm(.bfloat16, $0, .none, $1, .none, 0, $2) }
        #expect(dispatched == product { BFloat16Products.gemm($0, .none, $1, .none, 0, $2) })
        #expect(dispatched != product { BLAS.gemm(.float, $0, .none, $1, .none, 0, $2) })
    }
}

/// Results written by concurrent iterations, each to its own slot of fixed storage.
private final class ResultBox: @unchecked Sendable {
    private let slots: UnsafeMutableBufferPointer<[Float]>
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: [])
    }
    deinit {
        slots.deinitialize()
        slots.deallocate()
    }
    var values: [[Float]] { Array(slots) }
    func set(_ index: Int, _ value: [Float]) { slots[index] = value }
}
