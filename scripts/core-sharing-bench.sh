#!/usr/bin/env bash
# Do this machine's processors slow each other down? Times training's curvature product (H = 100,
# T = 100, the curvature batch of 300 in sub-batches of 50, one BLAS thread) three ways, best of
# --repeats each, in rounds: one process alone on processor 0; two processes at once, one pinned
# to each of processors 0 and 1; one process with --threads 2. If the pair's processes each take
# longer than the lone one, the processors share something (a physical core, its vector units,
# caches, memory or a power budget) and no thread count can give a run their full sum. Writes
# docs/data/core-sharing-<date>.json and prints it. Run it on an idle machine.
#
#   scripts/core-sharing-bench.sh [--repeats N] [--rounds R]
set -euo pipefail
source "$(dirname "$0")/json-record.sh"
export OPENBLAS_NUM_THREADS=1
repeats=21; rounds=3
while (($#)); do
    case "$1" in
        --repeats) repeats="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "core-sharing-bench: error: $1: expected --repeats N or --rounds R" >&2; exit 2 ;;
    esac
done
if (($(nproc) < 2)); then echo "core-sharing-bench: error: needs 2 processors, this process may use $(nproc)" >&2; exit 1; fi
root=$(cd "$(dirname "$0")/.." && pwd)
swift build -c release --product hfrnn-bench --package-path "$root" >/dev/null
bench=("$root/.build/release/hfrnn-bench" --pass product --length 100 --batch 300 --sub-batch 50 --repeats "$repeats" --json)
work=$(mktemp -d "${TMPDIR:-/tmp}/hfrnn-core-sharing.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One result line, tagged with how it was run.
tagged() { sed "s/^{/{\"setup\": \"$1\", \"round\": $2, /" "$3"; }

runs=()
for ((round = 1; round <= rounds; round++)); do
    taskset -c 0 "${bench[@]}" > "$work/alone"
    runs+=("$(tagged alone "$round" "$work/alone")")
    taskset -c 0 "${bench[@]}" > "$work/pair0" & first=$!
    taskset -c 1 "${bench[@]}" > "$work/pair1" & second=$!
    wait "$first" "$second"
    runs+=("$(tagged pair-processor-0 "$round" "$work/pair0")" "$(tagged pair-processor-1 "$round" "$work/pair1")")
    "${bench[@]}" --threads 2 > "$work/threads"
    runs+=("$(tagged threads-2 "$round" "$work/threads")")
done

file="$root/docs/data/core-sharing-$(date -u +%Y-%m-%d).json"
{
    json_record_start hfrnn-core-sharing 1
    echo "  \"processors\": $(nproc), \"repeats\": $repeats,"
    json_record_end runs "${runs[@]}"
} > "$file"
cat "$file"
