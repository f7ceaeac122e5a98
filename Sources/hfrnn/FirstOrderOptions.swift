import ArgumentParser
import FirstOrder
import Foundation
import HDF5IO
import Linalg
import Training

/// `--optimizer`: Hessian-free or one of the first-order baselines.
enum OptimizerChoice: String, CaseIterable, Sendable {
    case hf, sgd, nesterov, adam

    var firstOrderMethod: FirstOrderMethod? { FirstOrderMethod(rawValue: rawValue) }
}

/// The `train` options that choose the optimizer and set the first-order methods' settings
/// (docs/first-order.md). Unset values take `FirstOrderConfig(method:)`'s published recipe.
struct FirstOrderOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Optimizer: hf, sgd, nesterov or adam (see docs/first-order.md) (default: hf).",
                               valueName: "optimizer"), transform: choice())
    var optimizer: OptimizerChoice = .hf

    @Option(parsing: .unconditional, help: "First-order: step size ε (Adam's α) (default: sgd 0.01, nesterov 0.001, adam 0.001).")
    var learningRate: Double?

    @Option(parsing: .unconditional, help: "First-order: fresh sequences per update (default: sgd 20, nesterov 100, adam 100).")
    var minibatch: Int?

    @Option(parsing: .unconditional, help: "First-order: clip the gradient norm to this threshold (default: sgd 1, others off).")
    var clip: Double?

    @Flag(help: "First-order: no gradient clipping.")
    var noClip = false

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "First-order: add Pascanu et al.'s vanishing-gradient regulariser Ω with this weight (SGD-CR: --optimizer sgd --vanishing-regularizer 4, the paper's weight; docs/first-order.md) (default: off).",
        valueName: "weight"))
    var vanishingRegularizer: Double?

    @Option(help: ArgumentHelp("Nesterov: momentum schedule: warmup (0.9 for 1000 updates, then the maximum), raising or constant (default: warmup).",
                               valueName: "schedule"), transform: choice())
    var momentumSchedule: MomentumScheduleKind?

    @Option(parsing: .unconditional, help: "Nesterov: the momentum the schedule settles at (default: 0.995).")
    var maxMomentum: Double?

    @Option(parsing: .unconditional, help: "Adam: β₁ (default: 0.9).")
    var beta1: Double?

    @Option(parsing: .unconditional, help: "Adam: β₂ (default: 0.999).")
    var beta2: Double?

    @Option(parsing: .unconditional, help: "Adam: ε (default: 1e-8).")
    var adamEpsilon: Double?

    @Option(parsing: .unconditional, help: "First-order: evaluate the test set, print a line and check the stop rules every this many updates (default: 100).")
    var evaluateEvery: Int?

    @Option(help: ArgumentHelp("First-order: initialisation, careful (Sutskever et al. 2013), sparse (HF's) or smart-tanh (Pascanu et al. 2013) (default: careful).",
                               valueName: "init"), transform: choice())
    var initialization: FirstOrderInitialization?

    /// A list, not an exclusive flag, so that both given are refused in the words of every other
    /// contradiction rather than ArgumentParser's.
    @Flag var initialStates: [InitialStateChoice] = []
    var initialState: InitialStateChoice? { initialStates.first }

    /// Every first-order flag, declared once: `flagOfField` and `givenFlags` are read off it. The
    /// order is the order in which a misplaced flag is reported.
    static let flags: [FirstOrderFlag] = [
        FirstOrderFlag("--learning-rate", field: "learningRate") { $0.learningRate != nil },
        FirstOrderFlag("--minibatch", field: "minibatchSize") { $0.minibatch != nil },
        FirstOrderFlag("--clip", field: "gradientClipThreshold") { $0.clip != nil },
        FirstOrderFlag("--no-clip", field: "gradientClipThreshold") { $0.noClip },
        FirstOrderFlag("--vanishing-regularizer", field: "vanishingRegularizerWeight") { $0.vanishingRegularizer != nil },
        FirstOrderFlag("--momentum-schedule", field: "momentumSchedule") { $0.momentumSchedule != nil },
        FirstOrderFlag("--max-momentum", field: "maximumMomentum") { $0.maxMomentum != nil },
        FirstOrderFlag("--beta1", field: "adamBeta1") { $0.beta1 != nil },
        FirstOrderFlag("--beta2", field: "adamBeta2") { $0.beta2 != nil },
        FirstOrderFlag("--adam-epsilon", field: "adamEpsilon") { $0.adamEpsilon != nil },
        FirstOrderFlag("--evaluate-every", path: "firstOrder.evaluateEvery") { $0.evaluateEvery != nil },
        FirstOrderFlag("--initialization") { $0.initialization != nil },
        FirstOrderFlag("--zero-initial-state") { $0.initialStates.contains(.zeroInitialState) },
        FirstOrderFlag("--random-initial-state") { $0.initialStates.contains(.randomInitialState) },
    ]

    /// The flag of each first-order configuration field, by its path in `TrainingConfig` (the first
    /// flag that sets it: `--clip`, not `--no-clip`).
    static let flagOfField: [String: String] = Dictionary(
        flags.compactMap { entry in entry.path.map { ($0, entry.flag) } }, uniquingKeysWith: { first, _ in first })

    /// The first-order flags given, by the `FirstOrderConfig` field they set (nil: every method's).
    private var givenFlags: [(flag: String, field: String?)] {
        Self.flags.filter { $0.isGiven(self) }.map { ($0.flag, $0.field) }
    }

    /// Makes `config` a first-order run (`config.method`) from the flags; a flag that belongs to another optimizer than
    /// `--optimizer` is a ValidationError naming it. `hfFlags` are the HF-only flags given.
    func apply(to config: inout TrainingConfig, hfFlags: [String]) throws {
        guard let method = optimizer.firstOrderMethod else {
            if let (flag, field) = givenFlags.first {
                let owners = field.map { f in FirstOrderMethod.allCases.filter { FirstOrderConfig.fieldNames(for: $0).contains(f) } }
                    ?? FirstOrderMethod.allCases
                throw ValidationError("\(flag): belongs to --optimizer \(owners.map(\.rawValue).joined(separator: ", ")), not hf")
            }
            return
        }
        if let flag = hfFlags.first { throw ValidationError("\(flag): belongs to --optimizer hf, not \(method.rawValue)") }
        let fields = FirstOrderConfig.fieldNames(for: method)
        for (flag, field) in givenFlags {
            guard let field, !fields.contains(field) else { continue }
            let owners = FirstOrderMethod.allCases.filter { FirstOrderConfig.fieldNames(for: $0).contains(field) }
            throw ValidationError("\(flag): belongs to --optimizer \(owners.map(\.rawValue).joined(separator: ", ")), not \(method.rawValue)")
        }
        if clip != nil && noClip { throw ValidationError("--clip and --no-clip contradict each other") }
        if Set(initialStates).count > 1 {
            throw ValidationError("--zero-initial-state and --random-initial-state contradict each other")
        }
        var run = FirstOrderRunConfig(method: method)
        if let learningRate { run.optimizer.learningRate = learningRate }
        if let minibatch { run.optimizer.minibatchSize = minibatch }
        if let clip { run.optimizer.gradientClipThreshold = clip }
        if noClip { run.optimizer.gradientClipThreshold = nil }
        if let vanishingRegularizer { run.optimizer.vanishingRegularizerWeight = vanishingRegularizer }
        if let momentumSchedule { run.optimizer.momentumSchedule = momentumSchedule }
        if let maxMomentum { run.optimizer.maximumMomentum = maxMomentum }
        if let beta1 { run.optimizer.adamBeta1 = beta1 }
        if let beta2 { run.optimizer.adamBeta2 = beta2 }
        if let adamEpsilon { run.optimizer.adamEpsilon = adamEpsilon }
        if let evaluateEvery { run.evaluateEvery = evaluateEvery }
        if let initialization { run.initialization = initialization }
        if let initialState {
            guard run.initialization == .careful else {
                throw ValidationError("--\(initialState.flagName): belongs to --initialization careful")
            }
            run.carefulInitialization.zeroInitialState = initialState == .zeroInitialState
        }
        config.method = .firstOrder(run)
    }
}

