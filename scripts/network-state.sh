#!/usr/bin/env bash
# Records what a trained network's recurrent weights can still carry: for each checkpoint, its
# task, length, seed, iterations and test error on the run's own test set, and the spectral
# radius of W_hh (`hfrnn evaluate CHECKPOINT --json`, key network.recurrent_spectral_radius).
# Writes docs/data/network-state-<date>[-TAG].json and prints it.
#
#   scripts/network-state.sh [--tag TAG] CHECKPOINT...
#
# A radius well below 1 means the state forgets an input within a few steps, so a task with a
# long lag cannot be solved from there. Checkpoint paths are recorded relative to the repository.
set -euo pipefail
source "$(dirname "$0")/json-record.sh"
export OPENBLAS_NUM_THREADS=1
tag=""; checkpoints=()
while (($#)); do
    case "$1" in
        --tag) tag="-$2"; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        -*) echo "network-state: error: $1: expected --tag or checkpoints" >&2; exit 2 ;;
        *) checkpoints+=("$1"); shift ;;
    esac
done
((${#checkpoints[@]})) || { echo "network-state: error: give at least one checkpoint" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
swift build -c release --package-path "$root" >/dev/null
hfrnn="$root/.build/release/hfrnn"
records=()
for checkpoint in "${checkpoints[@]}"; do
    records+=("$("$hfrnn" evaluate "$checkpoint" --json | python3 -c '
import json, os, sys
root = sys.argv[1]
e = json.load(sys.stdin)
path = os.path.relpath(os.path.realpath(e["checkpoint"]), root)
task, length = e["data"]["name"].split(" T = ")
print(json.dumps({"checkpoint": path, "task": task, "length": int(length), "run_seed": e["data"]["seed"],
                  "optimizer": e["optimizer"], "iterations": e["iterations"], "test_error": e["error_rate"],
                  "solved": e["success"], "recurrent_spectral_radius": e["network"]["recurrent_spectral_radius"]}))' "$root")")
done
file="$root/docs/data/network-state-$(date -u +%Y-%m-%d)$tag.json"
{
    json_record_start hfrnn-network-state 1
    echo "  \"command\": \"hfrnn evaluate CHECKPOINT --json\","
    json_record_end records "${records[@]}"
} > "$file"
cat "$file"
