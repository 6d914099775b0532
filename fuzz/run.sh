#!/usr/bin/env bash
# Fuzzes Eager's file loaders with AFL++ and SharpFuzz for a set time:
#   fuzz/run.sh <target>[,<target>...] <seconds>      targets: onnx graph checkpoint safetensors idx
# Builds the harness once, instruments (per target) the Eager assemblies that target parses with, runs one niced
# afl-fuzz per target side by side from fuzz/corpus/<target>, prints each run's numbers and copies new queue
# entries (small ones) into the corpus. Crashes and hangs stay in fuzz/.work/<target>/out/default/{crashes,hangs};
# replay one with  dotnet fuzz/.work/<target>/bin/Eager.Fuzz.dll replay <target> FILE
# Needs root or sudo the first time (apt-get install afl++); the SharpFuzz tool goes into fuzz/.work/tools.
set -euo pipefail
IFS=, read -r -a targets <<< "${1:?usage: fuzz/run.sh <target>[,<target>...] <seconds>}"
seconds="${2:?usage: fuzz/run.sh <target>[,<target>...] <seconds>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/fuzz/.work"
instrumented() {
  case "$1" in
    onnx) echo Eager.Onnx.dll Eager.Core.dll ;;
    graph) echo Eager.Core.dll ;;
    checkpoint|safetensors|idx) echo Eager.NN.dll ;;
    *) echo "fuzz/run.sh: unknown target '$1'" >&2; return 1 ;;
  esac
}
for t in "${targets[@]}"; do instrumented "$t" >/dev/null; done

if ! command -v afl-fuzz >/dev/null; then
  sudo_=(); [ "$(id -u)" -ne 0 ] && sudo_=(sudo)
  "${sudo_[@]}" apt-get update -qq && "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
fi
if [ ! -x "$work/tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$work/tools" >/dev/null
fi

# One build; each target gets a copy, because instrumentation rewrites the assemblies in place.
mkdir -p "$work"
build="$work/build-$$"
# Runs started at once share the projects' obj folders: builds take turns.
flock "$work/build.lock" nice -n 10 dotnet build "$root/fuzz/Eager.Fuzz/Eager.Fuzz.csproj" -c Release -nologo -v q -o "$build" > "$work/build-$$.log" 2>&1 \
  || { tail -30 "$work/build-$$.log" >&2; echo "fuzz/run.sh: build failed" >&2; exit 1; }
for t in "${targets[@]}"; do
  rm -rf "$work/$t/bin" "$work/$t/out"
  mkdir -p "$work/$t"
  cp -r "$build" "$work/$t/bin"
  for dll in $(instrumented "$t"); do
    "$work/tools/sharpfuzz" "$work/$t/bin/$dll" > "$work/$t/instrument.log" 2>&1 || { cat "$work/$t/instrument.log" >&2; exit 1; }
  done
done
rm -rf "$build" "$work/build-$$.log"

# The .NET runtime is not an AFL-instrumented binary (SharpFuzz speaks the fork-server protocol itself);
# a GC heap limit turns an allocation sized by the file into an OutOfMemoryException, which is a crash.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CRASHES=1
export DOTNET_GCHeapHardLimit=0x40000000 DOTNET_TieredPGO=0
pids=()
for t in "${targets[@]}"; do
  nice -n 10 afl-fuzz -i "$root/fuzz/corpus/$t" -o "$work/$t/out" -t 10000 -m none -V "$seconds" \
    -- dotnet "$work/$t/bin/Eager.Fuzz.dll" "$t" > "$work/$t/afl.log" 2>&1 &
  pids+=($!)
done
status=0
for i in "${!targets[@]}"; do
  t="${targets[$i]}"
  wait "${pids[$i]}" || true
  out="$work/$t/out/default"
  if [ ! -f "$out/fuzzer_stats" ]; then echo "$t: afl-fuzz failed; see $work/$t/afl.log" >&2; tail -20 "$work/$t/afl.log" >&2; status=1; continue; fi
  echo "== $t"
  grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|saved_crashes|saved_hangs|edges_found)\b' "$out/fuzzer_stats"
  # New queue entries up to 16 KiB join the corpus under their content hash (each reached new code when found).
  for f in "$out"/queue/id:*; do
    [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 16384 ] || continue
    dest="$root/fuzz/corpus/$t/q-$(sha1sum "$f" | cut -c1-16)"
    [ -e "$dest" ] || cp "$f" "$dest"
  done
  echo "crashes: $(ls "$out/crashes" 2>/dev/null | grep -c '^id' || true), hangs: $(ls "$out/hangs" 2>/dev/null | grep -c '^id' || true) (in $out)"
done
exit $status
