#!/usr/bin/env bash
# Where does a whole training run's processor time go, and how much of it do the threads share?
# Samples one run's first iterations with `perf record` (call stacks by DWARF) and sorts every
# sample by the part of an HF iteration it belongs to: CG's curvature products, the gradient, the
# test set, the loss evaluations of backtracking and the line search, drawing the sequences, and
# the rest. A sample on the main thread outside the thread pool is serial work, which a second
# thread cannot share. Writes docs/data/run-profile-<date>.json and prints it. Needs perf
# (Debian's linux-perf); run it on an idle machine.
#
#   scripts/run-profile.sh [--threads N] [--iterations K] [--frequency HZ] [--tag NAME] [-- TRAIN OPTIONS]
#
# Default: addition at T = 100, seed 2, 15 HF iterations, N = every processor, 99 samples per
# second per thread. --tag NAME writes docs/data/run-profile-<date>-NAME.json instead.
set -euo pipefail
source "$(dirname "$0")/json-record.sh"
export OPENBLAS_NUM_THREADS=1
threads=$(nproc); iterations=15; frequency=99; tag=""
train=(--task addition --length 100 --seed 2)
while (($#)); do
    case "$1" in
        --threads) threads="$2"; shift 2 ;;
        --iterations) iterations="$2"; shift 2 ;;
        --frequency) frequency="$2"; shift 2 ;;
        --tag) tag="-$2"; shift 2 ;;
        --) shift; train=("$@"); break ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "run-profile: error: $1: expected --threads N, --iterations K, --frequency HZ, --tag NAME or -- OPTIONS" >&2; exit 2 ;;
    esac
done
if ! command -v perf >/dev/null; then echo "run-profile: error: perf not found (Debian: apt-get install linux-perf)" >&2; exit 1; fi
root=$(cd "$(dirname "$0")/.." && pwd)
swift build -c release --product hfrnn --package-path "$root" >/dev/null
swift build -c release --product hfrnn-bench --package-path "$root" >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/hfrnn-run-profile.XXXXXX")
trap 'rm -rf "$work"' EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$work/time" perf record -q -F "$frequency" --call-graph dwarf,32768 -o "$work/perf.data" \
    "$root/.build/release/hfrnn" train "${train[@]}" --max-iterations "$iterations" --threads "$threads" \
    --checkpoint-dir "$work" --run-name profiled >/dev/null 2>&1
end=$(date +%s.%N)
read -r user system < "$work/time"
perf script -i "$work/perf.data" -F tid,ip,sym,dso 2>/dev/null > "$work/stacks"

# One JSON line: samples per part of the iteration, per thread, and the serial ones.
summary=$(python3 - "$work/stacks" <<'PYTHON'
import collections, json, sys
# The innermost frame that names one of these decides a sample's part; the
# objective's entry points run on every thread, so the workers' samples are sorted too.
parts = [("curvature_products", ("RNNObjectiveC16curvatureProduct", "RNNObjectiveC13bindCurvature")),
         ("gradient", ("RNNObjectiveC15lossAndGradient",)),
         ("test_set", ("FixedTestSetC8evaluate",)),
         ("loss_evaluations", ("RNNObjectiveC4loss",)),
         ("drawing_sequences", ("5Tasks",))]
by_part, serial_by_part, by_thread = collections.Counter(), collections.Counter(), collections.Counter()
blas = 0
main_thread = None
def close(thread, frames):
    global blas
    if thread is None:
        return
    part = next((name for frame in frames for name, keys in parts if any(key in frame for key in keys)), "other")
    text = "\n".join(frames)
    by_part[part] += 1
    by_thread[thread] += 1
    if frames and "libopenblas" in frames[0]:
        blas += 1
    in_pool = "dispatch_apply" in text or "ComputeThreads" in text
    if thread == main_thread and not in_pool:
        serial_by_part[part] += 1
thread, frames = None, []
for line in open(sys.argv[1], errors="replace"):
    if not line.strip():
        continue
    if line[0] != "\t":
        close(thread, frames)
        thread, frames = line.split()[0], []
        main_thread = main_thread or thread
    else:
        frames.append(line.split(None, 1)[-1].strip())
close(thread, frames)
total = sum(by_thread.values())
share = lambda n: round(n / total, 4) if total else 0
print(json.dumps({
    "samples": total,
    "share_by_part": {part: share(n) for part, n in by_part.most_common()},
    "serial_share": share(sum(serial_by_part.values())),
    "serial_share_by_part": {part: share(n) for part, n in serial_by_part.most_common()},
    "blas_kernel_share": share(blas),
    "samples_by_thread": sorted(by_thread.values(), reverse=True),
    "main_thread_samples": by_thread[main_thread]}))
PYTHON
)
run="{\"threads\": $threads, \"iterations\": $iterations, \"wall_seconds\": $(printf '%.2f' "$(echo "$end - $start" | bc)"), \"processor_seconds\": $(printf '%.2f' "$(echo "$user + $system" | bc)"), \"profile\": $summary}"
file="$root/docs/data/run-profile-$(date -u +%Y-%m-%d)$tag.json"
{
    json_record_start hfrnn-run-profile 1
    echo "  \"processors\": $(nproc), \"openblas_core\": \"$("$root/.build/release/hfrnn-bench" --kernels)\", \"load_average_before\": \"$load_before\","
    echo "  \"command\": \"hfrnn train ${train[*]} --max-iterations $iterations --threads $threads\", \"sampling_hz\": $frequency,"
    json_record_end runs "$run"
} > "$file"
cat "$file"
