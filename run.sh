#!/usr/bin/env bash
# The main job. Until the style-transfer example lands this trains a small example.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
exec dotnet run -c Release --project examples/Linear -- "$@"
