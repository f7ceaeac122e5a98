import Foundation

/// How an hfrnn process ends, shared by the command that exits and the grid runner that reads the
/// status of its cells' processes.
public enum ExitStatus {
    /// What starts the one line of an error on stderr: "hfrnn: error: <file or flag>: <problem>".
    public static let errorLinePrefix = "hfrnn: error: "

    /// The signals that stop a run at its next safe point with its checkpoint saved: Ctrl-C,
    /// SIGTERM, SIGUSR1, which mpirun forwards to every rank (docs/mpi.md), SIGHUP, a closed
    /// terminal (unless the process was started ignoring it, as `nohup` does), and SIGPIPE, output
    /// piped into a reader that went away (`| head`).
    public static let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGUSR1, SIGHUP, SIGPIPE]

    /// The exit status after stop signal `signal`: 128 + its number, as Unix shells report it.
    public static func afterStop(_ signal: Int32) -> Int32 { 128 + signal }

    /// Whether `status` is that of a run stopped by one of `stopSignals`: saved, not failed.
    public static func isStop(_ status: Int32) -> Bool { stopSignals.contains { afterStop($0) == status } }
}
