/// The `format` attribute of every hfrnn checkpoint (RunStore writes and checks it).
public let checkpointFormatName = "hfrnn-checkpoint"

/// The `format` attribute of a predictions file (export's predictions.h5, `hfrnn predict`).
public let predictionsFormatName = "hfrnn-predictions"

/// The `format` attribute of a derivative probe file (`hfrnn probe`).
public let probeFormatName = "hfrnn-probe"

/// What a file of hfrnn's own `format` is, for a message that refuses it as something else
/// ("a predictions file (hfrnn export or predict)"); nil for a name hfrnn does not write.
public func describedFormat(_ format: String) -> String? {
    switch format {
    case checkpointFormatName: "an hfrnn checkpoint"
    case DatasetSchema.format: "an hfrnn dataset"
    case predictionsFormatName: "a predictions file (hfrnn export or predict)"
    case probeFormatName: "a derivative probe file (hfrnn probe)"
    default: nil
    }
}
