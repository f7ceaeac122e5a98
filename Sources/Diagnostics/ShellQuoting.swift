/// An argument as a POSIX shell reads it back: quoted when it holds anything but plain characters,
/// so that a command hfrnn suggests (`hfrnn resume <folder>`) can be pasted as printed.
public func shellQuoted(_ argument: String) -> String {
    let plain = !argument.isEmpty && argument.allSatisfy { $0.isLetter || $0.isNumber || "-_=.,/:@+".contains($0) }
    return plain ? argument : "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
