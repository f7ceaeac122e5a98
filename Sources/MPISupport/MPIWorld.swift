// Compiled with the MPI trait only (`swift build --traits MPI`); otherwise this module is empty.
#if MPI
import CMPI
import Foundation
import SequenceModel

/// MPI_COMM_WORLD as the group a training run's batches are shared among: rank r is worker r.
/// Created once per process (MPI can be initialised only once) by `MPIWorld.start()`, and
/// finished with `finish()` before the process exits.
public final class MPIWorld: WorkerGroup, @unchecked Sendable {
    public let size: Int
    public let rank: Int
    private let communicator = hfrnn_mpi_comm_world()
    /// Exchanges so far, their payload and the time spent in them (see `statistics`).
    private var exchanges = 0
    private var exchangedBytes = 0
    private var exchangeSeconds = 0.0
    private var waitSeconds = 0.0
    /// Time waiting for the other ranks (a barrier) separately from the transfer itself; costs one
    /// more collective per exchange, so only on request (HFRNN_MPI_TIMING=1).
    private let separateWaiting: Bool

    /// Whether this process was started by an MPI launcher (mpirun, mpiexec, srun with PMIx), so
    /// that a plain `hfrnn train` never initialises MPI.
    public static var isLaunchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"].contains { environment[$0] != nil }
    }

    private init(size: Int, rank: Int) {
        self.size = size
        self.rank = rank
        separateWaiting = ProcessInfo.processInfo.environment["HFRNN_MPI_TIMING"] == "1"
    }

    /// Initialises MPI and returns the world, or throws a one-line message.
    public static func start() throws -> MPIWorld {
        guard MPI_Init(nil, nil) == MPI_SUCCESS else { throw MPIError("MPI_Init failed") }
        // Errors come back as codes (turned into a message and a clean stop) instead of aborting the job.
        MPI_Comm_set_errhandler(hfrnn_mpi_comm_world(), hfrnn_mpi_errors_return())
        var size: Int32 = 0, rank: Int32 = 0
        MPI_Comm_size(hfrnn_mpi_comm_world(), &size)
        MPI_Comm_rank(hfrnn_mpi_comm_world(), &rank)
        return MPIWorld(size: Int(size), rank: Int(rank))
    }

    public func allGather(_ buffer: UnsafeMutableRawBufferPointer, byteCounts: [Int]) {
        precondition(byteCounts.count == size, "one block per rank")
        let total = byteCounts.reduce(0, +)
        precondition(total <= buffer.count && total <= Int(Int32.max), "exchange of \(total) bytes")
        let counts = byteCounts.map { Int32($0) }
        var displacements = [Int32](repeating: 0, count: size)
        for index in 1..<max(size, 1) { displacements[index] = displacements[index - 1] + counts[index - 1] }
        if separateWaiting {
            let start = DispatchTime.now().uptimeNanoseconds
            check(MPI_Barrier(communicator), "MPI_Barrier")
            waitSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let start = DispatchTime.now().uptimeNanoseconds
        check(MPI_Allgatherv(hfrnn_mpi_in_place(), 0, hfrnn_mpi_byte(), buffer.baseAddress, counts, displacements,
                             hfrnn_mpi_byte(), communicator), "MPI_Allgatherv")
        exchangeSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        exchanges += 1
        exchangedBytes += total
    }

    /// A collective that fails leaves the job in an undefined state: end this rank with one line
    /// (mpirun then ends the others).
    private func check(_ code: Int32, _ call: String) {
        guard code != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        let message = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        FileHandle.standardError.write(Data("hfrnn: error: rank \(rank): \(call) failed: \(message)\n".utf8))
        MPI_Abort(communicator, 1)
    }

    /// This rank's exchanges so far: how many, the bytes every rank ends up holding, seconds
    /// inside the all-gathers and, with HFRNN_MPI_TIMING=1, seconds waiting for the other ranks first.
    public var statistics: (exchanges: Int, bytes: Int, seconds: Double, waitSeconds: Double?) {
        (exchanges, exchangedBytes, exchangeSeconds, separateWaiting ? waitSeconds : nil)
    }

    /// Ends MPI; every rank must call it before exiting.
    public func finish() {
        MPI_Finalize()
    }
}

/// A failure of MPI itself, as one line.
public struct MPIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
#endif
