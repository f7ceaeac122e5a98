import CKernels

/// The arithmetic of a set of matrix products.
public enum ProductArithmetic: String, Sendable, Codable, CaseIterable {
    /// The run's own precision throughout, by BLAS.
    case float
    /// Float runs only: both operands rounded to bfloat16 (8 significant bits), the products of
    /// pairs summed in float32 as AVX-512 BF16 does (twice the multiply-adds per instruction of
    /// float32; on other CPUs the same bits, slower). Products narrower than
    /// `BFloat16Products.narrowest` either way stay on BLAS.
    case bfloat16 = "bf16"
}

/// Matrix products with bfloat16 inputs and float32 sums (Sources/CKernels/bf16_gemm.c). Each call
/// sums pair by pair along k, in order, so thread and process counts do not change the bits, and
/// neither does the kernel: AVX-512 BF16 where the CPU has it, else a portable one.
public enum BFloat16Products {
    /// The two implementations of the same products.
    public enum Kernel: Int32, Sendable {
        /// Any CPU: each VDPBF16PS operation done with fused multiply-adds, one float at a time.
        case portable = 0
        /// AVX-512 BF16 (VDPBF16PS), where the CPU has it; many times faster.
        case avx512 = 1
    }

    /// Whether this CPU has AVX-512 BF16, without which the products take the portable kernel.
    public static var hasInstructions: Bool { hfrnn_bf16_available() == 1 }

    /// The kernel the products take unless told otherwise.
    public static var fastest: Kernel { hasInstructions ? .avx512 : .portable }

    /// Products with fewer rows or columns than this stay on BLAS: the kernel works on 16 columns
    /// at a time, and BLAS takes the thin products (one output, a few inputs) as matrix-vector ones.
    public static let narrowest = 16

    /// `C ← β·C + op(A)·op(B)`, A and B rounded to bfloat16. Traps when the shapes disagree.
    public static func gemm(_ a: MatrixView<Float>, _ transA: Transpose, _ b: MatrixView<Float>, _ transB: Transpose,
                            _ beta: Float, _ c: MutableMatrixView<Float>, kernel: Kernel = fastest) {
        let (m, k) = shape(a, transA), (kb, n) = shape(b, transB)
        precondition(k == kb && c.rows == m && c.cols == n,
                     "bf16 gemm shapes: op(A) [\(m), \(k)] · op(B) [\(kb), \(n)] into C [\(c.rows), \(c.cols)]")
        check(hfrnn_bf16_gemm(kernel.rawValue, transA == .none ? 0 : 1, transB == .none ? 0 : 1, m, n, k, a.base, a.rowStride,
                              b.base, b.rowStride, beta, c.base, c.rowStride))
    }

    /// A right operand B rounded and laid out once for several products with it (a step product
    /// of every time step with the same weights).
    public struct PackedOperand {
        public fileprivate(set) var rows = 0, cols = 0
        fileprivate var words: [UInt32] = []
        public init() {}
    }

    /// Packs op(B) into `packed`, reusing its storage.
    public static func pack(_ b: MatrixView<Float>, _ transB: Transpose, into packed: inout PackedOperand,
                            kernel: Kernel = fastest) {
        let (k, n) = shape(b, transB)
        // At least one word, so that the buffer has an address even for an empty operand.
        let count = max(hfrnn_bf16_packed_count(k, n), 1)
        if packed.words.count < count { packed.words = [UInt32](repeating: 0, count: count) }
        packed.rows = k
        packed.cols = n
        packed.words.withUnsafeMutableBufferPointer {
            check(hfrnn_bf16_pack_right(kernel.rawValue, transB == .none ? 0 : 1, k, n, b.base, b.rowStride, $0.baseAddress!))
        }
    }

    /// `C ← β·C + op(A)·B` with B packed by `pack`.
    public static func gemm(_ a: MatrixView<Float>, _ transA: Transpose, _ packed: PackedOperand, _ beta: Float,
                            _ c: MutableMatrixView<Float>, kernel: Kernel = fastest) {
        let (m, k) = shape(a, transA)
        precondition(k == packed.rows && c.rows == m && c.cols == packed.cols,
                     "bf16 gemm shapes: op(A) [\(m), \(k)] · B [\(packed.rows), \(packed.cols)] into C [\(c.rows), \(c.cols)]")
        packed.words.withUnsafeBufferPointer {
            check(hfrnn_bf16_gemm_packed(kernel.rawValue, transA == .none ? 0 : 1, m, packed.cols, k, a.base, a.rowStride,
                                         $0.baseAddress!, beta, c.base, c.rowStride))
        }
    }

    private static func shape(_ view: MatrixView<Float>, _ transpose: Transpose) -> (Int, Int) {
        transpose == .none ? (view.rows, view.cols) : (view.cols, view.rows)
    }

    private static func check(_ status: Int32) {
        precondition(status == 0, "bf16 products: no memory for packing an operand")
    }
}

extension BLAS {
    /// `C ← β·C + op(A)·op(B)` in `arithmetic`: by BLAS, or (`.bfloat16`, Float only) by
    /// `BFloat16Products` when op(A)·op(B) is at least `BFloat16Products.narrowest` rows and columns.
    @inlinable
    public static func gemm<S: BLASScalar>(_ arithmetic: ProductArithmetic, _ a: MatrixView<S>, _ transA: Transpose,
                                           _ b: MatrixView<S>, _ transB: Transpose, _ beta: S,
                                           _ c: MutableMatrixView<S>) {
        if arithmetic == .bfloat16, let (a, b, c) = asFloat(a, b, c),
           min(c.rows, c.cols) >= BFloat16Products.narrowest {
            BFloat16Products.gemm(a, transA, b, transB, Float(beta), c)
        } else {
            gemm(1, a, transA, b, transB, beta, c)
        }
    }

    /// The views as Float views when S is Float.
    @usableFromInline
    static func asFloat<S: BLASScalar>(_ a: MatrixView<S>, _ b: MatrixView<S>, _ c: MutableMatrixView<S>)
        -> (MatrixView<Float>, MatrixView<Float>, MutableMatrixView<Float>)? {
        guard S.self == Float.self else { return nil }
        return (unsafeBitCast(a, to: MatrixView<Float>.self), unsafeBitCast(b, to: MatrixView<Float>.self),
                unsafeBitCast(c, to: MutableMatrixView<Float>.self))
    }
}
