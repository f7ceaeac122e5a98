import ArgumentParser

@main
struct HFRNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hfrnn", abstract: "Hessian-free training of RNNs", version: "0.1.0")
}
