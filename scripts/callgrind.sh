#!/usr/bin/env bash
# Instructions per request, counted by valgrind's callgrind (deterministic, unlike timings on a
# shared 2-core machine), for every workload of integration/benches/workloads through no layer, tower-cors
# and tower-http's CorsLayer. Only the request loop is counted (--toggle-collect), after one
# warm-up request; overhead = layer - bare, ratio = tower-cors overhead / tower-http overhead.
#
#   scripts/callgrind.sh                  # every workload
#   scripts/callgrind.sh preflight        # workloads whose name contains "preflight"
#   N=5000 scripts/callgrind.sh           # requests per run (default 2000)
#   scripts/callgrind.sh --server         # end to end: the whole axum server (integration/examples/bench_server)
#                                         # under callgrind, user-space instructions per request
#   PLACEMENT=service scripts/callgrind.sh --server   # the layer around the router, not Router::layer
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-2000}
FILTER=${1:-}
TARGET=${CARGO_TARGET_DIR:-target}

command -v valgrind >/dev/null || apt-get install -y valgrind

if [ "$FILTER" = "--server" ]; then
  # The same server as scripts/wrk.sh, one worker thread, under callgrind; curl sends N1 then N2
  # requests on one keep-alive connection (URL globbing), and the difference divided by N2 - N1
  # is the server's user-space instructions per request, start-up and shutdown cancelled out.
  # Kernel time (sockets, syscalls) is not counted, so these ratios overstate the layer's share.
  command -v curl >/dev/null || apt-get install -y curl
  nice cargo build --release -p tower-cors-integration --example bench_server >&2
  server="$TARGET/release/examples/bench_server"
  port=${PORT:-28090}
  N1=${N1:-500}
  N2=${N2:-2500}
  count() { # implementation, workload, requests
    TOKIO_WORKER_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$server" "$1" "$port" 2> "$log" &
    local pid=$!
    for _ in $(seq 300); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
      sleep 0.1
    done
    local args=(-s -o /dev/null -H "Origin: https://app.example.com")
    if [ "$2" = preflight ]; then
      args+=(-X OPTIONS -H "Access-Control-Request-Method: PUT" -H "Access-Control-Request-Headers: content-type,x-custom")
    fi
    curl "${args[@]}" "http://127.0.0.1:$port/api/items?[1-$3]"
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log"
  }
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  echo "End to end: server user-space instructions per request (callgrind, $N1 vs $N2 requests, placement ${PLACEMENT:-router})"
  echo
  # tower-cors-keep: the same layer with keep_body_type(), which spares axum's boxing of the
  # CorsBody under Router::layer (around the router both are the same service).
  echo "| workload | bare | tower-cors | tower-cors, keep_body_type | tower-http | bare / tower-cors | bare / keep_body_type | bare / tower-http |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for workload in get preflight; do
    row=()
    for impl in bare tower-cors tower-cors-keep tower-http; do
      a=$(count "$impl" "$workload" "$N1")
      b=$(count "$impl" "$workload" "$N2")
      row+=($(((b - a) / (N2 - N1))))
    done
    awk -v w="$workload" -v b="${row[0]}" -v o="${row[1]}" -v k="${row[2]}" -v t="${row[3]}" \
      'BEGIN { printf "| %s | %d | %d | %d | %d | %.1f%% | %.1f%% | %.1f%% |\n", w, b, o, k, t, 100 * b / o, 100 * b / k, 100 * b / t }'
  done
  exit 0
fi

nice cargo build --release -p tower-cors-integration --example cors_workload >&2
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
