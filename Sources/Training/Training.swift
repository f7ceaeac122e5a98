// Training: a run's configuration (`TrainingConfig`), where its sequences come from (`TaskSource`,
// `DatasetSource`), its starting point (`FreshModel`) and the `HFTrainer` that advances it one HF
// iteration at a time (`IterationRecord`, `StopReason`). No files are written here: the run's
// checkpoints and metrics are RunStore's job, the loop that saves them TrainingRun's, exports
// Reports', the dataset format DataFiles'.
