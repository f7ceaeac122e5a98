#!/usr/bin/env bash
# Times one curvature product of hfrnn (`hfrnn-bench`, pass "product") against the Gauss-Newton
# product `RNNet.calc_G` of drasmuss/hessianfree 0.4 (numpy) on the same shapes, in the same run,
# alternating the two, and prints the ratio. Both run on one BLAS thread; tanh hidden layer, linear
# output, squared error, Float32, structural damping on in both (the peer's `StructuralDamping` loss
# adds its curvature term inside calc_G, as hfrnn's product does). Each time is the best of 7 calls.
#
#   scripts/peer-bench.sh [--rounds N] [--sub-batch S] [--curvature-products A] [--tag NAME] [H:T:B ...]
#
# Default shapes 100:50:1000 and 100:50:100. hfrnn takes the product as HF training does: the batch
# held as sub-batches of S sequences (default 50, training's default `--sub-batch-size`), summed
# in order (`hfrnn-bench --sub-batch S`); the peer takes it on the whole batch, as it trains.
# --curvature-products bf16 times hfrnn's product with bfloat16 inputs (the peer stays float32).
# --tag NAME writes docs/data/peer-bench-<date>-NAME.json instead of peer-bench-<date>.json.
#
# The peer is installed from PyPI into a throw-away virtual environment that is deleted at the end.
# Both run without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: the peer on the kernels its own OpenBLAS
# picks for the CPU, hfrnn on the ones it picks at start-up (docs/benchmark.md). Writes the result
# with the machine and kernels to docs/data/peer-bench-<date>.json.
set -euo pipefail
source "$(dirname "$0")/json-record.sh"
export OPENBLAS_NUM_THREADS=1

rounds=3
sub_batch=50
arithmetic=float
tag=""
shapes=()
while (($#)); do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --sub-batch) sub_batch="$2"; shift 2 ;;
        --curvature-products) arithmetic="$2"; shift 2 ;;
        --tag) tag="-$2"; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *:*:*) shapes+=("$1"); shift ;;
        *) echo "peer-bench: error: $1: expected --rounds N, --sub-batch S, --curvature-products A, --tag NAME or H:T:B" >&2; exit 2 ;;
    esac
done
((${#shapes[@]})) || shapes=(100:50:1000 100:50:100)

root=$(cd "$(dirname "$0")/.." && pwd)
swift build -c release --product hfrnn-bench --package-path "$root" >/dev/null
bench="$root/.build/release/hfrnn-bench"

venv=$(mktemp -d "${TMPDIR:-/tmp}/hfrnn-peer.XXXXXX")
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
# hessianfree 0.4 imports matplotlib at import time but does not declare it.
"$venv/bin/pip" install --quiet --disable-pip-version-check hessianfree==0.4.0 numpy matplotlib threadpoolctl

cat > "$venv/peer.py" <<'EOF'
import json, sys, time
import numpy as np
import hessianfree as hf
from threadpoolctl import threadpool_info

hidden, steps, batch, repeats = (int(a) for a in sys.argv[1:5])
rng = np.random.RandomState(1)
# Structural damping on the hidden layer, as in hfrnn's product (weight 0.03, like hfrnn's μ).
net = hf.RNNet(shape=[2, hidden, 1], layers=[hf.nl.Linear(), hf.nl.Tanh(), hf.nl.Linear()],
               loss_type=[hf.loss_funcs.SquaredError(), hf.loss_funcs.StructuralDamping(0.03)], rng=rng)
inputs = rng.uniform(size=(batch, steps, 2)).astype(np.float32)
targets = np.full((batch, steps, 1), np.nan, dtype=np.float32)  # NaN = unscored step
targets[:, -1, 0] = rng.uniform(size=batch)
net.cache_minibatch(inputs, targets)  # the forward pass, cached as hfrnn caches it for CG
v = rng.randn(net.W.size).astype(np.float32)
out = np.zeros_like(v)
net.calc_G(v, damping=0.03, out=out)  # warm-up
best = float("inf")
for _ in range(repeats):
    start = time.perf_counter()
    net.calc_G(v, damping=0.03, out=out)
    best = min(best, time.perf_counter() - start)
blas = [{k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
        for info in threadpool_info() if info.get("user_api") == "blas"]
print(json.dumps({"seconds": best, "numpy": np.__version__, "blas": blas}))
EOF

native() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; }
peer() { native "$venv/bin/python" "$venv/peer.py" "$@"; }
field() { python3 -c 'import json,sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1"; }
ms() { python3 -c "print(f'{float(__import__(\"sys\").argv[1])*1e3:.2f}')" "$1"; }
product() { "$@" --hidden "$hidden" --length "$steps" --batch "$batch" --sub-batch "$sub_batch" \
    --curvature-products "$arithmetic" --repeats 7 --json | grep '"pass":"product"'; }

# Both programs choose their kernels for this CPU (hfrnn at start-up, numpy's OpenBLAS at load).
kernels=$(native "$bench" --kernels)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%-14s %14s %14s %12s\n' "H:T:B" "hfrnn A v" "peer calc_G" "ratio"
rows=()
for shape in "${shapes[@]}"; do
    IFS=: read -r hidden steps batch <<< "$shape"
    times=()
    for ((round = 0; round < rounds; round++)); do
        ours=$(product native "$bench" | field seconds)
        peer_line=$(peer "$hidden" "$steps" "$batch" 7)
        theirs=$(field seconds <<< "$peer_line")
        times+=("$ours" "$theirs")
        echo "round $((round + 1)) $shape: hfrnn $(ms "$ours") ms; peer $(ms "$theirs") ms" >&2
    done
    row=$(python3 -c '
import json, sys
shape, values = sys.argv[1], list(map(float, sys.argv[4:]))
ours, peer = min(values[0::2]), min(values[1::2])
h, t, b = map(int, shape.split(":"))
print(json.dumps({"hidden": h, "length": t, "batch": b, "hfrnn_sub_batch": min(int(sys.argv[2]), b),
                  "hfrnn_curvature_products": sys.argv[3],
                  "hfrnn_seconds": ours, "peer_seconds": peer, "ratio": peer / ours}))' \
        "$shape" "$sub_batch" "$arithmetic" "${times[@]}")
    rows+=("$row")
    python3 -c '
import json, sys
r = json.loads(sys.argv[1])
ours, peer, ratio = r["hfrnn_seconds"] * 1e3, r["peer_seconds"] * 1e3, r["ratio"]
print(f"{sys.argv[2]:<14} {ours:11.2f} ms {peer:11.2f} ms {ratio:11.2f}x")' "$row" "$shape"
done
file="$root/docs/data/peer-bench-$(date -u +%Y-%m-%d)$tag.json"
{
    json_record_start hfrnn-peer-bench 2
    echo "  \"load_average_before\": \"$load_before\", \"hfrnn_kernels\": \"$kernels\","
    echo "  \"peer\": \"hessianfree 0.4.0 RNNet.calc_G with StructuralDamping(0.03)\", \"peer_blas\": $(field blas <<< "$peer_line" | python3 -c 'import ast,json,sys; print(json.dumps(ast.literal_eval(sys.stdin.read())))'),"
    echo "  \"method\": \"best of 7 calls per round, best of $rounds alternating rounds, one BLAS thread each; hfrnn in sub-batches of hfrnn_sub_batch sequences, as in training\","
    json_record_end shapes "${rows[@]}"
} > "$file"
echo "wrote $file"
