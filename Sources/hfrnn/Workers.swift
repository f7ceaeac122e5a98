#if MPI
import MPISupport
#endif
import Foundation
import SequenceModel
import Training

/// The processes `train` and `resume` share a run among: the ranks of an MPI job when hfrnn is
/// built with MPI (`swift build --traits MPI`) and started by an MPI launcher, else this process
/// alone. Worker 0 prints and writes; the others only compute (docs/mpi.md).
enum Workers {
    #if MPI
    nonisolated(unsafe) private static var world: MPIWorld?
    #endif

    /// The group, initialising MPI on first use under an MPI launcher.
    static func group() throws -> any WorkerGroup {
        #if MPI
        if let world { return world }
        if MPIWorld.isLaunchedByMPI {
            let started = try MPIWorld.start()
            world = started
            return started
        }
        #endif
        return SingleWorker()
    }

    /// Whether this process prints: always, except on the ranks after the first of an MPI job.
    static var isPrimary: Bool {
        #if MPI
        return world.map { $0.rank == 0 } ?? true
        #else
        return true
        #endif
    }

    /// One line on the job's exchanges for the end of a session (nil without MPI).
    static var summary: String? {
        #if MPI
        guard let world else { return nil }
        let stats = world.statistics
        let waiting = stats.waitSeconds.map { String(format: ", %.2f s waiting for the other ranks", $0) } ?? ""
        return "MPI: \(world.size) process\(world.size == 1 ? "" : "es"); rank 0 made \(stats.exchanges) exchanges, "
            + String(format: "%.1f MB, %.2f s in MPI_Allgatherv", Double(stats.bytes) / 1e6, stats.seconds) + waiting
        #else
        return nil
        #endif
    }

    /// Ends MPI if it was started; called once, just before the process exits.
    static func finish() {
        #if MPI
        world?.finish()
        world = nil
        #endif
    }
}
