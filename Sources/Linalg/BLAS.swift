// The only file in hfrnn that calls BLAS. Every matrix product in the project goes through the
// shape-checked wrappers below; all matrices are row-major and contiguous (leading dimension =
// number of columns), like numpy and HDF5.
import CBLAS
import RealModule

/// Whether a matrix operand enters a product as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed

    @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// A floating-point type that OpenBLAS has kernels for: Float (training) and Double (checks).
/// The raw entry points are implemented by the two conforming types; call the shape-checked
/// wrappers in `BLAS` instead.
public protocol BLASScalar: Real, BinaryFloatingPoint, Sendable, Codable where Magnitude == Self {
    static func rawGemm(_ ta: CBLAS_TRANSPOSE, _ tb: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ k: Int32,
                        _ alpha: Self, _ a: UnsafePointer<Self>, _ lda: Int32,
                        _ b: UnsafePointer<Self>, _ ldb: Int32,
                        _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int32)
    static func rawGemv(_ ta: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ alpha: Self,
                        _ a: UnsafePointer<Self>, _ lda: Int32, _ x: UnsafePointer<Self>,
                        _ beta: Self, _ y: UnsafeMutablePointer<Self>)
    static func rawAxpy(_ n: Int32, _ alpha: Self, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>)
    static func rawDot(_ n: Int32, _ x: UnsafePointer<Self>, _ y: UnsafePointer<Self>) -> Self
    static func rawNrm2(_ n: Int32, _ x: UnsafePointer<Self>) -> Self
    static func rawScal(_ n: Int32, _ alpha: Self, _ x: UnsafeMutablePointer<Self>)
}

extension Float: BLASScalar {
    @inlinable public static func rawGemm(_ ta: CBLAS_TRANSPOSE, _ tb: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ k: Int32,
                                          _ alpha: Float, _ a: UnsafePointer<Float>, _ lda: Int32,
                                          _ b: UnsafePointer<Float>, _ ldb: Int32,
                                          _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int32) {
        cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    @inlinable public static func rawGemv(_ ta: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ alpha: Float,
                                          _ a: UnsafePointer<Float>, _ lda: Int32, _ x: UnsafePointer<Float>,
                                          _ beta: Float, _ y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, ta, m, n, alpha, a, lda, x, 1, beta, y, 1)
    }
    @inlinable public static func rawAxpy(_ n: Int32, _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(n, alpha, x, 1, y, 1)
    }
    @inlinable public static func rawDot(_ n: Int32, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>) -> Float {
        cblas_sdot(n, x, 1, y, 1)
    }
    @inlinable public static func rawNrm2(_ n: Int32, _ x: UnsafePointer<Float>) -> Float { cblas_snrm2(n, x, 1) }
    @inlinable public static func rawScal(_ n: Int32, _ alpha: Float, _ x: UnsafeMutablePointer<Float>) {
        cblas_sscal(n, alpha, x, 1)
    }
}

extension Double: BLASScalar {
    @inlinable public static func rawGemm(_ ta: CBLAS_TRANSPOSE, _ tb: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ k: Int32,
                                          _ alpha: Double, _ a: UnsafePointer<Double>, _ lda: Int32,
                                          _ b: UnsafePointer<Double>, _ ldb: Int32,
                                          _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int32) {
        cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    @inlinable public static func rawGemv(_ ta: CBLAS_TRANSPOSE, _ m: Int32, _ n: Int32, _ alpha: Double,
                                          _ a: UnsafePointer<Double>, _ lda: Int32, _ x: UnsafePointer<Double>,
                                          _ beta: Double, _ y: UnsafeMutablePointer<Double>) {
        cblas_dgemv(CblasRowMajor, ta, m, n, alpha, a, lda, x, 1, beta, y, 1)
    }
    @inlinable public static func rawAxpy(_ n: Int32, _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        cblas_daxpy(n, alpha, x, 1, y, 1)
    }
    @inlinable public static func rawDot(_ n: Int32, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        cblas_ddot(n, x, 1, y, 1)
    }
    @inlinable public static func rawNrm2(_ n: Int32, _ x: UnsafePointer<Double>) -> Double { cblas_dnrm2(n, x, 1) }
    @inlinable public static func rawScal(_ n: Int32, _ alpha: Double, _ x: UnsafeMutablePointer<Double>) {
        cblas_dscal(n, alpha, x, 1)
    }
}

/// Traps unless a `rows × cols` matrix with the given row stride, starting at `offset`, lies
/// inside a buffer of `count` elements.
@inlinable
func checkMatrixFits(rows: Int, cols: Int, rowStride: Int, offset: Int, count: Int) {
    let extent = rows == 0 || cols == 0 ? 0 : (rows - 1) * rowStride + cols
    precondition(rows >= 0 && cols >= 0 && rowStride >= cols && offset >= 0 && offset + extent <= count,
                 "matrix [\(rows), \(cols)] (row stride \(rowStride)) at offset \(offset) does not fit in a buffer of \(count)")
}

/// A read-only view of a row-major matrix inside some buffer. Rows are `rowStride` elements
/// apart (default: contiguous), which lets one sequence's steps be viewed inside a time-major batch.
public struct MatrixView<Scalar: BLASScalar> {
    public let base: UnsafePointer<Scalar>
    public let rows: Int
    public let cols: Int
    public let rowStride: Int

