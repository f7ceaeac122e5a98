internal import CHDF5

/// The numeric element types hfrnn stores. Each maps to a native memory type and a fixed
/// little-endian file type, so files look the same on every machine.
public enum HDF5ScalarType: String, Sendable {
    case float32, float64, int32, int64, uint64

    var memoryType: hid_t {
        switch self {
        case .float32: hfrnn_H5T_NATIVE_FLOAT()
        case .float64: hfrnn_H5T_NATIVE_DOUBLE()
        case .int32: hfrnn_H5T_NATIVE_INT32()
        case .int64: hfrnn_H5T_NATIVE_INT64()
        case .uint64: hfrnn_H5T_NATIVE_UINT64()
        }
    }

    var fileType: hid_t {
        switch self {
        case .float32: hfrnn_H5T_IEEE_F32LE()
        case .float64: hfrnn_H5T_IEEE_F64LE()
        case .int32: hfrnn_H5T_STD_I32LE()
        case .int64: hfrnn_H5T_STD_I64LE()
        case .uint64: hfrnn_H5T_STD_U64LE()
        }
    }

    var byteCount: Int { self == .float32 || self == .int32 ? 4 : 8 }
    var isSigned: Bool { self != .uint64 }
    var elementClass: HDF5ElementClass { self == .float32 || self == .float64 ? .float : .integer }
}

/// A Swift type that can be stored element by element in a dataset or attribute.
public protocol HDF5Element: Sendable {
    static var hdf5Type: HDF5ScalarType { get }
}

extension Float: HDF5Element { public static var hdf5Type: HDF5ScalarType { .float32 } }
extension Double: HDF5Element { public static var hdf5Type: HDF5ScalarType { .float64 } }
extension Int32: HDF5Element { public static var hdf5Type: HDF5ScalarType { .int32 } }
extension Int64: HDF5Element { public static var hdf5Type: HDF5ScalarType { .int64 } }
extension UInt64: HDF5Element { public static var hdf5Type: HDF5ScalarType { .uint64 } }

/// The HDF5 type class of stored data.
public enum HDF5ElementClass: String, Sendable {
    case float, integer, string, other
}

/// What a dataset or attribute holds on disk, as far as reading it into Swift is concerned.
struct StoredType {
    let elementClass: HDF5ElementClass
    let byteCount: Int
    let isSigned: Bool
    /// "float64", "int32", "uint8", "string", "compound", ...
    let name: String

    /// Reads the class, size and sign of an HDF5 datatype id.
    init(_ type: hid_t) {
        let typeClass = H5Tget_class(type)
        byteCount = H5Tget_size(type)
        isSigned = typeClass == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_2
        switch typeClass {
        case H5T_FLOAT:
            elementClass = .float
            name = "float\(byteCount * 8)"
        case H5T_INTEGER:
            elementClass = .integer
            name = "\(isSigned ? "int" : "uint")\(byteCount * 8)"
        case H5T_STRING:
            elementClass = .string
            name = "string"
        default:
            elementClass = .other
            name = switch typeClass {
            case H5T_COMPOUND: "compound"
            case H5T_ENUM: "enum"
            case H5T_ARRAY: "array"
            case H5T_VLEN: "variable-length"
            case H5T_OPAQUE: "opaque"
            case H5T_BITFIELD: "bitfield"
            case H5T_REFERENCE: "reference"
            default: "type class \(typeClass.rawValue)"
            }
        }
    }

    /// Why values of this stored type cannot be read as `T`, or nil if HDF5 may convert them.
    /// Floats convert among themselves (float64 -> Float rounds), integers only when every stored
    /// value fits; float <-> integer is refused rather than silently rounded or truncated.
    func refusal<T: HDF5Element>(readingAs _: T.Type) -> String? {
        let wanted = T.hdf5Type
        switch (elementClass, wanted.elementClass) {
        case (.float, .float):
            return nil
        case (.integer, .integer):
            let fits = isSigned == wanted.isSigned ? wanted.byteCount >= byteCount
                                                   : wanted.isSigned && wanted.byteCount > byteCount
            return fits ? nil : "stored as \(name), which does not always fit in \(T.self)"
        default:
            let needed = switch wanted.elementClass {
            case .float: "floating-point numbers"
            case .integer: "integers"
            case .string: "text"
            case .other: "\(T.self) values"
            }
            return "stored as \(name); it must hold \(needed)"
        }
    }
}
