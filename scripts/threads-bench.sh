#!/usr/bin/env bash
# Times one training run's first iterations with 1 and with N threads (--threads), alternating,
# and checks that both give the same metrics bit for bit. Writes a JSON record (machine, kernels,
# command, wall and processor seconds per run) to docs/data/threads-<date>.json and prints it.
#
#   scripts/threads-bench.sh [--threads N] [--iterations K] [--rounds R] [-- TRAIN OPTIONS]
#
# Default: addition at T = 100, seed 1, 5 HF iterations, N = every processor, 2 rounds. Run it on
# an idle machine: the point is what a run gains from the cores it has.
set -euo pipefail
source "$(dirname "$0")/json-record.sh"
export OPENBLAS_NUM_THREADS=1
threads=$(nproc); iterations=5; rounds=2
train=(--task addition --length 100 --seed 1)
while (($#)); do
    case "$1" in
        --threads) threads="$2"; shift 2 ;;
        --iterations) iterations="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --) shift; train=("$@"); break ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "threads-bench: error: $1: expected --threads N, --iterations K, --rounds R or -- OPTIONS" >&2; exit 2 ;;
    esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
swift build -c release --product hfrnn --package-path "$root" >/dev/null
hfrnn="$root/.build/release/hfrnn"
work=$(mktemp -d "${TMPDIR:-/tmp}/hfrnn-threads.XXXXXX")
trap 'rm -rf "$work"' EXIT

runs=()
for ((round = 1; round <= rounds; round++)); do
    for count in 1 "$threads"; do
        name="r$round-t$count"
        start=$(date +%s.%N)
        /usr/bin/time -f "%U %S" -o "$work/$name.time" "$hfrnn" train "${train[@]}" --max-iterations "$iterations" \
            --threads "$count" --checkpoint-dir "$work" --run-name "$name" >/dev/null
        end=$(date +%s.%N)
        read -r user system < "$work/$name.time"
        # Everything but the time columns (elapsed_seconds, processor_seconds) must agree.
        digest=$(cut -d, -f1-11,13-18,20- "$work/$name/metrics.csv" | sha256sum | cut -c1-16)
        runs+=("{\"round\": $round, \"threads\": $count, \"wall_seconds\": $(printf '%.3f' "$(echo "$end - $start" | bc)"), \"processor_seconds\": $(printf '%.2f' "$(echo "$user + $system" | bc)"), \"metrics_digest\": \"$digest\"}")
    done
done
digests=$(printf '%s\n' "${runs[@]}" | sed 's/.*"metrics_digest": "\([0-9a-f]*\)".*/\1/' | sort -u | wc -l)
swift build -c release --product hfrnn-bench --package-path "$root" >/dev/null
kernels=$("$root/.build/release/hfrnn-bench" --kernels)
file="$root/docs/data/threads-$(date -u +%Y-%m-%d).json"
{
    json_record_start hfrnn-threads-bench 1
    echo "  \"processors\": $(nproc), \"openblas_core\": \"$kernels\", \"load_average_before\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
    echo "  \"command\": \"hfrnn train ${train[*]} --max-iterations $iterations --threads N\","
    echo "  \"same_bits_for_every_run\": $([[ $digests == 1 ]] && echo true || echo false),"
    json_record_end runs "${runs[@]}"
} > "$file"
cat "$file"
