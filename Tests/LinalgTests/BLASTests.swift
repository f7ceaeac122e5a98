import Testing
@testable import Linalg

// Every BLAS wrapper is checked against a plain loop evaluated in Double, for Float and Double.
// Tolerances follow the standard bound for a sum of n products, |error| <= n·ε·Σ|terms|, with a
// little slack: a wrong transpose, leading dimension or α/β handling gives errors of order one.

/// Uniform values in [-1, 1) from a fixed seed.
func randomArray<S: BLASScalar>(_ count: Int, _ generator: inout SeededGenerator) -> [S] {
    (0..<count).map { _ in S(generator.nextUnit() * 2 - 1) }
}

/// Element (row, col) of op(M), where M is stored row-major with `cols` columns.
func element<S: BLASScalar>(_ m: [S], cols: Int, _ trans: Transpose, _ row: Int, _ col: Int) -> Double {
    Double(trans == .none ? m[row * cols + col] : m[col * cols + row])
}

/// Asserts |actual - expected| <= tolerance for each element, reporting the first few misses.
func expectClose<S: BLASScalar>(_ actual: [S], _ expected: [Double], tolerance: [Double], _ label: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(label): count", sourceLocation: sourceLocation)
    var misses = 0
    for i in 0..<min(actual.count, expected.count) where !(abs(Double(actual[i]) - expected[i]) <= tolerance[i]) {
        misses += 1
        if misses <= 3 {
            Issue.record("\(label) [\(i)]: got \(actual[i]), expected \(expected[i]) ± \(tolerance[i])",
                         sourceLocation: sourceLocation)
        }
    }
}

func checkGemm<S: BLASScalar>(_: S.Type, m: Int, n: Int, k: Int, alpha: S, beta: S, seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    for transA in [Transpose.none, .transposed] {
        for transB in [Transpose.none, .transposed] {
            let (aRows, aCols) = transA == .none ? (m, k) : (k, m)
            let (bRows, bCols) = transB == .none ? (k, n) : (n, k)
            let offset = 3  // A sits inside a larger buffer, to exercise MatrixView's offset
            let aBuffer: [S] = randomArray(offset + aRows * aCols + 2, &generator)
            let a = Array(aBuffer[offset..<(offset + aRows * aCols)])
            let b: [S] = randomArray(bRows * bCols, &generator)
            // With β = 0, C's old contents must be ignored, even NaN.
            let cStart: [S] = beta == 0 ? Array(repeating: .nan, count: m * n) : randomArray(m * n, &generator)
            var expected = [Double](repeating: 0, count: m * n)
            var tolerance = [Double](repeating: 0, count: m * n)
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0, magnitude = 0.0
                    for p in 0..<k {
                        let term = element(a, cols: aCols, transA, i, p) * element(b, cols: bCols, transB, p, j)
                        sum += term
                        magnitude += abs(term)
                    }
                    let old = beta == 0 ? 0 : Double(beta) * Double(cStart[i * n + j])
                    expected[i * n + j] = Double(alpha) * sum + old
                    tolerance[i * n + j] = Double(k + 3) * Double(S.ulpOfOne) * (abs(Double(alpha)) * magnitude + abs(old))
                }
            }
            var c = cStart
            aBuffer.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        BLAS.gemm(alpha, MatrixView(pa, offset: offset, rows: aRows, cols: aCols), transA,
                                  MatrixView(pb, rows: bRows, cols: bCols), transB,
                                  beta, MutableMatrixView(pc, rows: m, cols: n))
                    }
                }
            }
            expectClose(c, expected, tolerance: tolerance,
                        "\(S.self) gemm m=\(m) n=\(n) k=\(k) \(transA)/\(transB) α=\(alpha) β=\(beta)")
        }
    }
}

func checkGemv<S: BLASScalar>(_: S.Type, rows: Int, cols: Int, alpha: S, beta: S, seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    let a: [S] = randomArray(rows * cols, &generator)
    for trans in [Transpose.none, .transposed] {
        let (m, n) = trans == .none ? (rows, cols) : (cols, rows)  // op(A) is m × n
        let x: [S] = randomArray(n, &generator)
        let yStart: [S] = beta == 0 ? Array(repeating: .nan, count: m) : randomArray(m, &generator)
        var expected = [Double](repeating: 0, count: m), tolerance = expected
        for i in 0..<m {
            var sum = 0.0, magnitude = 0.0
            for j in 0..<n {
                let term = element(a, cols: cols, trans, i, j) * Double(x[j])
                sum += term
                magnitude += abs(term)
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(yStart[i])
            expected[i] = Double(alpha) * sum + old
            tolerance[i] = Double(n + 3) * Double(S.ulpOfOne) * (abs(Double(alpha)) * magnitude + abs(old))
        }
        var y = yStart
        a.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    BLAS.gemv(alpha, MatrixView(pa, rows: rows, cols: cols), trans, px, beta, py)
                }
            }
        }
        expectClose(y, expected, tolerance: tolerance, "\(S.self) gemv \(rows)x\(cols) \(trans) α=\(alpha) β=\(beta)")
    }
}

