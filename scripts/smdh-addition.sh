#!/usr/bin/env bash
# Trains Nesterov momentum on addition at T = 80 in the setting Sutskever, Martens, Dahl & Hinton
# (2013) describe, as far as it differs from hfrnn's task: targets (A + B)/2 instead of A + B (their
# "biases only" test error of 0.82 implies a target spread of half ours, whose biases-only error is
# 0.92, so the 0.04 tolerance of the zero-one error is twice as wide relative to the targets), and
# the input values centred (the value channel minus 0.5 inside each sequence). The data are a
# fixed dataset of fresh task sequences rewritten with h5py, so the run sees 150,000 training
# sequences ~33 times instead of a stream of fresh ones. Results: docs/head-to-head.md.
#
#   scripts/smdh-addition.sh [--targets half|sum] [OUTPUT_FOLDER] [-- extra hfrnn train options]
#
# --targets sum keeps hfrnn's targets A + B (only the values centred), to tell the two changes
# apart. Seeds and h0: pass them as train options, e.g. -- --seed 2 --zero-initial-state.
# h5py and numpy are installed from PyPI into a throw-away virtual environment.
set -euo pipefail
export OPENBLAS_NUM_THREADS=1

targets=half
if [[ "${1:-}" == "--targets" ]]; then
    targets="$2"
    shift 2
    [[ "$targets" == half || "$targets" == sum ]] || { echo "smdh-addition: error: --targets must be half or sum" >&2; exit 2; }
fi
out=${1:-smdh-addition}
shift || true
[[ "${1:-}" == "--" ]] && shift
hfrnn=${HFRNN:-hfrnn}
mkdir -p "$out"
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet h5py numpy

"$hfrnn" generate addition --length 80 --count 150000 --seed 101 --output "$out/train-raw.h5"
"$hfrnn" generate addition --length 80 --count 10000 --seed 102 --output "$out/test-raw.h5"

"$venv/bin/python" - "$out" "$targets" <<'PY'
import sys
import h5py
import numpy as np

folder, targets = sys.argv[1], sys.argv[2]
for name in ("train", "test"):
    with h5py.File(f"{folder}/{name}-raw.h5") as raw, h5py.File(f"{folder}/{name}.h5", "w") as new:
        for key, value in raw.attrs.items():
            new.attrs[key] = value
        inputs = raw["inputs"][...]
        lengths = raw["lengths"][...]
        inside = np.arange(inputs.shape[1])[None, :] < lengths[:, None]
        inputs[:, :, 0] -= 0.5 * inside          # centred values; padding stays 0
        new["inputs"] = inputs.astype(np.float32)
        new["targets"] = (raw["targets"][...] / (2 if targets == "half" else 1)).astype(np.float32)
        for key in ("mask", "lengths"):
            new[key] = raw[key][...]
PY
rm "$out/train-raw.h5" "$out/test-raw.h5"

"$hfrnn" train --dataset "$out/train.h5" --test-dataset "$out/test.h5" --optimizer nesterov \
    --max-iterations 50000 --success-threshold 0.0001 --seed 1 \
    --checkpoint-dir "$out" --run-name nesterov "$@"
