#!/usr/bin/env bash
# Times hfrnn's passes (hfrnn-bench: forward, gradient, regularized, one A v) at the README's shapes and writes
# every pass's record with the machine and kernels to docs/data/bench-<date>.json. Run it on an
# idle machine; each time is the best of 7.
#
#   scripts/bench.sh [--tag NAME] [--baseline REV] [H:T:B[:S[:N[:A]]] ...]
#
# Default shapes 100:50:1000 100:50:300 100:50:100 100:200:1000. H:T:B:S[:N[:A]] times only the
# product, taken as HF training takes it: sub-batches of S sequences on N threads (default 1), its
# matrix products in arithmetic A (float, the default, or bf16). A shape may be given several
# times (alternating float and bf16, say): each is timed in the order given.
# --tag NAME writes docs/data/bench-<date>-NAME.json instead. --baseline REV also builds the
# commit REV (in .build-baseline/, git-ignored) and times its hfrnn-bench on every shape, three
# rounds alternating with this build's, each record marked "build": "baseline" or "current".
set -euo pipefail
source "$(dirname "$0")/json-record.sh"
source "$(dirname "$0")/builds.sh"
export OPENBLAS_NUM_THREADS=1
tag=""
baseline=""
shapes=()
while (($#)); do
    case "$1" in
        --tag) tag="-$2"; shift 2 ;;
        --baseline) baseline="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *:*:*) shapes+=("$1"); shift ;;
        *) echo "bench: error: $1: expected --tag NAME, --baseline REV or H:T:B[:S[:N]]" >&2; exit 2 ;;
    esac
done
((${#shapes[@]})) || shapes=(100:50:1000 100:50:300 100:50:100 100:200:1000)
root=$(cd "$(dirname "$0")/.." && pwd)
prepare_builds "$root" hfrnn-bench "$baseline"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
records=()
for shape in "${shapes[@]}"; do
    IFS=: read -r hidden steps batch sub_batch threads arithmetic <<< "$shape"
    extra=()
    [[ -n "${sub_batch:-}" ]] && extra=(--pass product --sub-batch "$sub_batch" --threads "${threads:-1}")
    # Only when given: builds from before --curvature-products do not know it.
    [[ -n "${arithmetic:-}" ]] && extra+=(--curvature-products "$arithmetic")
    for _ in $(seq $(( ${#builds[@]} > 1 ? 3 : 1 ))); do
        for build in "${builds[@]}"; do
            while IFS= read -r line; do
                records+=("$( ((${#builds[@]} > 1)) && echo "{\"build\":\"$build\",${line#\{}" || echo "$line")")
            done < <("$(binary_of "$build")" --hidden "$hidden" --length "$steps" --batch "$batch" ${extra[@]+"${extra[@]}"} --repeats 7 --json)
        done
    done
done
file="$root/docs/data/bench-$(date -u +%Y-%m-%d)$tag.json"
{
    json_record_start hfrnn-bench 1
    echo "  \"processors\": $(nproc), \"load_average_before\": \"$load_before\", \"load_average_after\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", $commits \"command\": \"hfrnn-bench --hidden H --length T --batch B [--pass product --sub-batch S --threads N --curvature-products A] --repeats 7 --json\","
    json_record_end passes "${records[@]}"
} > "$file"
cat "$file"
