#!/usr/bin/env bash
# Runs every benchmark and writes BENCHMARKS.md: Eager beside ONNX Runtime (same process, same run) and
# beside PyTorch (Debian's python3-torch, 2 threads) for the workloads ONNX Runtime cannot run.
#   ./bench.sh            the full suite (tens of minutes; run it on a quiet machine)
#   ./bench.sh --quick    BenchmarkDotNet's ShortRun job, a few iterations each
#   ./bench.sh --smoke    correctness only: every workload once, Eager vs ONNX Runtime (what CI runs)
# Other options go to Eager.Benchmarks: --filter <class name part>, --report <file>.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build Eager.Benchmarks -c Release -nologo -v q
if [[ " $* " == *" --smoke "* ]]; then
  exec dotnet run -c Release --no-build --project Eager.Benchmarks -- "$@"
fi
# Debian's python3-torch lives in the system interpreter (a pyenv or venv python3 on PATH would not see it).
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
if ! "$PY" -c "import torch" 2>/dev/null; then
  run=(); [ "$(id -u)" -ne 0 ] && run=(sudo)
  "${run[@]}" apt-get update -qq
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
  "$PY" -c "import torch" || { echo "bench: python3-torch is not importable after apt-get install python3-torch" >&2; exit 1; }
fi
quick=""; [[ " $* " == *" --quick "* ]] && quick="--quick"
"$PY" benchmarks/pytorch_bench.py $quick --out benchmarks/pytorch_results.json
dotnet run -c Release --no-build --project Eager.Benchmarks -- "$@"
