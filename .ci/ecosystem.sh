#!/usr/bin/env bash
# Crate hygiene and the ecosystem examples:
#   - every combination of features checks and passes clippy (cargo hack --feature-powerset);
#   - licenses, bans and sources of the whole dependency tree (cargo deny, see deny.toml);
#   - the docs as docs.rs builds them, when a nightly toolchain is installed;
#   - every example builds, and every example is RUN: servers are started on a free port,
#     sent a real request with an Origin, their CORS headers checked, then stopped by PID.
# Installs cargo-hack, cargo-deny and curl when absent.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
step() { echo; echo "==> $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

command -v cargo-hack >/dev/null || cargo install --locked cargo-hack
command -v cargo-deny >/dev/null || cargo install --locked cargo-deny
command -v curl >/dev/null || { apt-get update && apt-get install -y curl; }

step "cargo hack --feature-powerset check (every feature is off by default; all 2^n combinations)"
cargo hack --feature-powerset --skip default check

step "cargo hack --each-feature check --all-targets (tests and examples declare the features they need)"
cargo hack --each-feature --skip default check --all-targets

step "cargo hack --feature-powerset clippy -- -D warnings"
cargo hack --feature-powerset --skip default clippy -- -D warnings

step "cargo deny check licenses bans sources"
cargo deny check licenses bans sources

# docs.rs builds with nightly and `--cfg docsrs`; nightly features come and go (`doc_auto_cfg`
# was removed in 1.92), so check it when a nightly toolchain is installed. None is downloaded.
if cargo +nightly --version >/dev/null 2>&1; then
    step "docs as docs.rs builds them (nightly, --cfg docsrs)"
    RUSTDOCFLAGS="--cfg docsrs -D warnings" cargo +nightly doc --no-deps --all-features
else
    step "docs.rs build skipped: no nightly toolchain installed"
fi

step "cargo build --workspace --examples --all-features"
cargo build --workspace --examples --all-features
examples_dir="${CARGO_TARGET_DIR:-target}/debug/examples"

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# start NAME PATTERN [ENV=VALUE...]: runs example NAME in the background (PORT=0 unless given
# otherwise), waits until a line of its output matches PATTERN (a sed regex whose first group is
# the `host:port` it listens on) and sets $addr to that group.
start() {
    local name=$1 pattern=$2
    shift 2
    local log="$work/$name.log"
    env PORT=0 "$@" "$examples_dir/$name" >"$log" 2>&1 &
    server_pid=$!
    addr=""
    for _ in $(seq 1 300); do
        addr=$(sed -n "s|$pattern|\\1|p" "$log" | head -n 1)
        [ -n "$addr" ] && return 0
        kill -0 "$server_pid" 2>/dev/null || { cat "$log"; fail "$name exited before listening"; }
        sleep 0.1
    done
    cat "$log"
    fail "$name did not start listening within 30 s"
}

# free_port: prints a loopback port nothing listens on now, for examples that take a port
# and print nothing (PORT=0 is better where an example supports it).
free_port() {
    local port
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
    done
    fail "no free port found"
}

# start_on NAME PORT ARGS...: runs example NAME with ARGS in the background and waits until
# 127.0.0.1:PORT accepts connections; sets $addr.
start_on() {
    local name=$1 port=$2
    shift 2
    "$examples_dir/$name" "$@" >"$work/$name.log" 2>&1 &
    server_pid=$!
    addr="127.0.0.1:$port"
    for _ in $(seq 1 300); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        kill -0 "$server_pid" 2>/dev/null || { cat "$work/$name.log"; fail "$name exited before listening"; }
        sleep 0.1
    done
    cat "$work/$name.log"
    fail "$name did not start listening within 30 s"
}

stop() {
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# request NAME CURL_ARGS...: makes one request, keeping the status line and headers in
# $work/headers (lower-cased names, no CR) and the body in $work/body.
request() {
    curl --silent --show-error --max-time 10 --dump-header "$work/headers.raw" --output "$work/body" "$@" \
        || fail "curl $*"
    tr -d '\r' <"$work/headers.raw" | sed 's/^\([^:]*\):/\L\1:/' >"$work/headers"
}

# expect LINE...: each line must appear exactly, as a whole line, in the last response's headers.
expect() {
    local line
    for line in "$@"; do
        grep -qxF -- "$line" "$work/headers" || { cat "$work/headers"; fail "expected header line: $line"; }
    done
}

# refuse NAME...: none of these headers may appear in the last response.
refuse() {
    local name
    for name in "$@"; do
        if grep -qi "^$name:" "$work/headers"; then cat "$work/headers"; fail "unexpected header: $name"; fi
    done
}

listening='^listening on http://\([0-9.:]*\)$'

step "run example hyper_util"
start hyper_util "$listening"
request -H 'Origin: http://localhost:5173' -X OPTIONS -H 'Access-Control-Request-Method: PUT' \
    -H 'Access-Control-Request-Headers: content-type' "http://$addr/items"
expect 'HTTP/1.1 204 No Content' 'access-control-allow-origin: http://localhost:5173' \
    'access-control-allow-methods: PUT' 'access-control-allow-headers: content-type'
request -H 'Origin: https://app.example.com' "http://$addr/items"
expect 'HTTP/1.1 200 OK' 'access-control-allow-origin: https://app.example.com' 'vary: origin'
[ "$(cat "$work/body")" = "[]" ] || fail "hyper_util body"
request -H 'Origin: https://evil.example' "http://$addr/items"
expect 'HTTP/1.1 200 OK' 'vary: origin'
refuse access-control-allow-origin
stop
echo "ok: hyper_util"

step "run example config_file (examples/cors.toml)"
start config_file "$listening"
request -H 'Origin: https://api.eu.example.org' -X OPTIONS -H 'Access-Control-Request-Method: DELETE' \
    -H 'Access-Control-Request-Headers: authorization' "http://$addr/items"
expect 'HTTP/1.1 204 No Content' 'access-control-allow-origin: https://api.eu.example.org' \
    'access-control-allow-credentials: true' 'access-control-allow-methods: DELETE' \
    'access-control-allow-headers: authorization' 'access-control-max-age: 3600'
request -H 'Origin: https://app.example.com' "http://$addr/items"
expect 'HTTP/1.1 200 OK' 'access-control-allow-origin: https://app.example.com' \
    'access-control-allow-credentials: true' 'access-control-expose-headers: x-request-id'
stop
# An invalid file must stop it before it serves, with every problem listed.
printf 'allow_origins = ["https://App.example.com/"]\nallow_methods = ["GET POST"]\n' >"$work/bad.toml"
if "$examples_dir/config_file" "$work/bad.toml" >"$work/bad.log" 2>&1; then fail "config_file accepted a bad file"; fi
grep -q "2 problems" "$work/bad.log" || { cat "$work/bad.log"; fail "config_file did not list both problems"; }
echo "ok: config_file"

step "run example tonic_grpc_web"
start tonic_grpc_web "$listening"
request -H 'Origin: https://app.example.com' -X OPTIONS -H 'Access-Control-Request-Method: POST' \
    -H 'Access-Control-Request-Headers: content-type,x-grpc-web,x-user-agent' \
    "http://$addr/grpc.health.v1.Health/Check"
expect 'HTTP/1.1 204 No Content' 'access-control-allow-origin: https://app.example.com' \
    'access-control-allow-headers: content-type,x-grpc-web,x-user-agent' 'access-control-max-age: 7200'
refuse access-control-allow-credentials
# A real gRPC-web call: a 5-byte frame header and an empty HealthCheckRequest.
printf '\0\0\0\0\0' >"$work/check.bin"
request --http1.1 -H 'Origin: https://app.example.com' -H 'Content-Type: application/grpc-web+proto' \
    -H 'X-Grpc-Web: 1' --data-binary "@$work/check.bin" "http://$addr/grpc.health.v1.Health/Check"
expect 'HTTP/1.1 200 OK' 'content-type: application/grpc-web+proto' \
    'access-control-allow-origin: https://app.example.com' \
    'access-control-expose-headers: grpc-status, grpc-message, grpc-status-details-bin, grpc-encoding'
grep -aq 'grpc-status:0' "$work/body" || fail "tonic_grpc_web: no grpc-status:0 trailer"
stop
echo "ok: tonic_grpc_web"

if [ -x "$examples_dir/demo" ]; then
    step "run example demo"
    start demo '^  API   http://\([0-9.:]*\) .*' DEMO_PAGE_PORT=0 DEMO_API_PORT=0 DEMO_OTHER_PORT=0
    page=$(sed -n 's|^  open  http://\([0-9.:]*\)  the page, .*|\1|p' "$work/demo.log" | head -n 1)
    [ -n "$page" ] || fail "demo printed no page address"
    request -H "Origin: http://$page" "http://$addr/items"
    expect 'HTTP/1.1 200 OK' "access-control-allow-origin: http://$page" 'access-control-allow-credentials: true'
    stop
    echo "ok: demo"
fi

if [ -x "$examples_dir/cors_workload" ]; then
    step "run example cors_workload"
    "$examples_dir/cors_workload" list >"$work/workloads"
    first=$(head -n 1 "$work/workloads")
    [ -n "$first" ] || fail "cors_workload list printed nothing"
    "$examples_dir/cors_workload" tower-cors "$first" 10
    echo "ok: cors_workload ($first)"
fi

if [ -x "$examples_dir/bench_server" ]; then
    step "run example bench_server"
    port=$(free_port)
    start_on bench_server "$port" tower-cors "$port"
    request -H 'Origin: https://app.example.com' -X OPTIONS -H 'Access-Control-Request-Method: PUT' \
        -H 'Access-Control-Request-Headers: x-custom' "http://$addr/api/items"
    expect 'HTTP/1.1 204 No Content' 'access-control-allow-origin: https://app.example.com' \
        'access-control-allow-methods: PUT' 'access-control-allow-headers: x-custom'
    request -H 'Origin: https://app.example.com' "http://$addr/api/items"
    expect 'HTTP/1.1 200 OK' 'access-control-allow-origin: https://app.example.com'
    stop
    # The same policy wrapped around the whole router.
    port=$(free_port)
    PLACEMENT=service start_on bench_server "$port" tower-cors "$port"
    request -H 'Origin: https://app.example.com' "http://$addr/api/items"
    expect 'HTTP/1.1 200 OK' 'access-control-allow-origin: https://app.example.com'
    stop
    echo "ok: bench_server"
fi

step "run example explain"
"$examples_dir/explain" >"$work/explain.log" || { cat "$work/explain.log"; fail "explain failed"; }
[ "$(grep -c '^  hint: ' "$work/explain.log")" = 10 ] || { cat "$work/explain.log"; fail "explain: not 10 hints"; }
echo "ok: explain"

# Every example must be run above: a new one needs its own block here. (soak_server is run by
# .ci/run's soak step, scripts/soak.sh, with every answer checked.)
for source in examples/*.rs integration/examples/*.rs; do
    name=$(basename "$source" .rs)
    case "$name" in
        hyper_util | config_file | tonic_grpc_web | demo | cors_workload | bench_server | explain | soak_server) ;;
        *) fail "example $name is built but not run by .ci/ecosystem.sh" ;;
    esac
done

echo; echo "ecosystem checks passed"
