#!/usr/bin/env bash
# Installs what the tests need, builds, runs every test (slow ones included) and prints a one-line summary.
set -uo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh || { echo "tests: 0 passed, 1 failed, 0 skipped (scripts/setup.sh failed: see above)"; exit 1; }
rm -rf TestResults
dotnet build Eager.sln -c Release -nologo -v q || { echo "tests: 0 passed, 1 failed, 0 skipped (build failed)"; exit 1; }
dotnet test Eager.Tests/Eager.Tests.csproj -c Release --no-build -nologo \
  --logger "trx;LogFileName=results.trx" --results-directory TestResults "$@"
status=$?
trx=$(find TestResults -name 'results.trx' | head -1)
if [ -z "$trx" ]; then echo "tests: 0 passed, 1 failed, 0 skipped (no results)"; exit 1; fi
passed=$(grep -o 'passed="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
failed=$(grep -o 'failed="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
total=$(grep -o 'total="[0-9]*"' "$trx" | head -1 | grep -o '[0-9]*')
skipped=$(( ${total:-0} - ${passed:-0} - ${failed:-0} ))
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped} skipped"
if [ "${total:-0}" -eq 0 ] || [ "${passed:-0}" -eq 0 ]; then exit 1; fi
if [ "${failed:-0}" -ne 0 ] || [ $status -ne 0 ]; then exit 1; fi
exit 0