    /// `rows × cols` elements starting at `offset` of `buffer`; traps if they do not fit.
    @inlinable
    public init(_ buffer: UnsafeBufferPointer<Scalar>, offset: Int = 0, rows: Int, cols: Int, rowStride: Int? = nil) {
        let stride = rowStride ?? cols
        checkMatrixFits(rows: rows, cols: cols, rowStride: stride, offset: offset, count: buffer.count)
        self.base = buffer.baseAddress! + offset
        self.rows = rows
        self.cols = cols
        self.rowStride = stride
    }

    @inlinable
    public init(_ buffer: UnsafeMutableBufferPointer<Scalar>, offset: Int = 0, rows: Int, cols: Int, rowStride: Int? = nil) {
        self.init(UnsafeBufferPointer(buffer), offset: offset, rows: rows, cols: cols, rowStride: rowStride)
    }

    /// A read-only view of a writable view.
    @inlinable
    public init(_ view: MutableMatrixView<Scalar>) {
        base = UnsafePointer(view.base)
        rows = view.rows
        cols = view.cols
        rowStride = view.rowStride
    }
}

/// A writable view of a row-major matrix inside some buffer (see `MatrixView`).
public struct MutableMatrixView<Scalar: BLASScalar> {
    public let base: UnsafeMutablePointer<Scalar>
    public let rows: Int
    public let cols: Int
    public let rowStride: Int

    @inlinable
    public init(_ buffer: UnsafeMutableBufferPointer<Scalar>, offset: Int = 0, rows: Int, cols: Int, rowStride: Int? = nil) {
        let stride = rowStride ?? cols
        checkMatrixFits(rows: rows, cols: cols, rowStride: stride, offset: offset, count: buffer.count)
        self.base = buffer.baseAddress! + offset
        self.rows = rows
        self.cols = cols
        self.rowStride = stride
    }
}

/// Shape-checked BLAS level-1/2/3 operations on row-major data.
public enum BLAS {
    /// `C ← α·op(A)·op(B) + β·C`. The shapes of op(A), op(B) and C must agree; a mismatch traps
    /// with both shapes in the message (it is a programming error, not bad input).
    @inlinable
    public static func gemm<S: BLASScalar>(_ alpha: S, _ a: MatrixView<S>, _ transA: Transpose,
                                           _ b: MatrixView<S>, _ transB: Transpose,
                                           _ beta: S, _ c: MutableMatrixView<S>) {
        let (m, k) = transA == .none ? (a.rows, a.cols) : (a.cols, a.rows)
        let (kb, n) = transB == .none ? (b.rows, b.cols) : (b.cols, b.rows)
        precondition(k == kb && c.rows == m && c.cols == n,
                     "gemm shapes: op(A) [\(m), \(k)] · op(B) [\(kb), \(n)] into C [\(c.rows), \(c.cols)]")
        if m == 0 || n == 0 { return }
        // A product with one output column or row is a matrix-vector product: OpenBLAS's gemm
        // packs the whole matrix operand for it and runs several times slower than its gemv.
        if k > 0, let vector = vectorProduct(a, transA, b, transB, c) {
            gemv(alpha, vector.matrix, vector.transpose, vector.x, beta, vector.y)
            return
        }
        if let observer = BLASCallLog.observer {
            observer(.gemm(m: m, n: n, k: k, transA: transA, transB: transB, beta: Double(beta),
                           lda: a.rowStride, ldb: b.rowStride, ldc: c.rowStride,
                           operands: [UInt(bitPattern: a.base), UInt(bitPattern: b.base), UInt(bitPattern: c.base)]))
        }
        if k == 0 {  // BLAS is not asked to handle empty inner dimensions: C ← β·C.
            for row in 0..<m { scale(beta, UnsafeMutableBufferPointer(start: c.base + row * c.rowStride, count: n)) }
            return
        }
        S.rawGemm(transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha,
                  a.base, Int32(max(1, a.rowStride)), b.base, Int32(max(1, b.rowStride)),
                  beta, c.base, Int32(max(1, c.rowStride)))
    }

