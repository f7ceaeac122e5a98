import Linalg

/// The matched output non-linearity and loss of the network (docs/algorithm.md#outputs-and-losses).
/// Each pair is convex in the output pre-activation `s`, which keeps the Gauss-Newton matrix
/// positive semi-definite.
public enum OutputLoss: String, Sendable, Codable, CaseIterable {
    /// `ŷ = s`, `L = ½‖s − y‖²`, `H_L = I`. Addition and multiplication.
    case linearSquaredError = "linear-squared-error"
    /// `ŷ = σ(s)` per unit, binary cross-entropy, `H_L = diag(p(1 − p))`. XOR.
    case logisticCrossEntropy = "logistic-cross-entropy"
    /// `ŷ = softmax(s)`, multiclass cross-entropy, `H_L = diag(p) − ppᵀ`. Temporal order, permutation, memorisation.
    case softmaxCrossEntropy = "softmax-cross-entropy"
}

/// How a scored step's prediction is judged right or wrong for the error rate.
public enum ErrorCriterion: Sendable, Codable, Equatable {
    /// Wrong when any output differs from its target by more than the tolerance (0.04 on the real-valued tasks).
    case absoluteTolerance(Double)
    /// Wrong when any logistic output falls on the other side of 0.5 from its 0/1 target.
    case binaryThreshold
    /// Wrong when the arg-max output is not the arg-max target.
    case argmax

    /// The usual criterion for a loss.
    public static func standard(for loss: OutputLoss) -> ErrorCriterion {
        switch loss {
        case .linearSquaredError: .absoluteTolerance(0.04)
        case .logisticCrossEntropy: .binaryThreshold
        case .softmaxCrossEntropy: .argmax
        }
    }
}

extension ErrorCriterion {
    /// When a sequence counts as wrong, in words.
    public var wording: String {
        switch self {
        case .absoluteTolerance(let tolerance): "wrong when an output is off by more than \(tolerance)"
        case .binaryThreshold: "wrong when an output is on the wrong side of 0.5"
        case .argmax: "wrong when the arg-max output is not the target class"
        }
    }
}

/// Sizes of the tanh RNN: I inputs, H hidden units, O outputs.
public struct NetworkShape: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The most units a layer may have (a checkpoint or flag declaring more is refused): 2²⁰, so that
    /// no parameter count overflows.
    public static let largestLayer = 1 << 20

    public var inputs: Int
    public var hidden: Int
    public var outputs: Int

    public init(inputs: Int, hidden: Int, outputs: Int) {
        self.inputs = inputs
        self.hidden = hidden
        self.outputs = outputs
    }

    public var description: String { "\(inputs)-\(hidden)-\(outputs)" }
}

/// One named block of the flat parameter vector: a row-major `rows × cols` matrix (a vector has
/// `cols == 1`) starting at `offset`.
public struct ParameterBlock: Sendable, Equatable {
    public let name: String
    public let rows: Int
    public let cols: Int
    public let offset: Int
    public var count: Int { rows * cols }
    public var range: Range<Int> { offset..<(offset + count) }
    /// The shape to store on disk: `[rows, cols]` for a matrix, `[rows]` for a vector.
    public var shape: [Int] { cols == 1 ? [rows] : [rows, cols] }
}

/// The layout of θ, one contiguous vector:
///
/// | name   | shape  | role                         |
/// |--------|--------|------------------------------|
/// | `W_hx` | [H, I] | input → hidden               |
/// | `W_hh` | [H, H] | hidden → hidden (recurrent)  |
/// | `b_h`  | [H]    | hidden bias                  |
/// | `W_yh` | [O, H] | hidden → output              |
/// | `b_y`  | [O]    | output bias                  |
/// | `h_0`  | [H]    | learned initial hidden state |
///
/// Checkpoints and `hfrnn probe` use these names.
public struct ParameterLayout: Sendable, Equatable {
    public let blocks: [ParameterBlock]
    public let count: Int
    public let inputToHidden: ParameterBlock
    public let hiddenToHidden: ParameterBlock
    public let hiddenBias: ParameterBlock
    public let hiddenToOutput: ParameterBlock
    public let outputBias: ParameterBlock
    public let initialState: ParameterBlock

    public init(_ shape: NetworkShape) {
        let (i, h, o) = (shape.inputs, shape.hidden, shape.outputs)
        var offset = 0
        func block(_ name: String, _ rows: Int, _ cols: Int) -> ParameterBlock {
            defer { offset += rows * cols }
            return ParameterBlock(name: name, rows: rows, cols: cols, offset: offset)
        }
        inputToHidden = block("W_hx", h, i)
        hiddenToHidden = block("W_hh", h, h)
        hiddenBias = block("b_h", h, 1)
        hiddenToOutput = block("W_yh", o, h)
        outputBias = block("b_y", o, 1)
        initialState = block("h_0", h, 1)
        blocks = [inputToHidden, hiddenToHidden, hiddenBias, hiddenToOutput, outputBias, initialState]
        count = offset
    }

    public func block(named name: String) -> ParameterBlock? { blocks.first { $0.name == name } }
}
