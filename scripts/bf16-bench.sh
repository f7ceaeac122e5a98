#!/usr/bin/env bash
# Would bfloat16 matrix products speed up the curvature products? Times one-thread fp32 and bf16
# products at the model's shapes (H = 100: the batched [T·B, H]·[H, H] of A v at T = 50 for
# B = 1000 and 300, its transposed reduction, and one step's [B, H]·[H, H]) with PyTorch's CPU
# kernels (oneDNN, which uses AVX-512 BF16 where the CPU has it), in a throw-away virtual
# environment, and writes the times to docs/data/bf16-<date>.json. Run it on an idle machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$(mktemp -d "${TMPDIR:-/tmp}/hfrnn-bf16.XXXXXX")
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check torch numpy
file="$root/docs/data/bf16-$(date -u +%Y-%m-%d).json"
"$venv/bin/python" - "$file" <<'PY'
import json, sys, time, platform
import torch
torch.set_num_threads(1)

def best(product, repeats=15):
    product()
    fastest = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        product()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest

shapes = [(50 * 1000, 100, 100), (100, 50 * 1000, 100), (50 * 300, 100, 100), (1000, 100, 100)]
rows = []
for m, k, n in shapes:
    times = {}
    for name, dtype in (("float32", torch.float32), ("bfloat16", torch.bfloat16)):
        a, b = torch.randn(m, k).to(dtype), torch.randn(k, n).to(dtype)
        times[name] = best(lambda: torch.mm(a, b))
    rows.append({"m": m, "k": k, "n": n, "float32_seconds": times["float32"], "bfloat16_seconds": times["bfloat16"],
                 "bfloat16_speedup": times["float32"] / times["bfloat16"]})
cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
flags = next((line.split(":", 1)[1].split() for line in open("/proc/cpuinfo") if line.startswith("flags")), [])
record = {"format": "hfrnn-bf16-bench", "format_version": 1,
          "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpu": cpu,
          "cpu_bf16_flags": sorted(f for f in flags if "bf16" in f or f.startswith("amx")),
          "torch": torch.__version__, "threads": 1, "method": "best of 15 torch.mm calls per shape and type",
          "shapes": rows}
with open(sys.argv[1], "w") as handle:
    json.dump(record, handle, indent=2)
print(json.dumps(record, indent=2))
PY
