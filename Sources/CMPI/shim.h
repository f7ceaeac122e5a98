// Open MPI's predefined handles are macros over global objects, which Swift cannot import:
// these functions return them.
#include <mpi.h>

static inline MPI_Comm hfrnn_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype hfrnn_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype hfrnn_mpi_int(void) { return MPI_INT; }
static inline MPI_Op hfrnn_mpi_max(void) { return MPI_MAX; }
static inline void *hfrnn_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler hfrnn_mpi_errors_return(void) { return MPI_ERRORS_RETURN; }
