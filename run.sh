#!/usr/bin/env bash
# The main job: neural style transfer (VGG19-style Gatys et al.) on the bundled photographs.
# Extra arguments go to the example, e.g. ./run.sh --size 384 --steps 200 --optimizer lbfgs
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
dotnet build examples/StyleTransfer -c Release -nologo -v q
exec dotnet examples/StyleTransfer/bin/Release/net10.0/StyleTransfer.dll "$@"
