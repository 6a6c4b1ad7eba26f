#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind (deterministic, unlike timings on a
# shared 2-core machine), for every workload of benches/workloads through no layer, tower-cors
# and tower-http's CorsLayer. Only the request loop is counted (--toggle-collect), after one
# warm-up request; overhead = layer - bare, ratio = tower-cors overhead / tower-http overhead.
#
#   scripts/callgrind.sh                  # every workload
#   scripts/callgrind.sh preflight        # workloads whose name contains "preflight"
#   N=5000 scripts/callgrind.sh           # requests per run (default 2000)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-2000}
FILTER=${1:-}
TARGET=${CARGO_TARGET_DIR:-target}

command -v valgrind >/dev/null || apt-get install -y valgrind
nice cargo build --release --example cors_workload >&2
bin="$TARGET/release/examples/cors_workload"

per_request() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
    --toggle-collect='cors_workload::measured' "$bin" "$1" "$2" "$N" 2>&1 |
    awk -v n="$N" '/Collected :/ { printf "%.0f", $NF / n }'
}

echo "Instructions per request (callgrind, $N requests per run)"
echo
echo "| workload | bare | tower-cors | tower-http | tower-cors overhead | tower-http overhead | overhead ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for workload in $("$bin" list); do
  case "$workload" in *"$FILTER"*) ;; *) continue ;; esac
  bare=$(per_request bare "$workload")
  ours=$(per_request tower-cors "$workload")
  theirs=$(per_request tower-http "$workload")
  awk -v w="$workload" -v b="$bare" -v o="$ours" -v t="$theirs" 'BEGIN {
    printf "| %s | %d | %d | %d | %d | %d | %.2f |\n", w, b, o, t, o - b, t - b, (t > b) ? (o - b) / (t - b) : 0
  }'
done
