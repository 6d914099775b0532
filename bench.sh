#!/usr/bin/env bash
# Runs every benchmark and writes BENCHMARKS.md: Eager beside ONNX Runtime (same process, same run) and
# beside PyTorch (Debian's python3-torch, 2 threads) for the workloads ONNX Runtime cannot run.
#   ./bench.sh            the full suite (tens of minutes; run it on a quiet machine)
#   ./bench.sh --quick    BenchmarkDotNet's ShortRun job, a few iterations each
#   ./bench.sh --smoke    correctness only: every workload once, Eager vs ONNX Runtime (what CI runs), and
#                         examples/AotInference once as a file-based app and as a Native AOT executable
#   ./bench.sh --deploy   LayerNorm+GELU and MLP workloads as a file-based app (JIT and dynamic code off) and as
#                         a Native AOT executable, eager and traced; prints rows for BENCHMARKS.md
#                         (benchmarks/deploy.sh; --iterations N, --rounds R pass through)
#   ./bench.sh --avx2     MatMul and Conv with AVX-512 switched off (DOTNET_EnableAVX512=0; .NET 10 ignores the older
#                         DOTNET_EnableAVX512F) into benchmarks/avx2.md, a section of BENCHMARKS.md (run before ./bench.sh)
# Other options go to Eager.Benchmarks: --filter <class name part>, --report <file>.
set -euo pipefail
cd "$(dirname "$0")"
if [[ " $* " == *" --deploy "* ]]; then
  args=(); for a in "$@"; do [ "$a" = --deploy ] || args+=("$a"); done
  exec benchmarks/deploy.sh "${args[@]}"
fi
dotnet build Eager.Benchmarks -c Release -nologo -v q
if [[ " $* " == *" --avx2 "* ]]; then
  DOTNET_EnableAVX512=0 exec dotnet run -c Release --no-build --project Eager.Benchmarks -- \
    --filter MatMul,Conv --no-cold --table-only --report benchmarks/avx2.md
fi
if [[ " $* " == *" --smoke "* ]]; then
  for way in file aot; do
    examples/AotInference/run.sh "$way" --iterations 1 || { echo "smoke: examples/AotInference ($way) failed"; exit 1; }
  done
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
