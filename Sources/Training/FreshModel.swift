import FirstOrder
import Linalg
import SequenceModel

/// Where a new run starts: the network the data asks for (inputs, outputs and loss from the data,
/// hidden units from the configuration), parameters initialised from `config.seed` as the run's
/// method asks (HF's sparse initialisation; a first-order run's `FirstOrderInitialization`), and
/// the RNG continuing that stream, which the trainer takes over so that one seed fixes the whole
/// run. `hfrnn train` and `hfrnn probe` both start from here, so a probe of a fresh model sees
/// exactly the θ a new run would.
public struct FreshModel<Scalar: BLASScalar> {
    public let network: RecurrentNetwork
    public let parameters: [Scalar]
    public let rng: SeededGenerator

    public init(config: TrainingConfig, source: any SequenceSource<Scalar>) {
        network = RecurrentNetwork(
            shape: NetworkShape(inputs: source.inputSize, hidden: config.hiddenUnits, outputs: source.outputSize),
            outputLoss: source.outputLoss)
        var initRNG = SeededGenerator(seed: config.seed)
        let mean = source.targetMean
        switch config.firstOrder {
        case let run? where run.initialization == .careful:
            parameters = run.carefulInitialization.initialParameters(for: network, outputMean: mean, using: &initRNG)
        case let run? where run.initialization == .smartTanh:
            parameters = CarefulInitialization.smartTanh.initialParameters(for: network, outputMean: mean, using: &initRNG)
        default:
            parameters = network.initialParameters(config.initialization, outputMean: mean, using: &initRNG)
        }
        rng = initRNG
    }
}
