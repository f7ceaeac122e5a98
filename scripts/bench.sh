#!/usr/bin/env bash
# Times hfrnn's passes (hfrnn-bench: forward, gradient, one A v) at the README's shapes and writes
# every pass's record with the machine and kernels to docs/data/bench-<date>.json. Run it on an
# idle machine; each time is the best of 7.
#
#   scripts/bench.sh [H:T:B ...]     default: 100:50:1000 100:50:300 100:50:100 100:200:1000
set -euo pipefail
export OPENBLAS_NUM_THREADS=1
shapes=("$@")
((${#shapes[@]})) || shapes=(100:50:1000 100:50:300 100:50:100 100:200:1000)
root=$(cd "$(dirname "$0")/.." && pwd)
swift build -c release --product hfrnn-bench --package-path "$root" >/dev/null
bench="$root/.build/release/hfrnn-bench"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
records=()
for shape in "${shapes[@]}"; do
    IFS=: read -r hidden steps batch <<< "$shape"
    while IFS= read -r line; do records+=("$line"); done < <("$bench" --hidden "$hidden" --length "$steps" --batch "$batch" --repeats 7 --json)
done
file="$root/docs/data/bench-$(date -u +%Y-%m-%d).json"
{
    echo "{"
    echo "  \"format\": \"hfrnn-bench\", \"format_version\": 1,"
    echo "  \"date_utc\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\", \"cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)\","
    echo "  \"processors\": $(nproc), \"load_average_before\": \"$load_before\", \"command\": \"hfrnn-bench --hidden H --length T --batch B --repeats 7 --json\","
    echo "  \"passes\": ["
    printf '    %s' "${records[0]}"; for r in "${records[@]:1}"; do printf ',\n    %s' "$r"; done; echo
    echo "  ]"
    echo "}"
} > "$file"
cat "$file"
