import Foundation
import HDF5IO
import Testing
import Training

/// A checkpoint with a NaN weight is refused by every command that loads it, with one line naming
/// the file and the block, instead of being evaluated as "success" or resumed as "solved".
@Suite struct NonFiniteCheckpointTests {
    @Test func commandsRefuseNaNWeights() throws {
        let workspace = try Workspace(train: true)
        let poisoned = workspace.path + "/poisoned.h5"
        try FileManager.default.copyItem(atPath: workspace.run + "/latest.h5", toPath: poisoned)
        do {
            let file = try HDF5File.open(poisoned, writable: true)
            var values = try file.read("parameters/W_hh", as: Float.self).values
            values[5] = .nan
            try file.write(values, shape: [8, 8], to: "parameters/W_hh")
            try file.close()
        }
        let expected = "hfrnn: error: \(poisoned): parameters/W_hh has nan at index 5; "
            + "a network with non-finite parameters is unusable\n"
        for arguments in [["evaluate", poisoned], ["resume", poisoned], ["export", poisoned, "--output", "out"],
                          ["probe", "--checkpoint", poisoned, "--output", "probe.h5"]] {
            let result = try runHFRNN(arguments, in: workspace.path)
            #expect(result.status == 1, "\(arguments): \(result.stdout)")
            #expect(result.stderr == expected, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments)")
        }
        #expect(!FileManager.default.fileExists(atPath: workspace.path + "/probe.h5"))
        #expect(!FileManager.default.fileExists(atPath: workspace.path + "/out"))
    }
}
