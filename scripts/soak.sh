#!/usr/bin/env bash
# Soak test: integration/examples/soak_server.rs (an axum router on hyper-util's auto server, 127.0.0.1)
# loaded for minutes with a mix of CORS requests, every answer checked, the server's memory
# sampled every second. See BENCHMARKS.md ("Soak") for the figures and what each check means.
#
#   scripts/soak.sh                                 # 10 min per mode, HTTP/1.1 through wrk
#   DURATION=60 WARMUP=20 MODES=tower-cors-reload scripts/soak.sh
#   MODES="tower-cors-reload:600 tower-cors:180 tower-http:180 bare:180" scripts/soak.sh
#   scripts/soak.sh --h2                            # HTTP/2 (h2c, prior knowledge) through h2load
#
# Modes (MODES, each as `mode` or `mode:seconds`, in this order by default): tower-cors-reload (policy A and policy B swapped every
# 100 ms for the whole run), tower-cors (policy A), tower-http (tower-http's CorsLayer with policy
# A as far as it can say it: no blocking, no reload), bare (no layer).
#
# HTTP/1.1: wrk with scripts/soak.lua, which sends 15 kinds of requests round-robin (non-CORS,
# allowed and refused actual requests and preflights, same-origin POSTs under blocking by
# Sec-Fetch-Site and by an absolute URI, malformed and oversized Origin and
# Access-Control-Request-Headers, two Origin lines, and an origin only policy A allows) and
# checks every answer: for tower-cors the status and each CORS header and Vary, exact or absent;
# for the comparisons (tower-http, bare) the status (200) only.
#
# HTTP/2 (--h2): one h2load process per kind, all at once, each sending its kind only; h2load
# cannot look at headers, so each request's STATUS is checked (from h2load's per-request log)
# against the kind's expected status, and nothing else.
#
# The run fails on any wrong answer, any socket or stream error, and, for the tower-cors modes,
# when the server's RSS after WARMUP seconds grows by RSS_MAX_PERCENT (1%) or more from the start
# of that window to its end, or its least-squares trend over the window amounts to as much.
#
# Environment: DURATION (seconds per mode, 600), WARMUP (seconds of RSS left out, 60),
# CONNECTIONS (wrk: 32; h2load: per kind, 2, with STREAMS streams each, 8), PORT (28090),
# SERVER_CPU (0), LOAD_CPU (1), WORKERS (tokio workers of the server, 1), PROFILE (release;
# `debug` reuses the examples `cargo build --workspace --examples --all-features` built, as CI does),
# RSS_MAX_PERCENT (1).
set -euo pipefail
cd "$(dirname "$0")/.."

H2=0
if [ "${1:-}" = "--h2" ]; then H2=1; fi
DURATION=${DURATION:-600}
WARMUP=${WARMUP:-60}
MODES=${MODES:-tower-cors-reload tower-cors tower-http bare}
PORT=${PORT:-28090}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
WORKERS=${WORKERS:-1}
PROFILE=${PROFILE:-release}
RSS_MAX_PERCENT=${RSS_MAX_PERCENT:-1}
TARGET=${CARGO_TARGET_DIR:-target}

if [ "$H2" = 1 ]; then
  command -v h2load >/dev/null || apt-get install -y nghttp2-client || { apt-get update && apt-get install -y nghttp2-client; }
  CONNECTIONS=${CONNECTIONS:-2}
  STREAMS=${STREAMS:-8}
else
  command -v wrk >/dev/null || apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }
  CONNECTIONS=${CONNECTIONS:-32}
fi
if [ "$PROFILE" = release ]; then
  nice cargo build --release -p tower-cors-integration --features reload --example soak_server >&2
else
  # The feature set of `cargo build --workspace --examples --all-features`, so that nothing is rebuilt.
  nice cargo build --all-features -p tower-cors-integration --example soak_server >&2
fi
server_bin="$TARGET/$PROFILE/examples/soak_server"

