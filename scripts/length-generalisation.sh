#!/usr/bin/env bash
# Evaluates networks that solved their task at one length on fresh sequences of longer lengths
# (`hfrnn evaluate CHECKPOINT --task TASK --length L --count N --seed 1 --json`, memory bounded at
# any length) and writes one record per network and length, with the machine and command, to
# docs/data/length-generalisation-<date>.json, and prints it.
#
#   scripts/length-generalisation.sh [--lengths "200 500 1000 5000"] [--count 1000] [--tag TAG] CHECKPOINT...
#
# --tag names the file …-<date>-TAG.json, so that a second measurement on one day keeps the first.
# The task of each network is read from its checkpoint (a task run); the record keeps the run's
# task, trained length, seed and checkpoint path, so the checkpoint can be rebuilt by rerunning
# its cell if it is not committed.
set -euo pipefail
source "$(dirname "$0")/json-record.sh"
export OPENBLAS_NUM_THREADS=1
lengths="200 500 1000 5000"; count=1000; tag=""; checkpoints=()
while (($#)); do
    case "$1" in
        --lengths) lengths="$2"; shift 2 ;;
        --count) count="$2"; shift 2 ;;
        --tag) tag="-$2"; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        -*) echo "length-generalisation: error: $1: expected --lengths, --count, --tag or checkpoints" >&2; exit 2 ;;
        *) checkpoints+=("$1"); shift ;;
    esac
done
((${#checkpoints[@]})) || { echo "length-generalisation: error: give at least one checkpoint" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
swift build -c release --package-path "$root" >/dev/null
hfrnn="$root/.build/release/hfrnn"
memory_log=$(mktemp)
trap 'rm -f "$memory_log"' EXIT
records=()
for checkpoint in "${checkpoints[@]}"; do
    # The run's task, trained length and seed, from the summary of an export-free evaluation.
    run=$("$hfrnn" evaluate "$checkpoint" --json | python3 -c '
import json, sys
e = json.load(sys.stdin)
kind, name = e["data"]["kind"], e["data"]["name"]
task, length = name.split(" T = ")
print(task, length, e["data"]["seed"], e["error_rate"], e["checkpoint"])')
    read -r task trained seed trained_error path <<< "$run"
    for length in $lengths; do
        start=$(date +%s.%N)
        result=$(/usr/bin/time -f "%M" -o "$memory_log" "$hfrnn" evaluate "$checkpoint" --task "$task" \
            --length "$length" --count "$count" --seed 1 --json)
        end=$(date +%s.%N)
        error=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["error_rate"])' <<< "$result")
        records+=("{\"checkpoint\": \"${path#$root/}\", \"task\": \"$task\", \"trained_length\": $trained, \"run_seed\": $seed, \"trained_test_error\": $trained_error, \"length\": $length, \"sequences\": $count, \"error_rate\": $error, \"wall_seconds\": $(printf '%.1f' "$(echo "$end - $start" | bc)"), \"peak_memory_mb\": $(( $(tail -1 "$memory_log") / 1024 ))}")
    done
done
file="$root/docs/data/length-generalisation-$(date -u +%Y-%m-%d)$tag.json"
{
    json_record_start hfrnn-length-generalisation 1
    echo "  \"command\": \"hfrnn evaluate CHECKPOINT --task TASK --length L --count $count --seed 1 --json\","
    json_record_end records "${records[@]}"
} > "$file"
cat "$file"
