#!/usr/bin/env bash
# Processor time of first-order training: N updates of each first-order recipe of the
# head-to-heads (SGD-CR, plain SGD with clipping, Nesterov, Adam; addition, T = 100, seed 1) with
# this build's hfrnn, and with --baseline REV also with the build of commit REV, alternating the
# builds in three rounds. Writes docs/data/update-speed-<date>[-NAME].json with each run's
# processor seconds (user + system, from /usr/bin/time) and whether the two builds' checkpoints
# hold the same numbers. The machine should be otherwise idle, or the load said in the docs.
#
#   scripts/update-speed.sh [--tag NAME] [--baseline REV] [--updates N] [--cpu C]
#
# --cpu C pins every run to processor C (taskset), for a machine whose other core is busy.
set -euo pipefail
source "$(dirname "$0")/json-record.sh"
source "$(dirname "$0")/builds.sh"
export OPENBLAS_NUM_THREADS=1
tag=""
baseline=""
updates=2000
pin=()
while (($#)); do
    case "$1" in
        --tag) tag="-$2"; shift 2 ;;
        --baseline) baseline="$2"; shift 2 ;;
        --updates) updates="$2"; shift 2 ;;
        --cpu) pin=(taskset -c "$2"); shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "update-speed: error: $1: expected --tag NAME, --baseline REV, --updates N or --cpu C" >&2; exit 2 ;;
    esac
done
[[ "$updates" =~ ^[1-9][0-9]*$ ]] || { echo "update-speed: error: --updates: $updates is not a positive whole number" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -n "$baseline" ]] && ! /usr/bin/python3 -c 'import h5py, numpy' 2>/dev/null; then
    echo "update-speed: error: comparing with a baseline needs /usr/bin/python3 with h5py and numpy (python3-h5py)" >&2
    exit 1
fi
prepare_builds "$root" hfrnn "$baseline"
# The recipes as the head-to-heads' experiment.json files give them (learning rates of addition).
recipes=(
    "sgd-cr|--optimizer sgd --vanishing-regularizer 4 --initialization smart-tanh --hidden-units 50 --learning-rate 0.003"
    "sgd|--optimizer sgd --initialization smart-tanh --hidden-units 50 --learning-rate 0.003"
    "nesterov|--optimizer nesterov --learning-rate 0.0003"
    "adam|--optimizer adam --learning-rate 0.0001"
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
records=()
for recipe in "${recipes[@]}"; do
    name=${recipe%%|*}
    read -r -a options <<< "${recipe#*|}"
    for round in 1 2 3; do
        for build in "${builds[@]}"; do
            run="$name-$build-$round"
            /usr/bin/time -f "%U %S" -o "$work/time" ${pin[@]+"${pin[@]}"} "$(binary_of "$build")" train --task addition --length 100 \
                --seed 1 "${options[@]}" --max-iterations "$updates" --evaluate-every "$updates" --test-sequences 1000 \
                --checkpoint-dir "$work" --run-name "$run" >/dev/null
            read -r user system < "$work/time"
            records+=("{\"recipe\":\"$name\",\"build\":\"$build\",\"round\":$round,\"updates\":$updates,\"processor_seconds\":$(awk -v u="$user" -v s="$system" 'BEGIN { print u + s }')}")
        done
    done
    if [[ -n "$baseline" ]]; then
        # The same numbers from both builds: every dataset of the checkpoints but the clocks.
        same=$(/usr/bin/python3 - "$work/$name-baseline-1/latest.h5" "$work/$name-current-1/latest.h5" <<'EOF'
import sys, h5py, numpy as np
def arrays(path):
    found = {}
    h5py.File(path).visititems(lambda key, item: found.__setitem__(key, item[()]) if isinstance(item, h5py.Dataset) else None)
    return found
a, b = arrays(sys.argv[1]), arrays(sys.argv[2])
clocks = ("history/elapsed_seconds", "history/processor_seconds")
print("true" if a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=np.asarray(a[k]).dtype.kind == "f")
                                             for k in a if k not in clocks) else "false")
EOF
)
        records+=("{\"recipe\":\"$name\",\"same_numbers\":$same}")
    fi
done
file="$root/docs/data/update-speed-$(date -u +%Y-%m-%d)$tag.json"
{
    json_record_start hfrnn-update-speed 1
    echo "  \"processors\": $(nproc), \"pinned_to\": \"${pin[*]:-none}\", \"load_average_before\": \"$load_before\", \"load_average_after\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", $commits \"command\": \"hfrnn train --task addition --length 100 --seed 1 RECIPE --max-iterations $updates --evaluate-every $updates --test-sequences 1000\","
    json_record_end runs "${records[@]}"
} > "$file"
cat "$file"
