#!/usr/bin/env python3
"""Accuracy of a network at each judged step of a memorisation task, from `hfrnn predict`.

    hfrnn generate memorization-20bit --length 100 --count 2000 --seed 7 --output recall.h5
    hfrnn predict CHECKPOINT --dataset recall.h5 --output predictions.h5 [--hidden-states]
    /usr/bin/python3 scripts/recall-by-position.py recall.h5 predictions.h5 [--label TEXT]

Prints one JSON record: for the k-th judged step of the sequences (the k-th recalled symbol), the
fraction whose arg-max prediction is the label, the fraction of sequences with every judged step
right, and how often each class is predicted over all judged steps. The per-symbol error in
metrics.csv averages these positions; this tells a network that recalls some symbols from one that
recalls none.

With hidden states in the predictions file, the record also says how much of each symbol the
hidden state still holds at its recall step: the accuracy of the best linear read-out of h at that
step (least squares onto the one-hot label plus a constant, fitted on the first half of the
sequences, scored on the second). A symbol the state holds but the network does not output is a
read-out problem; a symbol the state has lost is a memory problem. Needs numpy and h5py.
"""

import json
import sys

import h5py
import numpy as np


def main(arguments):
    label = None
    if "--label" in arguments:
        index = arguments.index("--label")
        label = arguments[index + 1]
        del arguments[index:index + 2]
    if len(arguments) != 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: recall-by-position.py DATASET PREDICTIONS [--label TEXT]", file=sys.stderr)
        return 64
    dataset_path, predictions_path = arguments
    with h5py.File(dataset_path, "r") as dataset, h5py.File(predictions_path, "r") as predictions:
        labels = dataset["labels"][:]
        judged = dataset["error_mask"][:] > 0
        predicted = predictions["predictions"][:].argmax(axis=-1)
        states = predictions["hidden_states"][:] if "hidden_states" in predictions else None
    if labels.shape != predicted.shape:
        print(f"{predictions_path}: predictions for {predicted.shape} steps, {dataset_path} has {labels.shape}", file=sys.stderr)
        return 65
    # The k-th judged step of every sequence (memorisation judges the same count in each).
    counts = judged.sum(axis=1)
    if counts.min() != counts.max() or counts.max() == 0:
        print(f"{dataset_path}: sequences judge different numbers of steps; not a memorisation task", file=sys.stderr)
        return 65
    steps = np.argsort(~judged, axis=1, kind="stable")[:, :counts[0]]
    rows = np.arange(labels.shape[0])[:, None]
    right = predicted[rows, steps] == labels[rows, steps]
    classes = np.bincount(predicted[rows, steps].ravel(), minlength=int(labels.max()) + 1) / right.size
    record = {
        "format": "hfrnn-recall-by-position", "format_version": 2,
        "label": label, "dataset": dataset_path, "predictions": predictions_path,
        "sequences": int(labels.shape[0]),
        "accuracy_by_position": [round(float(a), 4) for a in right.mean(axis=0)],
        "sequences_all_right": round(float(right.all(axis=1).mean()), 4),
        "predicted_class_fractions": [round(float(c), 4) for c in classes],
    }
    if states is not None:
        record["decodable_by_position"] = [round(linear_readout_accuracy(states[rows[:, 0], steps[:, k]],
                                                                         labels[rows[:, 0], steps[:, k]],
                                                                         int(labels.max()) + 1), 4)
                                           for k in range(steps.shape[1])]
    print(json.dumps(record))
    return 0


def linear_readout_accuracy(states, labels, classes):
    """Held-out accuracy of the least-squares linear map from states (N × H) to one-hot labels."""
    half = states.shape[0] // 2
    design = np.hstack([states.astype(np.float64), np.ones((states.shape[0], 1))])
    weights, *_ = np.linalg.lstsq(design[:half], np.eye(classes)[labels[:half]], rcond=None)
    return float((np.argmax(design[half:] @ weights, axis=1) == labels[half:]).mean())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
