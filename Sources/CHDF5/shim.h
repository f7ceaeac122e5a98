#ifndef HFRNN_CHDF5_SHIM_H
#define HFRNN_CHDF5_SHIM_H
#include <hdf5.h>

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
// H5T_VARIABLE is ((size_t)-1): the size of a variable-length string type.
static inline size_t hfrnn_H5T_VARIABLE(void)      { return H5T_VARIABLE; }

// HDF5 prints its error stack to stderr by default, per thread in Debian's thread-safe build:
// the wrapper calls this at every entry point.
static inline herr_t hfrnn_H5_silence_errors(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
#endif
