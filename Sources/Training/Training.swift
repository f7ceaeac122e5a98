// Training: a run's configuration (`TrainingConfig`), where its sequences come from (`TaskSource`,
// `DatasetSource`), its starting point (`FreshModel`) and the `Trainer` that advances it one HF
// iteration at a time (`IterationRecord`, `StopReason`). No files are written here: the run's
// checkpoints, metrics and exports are RunFiles' job, the dataset format is DataFiles'.
