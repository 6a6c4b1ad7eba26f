#!/usr/bin/env bash
# Browser acceptance tests in three engines, one after the other: Chromium (through chromedriver),
# Firefox ESR (geckodriver) and WebKitGTK's MiniBrowser (WebKitWebDriver), each running fetch()
# against APIs wrapped in tower-cors, and the demo page; each case also runs through the test kit
# (tower_cors::testing), whose verdicts must agree with each engine's. Installs what is absent: the browsers,
# the WebKit driver, Xvfb and xauth with apt-get, geckodriver with cargo install. MiniBrowser has
# no headless mode, so the tests run under xvfb-run. An engine that cannot start, or that ran no
# case, fails this script: it is never a skip.
#
# Environment: BROWSER_ENGINES (chromium,firefox,webkit) runs and requires only those.
set -euo pipefail
cd "$(dirname "$0")/.."
engines="${BROWSER_ENGINES:-chromium,firefox,webkit}"
export BROWSER_ENGINES="$engines"
fail() { echo "browser tests FAILED: $*" >&2; exit 1; }

minibrowser() { ls /usr/lib/*/webkit2gtk-4.1/MiniBrowser 2>/dev/null | head -n 1; }
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || missing+=(firefox-esr)
command -v WebKitWebDriver >/dev/null 2>&1 || missing+=(webkit2gtk-driver)
[ -n "$(minibrowser)" ] || missing+=(libwebkit2gtk-4.1-0)
command -v xvfb-run >/dev/null 2>&1 || missing+=(xvfb)
command -v xauth >/dev/null 2>&1 || missing+=(xauth)
if ((${#missing[@]})); then
    sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
# Firefox's WebDriver server is not packaged by Debian: built once per machine, as the other
# cargo tools of CI are.
command -v geckodriver >/dev/null || cargo install --locked geckodriver --version '^0.37'

# The cross-origin write cases serve a plain-HTTP site under a host name that is not
# loopback-looking (browsers send it no Sec-Fetch-*): `tower-cors.test`, mapped to 127.0.0.1.
if ! getent hosts tower-cors.test >/dev/null; then
    sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    grep -qE '^[[:space:]]*127\.0\.0\.1[[:space:]].*\btower-cors\.test\b' /etc/hosts \
        || echo "127.0.0.1 tower-cors.test" | $sudo tee -a /etc/hosts >/dev/null
fi
getent hosts tower-cors.test | grep -q '^127\.0\.0\.1' || fail "tower-cors.test does not resolve to 127.0.0.1"

echo "chromium: $(chromium --version 2>/dev/null) / $(chromedriver --version)"
echo "firefox:  $(firefox-esr --version 2>/dev/null) / $(geckodriver --version | sed -n 1p)"
echo "webkit:   WebKitGTK $(dpkg-query -W -f='${Version}' libwebkit2gtk-4.1-0 2>/dev/null) / $(minibrowser)"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Built before Xvfb starts; the browser tests are #[ignore]d so that plain `cargo test` passes
# without a browser: run them, on a virtual display for MiniBrowser.
cargo test -p tower-cors-integration --features testing --test browser --no-run
xvfb-run -a -s "-screen 0 1280x1024x24" \
    cargo test -p tower-cors-integration --features testing --test browser -- --ignored --nocapture 2>&1 | tee "$log"
# Guard against a run that silently ran nothing (a renamed test, a filter, an engine not found).
grep -Eq '^test result: ok\. [1-9][0-9]* passed' "$log" || fail "nothing ran"
grep -Eq '^test debug_mode_names_the_cause_in_the_chromium_console \.\.\. ok' "$log" \
    || fail "debug mode's console messages were not checked in Chromium"
grep -Eq '^test debug_mode_names_the_cause_in_every_engine \.\.\. ok' "$log" || fail "debug mode's messages were not checked in every engine"
grep -Eq '^test cors_over_http2_in_every_installed_engine \.\.\. ok' "$log" || fail "HTTP/2 was not checked in the browsers"
grep -Eq '^test writes::cross_origin_writes_and_websockets_over_plain_http_in_every_installed_engine \.\.\. ok' "$log" \
    || fail "cross-origin writes and WebSockets over plain HTTP were not checked in the browsers"
echo
for engine in ${engines//,/ }; do
    summary="$(grep -E "^engine $engine: [0-9]+ cases, " "$log" || true)"
    [ -n "$summary" ] || fail "$engine ran no case"
    grep -Eq "^engine $engine: [1-9][0-9]* cases, " <<<"$summary" || fail "$summary"
    grep -Eq "^engine $engine: demo page as expected" "$log" || fail "$engine did not check the demo page"
    grep -Eq "^engine $engine: debug mode: [1-9][0-9]* reasons, " "$log" || fail "$engine did not check debug mode's messages"
    # The test kit's verdicts, compared with this engine's on every case it ran.
    kit="$(grep -E "^kit vs $engine: [0-9]+ cases compared, " "$log" || true)"
    grep -Eq "^kit vs $engine: [1-9][0-9]* cases compared, .* 0 disagreements$" <<<"$kit" || fail "kit vs $engine: ${kit:-not compared}"
    # The kit's fetch edges (URLs, refusals, joined lines, redirects, Fetch Metadata) against a
    # hand-written server, compared with this engine's.
    edges="$(grep -E "^kit vs $engine \(fetch edges\): [0-9]+ cases compared, " "$log" || true)"
    grep -Eq "^kit vs $engine \(fetch edges\): [1-9][0-9]* cases compared, .* 0 disagreements$" <<<"$edges" || fail "kit vs $engine (fetch edges): not compared"
    grep -Eq "^engine $engine: cross-origin writes, ([0-9]+) cases, \1 as expected" "$log" \
        || fail "$engine did not check the cross-origin writes"
    echo "$summary"
    echo "$kit"
    echo "$edges"
done