func checkLevel1<S: BLASScalar>(_: S.Type, count: Int, seed: UInt64) {
    var generator = SeededGenerator(seed: seed)
    let x: [S] = randomArray(count, &generator)
    let yStart: [S] = randomArray(count, &generator)
    let eps = Double(S.ulpOfOne), slack = Double(count + 2)
    let label = "\(S.self) n=\(count)"

    // axpy: y ← αx + y
    let alpha: S = -0.75
    var y = yStart
    x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in BLAS.axpy(alpha, px, py) } }
    expectClose(y, (0..<count).map { Double(alpha) * Double(x[$0]) + Double(yStart[$0]) },
                tolerance: (0..<count).map { 3 * eps * (abs(Double(alpha * x[$0])) + abs(Double(yStart[$0]))) },
                "\(label) axpy")

    // dot
    let products = (0..<count).map { Double(x[$0]) * Double(yStart[$0]) }
    let dot = x.withUnsafeBufferPointer { px in yStart.withUnsafeBufferPointer { py in BLAS.dot(px, py) } }
    expectClose([dot], [products.reduce(0, +)], tolerance: [slack * eps * products.map(abs).reduce(0, +)],
                "\(label) dot")

    // nrm2
    let norm = x.withUnsafeBufferPointer { BLAS.nrm2($0) }
    let exactNorm = x.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
    expectClose([norm], [exactNorm], tolerance: [slack * eps * exactNorm], "\(label) nrm2")

    // scale
    for factor: S in [2.5, -1, 0] {
        var z = x
        z.withUnsafeMutableBufferPointer { BLAS.scale(factor, $0) }
        expectClose(z, x.map { Double(factor) * Double($0) }, tolerance: x.map { eps * abs(Double(factor * $0)) },
                    "\(label) scale \(factor)")
    }
}

@Suite struct BLASTests {
    static let gemmShapes = [(5, 3, 7), (3, 5, 1), (1, 1, 1), (70, 65, 130), (67, 1, 90), (1, 80, 66)]

    @Test(arguments: [(1.0, 0.0), (0.7, -1.3), (-2.0, 1.0)])
    func gemmAllTransposes(alpha: Double, beta: Double) {
        for (index, (m, n, k)) in Self.gemmShapes.enumerated() {
            checkGemm(Float.self, m: m, n: n, k: k, alpha: Float(alpha), beta: Float(beta), seed: UInt64(index))
            checkGemm(Double.self, m: m, n: n, k: k, alpha: alpha, beta: beta, seed: UInt64(index))
        }
    }

    @Test(arguments: [(1.0, 0.0), (0.7, -1.3), (-2.0, 1.0)])
    func gemvBothTransposes(alpha: Double, beta: Double) {
        for (index, (rows, cols)) in [(5, 3), (3, 5), (1, 1), (100, 70), (65, 129)].enumerated() {
            checkGemv(Float.self, rows: rows, cols: cols, alpha: Float(alpha), beta: Float(beta), seed: UInt64(index))
            checkGemv(Double.self, rows: rows, cols: cols, alpha: alpha, beta: beta, seed: UInt64(index))
        }
    }

    @Test(arguments: [1, 7, 64, 1000])
    func levelOne(count: Int) {
        checkLevel1(Float.self, count: count, seed: UInt64(count))
        checkLevel1(Double.self, count: count, seed: UInt64(count))
    }