tmp=$(mktemp -d)
server_pid="" sampler_pid=""
cleanup() {
  if [ -n "$sampler_pid" ]; then kill "$sampler_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# shellcheck source=scripts/start_server.sh
source scripts/start_server.sh

stop_server() {
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

# VmRSS of the server in kB, one line a second, into $1.
sample_rss() {
  local out=$1 pid=$server_pid
  : >"$out"
  ( while [ -e "/proc/$pid/status" ]; do
      awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" >>"$out" 2>/dev/null || true
      sleep 1
    done ) &
  sampler_pid=$!
}

# RSS figures from the samples after WARMUP seconds: start and end (kB), each the median of the
# first and of the last tenth of the window (at least 3 samples: a single sample moves by 1% as
# connection buffers come and go), peak (kB), growth (end over start) and trend (the
# least-squares slope over the whole window, times its length, over start), in %; and the number
# of samples.
rss_figures() {
  awk -v warmup="$WARMUP" '
    function median(from, to,   i, j, k, t, m) {
      m = 0
      for (i = from; i <= to; i++) w[++m] = v[i]
      for (i = 2; i <= m; i++) { t = w[i]; for (j = i - 1; j >= 1 && w[j] > t; j--) w[j + 1] = w[j]; w[j + 1] = t }
      k = int((m + 1) / 2)
      return (m % 2) ? w[k] : (w[k] + w[k + 1]) / 2
    }
    NR > warmup { n++; x = n - 1; y = $1; v[n] = y; sx += x; sy += y; sxx += x * x; sxy += x * y
                  if (y > peak) peak = y }
    END {
      if (n < 6) { print "0 0 0 0 0", n + 0; exit }
      tenth = int(n / 10); if (tenth < 3) tenth = 3
      start = median(1, tenth); end = median(n - tenth + 1, n)
      slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
      printf "%d %d %d %.3f %.3f %d\n", start, end, peak, 100 * (end - start) / start, 100 * slope * (n - 1) / start, n
    }' "$1"
}

# The expected status of each kind for h2load, per mode: the same kinds as soak.lua where
# h2load can send them (no absolute-form target: HTTP/2 always has `:scheme` and `:authority`).
own="http://127.0.0.1:$PORT"
oversized_origin="https://$(printf 'a%.0s' $(seq 600)).example"
oversized_list="$(printf 'x-custom,%.0s' $(seq 512))content-type"
h2_kinds=(plain_get allowed_get refused_get allowed_preflight refused_preflight_origin refused_preflight_method
  same_origin_post cross_origin_post malformed_origin oversized_origin two_origin_lines
  malformed_request_headers oversized_request_headers partner_get)
h2_args() {
  case $1 in
    plain_get) ;;
    allowed_get) printf '%s\n' -H "origin: https://app.example.com" ;;
    refused_get) printf '%s\n' -H "origin: https://evil.example" ;;
    allowed_preflight) printf '%s\n' -H ":method: OPTIONS" -H "origin: https://app.example.com" \
      -H "access-control-request-method: PUT" -H "access-control-request-headers: content-type,x-custom" ;;
    refused_preflight_origin) printf '%s\n' -H ":method: OPTIONS" -H "origin: https://evil.example" \
      -H "access-control-request-method: PUT" ;;
    refused_preflight_method) printf '%s\n' -H ":method: OPTIONS" -H "origin: https://app.example.com" \
      -H "access-control-request-method: DELETE" ;;
    same_origin_post) printf '%s\n' -H ":method: POST" -H "origin: $own" ;;
    cross_origin_post) printf '%s\n' -H ":method: POST" -H "origin: https://evil.example" ;;
    malformed_origin) printf '%s\n' -H "origin: https://app.example.com/" ;;
    oversized_origin) printf '%s\n' -H "origin: $oversized_origin" ;;
    two_origin_lines) printf '%s\n' -H "origin: https://app.example.com" -H "origin: https://app.example.com" ;;
    malformed_request_headers) printf '%s\n' -H ":method: OPTIONS" -H "origin: https://app.example.com" \
      -H "access-control-request-method: PUT" -H "access-control-request-headers: content-type,bad header" ;;
    oversized_request_headers) printf '%s\n' -H ":method: OPTIONS" -H "origin: https://app.example.com" \
      -H "access-control-request-method: PUT" -H "access-control-request-headers: $oversized_list" ;;
    partner_get) printf '%s\n' -H "origin: https://partner.example.com" ;;
  esac
}
# Statuses a kind may get, space-separated.
h2_expected() {
  local mode=$1 kind=$2
  if [ "$mode" = tower-http ] || [ "$mode" = bare ]; then echo 200; return; fi
  case $kind in
    plain_get | allowed_get | same_origin_post) echo 200 ;;
    allowed_preflight) echo 204 ;;
    partner_get) if [ "$mode" = tower-cors-reload ]; then echo "200 403"; else echo 200; fi ;;
    *) echo 403 ;;
  esac
}

