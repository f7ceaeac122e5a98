import ArgumentParser
import Training

@main
struct HFRNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hfrnn",
        abstract: "Hessian-free training of recurrent networks with structural damping (Martens & Sutskever, 2011).",
        version: hfrnnVersion,
        subcommands: [Train.self, Resume.self, Generate.self])
}
