#!/usr/bin/env bash
# Browser acceptance tests: headless Chromium, driven through chromedriver, runs fetch() against
# APIs wrapped in tower-cors, and the demo page. Installs chromium and chromium-driver with apt-get
# when absent. A browser that cannot start fails this script: it is never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if ((${#missing[@]})); then
    sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
echo "$(chromium --version 2>/dev/null) / $(chromedriver --version)"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# The browser tests are #[ignore]d so that plain `cargo test` passes without a browser; run them.
cargo test --all-features --test browser -- --ignored --nocapture 2>&1 | tee "$log"
# Guard against a run that silently ran nothing (a renamed test, a filter).
if ! grep -Eq '^test result: ok\. [1-9][0-9]* passed' "$log"; then
    echo "browser tests: nothing ran" >&2
    exit 1
fi
