import ArgumentParser

/// `hfrnn trian --task addition`: ArgumentParser would complain about '--task' (it takes the unknown
/// word for an argument of the root command); the real problem is the command's name.
enum UnknownCommand {
    /// The usage error for `arguments` (without the program name) when there are none, or when
    /// their first word is meant as a command but names none of `commands`, or nil.
    static func problem(in arguments: [String], commands: [String]) -> String? {
        // `hfrnn` alone: a command is missing (ArgumentParser printed the help and exited 0).
        if arguments.isEmpty { return "no command given (commands: \(commands.joined(separator: ", ")))" }
        // `hfrnn help trian`: the word after help names the command.
        let named = arguments.first == "help" ? Array(arguments.dropFirst()) : arguments
        guard let word = named.first, !word.hasPrefix("-"), word != "help", !commands.contains(word) else {
            return nil
        }
        if let closest = closest(to: word, among: commands) {
            return "'\(word)' is not an hfrnn command; did you mean '\(closest)'?"
        }
        return "'\(word)' is not an hfrnn command (commands: \(commands.joined(separator: ", ")))"
    }

    /// The name (of a command, or an option) nearest to `word` in edit distance, if it is near
    /// enough to be a typo: at most a third of the word's letters wrong (at least 1, at most 3), or
    /// `word` a prefix of it.
    static func closest(to word: String, among names: [String]) -> String? {
        let scored = names.map { (name: $0, distance: editDistance(word, $0)) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        if best.distance <= min(3, max(1, word.count / 3)) { return best.name }
        return names.first { $0.hasPrefix(word) && word.count >= 2 }
    }

    /// Levenshtein distance, where swapping two neighbouring letters (the commonest typo) counts as one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        guard !x.isEmpty else { return y.count }
        guard !y.isEmpty else { return x.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { table[i][0] = i }
        for j in 0...y.count { table[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[x.count][y.count]
    }
}
