import Diagnostics
import HDF5IO
import SequenceModel

/// Builds the one-line errors of one file.
struct Failure {
    let path: String

    func callAsFunction(_ message: String) -> HFRNNError { HFRNNError.file(path, message) }

    /// Runs an HDF5 call, turning its error into a one-line `HFRNNError` (HDF5Error's
    /// description already starts with the file and names the object).
    func hdf5<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as HDF5Error {
            throw HFRNNError.file(path: error.file, message: error.description)
        }
    }
}

/// The attributes, datasets, dtypes and shapes of a dataset file, checked (values are checked
/// while streaming).
struct Header {
    var n = 0, t = 0, i = 0, o = 0
    var loss = OutputLoss.linearSquaredError
    var encoding = DatasetTargetEncoding.targets
    var errorMaskClass: HDF5ElementClass?
    var errorTolerance: Double?
    var task: String?
    var taskLength: Int?
    var seed: UInt64?
    var creatorVersion: String?

    init(_ file: HDF5File, _ fail: Failure) throws {
        // Attributes.
        guard try fail.hdf5({ try file.hasAttribute("format") }) else {
            throw fail("not an hfrnn dataset: root attribute 'format' is missing (it must be '\(DatasetSchema.format)')")
        }
        let format = try fail.hdf5 { try file.stringAttribute("format") }
        guard format == DatasetSchema.format else {
            throw fail("not an hfrnn dataset: root attribute 'format' is '\(format)', expected '\(DatasetSchema.format)'")
        }
        guard try fail.hdf5({ try file.hasAttribute("format_version") }) else {
            throw fail("root attribute 'format_version' is missing (this hfrnn reads version \(DatasetSchema.formatVersion))")
        }
        let version = try fail.hdf5 { try file.int64Attribute("format_version") }
        guard version == DatasetSchema.formatVersion else {
            throw fail("dataset format version \(version) is not supported (this hfrnn reads version \(DatasetSchema.formatVersion))")
        }
        let losses = OutputLoss.allCases.map(\.rawValue).joined(separator: ", ")
        guard try fail.hdf5({ try file.hasAttribute("output_loss") }) else {
            throw fail("root attribute 'output_loss' is missing; it must be one of \(losses)")
        }
        let lossName = try fail.hdf5 { try file.stringAttribute("output_loss") }
        guard let loss = OutputLoss(rawValue: lossName) else {
            throw fail("root attribute 'output_loss' is '\(lossName)'; it must be one of \(losses)")
        }
        self.loss = loss
        if try fail.hdf5({ try file.hasAttribute("error_tolerance") }) {
            guard loss == .linearSquaredError else {
                throw fail("root attribute 'error_tolerance' is for output_loss 'linear-squared-error', not '\(loss.rawValue)'")
            }
            let tolerance = try fail.hdf5 { try file.doubleAttribute("error_tolerance") }
            guard tolerance > 0 && tolerance.isFinite else {
                throw fail("root attribute 'error_tolerance' is \(tolerance); it must be positive and finite")
            }
            errorTolerance = tolerance
        }
        // Informational: ignored when missing or of another type, but a damaged value is an error.
        task = try fail.hdf5 { try file.optionalStringAttribute("task") }
        taskLength = try fail.hdf5 { try file.optionalInt64Attribute("task_length") }.map { Int($0) }
        if let taskLength, taskLength < 1 { throw fail("root attribute 'task_length' is \(taskLength); a length is at least 1") }
        seed = try fail.hdf5 { try file.optionalInt64Attribute("seed") }.map { UInt64(bitPattern: $0) }
        creatorVersion = try fail.hdf5 { try file.optionalStringAttribute("hfrnn_version") }

        // /inputs fixes N, T and I.
        let inputs = try Self.shape("inputs", of: file, fail, class: .float, "float32 [N, T, I]")
        guard inputs.count == 3 else { throw fail("/inputs has shape \(inputs); it must be [N, T, I] (rank 3)") }
        (n, t, i) = (inputs[0], inputs[1], inputs[2])
        guard n >= 1 && t >= 1 && i >= 1 else {
            throw fail("/inputs has shape \(inputs); N, T and I must each be at least 1")
        }
        func requireRows(_ name: String, _ shape: [Int], _ expected: String) throws {
            guard shape.count >= 2 || (expected == "[N]" && shape.count == 1) else {
                throw fail("/\(name) has shape \(shape); it must be \(expected)")
            }
            if shape[0] != n { throw fail("/\(name) has shape \(shape) but /inputs has N = \(n)") }
            if shape.count >= 2 && shape[1] != t { throw fail("/\(name) has shape \(shape) but /inputs has T = \(t)") }
        }

        // Targets or labels.
        let hasTargets = try fail.hdf5 { try file.exists("targets") }
        let hasLabels = try fail.hdf5 { try file.exists("labels") }
        switch (hasTargets, hasLabels) {
        case (true, true):
            throw fail("has both /targets and /labels; keep exactly one")
        case (false, false):
            throw fail("has neither /targets (float32 [N, T, O]) nor /labels (int32 [N, T]); one is required")
        case (true, false):
            let shape = try Self.shape("targets", of: file, fail, class: .float, "float32 [N, T, O]")
            guard shape.count == 3 else { throw fail("/targets has shape \(shape); it must be [N, T, O] (rank 3)") }
            try requireRows("targets", shape, "[N, T, O]")
            guard shape[2] >= 1 else { throw fail("/targets has shape \(shape); O must be at least 1") }
            o = shape[2]
            encoding = .targets
        case (false, true):
            let shape = try Self.shape("labels", of: file, fail, class: .integer, "int32 [N, T]")
            guard shape.count == 2 else { throw fail("/labels has shape \(shape); it must be [N, T] (rank 2)") }
            try requireRows("labels", shape, "[N, T]")
            guard loss == .softmaxCrossEntropy else {
                throw fail("/labels needs output_loss '\(OutputLoss.softmaxCrossEntropy.rawValue)', the file says '\(loss.rawValue)'"
                           + " (store other targets in /targets)")
            }
            guard try fail.hdf5({ try file.hasAttribute("classes") }) else {
                throw fail("/labels needs the root attribute 'classes' (int64, the number of classes O)")
            }
            let classes = try fail.hdf5 { try file.int64Attribute("classes") }
            // A softmax over one class is the constant 1: nothing to learn.
            guard classes >= 2 && classes <= Int64(DatasetSchema.maximumClasses) else {
                throw fail("root attribute 'classes' is \(classes); it must be in 2...\(DatasetSchema.maximumClasses)")
            }
            o = Int(classes)
            encoding = .labels
        }
        if loss == .softmaxCrossEntropy && o < 2 {
            throw fail("/targets has O = 1 output; output_loss 'softmax-cross-entropy' needs at least 2 "
                       + "(one yes/no output is 'logistic-cross-entropy')")
        }

        // Masks and lengths.
        let mask = try Self.shape("mask", of: file, fail, class: .float, "float32 [N, T]")
        guard mask.count == 2 else { throw fail("/mask has shape \(mask); it must be [N, T] (rank 2)") }
        try requireRows("mask", mask, "[N, T]")
        if try fail.hdf5({ try file.exists("error_mask") }) {
            let kind = try fail.hdf5 { try file.elementClass(of: "error_mask") }
            guard kind == .float || kind == .integer else {
                let stored = try fail.hdf5 { try file.typeName(of: "error_mask") }
                throw fail("/error_mask holds \(stored) values; it must hold float32 or int32 0/1 values\(Self.boolHint(stored))")
            }
            let shape = try fail.hdf5 { try file.shape(of: "error_mask") }
            try fail.hdf5 { try file.checkStorage(of: "error_mask") }
            guard shape.count == 2 else { throw fail("/error_mask has shape \(shape); it must be [N, T] (rank 2)") }
            try requireRows("error_mask", shape, "[N, T]")
            errorMaskClass = kind
        }
        let lengths = try Self.shape("lengths", of: file, fail, class: .integer, "int32 [N]")
        guard lengths.count == 1 else { throw fail("/lengths has shape \(lengths); it must be [N] (rank 1)") }
        try requireRows("lengths", lengths, "[N]")

        // One sequence must fit in memory comfortably.
        let (width, overflow0) = i.addingReportingOverflow(o)
        let (perStep, overflow1) = width.multipliedReportingOverflow(by: 4)
        let (perSequence, overflow2) = perStep.multipliedReportingOverflow(by: t)
        guard !overflow0 && !overflow1 && !overflow2 && perSequence <= DatasetSchema.maximumSequenceBytes else {
            throw fail("one sequence of T = \(t) steps with I = \(i) inputs and O = \(o) outputs needs more than "
                       + "\(DatasetSchema.maximumSequenceBytes >> 20) MiB; hfrnn does not support sequences that large")
        }
    }

    /// h5py stores a numpy bool array as an HDF5 enum, which a reader cannot take for numbers.
    static func boolHint(_ storedType: String) -> String {
        storedType == "enum" ? " (h5py stores numpy booleans as an enum: write the array with .astype('float32'))" : ""
    }

    /// The shape of a required dataset whose elements are of `elementClass`.
    static func shape(_ name: String, of file: HDF5File, _ fail: Failure, class elementClass: HDF5ElementClass,
                      _ expected: String) throws -> [Int] {
        guard try fail.hdf5({ try file.exists(name) }) else { throw fail("/\(name) is missing (required: \(expected))") }
        let kind = try fail.hdf5 { try file.elementClass(of: name) }
        guard kind == elementClass else {
            let stored = try fail.hdf5 { try file.typeName(of: name) }
            throw fail("/\(name) holds \(stored) values; it must hold \(elementClass.rawValue) values (\(expected))"
                       + Self.boolHint(stored))
        }
        let shape = try fail.hdf5 { try file.shape(of: name) }
        // Rows are read piece by piece later: the whole shape must be backed by stored data now.
        try fail.hdf5 { try file.checkStorage(of: name) }
        return shape
    }
}
