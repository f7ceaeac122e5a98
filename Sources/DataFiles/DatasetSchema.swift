// The on-disk schema of sequence datasets (documented in full in datasets/README.md).
//
// Batch-major, like numpy: N sequences, T padded steps, I inputs, O outputs.
//
// | dataset       | dtype               | shape     | meaning                                          |
// |---------------|---------------------|-----------|--------------------------------------------------|
// | `/inputs`     | float               | [N, T, I] | input vectors                                    |
// | `/targets`    | float               | [N, T, O] | target vectors (or `/labels`, never both)        |
// | `/labels`     | integer             | [N, T]    | class indices in 0..<classes (softmax only)      |
// | `/mask`       | float 0/1           | [N, T]    | scored steps (weight in the loss)                |
// | `/error_mask` | float or integer 0/1| [N, T]    | judged steps (optional; default: `/mask`)        |
// | `/lengths`    | integer             | [N]       | true length of each sequence, in 1...T           |
//
// Root attributes: `format` = "hfrnn-dataset", `format_version` = 1, `output_loss`, `classes`
// (with `/labels`); informational: `task`, `task_length`, `seed`, `hfrnn_version`.

/// Constants of the dataset schema.
public enum DatasetSchema {
    /// The root attribute `format`.
    public static let format = "hfrnn-dataset"
    /// The root attribute `format_version` this hfrnn writes and reads.
    public static let formatVersion: Int64 = 1
    /// The largest `classes` accepted with `/labels`.
    public static let maximumClasses = 1 << 20
    /// One sequence (inputs and targets, as float32) must fit in this many bytes.
    public static let maximumSequenceBytes = 1 << 30
    /// Softmax targets at scored steps must sum to 1 within this tolerance.
    public static let probabilityTolerance: Float = 1e-3
    /// Largest |target| of a linear-squared-error file: a prediction −y against the target y must
    /// give a squared error (2y)²/2 that float32 can hold, i.e. |y| ≤ √(Float.max / 2) ≈ 1.3·10¹⁹.
    /// Beyond it training can only overflow (every step rejected); such data must be rescaled.
    public static let maximumLinearTarget: Float = (Float.greatestFiniteMagnitude / 2).squareRoot()
}

/// How a dataset stores its targets.
public enum DatasetTargetEncoding: String, Sendable, CaseIterable {
    /// `/targets`, float `[N, T, O]`.
    case targets
    /// `/labels`, integer `[N, T]` class indices, with the root attribute `classes` = O; read as
    /// one-hot target rows (softmax-cross-entropy only).
    case labels
}
