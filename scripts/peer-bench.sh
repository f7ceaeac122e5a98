#!/usr/bin/env bash
# Times one curvature product of hfrnn (`hfrnn-bench`, pass "product") against the Gauss-Newton
# product `RNNet.calc_G` of drasmuss/hessianfree 0.4 (numpy) on the same shapes, in the same run,
# alternating the two, and prints the ratio. Both run on one BLAS thread; tanh hidden layer, linear
# output, squared error, Float32, structural damping on in both (the peer's `StructuralDamping` loss
# adds its curvature term inside calc_G, as hfrnn's product does). Each time is the best of 7 calls.
#
#   scripts/peer-bench.sh [--rounds N] [H:T:B ...]      default shapes: 100:50:1000 100:50:100
#
# The peer is installed from PyPI into a throw-away virtual environment that is deleted at the end.
# Some machines export OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for the system OpenBLAS (this one pins
# Haswell kernels); the peer runs without them, on the kernels its own OpenBLAS picks for the CPU.
# hfrnn is timed both ways, so the last column compares the two programs on the same kernels.
set -euo pipefail
export OPENBLAS_NUM_THREADS=1

rounds=3
shapes=()
while (($#)); do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *:*:*) shapes+=("$1"); shift ;;
        *) echo "peer-bench: error: $1: expected --rounds N or H:T:B" >&2; exit 2 ;;
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
product() { "$@" --hidden "$hidden" --length "$steps" --batch "$batch" --repeats 7 --json | grep '"pass":"product"'; }

# hfrnn is timed twice: with the environment as it is (the kernels every hfrnn run here uses) and,
# like the peer, with OpenBLAS choosing its kernels for this CPU: the second pair compares the two
# programs on the same kernels.
echo "hfrnn's OpenBLAS kernels: as set here $("$bench" --kernels), chosen for this CPU $(native "$bench" --kernels)"
printf '%-14s %14s %14s %14s %12s %12s\n' "H:T:B" "hfrnn (as set)" "hfrnn (CPU's)" "peer calc_G" "vs as set" "same kernels"
for shape in "${shapes[@]}"; do
    IFS=: read -r hidden steps batch <<< "$shape"
    times=()
    for ((round = 0; round < rounds; round++)); do
        ours=$(product "$bench" | field seconds)
        ours_native=$(product native "$bench" | field seconds)
        peer_line=$(peer "$hidden" "$steps" "$batch" 7)
        theirs=$(field seconds <<< "$peer_line")
        times+=("$ours" "$ours_native" "$theirs")
        echo "round $((round + 1)) $shape: hfrnn $(ms "$ours") ms (as set), $(ms "$ours_native") ms (CPU's kernels); peer $(ms "$theirs") ms" >&2
    done
    python3 -c '
import sys
shape, values = sys.argv[1], list(map(float, sys.argv[2:]))
ours, native, peer = (min(values[i::3]) for i in range(3))
print(f"{shape:<14} {ours*1e3:11.2f} ms {native*1e3:11.2f} ms {peer*1e3:11.2f} ms {peer/ours:11.2f}x {peer/native:11.2f}x")' \
        "$shape" "${times[@]}"
done
echo "best of $rounds rounds; peer BLAS (threadpoolctl): $(field blas <<< "$peer_line"), numpy $(field numpy <<< "$peer_line")"
