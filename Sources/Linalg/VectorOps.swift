/// Array-level vector operations for the flat parameter vectors the optimizer works on.
/// They forward to the shape-checked BLAS wrappers; the lengths must agree.
public enum Vec {
    @inlinable
    public static func dot<S: BLASScalar>(_ x: [S], _ y: [S]) -> S {
        x.withUnsafeBufferPointer { px in y.withUnsafeBufferPointer { py in BLAS.dot(px, py) } }
    }

    @inlinable
    public static func norm<S: BLASScalar>(_ x: [S]) -> S {
        x.withUnsafeBufferPointer { BLAS.nrm2($0) }
    }

    /// `y ← α·x + y`.
    @inlinable
    public static func axpy<S: BLASScalar>(_ alpha: S, _ x: [S], _ y: inout [S]) {
        x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { py in BLAS.axpy(alpha, px, py) } }
    }

    /// `x ← α·x`.
    @inlinable
    public static func scale<S: BLASScalar>(_ alpha: S, _ x: inout [S]) {
        x.withUnsafeMutableBufferPointer { BLAS.scale(alpha, $0) }
    }

    /// `out ← x + α·y` without allocating (out must have the same length).
    @inlinable
    public static func sum<S: BLASScalar>(_ x: [S], _ alpha: S, _ y: [S], into out: inout [S]) {
        precondition(x.count == y.count && out.count == x.count, "sum lengths: \(x.count), \(y.count), \(out.count)")
        out.withUnsafeMutableBufferPointer { po in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeBufferPointer { py in
                    for i in 0..<po.count { po[i] = px[i] + alpha * py[i] }
                }
            }
        }
    }

    /// True when every element is finite (no NaN, no ±Inf).
    @inlinable
    public static func isFinite<S: BLASScalar>(_ x: [S]) -> Bool {
        x.withUnsafeBufferPointer { p in
            var acc: S = 0
            for value in p { acc += value * 0 }  // NaN·0 and Inf·0 are NaN; finite·0 is 0
            return acc == 0
        }
    }
}
