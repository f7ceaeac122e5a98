/// Gradient-norm clipping [PMB'13 Algorithm 1]: when ‖g‖ exceeds the threshold, g is rescaled to
/// norm `threshold`, keeping its direction. The update rules apply the returned factor to g as part
/// of their own BLAS calls, so clipping costs no extra pass and no copy of g.
public enum GradientClipping {
    /// The factor c with which the update uses c·g: threshold/‖g‖ when ‖g‖ > threshold, else 1
    /// (also 1 when clipping is off, threshold nil).
    public static func factor(gradientNorm: Double, threshold: Double?) -> Double {
        guard let threshold, gradientNorm > threshold else { return 1 }
        return threshold / gradientNorm
    }
}
