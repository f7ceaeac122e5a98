#ifndef HFRNN_CHDF5_SHIM_H
#define HFRNN_CHDF5_SHIM_H
#include <hdf5.h>
#include <string.h>

// HDF5's "constants" (H5T_NATIVE_FLOAT, H5F_ACC_TRUNC, H5P_DEFAULT, ...) are macros that call
// H5open() or cast; Swift cannot import them. These inline functions keep the exact C meaning
// and work across HDF5 1.10 - 1.14.
static inline hid_t hfrnn_H5P_DEFAULT(void)        { return H5P_DEFAULT; }
static inline hid_t hfrnn_H5S_ALL(void)            { return H5S_ALL; }
static inline hid_t hfrnn_H5E_DEFAULT(void)        { return H5E_DEFAULT; }
static inline hid_t hfrnn_H5T_NATIVE_FLOAT(void)   { return H5T_NATIVE_FLOAT; }
static inline hid_t hfrnn_H5T_NATIVE_DOUBLE(void)  { return H5T_NATIVE_DOUBLE; }
static inline hid_t hfrnn_H5T_NATIVE_INT32(void)   { return H5T_NATIVE_INT32; }
static inline hid_t hfrnn_H5T_NATIVE_INT64(void)   { return H5T_NATIVE_INT64; }
static inline hid_t hfrnn_H5T_NATIVE_UINT64(void)  { return H5T_NATIVE_UINT64; }
static inline hid_t hfrnn_H5T_IEEE_F32LE(void)     { return H5T_IEEE_F32LE; }
static inline hid_t hfrnn_H5T_IEEE_F64LE(void)     { return H5T_IEEE_F64LE; }
static inline hid_t hfrnn_H5T_STD_I32LE(void)      { return H5T_STD_I32LE; }
static inline hid_t hfrnn_H5T_STD_I64LE(void)      { return H5T_STD_I64LE; }
static inline hid_t hfrnn_H5T_STD_U64LE(void)      { return H5T_STD_U64LE; }
static inline hid_t hfrnn_H5T_C_S1(void)           { return H5T_C_S1; }
static inline unsigned hfrnn_H5F_ACC_TRUNC(void)   { return H5F_ACC_TRUNC; }
static inline unsigned hfrnn_H5F_ACC_EXCL(void)    { return H5F_ACC_EXCL; }
static inline unsigned hfrnn_H5F_ACC_RDONLY(void)  { return H5F_ACC_RDONLY; }
static inline unsigned hfrnn_H5F_ACC_RDWR(void)    { return H5F_ACC_RDWR; }
static inline hid_t hfrnn_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t hfrnn_H5P_FILE_ACCESS(void)    { return H5P_FILE_ACCESS; }
static inline hid_t hfrnn_H5P_LINK_CREATE(void)    { return H5P_LINK_CREATE; }
static inline hid_t hfrnn_H5P_FILE_CREATE(void)    { return H5P_FILE_CREATE; }
static inline hid_t hfrnn_H5P_GROUP_CREATE(void)   { return H5P_GROUP_CREATE; }
// H5T_VARIABLE is ((size_t)-1): the size of a variable-length string type.
static inline size_t hfrnn_H5T_VARIABLE(void)      { return H5T_VARIABLE; }

// HDF5 prints its error stack to stderr by default, per thread in Debian's thread-safe build:
// the wrapper calls this at every entry point.
static inline herr_t hfrnn_H5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

// Variable-length strings live in HDF5's global heap, which no file-format version checksums, and
// libhdf5 1.10 copies a heap object by the size the heap claims: one flipped bit there makes it
// copy past its buffers. hfrnn therefore reads variable-length elements as they are stored (a
// 4-byte length, the heap collection's address, the object's index) into an opaque type with
// this tag, through the no-op conversion below, and reads the heap itself with every bound checked.
#define HFRNN_RAW_VLEN_TAG "hfrnn stored variable-length element"

static inline herr_t hfrnn_raw_vlen_conversion(hid_t source, hid_t destination, H5T_cdata_t *cdata, size_t count,
                                               size_t buffer_stride, size_t background_stride, void *buffer,
                                               void *background, hid_t transfer) {
    (void)count; (void)buffer_stride; (void)background_stride; (void)buffer; (void)background; (void)transfer;
    switch (cdata->command) {
    case H5T_CONV_INIT: {
        // Only variable-length strings into the tagged opaque type of the same (stored) size.
        if (H5Tget_class(source) != H5T_STRING || H5Tis_variable_str(source) <= 0) return -1;
        if (H5Tget_class(destination) != H5T_OPAQUE) return -1;
        char *tag = H5Tget_tag(destination);
        int tagged = tag != NULL && strcmp(tag, HFRNN_RAW_VLEN_TAG) == 0;
        H5free_memory(tag);
        if (!tagged || H5Tget_size(source) != H5Tget_size(destination)) return -1;
        cdata->need_bkg = H5T_BKG_NO;
        return 0;
    }
    case H5T_CONV_CONV:  // same size, same bytes: the stored element is the result
    case H5T_CONV_FREE:
        return 0;
    default:
        return -1;
    }
}

/// Registers the conversion above (once per process is enough; again is harmless).
static inline herr_t hfrnn_register_raw_vlen_conversion(void) {
    hid_t source = H5Tcopy(H5T_C_S1);
    hid_t destination = H5Tcreate(H5T_OPAQUE, 16);
    herr_t status = -1;
    if (source >= 0 && destination >= 0 && H5Tset_size(source, H5T_VARIABLE) >= 0
        && H5Tset_tag(destination, HFRNN_RAW_VLEN_TAG) >= 0) {
        status = H5Tregister(H5T_PERS_SOFT, "hfrnn stored variable-length elements", source, destination,
                             hfrnn_raw_vlen_conversion);
    }
    if (source >= 0) H5Tclose(source);
    if (destination >= 0) H5Tclose(destination);
    return status;
}

/// An opaque memory type of `size` bytes that receives stored variable-length elements.
static inline hid_t hfrnn_raw_vlen_type(size_t size) {
    hid_t type = H5Tcreate(H5T_OPAQUE, size);
    if (type >= 0 && H5Tset_tag(type, HFRNN_RAW_VLEN_TAG) < 0) {
        H5Tclose(type);
        return -1;
    }
    return type;
}

/// The type of link `name` in `location` (H5L_TYPE_HARD, _SOFT, _EXTERNAL, or a user-defined type),
/// or -1 when it cannot be read. H5Lget_info's structure changed in HDF5 1.12.
static inline int hfrnn_link_type(hid_t location, const char *name) {
#if H5_VERSION_GE(1, 12, 0)
    H5L_info2_t info;
    if (H5Lget_info2(location, name, &info, H5P_DEFAULT) < 0) return -1;
#else
    H5L_info_t info;
    if (H5Lget_info(location, name, &info, H5P_DEFAULT) < 0) return -1;
#endif
    return (int)info.type;
}
#endif
