#!/usr/bin/env bash
# Peak resident memory of one short HF iteration (at most 10 CG steps) of a task (default
# addition) at several lengths, with today's defaults and with the curvature batch of 1,000 and no
# sub-batches of before 2026-11-24. Writes a JSON record (machine, command, peak memory and wall
# time per run) to docs/data/memory-<date>[-TAG].json and prints it. Memory does not depend on the
# machine's load.
#
#   scripts/memory.sh [--task addition] [--lengths "50 200 1000"] [--tag TAG]
#
# HFRNN=path/to/hfrnn uses that build instead of building one (HFRNN_COMMIT=REV names its commit,
# when it is not the checkout's).
set -euo pipefail
source "$(dirname "$0")/json-record.sh"
export OPENBLAS_NUM_THREADS=1
lengths="50 200 1000" task=addition tag=""
while (($#)); do
    case "$1" in
        --lengths) lengths="$2"; shift 2 ;;
        --task) task="$2"; shift 2 ;;
        --tag) tag="-$2"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "memory: error: $1: expected --task NAME, --lengths \"T ...\" or --tag TAG" >&2; exit 2 ;;
    esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${HFRNN:-}" ]]; then
    swift build -c release --product hfrnn --package-path "$root" >/dev/null
    HFRNN="$root/.build/release/hfrnn"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/hfrnn-memory.XXXXXX")
trap 'rm -rf "$work"' EXIT

settings=("" "--curvature-batch 1000 --sub-batch-size 1000")
runs=()
for length in $lengths; do
    for options in "${settings[@]}"; do
        name="T$length-$(echo "${options:-defaults}" | tr -c 'a-z0-9' '-')"
        start=$(date +%s.%N)
        # shellcheck disable=SC2086  # the options are words
        /usr/bin/time -f "%M" -o "$work/$name.mem" "$HFRNN" train --task "$task" --length "$length" --seed 1 \
            --max-iterations 1 --max-cg 10 --threads 1 $options --checkpoint-dir "$work" --run-name "$name" >/dev/null
        end=$(date +%s.%N)
        runs+=("{\"length\": $length, \"options\": \"$options\", \"peak_memory_mb\": $(( $(tail -1 "$work/$name.mem") / 1024 )), \"wall_seconds\": $(printf '%.1f' "$(echo "$end - $start" | bc)")}")
    done
done
file="$root/docs/data/memory-$(date -u +%Y-%m-%d)$tag.json"
{
    json_record_start hfrnn-memory 1
    echo "  \"processors\": $(nproc), \"memory_total_mb\": $(( $(grep MemTotal /proc/meminfo | awk '{print $2}') / 1024 )),"
    echo "  \"hfrnn\": \"${HFRNN#$root/}\", \"commit\": \"${HFRNN_COMMIT:-$(git -C "$root" rev-parse --short HEAD)}\","
    echo "  \"command\": \"hfrnn train --task $task --length T --seed 1 --max-iterations 1 --max-cg 10 --threads 1 [OPTIONS]\","
    echo "  \"measure\": \"peak resident set of the process (/usr/bin/time %M), MiB\","
    json_record_end runs "${runs[@]}"
} > "$file"
cat "$file"
