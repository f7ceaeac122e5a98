import Linalg
import RunStore
import Testing
import Training
import TrainingTestSupport

/// Checks that `trainer`, resumed from the fixture checkpoint at `path` (loaded as `old`), continued
/// as the fixture's recorded continuation `expected`: bit for bit on the BLAS kernels the fixture
/// was made on; elsewhere (other kernels round differently) every parameter within `tolerance` of
/// the recorded ones and the step itself at least ten times larger, so that a wrong continuation
/// still fails. Returns whether the kernels were the fixture's, when the caller compares the
/// histories bit for bit too.
func expectContinuation<Method: TrainingMethod>(_ trainer: Trainer<Method>, of old: Checkpoint<Method>,
                                                as expected: Checkpoint<Method>, fixture path: String,
                                                tolerance: Float = 1e-4) -> Bool where Method.Scalar == Float {
    let sameKernels = checkpointBLASKernels(path) == BLAS.kernels
    #expect(trainer.history.count == expected.history.count)
    if sameKernels {
        #expect(rawBytes(trainer.parameters) == rawBytes(expected.parameters))
        #expect(trainer.state == expected.state)
    } else {
        // Every parameter compared (a NaN fails it; `max()` would skip one).
        let close = zip(trainer.parameters, expected.parameters).allSatisfy { abs($0 - $1) <= tolerance }
        let step = zip(expected.parameters, old.parameters).map { abs($0 - $1) }.max() ?? 0
        #expect(close && step >= 10 * tolerance,
                "other kernels: a parameter differs by more than \(tolerance), or the step (\(step)) is too small to tell")
    }
    return sameKernels
}
