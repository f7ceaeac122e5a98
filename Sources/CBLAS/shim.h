#ifndef HFRNN_CBLAS_SHIM_H
#define HFRNN_CBLAS_SHIM_H
// pkg-config "openblas" puts OpenBLAS's own cblas.h first on the include path; it also
// declares openblas_set_num_threads and openblas_get_config.
#include <cblas.h>
#endif
