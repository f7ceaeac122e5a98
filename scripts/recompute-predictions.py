#!/usr/bin/env python3
"""Recomputes an export's predictions.h5 from its checkpoint with numpy, from the equations of
docs/interop.md alone, and says how far hfrnn's numbers are from them.

    python3 scripts/recompute-predictions.py CHECKPOINT DATASET PREDICTIONS

CHECKPOINT is a run's .h5, DATASET the file the predictions are of (for an export of a run on
--dataset, the file its test set came from: the test set is that file's first rows), PREDICTIONS
an export's predictions.h5 or the output of `hfrnn predict` (hidden states are checked too when
the file has them). Exits 0 when every prediction agrees within float32 rounding and the test
loss within 1e-5 relative, else 1. Needs numpy and h5py.
"""

import json
import sys

import h5py
import numpy as np


def forward(parameters, inputs):
    """h_t = tanh(W_hx x_t + W_hh h_{t-1} + b_h) from the learnt h_0; s_t = W_yh h_t + b_y."""
    W_hx, W_hh, b_h = parameters["W_hx"], parameters["W_hh"], parameters["b_h"]
    W_yh, b_y, h_0 = parameters["W_yh"], parameters["b_y"], parameters["h_0"]
    count, steps, _ = inputs.shape
    h = np.tile(h_0, (count, 1))
    outputs = np.empty((count, steps, W_yh.shape[0]))
    states = np.empty((count, steps, W_hh.shape[0]))
    for t in range(steps):
        h = np.tanh(inputs[:, t, :] @ W_hx.T + h @ W_hh.T + b_h)
        states[:, t, :] = h
        outputs[:, t, :] = h @ W_yh.T + b_y
    return outputs, states


def predictions_and_losses(kind, s, y):
    """ŷ = g(s) and the per-step loss L(s, y) of each matched output/loss pair."""
    if kind == "linear-squared-error":
        return s, 0.5 * ((s - y) ** 2).sum(axis=-1)
    if kind == "logistic-cross-entropy":
        p = 1 / (1 + np.exp(-s))
        return p, (np.logaddexp(0, -s) * y + np.logaddexp(0, s) * (1 - y)).sum(axis=-1)
    if kind == "softmax-cross-entropy":
        shifted = s - s.max(axis=-1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        return np.exp(log_p), -(y * log_p).sum(axis=-1)
    raise SystemExit(f"unknown output_loss {kind}")


def main(checkpoint_path, dataset_path, predictions_path):
    with h5py.File(checkpoint_path, "r") as checkpoint:
        parameters = {name: checkpoint["parameters"][name][...].astype(np.float64) for name in checkpoint["parameters"]}
        kind = json.loads(checkpoint["config"].attrs["network"])["output_loss"]
    with h5py.File(predictions_path, "r") as exported:
        theirs = exported["predictions"][...].astype(np.float64)
        targets = exported["targets"][...].astype(np.float64)
        mask = exported["mask"][...].astype(np.float64)
        test_loss = float(exported.attrs["test_loss"])
        their_states = exported["hidden_states"][...].astype(np.float64) if "hidden_states" in exported else None
    count, steps = mask.shape
    with h5py.File(dataset_path, "r") as dataset:
        inputs = dataset["inputs"][:count, :steps, :].astype(np.float64)
    outputs, states = forward(parameters, inputs)
    ours, losses = predictions_and_losses(kind, outputs, targets)
    prediction_error = np.abs(ours - theirs).max() / max(np.abs(ours).max(), 1e-12)
    if their_states is not None:
        # hidden states, where the file has them, count with the predictions.
        prediction_error = max(prediction_error, np.abs(states - their_states).max())
    loss = (mask * losses).sum() / mask.sum()
    loss_error = abs(loss - test_loss) / max(abs(loss), 1e-12)
    print(f"{count} sequences of {steps} steps{' with hidden states' if their_states is not None else ''}: predictions max relative difference {prediction_error:.2e}, "
          f"test loss {loss:.9g} vs hfrnn's {test_loss:.9g} (relative difference {loss_error:.2e})")
    return 0 if prediction_error < 1e-5 and loss_error < 1e-5 else 1


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print("usage: python3 scripts/recompute-predictions.py CHECKPOINT DATASET PREDICTIONS", file=sys.stderr)
        sys.exit(64)
    sys.exit(main(*sys.argv[1:]))
