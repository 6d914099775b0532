#!/usr/bin/env bash
# Starts an MPI job of Eager programs on this machine: scripts/mpirun.sh -np 2 dotnet Digits.dll --distributed
# Wraps Open MPI's mpirun with the flags a root shell and a small machine need, and gives every rank its own core:
#   --allow-run-as-root       mpirun refuses to run as root without it (containers, CI)
#   --oversubscribe           more ranks than cores is allowed (slow, but it runs)
#   --map-by core --bind-to core:overload-allowed
#                             rank r is pinned to core r, so ranks do not fight over cores
#   DOTNET_PROCESSOR_COUNT    kernel threads per rank (default 1: the rank's own core); EAGER_THREADS_PER_RANK changes it
# Other mpirun options pass through (-np, --hostfile, --mca ...). Needs Open MPI: scripts/setup.sh installs it.
set -euo pipefail
command -v mpirun >/dev/null || { echo "mpirun.sh: Open MPI is not installed; run scripts/setup.sh (apt-get install openmpi-bin libopenmpi-dev)" >&2; exit 1; }
threads="${EAGER_THREADS_PER_RANK:-1}"
bind=(--map-by core --bind-to core:overload-allowed)
# Several threads per rank: give each rank that many cores (PE = processing elements per rank).
[ "$threads" -gt 1 ] && bind=(--map-by "slot:PE=$threads" --bind-to core:overload-allowed)
exec mpirun --allow-run-as-root --oversubscribe "${bind[@]}" -x "DOTNET_PROCESSOR_COUNT=$threads" "$@"
