import CHDF5
import Foundation
import HDF5IO

// Files as h5py and hfrnn before format checksums wrote them: through the C API with HDF5's default
// (earliest) file format, which checksums nothing, so tests can damage them byte by byte and see
// what hfrnn's own checks do.

/// Writes a root string attribute `format` and a 1-D string dataset `notes`, both variable-length
/// UTF-8 (h5py's `str`), so their bytes live in the global heap.
func writeUncheckedStrings(_ path: String, format: String, notes: [String]) {
    // Under the library's lock, as HDF5File's opens are: this file is not close-on-exec, and a
    // child process started meanwhile by another test held its lock (the file was then "locked").
    HDF5Library.whileNoFileOpensOrCloses { writeUncheckedStringsUnlocked(path, format: format, notes: notes) }
}

private func writeUncheckedStringsUnlocked(_ path: String, format: String, notes: [String]) {
    let file = H5Fcreate(path, hfrnn_H5F_ACC_TRUNC(), hfrnn_H5P_DEFAULT(), hfrnn_H5P_DEFAULT())
    precondition(file >= 0)
    defer { H5Fclose(file) }
    let type = H5Tcopy(hfrnn_H5T_C_S1())
    defer { H5Tclose(type) }
    H5Tset_size(type, hfrnn_H5T_VARIABLE())
    H5Tset_cset(type, H5T_CSET_UTF8)
    let scalar = H5Screate(H5S_SCALAR)
    defer { H5Sclose(scalar) }
    let attribute = H5Acreate2(file, "format", type, scalar, hfrnn_H5P_DEFAULT(), hfrnn_H5P_DEFAULT())
    defer { H5Aclose(attribute) }
    format.withCString { characters in
        var pointer: UnsafePointer<CChar>? = characters
        _ = withUnsafeBytes(of: &pointer) { H5Awrite(attribute, type, $0.baseAddress) }
    }
    var dimensions = [hsize_t(notes.count)]
    let space = H5Screate_simple(1, &dimensions, nil)
    defer { H5Sclose(space) }
    let dataset = H5Dcreate2(file, "notes", type, space, hfrnn_H5P_DEFAULT(), hfrnn_H5P_DEFAULT(), hfrnn_H5P_DEFAULT())
    defer { H5Dclose(dataset) }
    let copies = notes.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer<CChar>($0) }
    _ = pointers.withUnsafeBytes {
        H5Dwrite(dataset, type, hfrnn_H5S_ALL(), hfrnn_H5S_ALL(), hfrnn_H5P_DEFAULT(), $0.baseAddress)
    }
}

/// Writes float32 `values` of `shape` to dataset `x`, contiguous or (`compress`) chunked by whole
/// rows and gzip-compressed; or, given `external`, declares `x` as the raw file `external` (from
/// its start, as long as it is: h5py's `external=[(raw, 0, UNLIMITED)]`) and writes nothing.
func writeUncheckedFloats(_ path: String, _ values: [Float], shape: [Int], compress: Bool, external: String? = nil) {
    HDF5Library.whileNoFileOpensOrCloses {  // as writeUncheckedStrings
        writeUncheckedFloatsUnlocked(path, values, shape: shape, compress: compress, external: external)
    }
}

private func writeUncheckedFloatsUnlocked(_ path: String, _ values: [Float], shape: [Int], compress: Bool, external: String?) {
    let file = H5Fcreate(path, hfrnn_H5F_ACC_TRUNC(), hfrnn_H5P_DEFAULT(), hfrnn_H5P_DEFAULT())
    precondition(file >= 0)
    defer { H5Fclose(file) }
    var dimensions = shape.map { hsize_t($0) }
    let space = H5Screate_simple(Int32(shape.count), &dimensions, nil)
    defer { H5Sclose(space) }
    let creation = H5Pcreate(hfrnn_H5P_DATASET_CREATE())
    defer { H5Pclose(creation) }
    if compress {
        var chunk = [hsize_t(1)] + dimensions.dropFirst()
        H5Pset_chunk(creation, Int32(chunk.count), &chunk)
        H5Pset_deflate(creation, 4)
    }
    if let external { precondition(H5Pset_external(creation, external, 0, hsize_t.max) >= 0) }
    let dataset = H5Dcreate2(file, "x", hfrnn_H5T_IEEE_F32LE(), space, hfrnn_H5P_DEFAULT(), creation, hfrnn_H5P_DEFAULT())
    defer { H5Dclose(dataset) }
    if external != nil { return }
    _ = values.withUnsafeBytes {
        H5Dwrite(dataset, hfrnn_H5T_NATIVE_FLOAT(), hfrnn_H5S_ALL(), hfrnn_H5S_ALL(), hfrnn_H5P_DEFAULT(), $0.baseAddress)
    }
}

/// The offset of the only occurrence of `pattern` in the file's bytes; nil if there is not exactly one.
func onlyOffset(of pattern: [UInt8], in bytes: [UInt8]) -> Int? {
    let matches = (0...(bytes.count - pattern.count)).filter { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }
    return matches.count == 1 ? matches[0] : nil
}

/// The file's bytes, changed by `edit`, written back.
func editBytes(_ path: String, _ edit: (inout [UInt8]) throws -> Void) throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    try edit(&bytes)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
