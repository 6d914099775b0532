#!/usr/bin/env bash
# How users run Eager outside BenchmarkDotNet: the LayerNorm+GELU, MLP forward and MLP training-step workloads of
# examples/AotInference, eager and traced, run as a file-based app under the JIT (PublishAot=false), as a
# file-based app with default settings (dynamic code off) and as a Native AOT executable.
# Prints markdown rows for BENCHMARKS.md. Usage: benchmarks/deploy.sh [--iterations N] [--rounds R]
#   N timed calls per measurement (median; default 50); R rounds over the three ways, interleaved so that
#   a noisy stretch of time hits all three (the median over rounds is printed; default 5: on a 2-vCPU VM whole measurements of the traced workloads come out 1.5x slower at times, when the two threads share a core).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
run="$root/examples/AotInference/run.sh"
iterations=50; rounds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --iterations) iterations="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "deploy.sh: unknown option $1 (options: --iterations N, --rounds R)" >&2; exit 2 ;;
  esac
done
modes=(jit file aot)
declare -A label=([jit]="JIT (file-based app, PublishAot=false)" [file]="file-based app, default settings (dynamic code off)" [aot]="Native AOT executable")
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
for ((r = 1; r <= rounds; r++)); do
  for m in "${modes[@]}"; do
    echo "deploy: round $r/$rounds, $m" >&2
    "$run" "$m" --iterations "$iterations" > "$out/$m.$r.log" 2>&1 || { cat "$out/$m.$r.log" >&2; echo "deploy: $m failed" >&2; exit 1; }
    grep -q '^ok: ' "$out/$m.$r.log" || { cat "$out/$m.$r.log" >&2; echo "deploy: $m disagreed with eager" >&2; exit 1; }
  done
done
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "- $(date -u '+%Y-%m-%d %H:%M UTC'); $cpu, $(nproc) cores; $(grep -m1 '^runtime:' "$out/aot.1.log" | sed 's/^runtime: Native AOT; //'); .NET $(dotnet --version)"
echo "- median of $iterations calls per measurement, median over $rounds interleaved rounds"
echo
echo "| Workload | Runs as | Eager | Traced | Traced speed-up |"
echo "|---|---|---:|---:|---:|"
declare -A title=([layernorm_gelu]="LayerNorm+GELU [1024,1024]" [mlp_forward]="MLP 784-512-512-10 forward, batch 128" [mlp_step]="MLP 784-512-512-10 SGD step, batch 128")
for w in layernorm_gelu mlp_forward mlp_step; do
  for m in "${modes[@]}"; do
    e="$(cat "$out/$m".*.log | awk -F'\t' -v w="$w" '$1 == "row" && $2 == w { print $3 }' | median)"
    t="$(cat "$out/$m".*.log | awk -F'\t' -v w="$w" '$1 == "row" && $2 == w { print $4 }' | median)"
    awk -v a="${title[$w]}" -v b="${label[$m]}" -v e="$e" -v t="$t" 'BEGIN { printf "| %s | %s | %.2f ms | %.2f ms | %.2fx |\n", a, b, e, t, e / t }'
  done
done
