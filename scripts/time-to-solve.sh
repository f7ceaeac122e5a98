#!/usr/bin/env bash
# Trains one task to success for several seeds, one run after another with hfrnn's defaults (every
# processor, the kernels hfrnn picks), and writes what each took — HF iterations, CG steps, wall
# and processor time, peak memory, final test error — with the machine, kernels and command, to
# docs/data/time-to-solve-<task>-T<length>-<date>.json, and prints it.
#
#   scripts/time-to-solve.sh [--task NAME] [--length T] [--seeds "1 2 3"] [--tag TAG] [-- MORE TRAIN OPTIONS]
#
# Default: addition at T = 100, seeds 1 2 3. --tag names the file …-<date>-TAG.json, so that runs
# with other options on the same day keep their own file. Run it on an idle machine: it measures
# wall time.
set -euo pipefail
source "$(dirname "$0")/json-record.sh"
export OPENBLAS_NUM_THREADS=1
task=addition; length=100; seeds="1 2 3"; tag=""; extra=()
while (($#)); do
    case "$1" in
        --task) task="$2"; shift 2 ;;
        --length) length="$2"; shift 2 ;;
        --seeds) seeds="$2"; shift 2 ;;
        --tag) tag="-$2"; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "time-to-solve: error: $1: expected --task, --length, --seeds, --tag or -- OPTIONS" >&2; exit 2 ;;
    esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
swift build -c release --package-path "$root" >/dev/null
hfrnn="$root/.build/release/hfrnn"
work=$(mktemp -d "${TMPDIR:-/tmp}/hfrnn-time-to-solve.XXXXXX")
trap 'rm -rf "$work"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

runs=()
for seed in $seeds; do
    name="seed$seed"
    start=$(date +%s.%N)
    status=0
    /usr/bin/time -f "%U %S %M" -o "$work/$name.time" "$hfrnn" train --task "$task" --length "$length" --seed "$seed" \
        "${extra[@]}" --checkpoint-dir "$work" --run-name "$name" >"$work/$name.log" 2>&1 || status=$?
    end=$(date +%s.%N)
    read -r user system peak_kb < <(tail -1 "$work/$name.time")
    # The run's own record: iterations, CG steps and the last test error, from metrics.csv.
    summary=$(python3 - "$work/$name/metrics.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
last = rows[-1]
print(f'"hf_iterations": {last["iteration"]}, "cg_steps": {sum(int(r["cg_iterations"]) for r in rows)}, '
      f'"final_test_error": {float(last["test_error"])}')
PY
)
    # Solved by the run's own criterion: the task's success threshold, on its test set.
    solved=$("$hfrnn" evaluate "$work/$name" --json | python3 -c 'import json,sys; print("true" if json.load(sys.stdin)["success"] else "false")')
    runs+=("{\"seed\": $seed, \"exit_status\": $status, \"solved\": $solved, $summary, \"wall_seconds\": $(printf '%.1f' "$(echo "$end - $start" | bc)"), \"processor_seconds\": $(printf '%.1f' "$(echo "$user + $system" | bc)"), \"peak_memory_mb\": $((peak_kb / 1024))}")
done
kernels=$("$root/.build/release/hfrnn-bench" --kernels 2>/dev/null || echo unknown)
file="$root/docs/data/time-to-solve-$task-T$length-$(date -u +%Y-%m-%d)$tag.json"
{
    json_record_start hfrnn-time-to-solve 1
    echo "  \"processors\": $(nproc), \"openblas_core\": \"$kernels\", \"load_average_before\": \"$load_before\","
    echo "  \"command\": \"hfrnn train --task $task --length $length --seed N ${extra[*]}\","
    json_record_end runs "${runs[@]}"
} > "$file"
cat "$file"
