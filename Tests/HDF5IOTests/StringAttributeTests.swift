import CHDF5
import Foundation
import HDF5IO
import TestSupport
import Testing

/// String attributes are stored as h5py stores `str`: variable-length UTF-8, so that in Python
/// `f.attrs["format"] == "hfrnn-checkpoint"` holds. Fixed-length ones (older hfrnn files, numpy
/// `bytes_`) still read.
@Suite struct StringAttributeTests {
    @Test func stringAttributesAreVariableLengthUTF8() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        try file.setAttribute("format", to: "hfrnn-checkpoint")
        try file.setAttribute("note", to: "η = 0.1 ✓")
        try file.setAttribute("empty", to: "")
        try file.close()

        // Raw opens under the library's lock, as HDF5File's are: these descriptors are not
        // close-on-exec, and a child process started meanwhile by another test would hold them.
        HDF5Library.whileNoFileOpensOrCloses {
            let id = H5Fopen(path, hfrnn_H5F_ACC_RDONLY(), hfrnn_H5P_DEFAULT())
            #expect(id >= 0)
            defer { H5Fclose(id) }
            for name in ["format", "note", "empty"] {
                let attribute = H5Aopen_by_name(id, "/", name, hfrnn_H5P_DEFAULT(), hfrnn_H5P_DEFAULT())
                #expect(attribute >= 0)
                defer { H5Aclose(attribute) }
                let type = H5Aget_type(attribute)
                defer { H5Tclose(type) }
                #expect(H5Tget_class(type) == H5T_STRING, "\(name)")
                #expect(H5Tis_variable_str(type) > 0, "\(name) is not a variable-length string")
                #expect(H5Tget_cset(type) == H5T_CSET_UTF8, "\(name) is not UTF-8")
            }
        }
        let reopened = try HDF5File.open(path)
        #expect(try reopened.stringAttribute("format") == "hfrnn-checkpoint")
        #expect(try reopened.stringAttribute("note") == "η = 0.1 ✓")
        #expect(try reopened.stringAttribute("empty") == "")
    }

    /// Files written by earlier hfrnn versions hold fixed-length, NUL-padded strings.
    @Test func fixedLengthStringAttributesStillRead() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        try HDF5File.create(path).close()
        HDF5Library.whileNoFileOpensOrCloses {
            let id = H5Fopen(path, hfrnn_H5F_ACC_RDWR(), hfrnn_H5P_DEFAULT())
            #expect(id >= 0)
            let bytes = Array("hfrnn-checkpoint".utf8) + [0, 0]  // padded to 18 bytes
            let type = H5Tcopy(hfrnn_H5T_C_S1())
            H5Tset_size(type, bytes.count)
            H5Tset_strpad(type, H5T_STR_NULLPAD)
            H5Tset_cset(type, H5T_CSET_UTF8)
            let space = H5Screate(H5S_SCALAR)
            let attribute = H5Acreate_by_name(id, "/", "format", type, space, hfrnn_H5P_DEFAULT(), hfrnn_H5P_DEFAULT(),
                                              hfrnn_H5P_DEFAULT())
            #expect(bytes.withUnsafeBytes { H5Awrite(attribute, type, $0.baseAddress) } >= 0)
            H5Aclose(attribute)
            H5Sclose(space)
            H5Tclose(type)
            H5Fclose(id)
        }
        #expect(try HDF5File.open(path).stringAttribute("format") == "hfrnn-checkpoint")
    }

    @Test func aStringWithNULIsRefused() throws {
        let path = temporaryPath()
        defer { removeFile(path) }
        let file = try HDF5File.create(path)
        let error = #expect(throws: HDF5Error.self) { try file.setAttribute("bad", to: "a\u{0}b") }
        #expect(error?.description == "\(path): attribute 'bad' of '/': contains a NUL character, which HDF5 strings cannot hold")
    }
}
