#!/usr/bin/env bash
# Hardening checks (issue 5): the 100,000-case model test, the WPT vectors, a 60 s smoke run of
# every fuzz target, and mutation testing of a rotating shard of src/ and of the diff since the
# last full mutation run. A crash, a failing case or a missed mutant fails CI. See TESTING.md.
#
# Environment: PROPTEST_CASES (100000), FUZZ_SECONDS (60), FUZZ_MIN_EXECS (20,000 per minute of
# FUZZ_SECONDS), FUZZ_TARGETS (every target, or those named), MUTANTS=0 to skip the mutants step.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never RUST_BACKTRACE=0
step() { echo; echo "==> $*"; }
start=$SECONDS

step "model test, ${PROPTEST_CASES:-100000} cases (release)"
PROPTEST_CASES="${PROPTEST_CASES:-100000}" cargo test --release -p tower-cors-integration --features testing --test model_props

step "web-platform-tests vectors"
cargo test --release --features testing --test wpt_vectors

step "fuzz runs, ${FUZZ_SECONDS:-60} s per target, each with a minimum of executions"
if ! command -v cargo-fuzz >/dev/null; then
    cargo install --locked cargo-fuzz
fi
# cargo-fuzz needs nightly flags (-Zsanitizer); stable works with RUSTC_BOOTSTRAP=1.
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    fuzz() { cargo +nightly fuzz "$@"; }
else
    fuzz() { RUSTC_BOOTSTRAP=1 cargo fuzz "$@"; }
fi
# A run that executes almost nothing proves nothing: every target must reach a minimum number of
# executions, 20,000 per minute of FUZZ_SECONDS. The slowest target (`config`) reached about
# 100,000 a minute on 2 cores at a load average of 9 to 10, other builds running (TESTING.md), so
# the minimum leaves a fivefold margin for a slow or loaded machine, yet fails a target that
# crashes at start, spends its time on a few slow inputs or hardly gets the CPU. FUZZ_MIN_EXECS
# overrides it for every target.
fuzz_seconds="${FUZZ_SECONDS:-60}"
min_execs="${FUZZ_MIN_EXECS:-$((fuzz_seconds * 20000 / 60))}"
(
    cd fuzz
    # The fuzz crate is its own workspace, built with other flags: never the main target dir.
    if [ -n "${FUZZ_TARGET_DIR:-}" ]; then export CARGO_TARGET_DIR="$FUZZ_TARGET_DIR"; else unset CARGO_TARGET_DIR; fi
    fuzz build
    # Assigned first, so that a failing `fuzz list` stops the script (set -e), which a `for` over
    # its output would not.
    targets="$(fuzz list)"
    if [ -z "$targets" ]; then
        echo "fuzz list names no target"
        exit 1
    fi
    # FUZZ_TARGETS picks some of them (CI's weekly hour runs one target per job).
    if [ -n "${FUZZ_TARGETS:-}" ]; then
        for wanted in $FUZZ_TARGETS; do
            if ! grep -qx -- "$wanted" <<<"$targets"; then
                echo "FUZZ_TARGETS names $wanted, which is not a fuzz target: $(echo $targets)"
                exit 1
            fi
        done
        targets="$FUZZ_TARGETS"
    fi
    echo "targets: $(echo $targets); at least $min_execs executions each in ${fuzz_seconds} s"
    summary=""
    for target in $targets; do
        mkdir -p "corpus/$target"
        log="$(mktemp)"
        if ! fuzz run "$target" "corpus/$target" "seeds/$target" -- \
            -max_total_time="$fuzz_seconds" -print_final_stats=1 >"$log" 2>&1; then
            tail -n 60 "$log"
            echo "fuzz target $target FAILED (reproducer under fuzz/artifacts/$target)"
            exit 1
        fi
        execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
        if [ -z "$execs" ]; then
            tail -n 30 "$log"
            echo "fuzz target $target: no execution count in libFuzzer's final stats"
            exit 1
        fi
        echo "fuzz $target: $execs executions in ${fuzz_seconds} s"
        summary="$summary$(printf '\n  %-16s %12s' "$target" "$execs")"
        if [ "$execs" -lt "$min_execs" ]; then
            tail -n 30 "$log"
            echo "fuzz target $target ran $execs executions, fewer than the minimum $min_execs: it proves nothing"
            exit 1
        fi
        rm -f "$log"
    done
    echo "executions per target (minimum $min_execs):$summary"
)

