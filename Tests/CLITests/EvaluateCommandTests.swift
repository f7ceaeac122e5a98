import Foundation
import RunStore
import SequenceModel
import Testing
import Training

/// `hfrnn evaluate --dataset FILE` evaluates the whole file unless --count is given and says how
/// many rows it used; `--json` prints the same result as a versioned snake_case document.
@Suite struct EvaluateCommandTests {
    /// The tiny run (test set of 40) and a 130-row addition dataset that fits it.
    private func workspaceWithData() throws -> Workspace {
        let workspace = try Workspace(train: true)
        let generated = try runHFRNN(["generate", "addition", "--length", "8", "--count", "130", "--seed", "3",
                                      "--output", "sums.h5"], in: workspace.path)
        guard generated.status == 0 else { throw CLITestError("generate failed: \(generated.stderr)") }
        return workspace
    }

    /// It used to evaluate only the first 40 rows (the run's test set size), without saying so.
    @Test func aDatasetIsEvaluatedWholeUnlessACountIsGiven() throws {
        let workspace = try workspaceWithData()
        let whole = try runHFRNN(["evaluate", "runs/tiny", "--dataset", "sums.h5"], in: workspace.path)
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.contains("data:       sums.h5, 130 sequences (every row of the file)"), "\(whole.stdout)")
        #expect(whole.stdout.contains(" of 130 sequences wrong"), "\(whole.stdout)")
        let first = try runHFRNN(["evaluate", "runs/tiny", "--dataset", "sums.h5", "--count", "50"], in: workspace.path)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("sums.h5, 50 sequences (the first 50 of its 130 rows)"), "\(first.stdout)")
        // More rows than the file has is refused, as `predict` refuses it (it evaluated the whole
        // file without a word); a task's count has the same bound as generate's.
        let beyond = try runHFRNN(["evaluate", "runs/tiny", "--dataset", "sums.h5", "--count", "500"], in: workspace.path)
        #expect(beyond.status == 1 && beyond.stdout.isEmpty)
        #expect(beyond.stderrLines == ["hfrnn: error: sums.h5: has 130 sequences; --count asks for 500"], "\(beyond.stderr)")
        let huge = try runHFRNN(["evaluate", "runs/tiny", "--task", "addition", "--length", "8", "--count", "2000000000"],
                                in: workspace.path)
        #expect(huge.status == 64)
        #expect(huge.stderr.hasPrefix("hfrnn: error: --count: must be at most 1073741824, got 2000000000"), "\(huge.stderr)")
    }

    @Test func jsonIsOneVersionedSnakeCaseDocument() throws {
        let workspace = try workspaceWithData()
        let result = try runHFRNN(["evaluate", "runs/tiny", "--dataset", "sums.h5", "--json"], in: workspace.path)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["format"] as? String == "hfrnn-evaluation")
        #expect(object["format_version"] as? Int == 1)
        #expect(object["sequences"] as? Int == 130)
        #expect(object["optimizer"] as? String == "hf")
        #expect(object["iterations"] as? Int == 2)
        let data = try #require(object["data"] as? [String: Any])
        #expect(data["kind"] as? String == "dataset")
        #expect(data["name"] as? String == "sums.h5")
        #expect(data["available_sequences"] as? Int == 130)
        let wrong = try #require(object["wrong_sequences"] as? Int)
        let judged = try #require(object["judged_sequences"] as? Int)
        #expect(object["error_rate"] as? Double == Double(wrong) / Double(judged))
        #expect(object["success"] as? Bool == false)
        for key in ["hfrnn_version", "checkpoint", "precision", "network", "loss", "criterion", "success_threshold"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        // W_hh's spectral radius, as the library computes it from the checkpoint's parameters (to
        // rounding: this process's BLAS may sum in another order).
        let stored = try Checkpoint<HessianFreeTraining<Float>>.load(from: workspace.path + "/runs/tiny/latest.h5")
        let radius = try #require((object["network"] as? [String: Any])?["recurrent_spectral_radius"] as? Double)
        let expected = stored.network.recurrentSpectralRadius(stored.parameters)
        #expect(expected > 0 && abs(radius - expected) <= 1e-9 * expected, "\(radius) against \(expected)")
        // Every key, nested ones included, is snake_case.
        func keys(_ value: Any) -> [String] {
            guard let dictionary = value as? [String: Any] else { return [] }
            return dictionary.keys + dictionary.values.flatMap(keys)
        }
        let allKeys = keys(object)
        #expect(allKeys.allSatisfy { $0 == $0.lowercased() && !$0.contains("-") }, "\(allKeys)")

        let own = try runHFRNN(["evaluate", "runs/tiny", "--json"], in: workspace.path)
        let ownObject = try #require(try JSONSerialization.jsonObject(with: Data(own.stdout.utf8)) as? [String: Any])
        #expect((ownObject["data"] as? [String: Any])?["kind"] as? String == "run_test_set")
        // The folder as given, relative, as a file given directly is (it came back absolute).
        #expect(ownObject["checkpoint"] as? String == "runs/tiny/latest.h5")
        #expect(ownObject["sequences"] as? Int == 40)
    }
}