/// Where the careful initialisation starts h₀ (it is learnt either way): one flag each.
enum InitialStateChoice: EnumerableFlag {
    case zeroInitialState, randomInitialState

    var flagName: String { self == .zeroInitialState ? "zero-initial-state" : "random-initial-state" }

    static func help(for value: InitialStateChoice) -> ArgumentHelp? {
        switch value {
        case .zeroInitialState:
            "First-order, careful initialisation: start the initial hidden state h₀ at 0 (default; it is still learnt)."
        case .randomInitialState:
            "First-order, careful initialisation: start h₀ at HF's draw, N(0, 1)/√15 (the default until 2026-12-07)."
        }
    }
}

/// One first-order flag: the `FirstOrderConfig` field it sets (nil: a setting every method has),
/// that setting's path in `TrainingConfig` for messages, and whether the command line gave it.
struct FirstOrderFlag: Sendable {
    let flag: String
    let field: String?
    let path: String?
    let isGiven: @Sendable (FirstOrderOptions) -> Bool

    /// `path` defaults to the field's, under `firstOrder.`.
    init(_ flag: String, field: String? = nil, path: String? = nil, isGiven: @escaping @Sendable (FirstOrderOptions) -> Bool) {
        self.flag = flag
        self.field = field
        self.path = path ?? field.map { "firstOrder." + $0 }
        self.isGiven = isGiven
    }
}
