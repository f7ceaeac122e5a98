import Diagnostics
import Foundation
import Testing

/// The statuses of a stopped run are the command's and the grid runner's one rule: the runner
/// had 130 and 143 written out, so a cell stopped by SIGUSR1 (138) counted as failed.
@Suite struct ExitStatusTests {
    @Test func theStopSignalsStatusesAreStopsAndNothingElseIs() {
        #expect(ExitStatus.stopSignals.map(ExitStatus.afterStop) == [130, 143, 138, 129, 141])
        #expect([130, 143, 138, 129, 141].allSatisfy(ExitStatus.isStop))
        #expect(![0, 1, 64, 137, 139].contains(where: ExitStatus.isStop))
    }
}