if [ "${MUTANTS:-1}" != 0 ]; then
    # Every run mutates one shard of all of src/ (k of n, k rotating with the commit count, so
    # n consecutive commits cover the crate) and the code changed since the last full run, whose
    # commit .cargo/last-full-mutation-run records. That file is written only after a full run
    # with no missed mutant: it proves every shard clean, so from then on a missed mutant fails
    # the step. Without it, missed mutants are reported and the step passes. Timeouts count as
    # caught (the mutant hangs the tests); unviable mutants (that do not build) are fine. See
    # TESTING.md, "Mutation testing".
    #
    # Environment: MUTANTS_SHARDS (n, 32), MUTANTS_SHARD (k, to pick one by hand),
    # MUTANTS_DIFF_MAX (10 mutants), MUTANTS_TIMEOUT (60 s per test run),
    # MUTANTS_TARGET_DIR.
    shards="${MUTANTS_SHARDS:-32}"
    diff_max="${MUTANTS_DIFF_MAX:-10}"
    step "mutation testing: a shard of src/ and its diff since the last full run"
    if ! command -v cargo-mutants >/dev/null; then
        cargo install --locked cargo-mutants
    fi
    last_full=""
    if [ -f .cargo/last-full-mutation-run ]; then
        last_full="$(tr -d '[:space:]' <.cargo/last-full-mutation-run)"
    fi
    if [ -n "$last_full" ]; then
        enforce=1
    else
        enforce=0
        echo "no full run recorded in .cargo/last-full-mutation-run: missed mutants are reported, not failing"
    fi
    if [ -n "${MUTANTS_SHARD:-}" ]; then
        shard=$MUTANTS_SHARD
    elif [ "$(git rev-parse --is-shallow-repository)" = false ]; then
        shard=$(($(git rev-list --count HEAD) % shards))
    else
        # A shallow clone's commit count is its depth: take the shard from the commit's hash.
        shard=$((16#$(git rev-parse --short=7 HEAD) % shards))
        echo "shallow clone: shard taken from the commit hash"
    fi
    # One build directory at a time, with a target directory of its own kept between runs:
    # dependencies are built once per machine, and the layer and the tests alone per mutant.
    # Never the tests' target directory: a mutated build left there could pass for an up-to-date
    # unmutated one. The tests passed above, so the unmutated baseline is not run again.
    mutants_target="${MUTANTS_TARGET_DIR:-${CARGO_TARGET_DIR:-$PWD/target}/mutants}"
    missed_total=0
    mutants() {
        local out code missed
        out="$(mktemp -d)"
        CARGO_TARGET_DIR="$mutants_target" cargo mutants --baseline skip -j 1 \
            --timeout "${MUTANTS_TIMEOUT:-60}" --output "$out" "$@" && code=0 || code=$?
        # cargo-mutants exits with 2 for missed mutants, but with 3 when there are timeouts too:
        # the list of missed mutants decides. Any other code is an error (a tree that does not
        # build, a diff that does not apply).
        missed=0
        if [ -s "$out/mutants.out/missed.txt" ]; then
            missed=$(wc -l <"$out/mutants.out/missed.txt")
            echo "MISSED ($missed): add a test that kills each (TESTING.md)"
            sed 's/^/    /' "$out/mutants.out/missed.txt"
        fi
        if [ -s "$out/mutants.out/timeout.txt" ]; then
            echo "timed out, counted as caught:"
            sed 's/^/    /' "$out/mutants.out/timeout.txt"
        fi
        rm -rf "$out"
        missed_total=$((missed_total + missed))
        if [ "$code" != 0 ] && [ "$code" != 2 ] && [ "$code" != 3 ]; then
            echo "cargo mutants FAILED (exit code $code)"
            exit 1
        fi
    }

    # The mutants to run: the shard's, and those in the code changed since the last full run.
    selected="$(mktemp)"
    cargo mutants --list --shard "$shard/$shards" --sharding round-robin >"$selected"
    echo "shard $shard of 0..$((shards - 1)): $(grep -c . "$selected") mutants"
    if [ -z "$last_full" ]; then
        base="HEAD~1"
    elif git cat-file -e "$last_full^{commit}" 2>/dev/null; then
        base="$last_full"
    else
        base=""
        echo "the last full run's commit ($last_full) is not in this clone (shallow?): the shard only"
    fi
    if [ -n "$base" ] && ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
        echo "no $base in this clone (shallow?): the shard only"
        base=""
    fi
    diff="$(mktemp)"
    in_diff="$(mktemp)"
    # Against the tree as it is, which is what cargo-mutants copies and mutates.
    list_diff() {
        git diff "$base" -- src/ >"$diff"
        : >"$in_diff"
        if [ -s "$diff" ]; then
            cargo mutants --list --in-diff "$diff" >"$in_diff"
        fi
    }
    if [ -n "$base" ]; then
        list_diff
        count=$(grep -c . "$in_diff" || true)
        if [ "$count" -gt "$diff_max" ] && [ "$base" != "HEAD~1" ] && git rev-parse -q --verify HEAD~1 >/dev/null; then
            echo "$count mutants in src/ changed since $base, over $diff_max: a full run is due" \
                "(TESTING.md); the last commit's diff instead"
            base="HEAD~1"
            list_diff
            count=$(grep -c . "$in_diff" || true)
        fi
        if [ "$count" -gt "$diff_max" ]; then
            echo "$count mutants in src/ changed since $base, over $diff_max: the shard only;" \
                "run the full run by hand (TESTING.md)"
        else
            echo "src/ changed since $base: $count mutants"
            cat "$in_diff" >>"$selected"
        fi
    fi
    rm -f "$diff" "$in_diff"
    # One run for both (one build of the copied tree), with one exact-match filter per name.
    sort -u -o "$selected" "$selected"
    filters=()
    while IFS= read -r name; do
        filters+=(-F "^$(printf '%s' "$name" | sed 's/[][\\.*+?^$(){}|]/\\&/g')\$")
    done <"$selected"
    if [ "${#filters[@]}" -gt 0 ]; then
        # Every listed mutant must be selected. A few more may be: cargo-mutants can match one
        # filter to two mutants of a function that share a description (two struct literals
        # setting the same field, seen on 2026-12-07), and running them too costs only time.
        filtered="$(mktemp)"
        cargo mutants --list "${filters[@]}" | sort -u >"$filtered"
        if [ -n "$(comm -23 "$selected" "$filtered")" ]; then
            echo "cargo mutants FAILED: the filters miss listed mutants:"
            comm -23 "$selected" "$filtered" | sed 's/^/    /'
            exit 1
        fi
        extra="$(comm -13 "$selected" "$filtered" | grep -c . || true)"
        [ "$extra" = 0 ] || echo "the filters select $extra more mutants than listed (a shared description): run too"
        rm -f "$filtered"
        mutants "${filters[@]}"
    fi
    rm -f "$selected"

    if [ "$missed_total" -gt 0 ]; then
        if [ "$enforce" = 1 ]; then
            echo "mutation testing FAILED: $missed_total missed mutants (see above, and TESTING.md)"
            exit 1
        fi
        echo "$missed_total missed mutants, reported only until a full run is recorded (TESTING.md)"
    fi
fi

echo; echo "hardening passed in $((SECONDS - start)) s"