failed=0 default_duration=$DURATION durations=""
declare -a table
for entry in $MODES; do
  # `mode:seconds` runs that mode for its own duration.
  mode=${entry%%:*} DURATION=$default_duration
  if [ "$entry" != "$mode" ]; then DURATION=${entry#*:}; fi
  echo "== $mode: $DURATION s, $([ "$H2" = 1 ] && echo "HTTP/2 (h2load)" || echo "HTTP/1.1 (wrk)")" >&2
  start_server "$mode"
  sample_rss "$tmp/rss-$mode"
  if [ "$H2" = 0 ]; then
    SOAK_MODE=$mode SOAK_PORT=$PORT taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" \
      --timeout 10s -s scripts/soak.lua "http://127.0.0.1:$PORT/api/items" >"$tmp/out-$mode"
    stop_server
    grep -E '^(kind|first_wrong)' "$tmp/out-$mode" >&2 || true
    summary=$(grep '^summary' "$tmp/out-$mode") || { cat "$tmp/out-$mode" >&2; echo "no summary from wrk" >&2; exit 1; }
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$summary"; }
    wrong=$(awk '/^kind/ { split($4, w, "="); s += w[2] } END { print s + 0 }' "$tmp/out-$mode")
    unknown=$(field unknown)
    errors=$(($(field connect) + $(field read) + $(field write) + $(field timeout)))
    if [ "$(field requests)" != "$(field answered)" ]; then
      echo "$mode: $(field requests) responses, $(field answered) checked" >&2
      failed=1
    fi
    # Under reload the kind with two answers must have met both policies.
    if [ "$mode" = tower-cors-reload ]; then
      if ! awk '/^kind/ && /two_answers=true/ { split($5, a, "="); split($6, b, "="); if (a[2] == 0 || b[2] == 0) bad = 1; n++ }
                END { exit (bad || n == 0) }' "$tmp/out-$mode"; then
        echo "$mode: the policy-dependent kind did not meet both policies" >&2
        failed=1
      fi
    fi
    rps=$(field rps) p50=$(field p50_us) p99=$(field p99_us) requests=$(field requests)
  else
    pids=()
    for kind in "${h2_kinds[@]}"; do
      mapfile -t args < <(h2_args "$kind")
      taskset -c "$LOAD_CPU" h2load -D "$DURATION" -c "$CONNECTIONS" -m "$STREAMS" -t 1 ${args[@]+"${args[@]}"} \
        --log-file="$tmp/log-$mode-$kind" "http://127.0.0.1:$PORT/api/items" >"$tmp/out-$mode-$kind" 2>&1 &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || true; done
    stop_server
    wrong=0 errors=0 unknown=0 requests=0
    for kind in "${h2_kinds[@]}"; do
      expected=$(h2_expected "$mode" "$kind")
      # Each line of h2load's log: start time, status, duration in microseconds.
      read -r seen bad statuses < <(awk -v ok="$expected" '
        BEGIN { n = split(ok, e, " "); for (i = 1; i <= n; i++) allowed[e[i]] = 1 }
        { seen++; count[$2]++; if (!($2 in allowed)) bad++ }
        END { s = ""; for (c in count) s = s c ":" count[c] ","; print seen + 0, bad + 0, (s == "" ? "-" : s) }' \
        "$tmp/log-$mode-$kind")
      # h2load's own count of failed, errored and timed-out requests (a 4xx counts as failed
      # there: only errored and timed out ones are transport errors).
      read -r errored timeout < <(sed -n 's/^requests: .* \([0-9]*\) errored, \([0-9]*\) timeout$/\1 \2/p' \
        "$tmp/out-$mode-$kind")
      echo "kind $kind seen=$seen wrong=$bad statuses=$statuses expected=${expected// /|} errored=${errored:-?} timeout=${timeout:-?}" >&2
      if [ -z "${errored:-}" ]; then cat "$tmp/out-$mode-$kind" >&2; errored=1; fi
      wrong=$((wrong + bad)) errors=$((errors + errored + timeout)) requests=$((requests + seen))
      if [ "$mode" = tower-cors-reload ] && [ "$kind" = partner_get ] &&
        ! { grep -q '200:' <<<"$statuses" && grep -q '403:' <<<"$statuses"; }; then
        echo "$mode: partner_get did not meet both policies ($statuses)" >&2
        failed=1
      fi
    done
    read -r p50 p99 < <(cat "$tmp"/log-"$mode"-* | awk '{ print $3 }' | sort -n |
      awk '{ v[NR] = $1 } END { print v[int(NR * 0.5) + 1], v[int(NR * 0.99) + 1] }')
    rps=$(awk -v n="$requests" -v d="$DURATION" 'BEGIN { printf "%.1f", n / d }')
    rm -f "$tmp"/log-"$mode"-*
  fi
  read -r rss_start rss_end rss_peak growth trend samples < <(rss_figures "$tmp/rss-$mode")
  echo "$mode: $requests requests, $rps/s, p50 $p50 us, p99 $p99 us, $wrong wrong, $unknown unlabelled, $errors errors;" \
    "RSS after ${WARMUP} s: $rss_start -> $rss_end kB (peak $rss_peak), growth $growth%, trend $trend% over $samples samples" >&2
  durations="$durations $mode ${DURATION} s,"
  table+=("| $mode | $requests | $rps | $p50 | $p99 | $wrong | $errors | $rss_start | $rss_end | $growth% | $trend% |")
  if [ "$wrong" != 0 ] || [ "$unknown" != 0 ] || [ "$errors" != 0 ]; then failed=1; fi
  case $mode in
    tower-cors*)
      if [ "$samples" -lt 6 ] || awk -v g="$growth" -v t="$trend" -v m="$RSS_MAX_PERCENT" 'BEGIN { exit !(g >= m || t >= m) }'; then
        echo "$mode: RSS grew (growth $growth%, trend $trend%, $samples samples after warm-up)" >&2
        failed=1
      fi ;;
  esac
done

echo
echo "soak:${durations%,}; $([ "$H2" = 1 ] && echo "HTTP/2 h2c, h2load, ${#h2_kinds[@]} kinds x $CONNECTIONS connections x $STREAMS streams" ||
  echo "HTTP/1.1, wrk, 1 thread, $CONNECTIONS connections"); server: $WORKERS worker(s) on CPU $SERVER_CPU, load on CPU $LOAD_CPU; RSS warm-up $WARMUP s; $PROFILE build"
echo
echo "| mode | requests | requests/s | p50 (us) | p99 (us) | wrong | errors | RSS start (kB) | RSS end (kB) | growth | trend |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${table[@]}"
if [ "$failed" != 0 ]; then echo "soak FAILED" >&2; exit 1; fi
echo "soak passed"
