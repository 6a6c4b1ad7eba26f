#!/usr/bin/env bash
# Hardening checks (issue 5): the 100,000-case model test, the WPT vectors, a 60 s smoke run of
# every fuzz target, and mutation testing of the last commit's diff. A crash or a failing case
# fails CI. See TESTING.md.
#
# Environment: PROPTEST_CASES (100000), FUZZ_SECONDS (60), MUTANTS=0 to skip the mutants step.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never RUST_BACKTRACE=0
step() { echo; echo "==> $*"; }
start=$SECONDS

step "model test, ${PROPTEST_CASES:-100000} cases (release)"
PROPTEST_CASES="${PROPTEST_CASES:-100000}" cargo test --release --test model_props

step "web-platform-tests vectors"
cargo test --release --test wpt_vectors

step "fuzz smoke runs, ${FUZZ_SECONDS:-60} s per target"
if ! command -v cargo-fuzz >/dev/null; then
    cargo install --locked cargo-fuzz
fi
# cargo-fuzz needs nightly flags (-Zsanitizer); stable works with RUSTC_BOOTSTRAP=1.
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    fuzz() { cargo +nightly fuzz "$@"; }
else
    fuzz() { RUSTC_BOOTSTRAP=1 cargo fuzz "$@"; }
fi
(
    cd fuzz
    # The fuzz crate is its own workspace, built with other flags: never the main target dir.
    if [ -n "${FUZZ_TARGET_DIR:-}" ]; then export CARGO_TARGET_DIR="$FUZZ_TARGET_DIR"; else unset CARGO_TARGET_DIR; fi
    fuzz build
    for target in $(fuzz list); do
        mkdir -p "corpus/$target"
        log="$(mktemp)"
        if ! fuzz run "$target" "corpus/$target" "seeds/$target" -- \
            -max_total_time="${FUZZ_SECONDS:-60}" -print_final_stats=1 >"$log" 2>&1; then
            tail -n 60 "$log"
            echo "fuzz target $target FAILED (reproducer under fuzz/artifacts/$target)"
            exit 1
        fi
        runs=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1)
        echo "fuzz $target: ${runs:-?}"
        rm -f "$log"
    done
)

if [ "${MUTANTS:-1}" != 0 ] && git rev-parse -q --verify HEAD~1 >/dev/null; then
    step "mutation testing of the last commit's diff"
    if ! command -v cargo-mutants >/dev/null; then
        cargo install --locked cargo-mutants
    fi
    diff="$(mktemp)"
    git diff HEAD~1 -- src/ >"$diff"
    # Settings (features, test targets, justified skips) come from .cargo/mutants.toml. A large
    # diff would take too long here: the full run is done by hand before a release (TESTING.md).
    count=$(cargo mutants --in-diff "$diff" --list 2>/dev/null | grep -c . || true)
    if [ ! -s "$diff" ]; then
        echo "no change under src/ in the last commit"
    elif [ "$count" -gt "${MUTANTS_MAX:-40}" ]; then
        echo "$count mutants in the diff, over ${MUTANTS_MAX:-40}: run \`cargo mutants\` by hand (TESTING.md)"
    else
        echo "$count mutants in the diff"
        # The tests already passed above, so the unmutated baseline is not run again.
        cargo mutants --in-diff "$diff" --baseline skip -j 2 --timeout 120 --output "${TMPDIR:-/tmp}"
    fi
    rm -f "$diff"
fi

echo; echo "hardening passed in $((SECONDS - start)) s"
