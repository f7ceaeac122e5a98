import ArgumentParser
import Diagnostics
import Foundation
import Synchronization
import Training

/// A stop signal (`ExitStatus.stopSignals`) during training, an experiment, `predict` or
/// `generate`: the first asks the work to stop at the next safe point (training checkpoints
/// between HF iterations or first-order evaluation periods; an experiment passes it on to its
/// cells as SIGTERM; predict and generate remove their unfinished output); a second one
/// terminates at once (atomic writes keep the previous checkpoint or output intact).
enum Interruption {
    private static let flag = Atomic<Bool>(false)
    /// Whether the handler says it is stopping (in an MPI job only rank 0 does, as every rank gets the signal).
    private static let announces = Atomic<Bool>(true)
    /// The first signal received (0: none), for the exit status 128 + signal that shells expect.
    private static let firstSignal = Atomic<Int32>(0)
    /// What the handler says: training saves a checkpoint, other commands remove their unfinished output.
    enum Note: Int { case savingCheckpoint, removingOutput }
    private static let notes = [
        Array("\nhfrnn: stopping at the next safe point and saving a checkpoint (signal again to quit now)\n".utf8),
        Array("\nhfrnn: stopping; the unfinished output is removed (signal again to quit now)\n".utf8),
    ]
    private static let noteIndex = Atomic<Int>(0)

    static func install(announce: Bool = true, note: Note = .savingCheckpoint) {
        // The handler may only touch initialised statics: lazy initialisation is not signal-safe.
        _ = (flag.load(ordering: .relaxed), firstSignal.load(ordering: .relaxed), notes.count, stopSignals.count)
        announces.store(announce, ordering: .relaxed)
        noteIndex.store(note.rawValue, ordering: .relaxed)
        // A blocked signal mask is inherited across exec: a parent that blocks SIGINT (some test
        // runners and supervisors do) would otherwise make Ctrl-C and `kill -INT` silently pending.
        var handled = sigset_t()
        sigemptyset(&handled)
        for signalNumber in stopSignals { sigaddset(&handled, signalNumber) }
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
        for signalNumber in stopSignals {
            signal(signalNumber) { received in
                Interruption.flag.store(true, ordering: .relaxed)
                _ = Interruption.firstSignal.compareExchange(expected: 0, desired: received, ordering: .relaxed)
                // A broken pipe stays broken: later writes to it must fail, not kill the run
                // before it saves; any other signal a second time quits at once.
                signal(received, received == SIGPIPE ? SIG_IGN : SIG_DFL)
                guard Interruption.announces.load(ordering: .relaxed) else { return }
                _ = Interruption.notes[Interruption.noteIndex.load(ordering: .relaxed)].withUnsafeBufferPointer {
                    write(STDERR_FILENO, $0.baseAddress, $0.count)
                }
            }
        }
    }

    /// Ctrl-C, SIGTERM, SIGUSR1, SIGHUP and SIGPIPE: mpirun forwards SIGUSR1 to every rank and
    /// leaves them time to reach the next safe point, whereas it follows the SIGTERM it sends on
    /// Ctrl-C by SIGKILL a second later (docs/mpi.md). A signal the process was started ignoring
    /// stays ignored: `nohup hfrnn …` must outlive its terminal.
    private static let stopSignals = ExitStatus.stopSignals.filter { !isIgnored($0) }

    private static func isIgnored(_ signalNumber: Int32) -> Bool {
        let previous = signal(signalNumber, SIG_IGN)
        signal(signalNumber, previous)
        return unsafeBitCast(previous, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    static func requested() -> Bool { flag.load(ordering: .relaxed) }

    /// 130 after SIGINT, 143 after SIGTERM, ...: the Unix convention 128 + signal number.
    static var exitStatus: Int32 {
        let received = firstSignal.load(ordering: .relaxed)
        return ExitStatus.afterStop(received == 0 ? SIGINT : received)
    }
}

/// Runs a command body, turning any error into one line on stderr and exit status 1 — no stack
/// dump, nothing half-written (outputs are written atomically or not at all). A usage error found
/// only once the body runs (a flag that does not fit the grid or file it names) exits 64, as
/// those found while parsing do.
func runGuarded(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let usage as ValidationError {
        FileHandle.standardError.write(Data("\(ExitStatus.errorLinePrefix)\(usage.message)\n".utf8))
        throw ExitCode.validationFailure
    } catch is PeerFailure {
        throw ExitCode.failure  // another rank of the MPI job reported the failure
    } catch let stopped as Interrupted {
        FileHandle.standardError.write(Data("\(ExitStatus.errorLinePrefix)\(stopped)\n".utf8))
        throw ExitCode(Interruption.exitStatus)
    } catch {
        FileHandle.standardError.write(Data("\(ExitStatus.errorLinePrefix)\(error)\n".utf8))
        throw ExitCode.failure
    }
}

/// Prints a line and flushes, so progress appears at once also through a pipe or into a log file.
func printNow(_ line: String) {
    print(line)
    if fflush(nil) != 0 { StandardOutput.noteFailure(errno) }
}

/// The first failed write to stdout that a flush reported: the C library drops the buffer then, so
/// the check at exit would not see it again.
enum StandardOutput {
    private static let firstFailure = Atomic<Int32>(0)

    static func noteFailure(_ code: Int32) {
        _ = firstFailure.compareExchange(expected: 0, desired: code == 0 ? EIO : code, ordering: .relaxed)
    }

    /// Flushes what is left and returns why some output did not reach stdout, or nil.
    static func problem() -> String? {
        if fflush(nil) != 0 { noteFailure(errno) }
        let code = firstFailure.load(ordering: .relaxed)
        return code == 0 ? nil : String(cString: strerror(code))
    }
}
