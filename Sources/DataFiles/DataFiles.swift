// DataFiles: hfrnn's files on disk, with no training types. One JSON set-up (`JSONFormat`); every
// file written atomically (`AtomicFile`, `StagedFiles`: a hidden temporary, fsynced, renamed into
// place); the sequence dataset schema (datasets/README.md) read (`DatasetFile`), validated
// (`Header`, the value checks) and written (`DatasetWriter`); every problem one line naming the file
// (Diagnostics' `HFRNNError`, the tool's one error type). Depends on HDF5IO, Diagnostics and the
// math core's types only.
