#!/usr/bin/env bash
# End-to-end requests per second: the same axum server bare, behind tower-cors and behind
# tower-http's CorsLayer, loaded by wrk on 127.0.0.1 with simple GETs and with preflights.
# Runs are bounded in time and interleaved over several rounds; the table shows medians.
# Besides requests/s it reports the server's CPU time (user + system, from /proc) per request:
# on a machine shared with other work, throughput follows the load of the neighbours, while CPU
# time per request mostly does not, and bare CPU / layered CPU is the throughput ratio the layer
# allows when the server is CPU-bound.
#
#   scripts/wrk.sh                      # 3 rounds x 2 workloads x 3 servers x 10 s
#   DURATION=5s ROUNDS=1 scripts/wrk.sh
#   PLACEMENT=service scripts/wrk.sh     # the layer around the router, not Router::layer
#   WORKLOADS=get ROUNDS=31 DURATION=3s scripts/wrk.sh   # many short paired rounds of one workload
#
# On a 2-core machine the server is pinned to one core and wrk to the other (taskset).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-28080}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
WORKERS=${WORKERS:-1}
TARGET=${CARGO_TARGET_DIR:-target}

command -v wrk >/dev/null || apt-get install -y wrk
nice cargo build --release -p tower-cors-integration --example bench_server >&2
server_bin="$TARGET/release/examples/bench_server"

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

cat > "$tmp/preflight.lua" <<'LUA'
wrk.method = "OPTIONS"
wrk.headers["Origin"] = "https://app.example.com"
wrk.headers["Access-Control-Request-Method"] = "PUT"
wrk.headers["Access-Control-Request-Headers"] = "content-type,x-custom"
LUA
cat > "$tmp/get.lua" <<'LUA'
wrk.method = "GET"
wrk.headers["Origin"] = "https://app.example.com"
LUA

# shellcheck source=scripts/start_server.sh
source scripts/start_server.sh

stop_server() {
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# utime + stime of the server, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$server_pid/stat"; }

declare -A results cpus
impls=(bare tower-cors tower-http)
read -r -a workloads <<< "${WORKLOADS:-get preflight}"
declare -A by_round
for round in $(seq "$ROUNDS"); do
  # Each round starts with another implementation, so that none is always measured first or last
  # when the machine's speed drifts within a round.
  order=("${impls[@]:round % 3}" "${impls[@]:0:round % 3}")
  for workload in "${workloads[@]}"; do
    for impl in "${order[@]}"; do
      start_server "$impl"
      ticks_before=$(cpu_ticks)
      taskset -c "$WRK_CPU" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$tmp/$workload.lua" \
        "http://127.0.0.1:$PORT/api/items" > "$tmp/out"
      ticks_after=$(cpu_ticks)
      stop_server
      rps=$(awk '/^Requests\/sec/ { print $2 }' "$tmp/out")
      requests=$(awk '/requests in/ { print $1 }' "$tmp/out")
      if grep -q "Non-2xx" "$tmp/out"; then echo "non-2xx answers from $impl ($workload)" >&2; exit 1; fi
      cpu=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" \
        'BEGIN { printf "%.3f", t / hz * 1e6 / n }')
      echo "round $round $workload $impl: $rps requests/s, $cpu us CPU/request" >&2
      results[$workload,$impl]="${results[$workload,$impl]:-} $rps"
      by_round[$workload,$impl,$round]=$rps
      cpus[$workload,$impl]="${cpus[$workload,$impl]:-} $cpu"
    done
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo
echo "wrk: $ROUNDS rounds of $DURATION, $THREADS thread(s), $CONNECTIONS connections; server: $WORKERS worker(s) on CPU $SERVER_CPU, wrk on CPU $WRK_CPU; placement ${PLACEMENT:-router}"
echo
echo "Requests/s (median):"
echo
echo "| workload | bare | tower-cors | tower-http | tower-cors / bare | tower-http / bare |"
echo "|---|---:|---:|---:|---:|---:|"
for workload in "${workloads[@]}"; do
  bare=$(echo "${results[$workload,bare]}" | median)
  ours=$(echo "${results[$workload,tower-cors]}" | median)
  theirs=$(echo "${results[$workload,tower-http]}" | median)
  awk -v w="$workload" -v b="$bare" -v o="$ours" -v t="$theirs" \
    'BEGIN { printf "| %s | %.0f | %.0f | %.0f | %.1f%% | %.1f%% |\n", w, b, o, t, 100 * o / b, 100 * t / b }'
done
echo
echo "Server CPU time per request (median, microseconds); bare / layer = throughput ratio when CPU-bound:"
echo
echo "| workload | bare | tower-cors | tower-http | bare / tower-cors | bare / tower-http |"
echo "|---|---:|---:|---:|---:|---:|"
for workload in "${workloads[@]}"; do
  bare=$(echo "${cpus[$workload,bare]}" | median)
  ours=$(echo "${cpus[$workload,tower-cors]}" | median)
  theirs=$(echo "${cpus[$workload,tower-http]}" | median)
  awk -v w="$workload" -v b="$bare" -v o="$ours" -v t="$theirs" \
    'BEGIN { printf "| %s | %.2f | %.2f | %.2f | %.1f%% | %.1f%% |\n", w, b, o, t, 100 * b / o, 100 * b / t }'
done
echo
echo "Paired ratios: each round's layer requests/s over the same round's bare requests/s, median over"
echo "the rounds (robust to the machine's speed changing between rounds):"
echo
echo "| workload | tower-cors / bare | tower-http / bare | per-round tower-cors / bare |"
echo "|---|---:|---:|---|"
for workload in "${workloads[@]}"; do
  ours="" theirs=""
  for round in $(seq "$ROUNDS"); do
    bare=${by_round[$workload,bare,$round]}
    ours="$ours $(awk -v o="${by_round[$workload,tower-cors,$round]}" -v b="$bare" 'BEGIN { printf "%.1f", 100 * o / b }')"
    theirs="$theirs $(awk -v t="${by_round[$workload,tower-http,$round]}" -v b="$bare" 'BEGIN { printf "%.1f", 100 * t / b }')"
  done
  echo "| $workload | $(echo "$ours" | median)% | $(echo "$theirs" | median)% |$ours |"
done