    /// `op(A)·op(B)` into C as one matrix-vector product, when C is one contiguous column (n = 1)
    /// or one row (m = 1) and the vector operand is contiguous; nil otherwise.
    @inlinable
    static func vectorProduct<S: BLASScalar>(_ a: MatrixView<S>, _ transA: Transpose, _ b: MatrixView<S>, _ transB: Transpose,
                                             _ c: MutableMatrixView<S>)
        -> (matrix: MatrixView<S>, transpose: Transpose, x: UnsafeBufferPointer<S>, y: UnsafeMutableBufferPointer<S>)? {
        let k = transA == .none ? a.cols : a.rows
        if c.cols == 1 && (c.rows == 1 || c.rowStride == 1) {
            // C [m, 1] = op(A) · op(B), op(B) a column of k: B is [1, k], or [k, 1] stored contiguously.
            guard transB == .transposed || b.rowStride == 1 || k == 1 else { return nil }
            return (a, transA, UnsafeBufferPointer(start: b.base, count: k), UnsafeMutableBufferPointer(start: c.base, count: c.rows))
        }
        if c.rows == 1 {
            // C [1, n] = op(A) · op(B) with op(A) a row of k: Cᵀ = op(B)ᵀ · op(A)ᵀ.
            guard transA == .none || a.rowStride == 1 || k == 1 else { return nil }
            return (b, transB == .none ? .transposed : .none, UnsafeBufferPointer(start: a.base, count: k),
                    UnsafeMutableBufferPointer(start: c.base, count: c.cols))
        }
        return nil
    }

    /// `y ← α·op(A)·x + β·y`.
    @inlinable
    public static func gemv<S: BLASScalar>(_ alpha: S, _ a: MatrixView<S>, _ transA: Transpose,
                                           _ x: UnsafeBufferPointer<S>, _ beta: S, _ y: UnsafeMutableBufferPointer<S>) {
        let (m, n) = transA == .none ? (a.rows, a.cols) : (a.cols, a.rows)
        precondition(x.count == n && y.count == m,
                     "gemv shapes: op(A) [\(m), \(n)] · x [\(x.count)] into y [\(y.count)]")
        if m == 0 { return }
        if let observer = BLASCallLog.observer {
            observer(.gemv(rows: a.rows, cols: a.cols, transA: transA, beta: Double(beta), lda: a.rowStride,
                           operands: [UInt(bitPattern: a.base), UInt(bitPattern: x.baseAddress), UInt(bitPattern: y.baseAddress)]))
        }
        if n == 0 { scale(beta, y); return }
        if beta == 0 { y.update(repeating: 0) }  // β = 0 must overwrite, NaN included (see `scale`).
        S.rawGemv(transA.cblas, Int32(a.rows), Int32(a.cols), alpha, a.base, Int32(max(1, a.rowStride)),
                  x.baseAddress!, beta, y.baseAddress!)
    }

    /// `y ← α·x + y`.
    @inlinable
    public static func axpy<S: BLASScalar>(_ alpha: S, _ x: UnsafeBufferPointer<S>, _ y: UnsafeMutableBufferPointer<S>) {
        precondition(x.count == y.count, "axpy lengths: x [\(x.count)], y [\(y.count)]")
        if x.isEmpty { return }
        S.rawAxpy(Int32(x.count), alpha, x.baseAddress!, y.baseAddress!)
    }

