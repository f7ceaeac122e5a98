// DataFiles: hfrnn's files on disk, with no training types. Every file is written atomically
// (`AtomicFile`, `StagedFiles`: a hidden temporary, fsynced, renamed into place); the sequence
// dataset schema (datasets/README.md) is read (`DatasetFile`), validated (`Header`, the value checks)
// and written (`DatasetWriter`) here; every problem is one line naming the file (`TrainingError`).
// Depends on HDF5IO and the math core's types only.
