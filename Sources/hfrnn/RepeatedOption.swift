/// `hfrnn train --dataset a.h5 --dataset b.h5`: ArgumentParser keeps the last value without a
/// word, so a run could train on another file than the one the user meant. An option given twice
/// is refused before any work, unless it is meant to be given several times.
enum RepeatedOption {
    /// The options a command takes several times.
    static let repeatable: Set<String> = ["--variant"]

    /// The short names of long options, so that `-T 50 --length 100` is the same option twice.
    static let longNames = ["-T": "--length", "-n": "--count", "-o": "--output"]

    /// The usage error for `arguments` (without the program name) when an option is given more
    /// than once, or nil. Everything after `--` is positional.
    static func problem(in arguments: [String]) -> String? {
        var seen = Set<String>()
        for argument in arguments.prefix(while: { $0 != "--" }) where argument.hasPrefix("-") {
            let typed = String(argument.prefix { $0 != "=" })
            // "-T8" is "-T 8"; a lone "-5" is a value, not an option.
            let short = longNames.keys.first { typed == $0 || (typed.hasPrefix($0) && !typed.hasPrefix("--")) }
            let option = short.flatMap { longNames[$0] } ?? typed
            guard option.hasPrefix("--"), option.count > 2, !repeatable.contains(option) else { continue }
            if !seen.insert(option).inserted { return "\(option): given more than once; give it once" }
        }
        return nil
    }
}
