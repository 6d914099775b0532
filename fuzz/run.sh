#!/usr/bin/env bash
# Fuzzes one Eager file loader with AFL++ and SharpFuzz for a set time:
#   fuzz/run.sh <onnx|graph|checkpoint|safetensors|idx> <seconds>
# Builds the harness, instruments the Eager assemblies that target parses with, runs afl-fuzz (niced) from
# fuzz/corpus/<target>, prints the run's numbers and copies new queue entries (small ones) into the corpus.
# Crashes and hangs are left in fuzz/.work/<target>/out/default/{crashes,hangs}; replay one with
#   dotnet fuzz/.work/<target>/bin/Eager.Fuzz.dll replay <target> FILE
# Needs root or sudo the first time (apt-get install afl++); the SharpFuzz tool goes into fuzz/.work/tools.
set -euo pipefail
target="${1:?usage: fuzz/run.sh <onnx|graph|checkpoint|safetensors|idx> <seconds>}"
seconds="${2:?usage: fuzz/run.sh <target> <seconds>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/fuzz/.work"
case "$target" in
  onnx) instrument=(Eager.Onnx.dll Eager.Core.dll) ;;
  graph) instrument=(Eager.Core.dll) ;;
  checkpoint|safetensors|idx) instrument=(Eager.NN.dll) ;;
  *) echo "fuzz/run.sh: unknown target '$target'" >&2; exit 2 ;;
esac

if ! command -v afl-fuzz >/dev/null; then
  sudo_=(); [ "$(id -u)" -ne 0 ] && sudo_=(sudo)
  "${sudo_[@]}" apt-get update -qq && "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
fi
if [ ! -x "$work/tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$work/tools" >/dev/null
fi

# One build per run, copied per target: instrumentation rewrites the assemblies in place.
bin="$work/$target/bin"
out="$work/$target/out"
rm -rf "$bin" "$out"
mkdir -p "$bin"
# Two runs at once share the projects' obj folders: builds take turns.
flock "$work/build.lock" nice -n 10 dotnet build "$root/fuzz/Eager.Fuzz/Eager.Fuzz.csproj" -c Release -nologo -v q -o "$bin" > "$work/$target/build.log" 2>&1 \
  || { tail -30 "$work/$target/build.log" >&2; echo "fuzz/run.sh: build failed" >&2; exit 1; }
for dll in "${instrument[@]}"; do "$work/tools/sharpfuzz" "$bin/$dll" > "$work/$target/instrument.log" 2>&1 || { cat "$work/$target/instrument.log" >&2; exit 1; }; done

# The .NET runtime is not an AFL-instrumented binary (SharpFuzz speaks the fork-server protocol itself);
# a GC heap limit turns an allocation sized by the file into an OutOfMemoryException, which is a crash.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CRASHES=1
export DOTNET_GCHeapHardLimit=0x40000000 DOTNET_TieredPGO=0
set +e
nice -n 10 afl-fuzz -i "$root/fuzz/corpus/$target" -o "$out" -t 10000 -m none -V "$seconds" \
  -- dotnet "$bin/Eager.Fuzz.dll" "$target" > "$work/$target/afl.log" 2>&1
rc=$?
set -e
stats="$out/default/fuzzer_stats"
if [ ! -f "$stats" ]; then echo "afl-fuzz failed (exit $rc); see $work/$target/afl.log" >&2; tail -20 "$work/$target/afl.log" >&2; exit 1; fi
grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|saved_crashes|saved_hangs|edges_found|total_edges)\b' "$stats"

# New queue entries up to 16 KiB join the corpus under their content hash (each added coverage when found).
for f in "$out"/default/queue/id:*; do
  [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 16384 ] || continue
  cp "$f" "$root/fuzz/corpus/$target/q-$(sha1sum "$f" | cut -c1-16)"
done
echo "crashes: $(ls "$out/default/crashes" 2>/dev/null | grep -c '^id' || true), hangs: $(ls "$out/default/hangs" 2>/dev/null | grep -c '^id' || true) (in $out/default)"
