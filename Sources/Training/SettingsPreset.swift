import HessianFree
import Tasks

/// A named set of HF settings, applied to a run's configuration at once (`hfrnn train --settings`).
/// Flags given beside it override single values.
///
/// - `hfrnn`: this package's defaults (docs/algorithm.md#constants).
/// - `isc`: the settings of the authors' released code [ISC], in this package's normalisation
///   (docs/algorithm.md#the-authors-settings): μ = 0.03 with its 0.25 factor on D'' (0.0075 here,
///   where D'' = 1 − h²), ρ from the damped model, up to 300 CG steps, λ₀ = 0.01 × the release's
///   `num_outputs`, a curvature batch of 1000 (5-bit memorisation: 32) inside a gradient batch of ten
///   such chunks, backtracking and line search on the gradient batch's second and third chunks, the
///   line search accepting any decrease over 50 sizes, W_hh not rescaled and b_y starting at 0.
public enum SettingsPreset: String, CaseIterable, Sendable, Codable {
    case hfrnn
    case isc

    /// [ISC] `Tanh.H_prod` multiplies the structural curvature by 0.25·(1 − h²); this package's D''
    /// is 1 − h², so the release's μ = 0.03 is 0.03 × 0.25 here.
    public static let releaseStructuralDampingWeight = 0.03 * 0.25
    /// [ISC demo] `max_cg_iter = 300`.
    public static let releaseMaxCGIterations = 300
    /// [ISC `pathological.py`] `batch_size = 1000`; ten of them make the gradient batch.
    public static let releaseChunkSize = 1000
    /// [ISC `raw_mem5`] batch_size = 32 (all 2⁵ patterns) for 5-bit memorisation.
    public static let releaseMemorisation5ChunkSize = 32
    /// [ISC `num_train_batches = 10`] chunks in the gradient batch.
    public static let releaseGradientChunks = 10
    /// [ISC `line_search`] step sizes 0.8^i, i = 0 … 49.
    public static let releaseLineSearchTries = 50
    /// [ISC `line_search`] accepts any decrease: Armijo's c = 0 (`HFConfig.lineSearchArmijoC`).
    public static let releaseLineSearchArmijoC = 0.0
    /// [ISC demo] `init_damping = [1, 0.03] · num_outputs · 0.01`.
    public static let releaseLambdaPerOutput = 0.01

    /// `config` with this preset's values; the data source, seed, limits and run name are kept.
    public func applied(to config: TrainingConfig) -> TrainingConfig {
        var config = config
        switch self {
        case .hfrnn:
            let defaults = TrainingConfig(data: config.data)
            config.method = defaults.method
            config.batches = defaults.batches
            config.initialization = defaults.initialization
        case .isc:
            var hf = HFConfig()
            let chunk = config.task?.task == .memorization5 ? Self.releaseMemorisation5ChunkSize : Self.releaseChunkSize
            hf.structuralDampingWeight = Self.releaseStructuralDampingWeight
            hf.rhoUsesDampedModel = true
            hf.cgMaxIterations = Self.releaseMaxCGIterations
            config.batches.curvatureBatchSize = chunk
            config.batches.gradientBatchSize = Self.releaseGradientChunks * chunk
            config.batches.backtrackBatchSize = chunk
            config.batches.lineSearchBatchSize = chunk
            config.batches.evaluationBatchesFromGradient = true
            hf.lineSearchArmijoC = Self.releaseLineSearchArmijoC
            hf.lineSearchMaxTries = Self.releaseLineSearchTries
            hf.initialLambda = Self.releaseInitialLambda(for: config.data)
            config.method = .hessianFree(hf)
            config.initialization.rescalesRecurrentWeights = false
            config.initialization.outputBiasAtTargetMean = false
        }
        return config
    }

    /// λ₀ = 0.01 × the release's `num_outputs` [ISC]: 1 for addition, multiplication and XOR, 8 for
    /// both temporal-order tasks, the sequence length L for the permutation, and
    /// values × positions × L for memorisation (the release's own note: "this isn't quite the right
    /// number of outputs, but that's what I used"). The release normalises by the scored outputs,
    /// as this package does, so the values carry over unchanged. A dataset gets 0.01.
    public static func releaseInitialLambda(for data: DataSourceConfig) -> Double {
        guard case .task(let spec) = data else { return releaseLambdaPerOutput }
        let length = Double(spec.maximumLength)
        let outputs: Double = switch spec.task {
        case .addition, .additionSMDH, .multiplication, .xor, .xorRelease: 1
        case .temporalOrder, .temporalOrder3: 8
        case .randomPermutation: length
        case .memorization5: 2 * 5 * length
        case .memorization20: 5 * 10 * length
        }
        return releaseLambdaPerOutput * outputs
    }
}
