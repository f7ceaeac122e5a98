/// hfrnn's version, written into every checkpoint and printed by `hfrnn --version`.
public let hfrnnVersion = "0.1.0"
