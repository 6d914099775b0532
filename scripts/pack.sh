#!/usr/bin/env bash
# Packs the library projects (Eager.Kernels, Core, NN, Onnx, Interactive, Distributed) as NuGet packages with symbol packages
# into artifacts/packages (or the folder given), the local feed notebooks load with #i "nuget: <folder>".
# Usage: scripts/pack.sh [--no-build] [output-folder]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build=()
if [ "${1:-}" = "--no-build" ]; then build=(--no-build); shift; fi
out="$(mkdir -p "${1:-$root/artifacts/packages}" && cd "${1:-$root/artifacts/packages}" && pwd)"
ids=(Eager.Kernels Eager.Core Eager.NN Eager.Onnx Eager.Interactive Eager.Distributed)
for id in "${ids[@]}"; do rm -f "$out/$id".[0-9]*.nupkg "$out/$id".[0-9]*.snupkg; done
dotnet pack "$root/scripts/packages.slnf" -c Release -o "$out" -nologo -v q "${build[@]}"
# NuGet's global cache keeps the first copy of a package version for good: drop ours so the next restore
# (a notebook's #r "nuget: Eager.NN") takes the packages just built rather than an older build of the same version.
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
for id in "${ids[@]}"; do rm -rf "$cache/${id,,}"; done
echo "packages in $out:"
ls -1 "$out" | grep -E '^Eager\.' | sed 's/^/  /'
