// Training: a run's configuration (`TrainingConfig`), where its sequences come from (`TaskSource`,
// `DatasetSource`), its starting point (`FreshModel`), the methods (`TrainingMethod`:
// `HessianFreeTraining`, `FirstOrderTraining`), the one `Trainer` that advances a run record by
// record and the one loop (`trainUntilStopped`) that writes through a `TrainingRecorder`. No files
// are written here: the run's checkpoints and metrics are RunStore's job, exports Reports', the
// dataset format DataFiles'.