    func checkEdgeCases<S: BLASScalar>(_: S.Type) {
        // Empty inner dimension: C ← βC (and BLAS itself is not called with k = 0).
        var c: [S] = [1, 2, 3, 4, 5, 6]
        let empty: [S] = []
        empty.withUnsafeBufferPointer { pe in
            c.withUnsafeMutableBufferPointer { pc in
                BLAS.gemm(1, MatrixView(pe, rows: 2, cols: 0), .none, MatrixView(pe, rows: 0, cols: 3), .none,
                          2, MutableMatrixView(pc, rows: 2, cols: 3))
            }
        }
        #expect(c == [2, 4, 6, 8, 10, 12], "\(S.self)")
        // gemv with an empty x: y ← βy; β = 0 overwrites NaN.
        var y: [S] = [.nan, .infinity]
        empty.withUnsafeBufferPointer { pe in
            y.withUnsafeMutableBufferPointer { py in BLAS.gemv(1, MatrixView(pe, rows: 2, cols: 0), .none, pe, 0, py) }
        }
        #expect(y == [0, 0], "\(S.self)")
        // Empty vectors.
        empty.withUnsafeBufferPointer { pe in
            #expect(BLAS.dot(pe, pe) == 0)
            #expect(BLAS.nrm2(pe) == 0)
        }
        // nrm2 must not overflow where the plain sum of squares does.
        let big = S.greatestFiniteMagnitude.squareRoot() * 2
        let norm = [3 * big, 4 * big].withUnsafeBufferPointer { BLAS.nrm2($0) }
        #expect(norm.isFinite && abs(norm / (5 * big) - 1) < 8 * S.ulpOfOne, "\(S.self) nrm2 overflow: \(norm)")
        // A 2x3 product small enough to check by hand.
        var product = [S](repeating: 0, count: 4)
        let a: [S] = [1, 2, 3, 4, 5, 6], b: [S] = [7, 8, 9, 10, 11, 12]
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                product.withUnsafeMutableBufferPointer { pc in
                    BLAS.gemm(1, MatrixView(pa, rows: 2, cols: 3), .none, MatrixView(pb, rows: 3, cols: 2), .none,
                              0, MutableMatrixView(pc, rows: 2, cols: 2))
                }
            }
        }
        #expect(product == [58, 64, 139, 154], "\(S.self)")
    }

    @Test func edgeCases() {
        checkEdgeCases(Float.self)
        checkEdgeCases(Double.self)
    }
}

/// Products with one output column or one output row are taken by gemv when their vector operand
/// and output are contiguous (`BLAS.vectorProduct`), by gemm otherwise; both give op(A)·op(B).
@Suite struct VectorShapedProductTests {
    /// C = op(A)·op(B) + 0·C for views with the given row strides, against a Double loop, and
    /// whether the product was taken as a matrix-vector product.
    func product(m: Int, n: Int, k: Int, _ transA: Transpose, _ transB: Transpose,
                 strides: (a: Int, b: Int, c: Int)) -> (matchesLoop: Bool, asVector: Bool) {
        var generator = SeededGenerator(seed: 11)
        let (aRows, aCols) = transA == .none ? (m, k) : (k, m)
        let (bRows, bCols) = transB == .none ? (k, n) : (n, k)
        let a: [Double] = randomArray(aRows * strides.a, &generator)
        let b: [Double] = randomArray(bRows * strides.b, &generator)
        var c = [Double](repeating: .nan, count: m * strides.c)
        var asVector = false
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    let viewA = MatrixView(pa, rows: aRows, cols: aCols, rowStride: strides.a)
                    let viewB = MatrixView(pb, rows: bRows, cols: bCols, rowStride: strides.b)
                    let viewC = MutableMatrixView(pc, rows: m, cols: n, rowStride: strides.c)
                    asVector = BLAS.vectorProduct(viewA, transA, viewB, transB, viewC) != nil
                    BLAS.gemm(1, viewA, transA, viewB, transB, 0, viewC)
                }
            }
        }
        func entry(_ values: [Double], _ stride: Int, _ trans: Transpose, _ row: Int, _ col: Int) -> Double {
            trans == .none ? values[row * stride + col] : values[col * stride + row]
        }
        var matches = true
        for i in 0..<m {
            for j in 0..<n {
                let expected = (0..<k).reduce(0.0) { $0 + entry(a, strides.a, transA, i, $1) * entry(b, strides.b, transB, $1, j) }
                if !(abs(c[i * strides.c + j] - expected) <= 1e-12 * Double(k)) { matches = false }
            }
        }
        return (matches, asVector)
    }

    @Test func contiguousColumnsAndRowsGoToGemv() {
        for transA in [Transpose.none, .transposed] {
            for transB in [Transpose.none, .transposed] {
                let column = product(m: 37, n: 1, k: 9, transA, transB,
                                     strides: (transA == .none ? 9 : 37, transB == .none ? 1 : 9, 1))
                #expect(column == (true, true), "column \(transA)/\(transB)")
                let row = product(m: 1, n: 23, k: 9, transA, transB,
                                  strides: (transA == .none ? 9 : 1, transB == .none ? 23 : 9, 23))
                #expect(row == (true, true), "row \(transA)/\(transB)")
            }
        }
    }

    @Test func stridedVectorsStayWithGemm() {
        // C one column of a wider matrix; op(B) a column read with a stride; op(A) a row read with a stride.
        #expect(product(m: 37, n: 1, k: 9, .none, .none, strides: (9, 1, 3)) == (true, false))
        #expect(product(m: 37, n: 1, k: 9, .none, .none, strides: (9, 2, 1)) == (true, false))
        #expect(product(m: 1, n: 23, k: 9, .transposed, .none, strides: (2, 23, 23)) == (true, false))
    }
}
