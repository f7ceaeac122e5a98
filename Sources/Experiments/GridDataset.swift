import DataFiles
import Foundation

/// An HDF5 dataset file a grid trains on, as `hfrnn train --dataset` does (datasets/README.md).
public struct GridDataset: Codable, Equatable, Sendable {
    /// The dataset's name in cell names and results: by default the file's name without extension.
    public var name: String
    /// The file. In experiment.json, relative to the experiment folder, so the grid continues from
    /// a copy of the folder (or a clone of the repository) that keeps the file where it was; in a
    /// spec file given with --spec, relative to that file's folder.
    public var path: String
    /// `contentHash(ofFileAt:)` of the file when the grid was created: a cell never trains on other
    /// data. Nil in a spec file until the grid is created.
    public var contentHash: String?
    /// A separate test file (`hfrnn train --test-dataset`), relative like `path`; nil: the test set
    /// is rows of the dataset file.
    public var testPath: String? = nil
    /// The test file's content hash, as `contentHash`.
    public var testContentHash: String? = nil

    public init(name: String, path: String, contentHash: String? = nil, testPath: String? = nil,
                testContentHash: String? = nil) {
        self.name = name
        self.path = path
        self.contentHash = contentHash
        self.testPath = testPath
        self.testContentHash = testContentHash
    }

    /// A dataset named after its file: "data/sums.h5" is "sums".
    public init(path: String, testPath: String? = nil) {
        self.init(name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, path: path,
                  testPath: testPath)
    }

    /// The file's path, resolved against `folder` when it is relative.
    public func location(relativeTo folder: String) -> String {
        resolvedPath(path, against: folder)
    }

    /// The test file's path, resolved against `folder` when it is relative; nil without one.
    public func testLocation(relativeTo folder: String) -> String? {
        testPath.map { resolvedPath($0, against: folder) }
    }

    private enum CodingKeys: String, CodingKey { case name, path, contentHash, testPath, testContentHash }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        name = try container.decodeIfPresent(String.self, forKey: .name)
            ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        contentHash = try container.decodeIfPresent(String.self, forKey: .contentHash)
        testPath = try container.decodeIfPresent(String.self, forKey: .testPath)
        testContentHash = try container.decodeIfPresent(String.self, forKey: .testContentHash)
    }
}

/// Where a grid's dataset files are now: absolute paths, checked against the grid's hashes.
public struct DatasetFiles: Sendable, Equatable {
    public var path: String
    /// The separate test file, nil when the test set is rows of the dataset file.
    public var testPath: String?

    public init(path: String, testPath: String?) {
        self.path = path
        self.testPath = testPath
    }
}

/// Where a grid's dataset files are (relative to the experiment folder) and that they are the grid's.
extension GridSpec {
    /// The spec with every relative dataset path, read as relative to `folder`, made absolute.
    public func resolvingDatasets(against folder: String) -> GridSpec {
        var resolved = self
        resolved.datasets = datasets.map {
            GridDataset(name: $0.name, path: $0.location(relativeTo: folder), contentHash: $0.contentHash,
                        testPath: $0.testLocation(relativeTo: folder), testContentHash: $0.testContentHash)
        }
        return resolved
    }

    /// The spec as an experiment folder stores it: dataset paths relative to `experimentFolder`
    /// (relative paths read as relative to `base`) and each dataset's content hash, taken now when
    /// the spec has none. A missing file, or one whose hash differs from the spec's, is an error.
    public func storedForm(in experimentFolder: String, base: String) throws -> GridSpec {
        let folder = URL(fileURLWithPath: experimentFolder).standardizedFileURL.path
        var stored = self
        stored.datasets = try datasets.map { dataset in
            let location = dataset.location(relativeTo: base)
            let found = try Self.checkedHash(of: location, what: "dataset '\(dataset.name)'", expected: dataset.contentHash)
            var test: (path: String, hash: String)? = nil
            if let testLocation = dataset.testLocation(relativeTo: base) {
                test = (relativePath(of: testLocation, from: folder),
                        try Self.checkedHash(of: testLocation, what: "test file of dataset '\(dataset.name)'",
                                             expected: dataset.testContentHash))
            }
            return GridDataset(name: dataset.name, path: relativePath(of: location, from: folder), contentHash: found,
                               testPath: test?.path, testContentHash: test?.hash)
        }
        return stored
    }

    /// The content hash of the file at `location`, which must exist and, when `expected` is given,
    /// have that hash.
    static func checkedHash(of location: String, what: String, expected: String?) throws -> String {
        guard FileManager.default.fileExists(atPath: location) else {
            throw GridError("\(location): file not found (the \(what) of the grid)")
        }
        do { return try requireContentHash(ofFileAt: location, expected: expected, what: "the grid's \(what)", holder: "the grid") }
        catch { throw GridError("\(error)") }
    }
}

/// `path` as an absolute, standardised path, read relative to `folder` when it is relative (`folder`
/// itself may be relative to the current folder, and need not exist yet).
func resolvedPath(_ path: String, against folder: String) -> String {
    let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : URL(fileURLWithPath: folder).appendingPathComponent(path)
    return url.standardizedFileURL.path
}

/// `path` relative to `folder`, both absolute and standardised: "../data/sums.h5".
func relativePath(of path: String, from folder: String) -> String {
    let target = path.split(separator: "/"), base = folder.split(separator: "/")
    var common = 0
    while common < min(target.count, base.count) && target[common] == base[common] { common += 1 }
    let parts = Array(repeating: "..", count: base.count - common) + target[common...].map(String.init)
    return parts.isEmpty ? "." : parts.joined(separator: "/")
}