    /// `xᵀy`.
    @inlinable
    public static func dot<S: BLASScalar>(_ x: UnsafeBufferPointer<S>, _ y: UnsafeBufferPointer<S>) -> S {
        precondition(x.count == y.count, "dot lengths: x [\(x.count)], y [\(y.count)]")
        if x.isEmpty { return 0 }
        return S.rawDot(Int32(x.count), x.baseAddress!, y.baseAddress!)
    }

    /// `‖x‖₂`, computed without overflow by BLAS.
    @inlinable
    public static func nrm2<S: BLASScalar>(_ x: UnsafeBufferPointer<S>) -> S {
        if x.isEmpty { return 0 }
        return S.rawNrm2(Int32(x.count), x.baseAddress!)
    }

    /// `x ← α·x`.
    @inlinable
    public static func scale<S: BLASScalar>(_ alpha: S, _ x: UnsafeMutableBufferPointer<S>) {
        if x.isEmpty { return }
        if alpha == 0 {  // BLAS scal may keep NaN·0 = NaN; β = 0 must mean "overwrite".
            x.update(repeating: 0)
            return
        }
        S.rawScal(Int32(x.count), alpha, x.baseAddress!)
    }

    /// Limits OpenBLAS to `count` threads, overriding OPENBLAS_NUM_THREADS. The count changes how
    /// products are split and so their rounding: a run fixes it to be reproducible.
    public static func setThreadCount(_ count: Int) { openblas_set_num_threads(Int32(count)) }

    /// The CPU kernels OpenBLAS picked at load time (e.g. "Haswell", "SkylakeX"; the environment's
    /// OPENBLAS_CORETYPE overrides the choice). Like the thread count, they change the rounding of
    /// every product, so a checkpoint records them.
    public static var kernels: String {
        String(String(cString: openblas_get_corename()).filter { !$0.isWhitespace })
    }

    /// OpenBLAS's build description, for logs and benchmark headers.
    public static var configuration: String { String(cString: openblas_get_config()) }
}

/// One matrix product that went through `BLAS`: its shape and the addresses of its operands
/// (A, B or x, C or y), as `hfrnn-bench` records them to time raw BLAS on exactly the products,
/// and the memory, a pass uses.
public enum BLASCall: Sendable, Equatable {
    case gemm(m: Int, n: Int, k: Int, transA: Transpose, transB: Transpose, beta: Double, lda: Int, ldb: Int, ldc: Int,
              operands: [UInt])
    case gemv(rows: Int, cols: Int, transA: Transpose, beta: Double, lda: Int, operands: [UInt])

    /// Floating-point operations (a multiply-add counts 2).
    public var flop: Double {
        switch self {
        case let .gemm(m, n, k, _, _, _, _, _, _, _): 2 * Double(m) * Double(n) * Double(k)
        case let .gemv(rows, cols, _, _, _, _): 2 * Double(rows) * Double(cols)
        }
    }
}

/// Observes the shape of every `gemm`/`gemv` while set (benchmarks only; nil in normal use).
public enum BLASCallLog {
    nonisolated(unsafe) public static var observer: ((BLASCall) -> Void)? = nil

    /// The products `body` makes, in order.
    public static func record(_ body: () -> Void) -> [BLASCall] {
        var calls: [BLASCall] = []
        observer = { calls.append($0) }
        body()
        observer = nil
        return calls
    }

    /// Calls BLAS again with exactly the recorded shapes and operands (which must still be live
    /// buffers of `S`): a pass's products alone, on its own memory. Overwrites the outputs.
    public static func replay<S: BLASScalar>(_ calls: [BLASCall], as _: S.Type) {
        func address(_ bits: UInt) -> UnsafeMutablePointer<S> { UnsafeMutablePointer(bitPattern: bits)! }
        for call in calls {
            switch call {
            case let .gemm(m, n, k, transA, transB, beta, lda, ldb, ldc, operands):
                S.rawGemm(transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), 1, address(operands[0]), Int32(lda),
                          address(operands[1]), Int32(ldb), S(beta), address(operands[2]), Int32(ldc))
            case let .gemv(rows, cols, transA, beta, lda, operands):
                S.rawGemv(transA.cblas, Int32(rows), Int32(cols), 1, address(operands[0]), Int32(lda), address(operands[1]),
                          S(beta), address(operands[2]))
            }
        }
    }
}
