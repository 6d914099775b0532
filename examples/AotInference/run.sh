#!/usr/bin/env bash
# Builds and runs examples/AotInference one of three ways; arguments after MODE go to the program.
#   run.sh aot  [--iterations N]   published with Native AOT (one native executable, no JIT)
#   run.sh file [--iterations N]   as a file-based app with default settings (`dotnet run app.cs`: PublishAot=true,
#                                  so the JIT runs with dynamic code off, as users' scripts do)
#   run.sh jit  [--iterations N]   the same file-based app with PublishAot=false (JIT, dynamic code on)
# The AOT publish needs clang and zlib1g-dev (scripts/setup.sh installs them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
mode="${1:-}"; shift || true
case "$mode" in
  aot)
    command -v clang >/dev/null || { echo "run.sh aot: clang is missing; run scripts/setup.sh (apt-get install clang zlib1g-dev)" >&2; exit 3; }
    log="$(mktemp)"; trap 'rm -f "$log"' EXIT
    if ! dotnet publish "$here/AotInference.csproj" -c Release -r linux-x64 -p:PublishAot=true -nologo -v q > "$log" 2>&1; then
      cat "$log" >&2; echo "run.sh aot: publish failed" >&2; exit 4
    fi
    # The publish itself must be clean: a trim or AOT warning is a bug in the libraries.
    if grep -E "warning IL[0-9]+|error IL[0-9]+" "$log" >&2; then echo "run.sh aot: trim/AOT warnings above" >&2; exit 4; fi
    exec "$here/bin/Release/net10.0/linux-x64/publish/AotInference" "$@"
    ;;
  file|jit)
    # Outside the repository, so that its Directory.Build.props (warnings as errors, analyzers) does not apply:
    # the app is built with a user's default settings. The folder is stable so that rebuilds are incremental.
    dir="${TMPDIR:-/tmp}/eager-aot-inference-$(printf '%s' "$root" | cksum | cut -d' ' -f1)/$mode"
    mkdir -p "$dir"
    app="$dir/AotInference.cs"
    {
      for p in Eager.Core Eager.NN Eager.Onnx; do printf '#:project %s/%s/%s.csproj\n' "$root" "$p" "$p"; done
      [ "$mode" = jit ] && printf '#:property PublishAot=false\n'
      cat "$here/Program.cs"
    } > "$app.new"
    if cmp -s "$app.new" "$app"; then rm "$app.new"; else mv "$app.new" "$app"; fi
    exec dotnet run -c Release --file "$app" -- "$@"
    ;;
  *)
    echo "usage: run.sh aot|file|jit [--iterations N]" >&2; exit 2
    ;;
esac
