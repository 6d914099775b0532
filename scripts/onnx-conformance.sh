#!/usr/bin/env bash
# Runs ONNX's node tests (the OnnxNode category) and regenerates docs/onnx-conformance.md from their outcomes.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
dotnet build Eager.Tests/Eager.Tests.csproj -c Release -nologo -v q
EAGER_ONNX_REPORT=docs/onnx-conformance.md dotnet test Eager.Tests/Eager.Tests.csproj -c Release --no-build -nologo \
  --filter "Category=OnnxNode" >/dev/null || true
test -f docs/onnx-conformance.md && grep -m1 '^\*\*Total' docs/onnx-conformance.md
