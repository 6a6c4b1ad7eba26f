//! TESTING.md's figures, counted: every number it states about the suite is checked here against
//! the code, so that the document fails a test when it drifts. The two tables built at run time
//! count their own rows against it (`tests/spec_table.rs`, `tests/combinations.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;

use support::testing_md::{figure, files_in, number_before, read, row, testing_md, tests_in};

/// Every row of the overview whose figure is "N tests" names the files that hold them: each
/// `#[test]` and `#[tokio::test]` there counts.
#[test]
fn every_test_count_is_the_number_of_tests_in_the_files_named() {
    let doc = testing_md();
    let mut checked = Vec::new();
    for line in doc.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let [kind, files, figure, ..] = cells[..] else { continue };
        let Some(claimed) = number_before(figure, " tests") else { continue };
        let files = files_in(files);
        assert!(!files.is_empty(), "{kind}: no file named");
        let counted: usize = files.iter().map(|f| tests_in(&read(f))).sum();
        assert_eq!(
            counted,
            claimed,
            "TESTING.md says {kind} has {claimed} tests; its {} files hold {counted}",
            files.len()
        );
        checked.push(kind.to_owned());
    }
    // Unit tests, state machine, configuration errors, integrations, edge cases.
    assert!(checked.len() >= 5, "only {checked:?} state a number of tests");
}

/// The fuzz targets: TESTING.md's count and its table of targets, `fuzz/Cargo.toml`, the
/// sources under `fuzz/fuzz_targets` and CI's weekly matrix all name the same ones.
#[test]
fn fuzz_targets_are_the_ones_documented_and_run() {
    let manifest = read("fuzz/Cargo.toml");
    let bins: BTreeSet<String> = manifest
        .split("[[bin]]")
        .skip(1)
        .map(|bin| bin.split('"').nth(1).expect("a [[bin]] with a name").to_owned())
        .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    let sources: BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(bins, sources, "fuzz/Cargo.toml's [[bin]]s and fuzz/fuzz_targets/");
    assert_eq!(figure("Fuzzing", "targets"), bins.len(), "TESTING.md's number of fuzz targets");

    let doc = testing_md();
    let table = section(&doc, "## Fuzzing").split("| Target | Input | Checks |").nth(1).expect("a table of targets");
    let documented: BTreeSet<String> = table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_start_matches("| `").split('`').next().unwrap().to_owned())
        .collect();
    assert!(documented.is_superset(&bins), "TESTING.md's Fuzzing section lacks {:?}", bins.difference(&documented));
    assert!(bins.is_superset(&documented), "TESTING.md documents targets that do not exist");

    let workflow = read(".github/workflows/ci.yml");
    let matrix =
        workflow.lines().find_map(|l| l.trim().strip_prefix("target: [")).expect("ci.yml has a matrix of fuzz targets");
    let matrix: BTreeSet<String> = matrix.trim_end_matches(']').split(',').map(|t| t.trim().to_owned()).collect();
    assert_eq!(matrix, bins, "ci.yml's weekly fuzz matrix");
}

/// The figures of the hardening runs are the scripts' defaults.
#[test]
fn hardening_figures_are_the_scripts_defaults() {
    let hardening = read(".ci/hardening.sh");
    let default = |var: &str| -> usize {
        let at = hardening.find(&format!("{var}:-")).unwrap_or_else(|| panic!("hardening.sh has no {var} default"));
        let digits: String = hardening[at + var.len() + 2..].chars().take_while(char::is_ascii_digit).collect();
        digits.parse().unwrap()
    };
    let seconds = default("FUZZ_SECONDS");
    assert_eq!(figure("Fuzzing", " s each"), seconds, "fuzz seconds per target");
    let rest = hardening.split("fuzz_seconds * ").nth(1).expect("hardening.sh sets a minimum of executions");
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    assert!(rest[digits.len()..].starts_with(" / 60"), "the minimum is set per minute of fuzzing");
    let per_minute: usize = digits.parse().unwrap();
    assert_eq!(figure("Fuzzing", "executions each"), per_minute * seconds / 60, "minimum executions");
    assert_eq!(figure("Reference model", "cases"), default("PROPTEST_CASES"), "model cases in CI");
    assert_eq!(figure("Reference model", "in `cargo test`"), model_props_default(), "model cases by default");
    let doc = testing_md();
    let prose = doc.split("`.ci/hardening.sh` runs").nth(1).expect("the hardening paragraph");
    assert_eq!(number_before(prose, "cases)"), Some(default("PROPTEST_CASES")));
    assert_eq!(number_before(prose, " s run of each"), Some(seconds));
    let (shards, diff_max) = (default("MUTANTS_SHARDS"), default("MUTANTS_DIFF_MAX"));
    assert_eq!(number_before(prose, " rotating"), Some(shards), "mutants: shards");
    assert_eq!(number_before(prose, " mutants)"), Some(diff_max), "mutants: most mutants of a diff");
    let mutation = section(&doc, "## Mutation testing");
    assert!(mutation.contains(&format!("--shard k/{shards} ")), "Mutation testing: the shard option");
    assert!(mutation.contains(&format!("mod {shards}, so any {shards} consecutive")), "Mutation testing: k");
    assert_eq!(number_before(mutation, " mutants in it"), Some(diff_max), "Mutation testing: most mutants of a diff");
}

/// The text of a section of TESTING.md, from its heading to the next one.
fn section<'a>(doc: &'a str, heading: &str) -> &'a str {
    let start = doc.find(heading).unwrap_or_else(|| panic!("TESTING.md has no {heading:?}"));
    let body = &doc[start + heading.len()..];
    &body[..body.find("\n## ").unwrap_or(body.len())]
}

fn model_props_default() -> usize {
    let source = read("integration/tests/model_props.rs");
    let at = source.find(".unwrap_or(").expect("model_props reads PROPTEST_CASES with a default");
    source[at + 11..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap()
}

/// The real-browser row and section: as many cases as `integration/tests/browser.rs` lists, in as many
/// engines as its harness knows.
#[test]
fn browser_figures_are_the_suites() {
    let source = read("integration/tests/browser.rs");
    let cases = source.lines().filter(|l| l.trim_end() == "        Case {").count();
    let harness = read("integration/tests/browser/harness.rs");
    let all = harness.split("const ALL: [Self; ").nth(1).expect("the harness lists its engines in Engine::ALL");
    let engines: usize = all.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap();
    assert_eq!(figure("Real browser", "cases"), cases, "cases in integration/tests/browser.rs");
    assert_eq!(figure("Real browser", "engines"), engines, "engines in Engine::ALL");
    let doc = testing_md();
    let browsers = section(&doc, "## Real browsers");
    assert_eq!(number_before(browsers, " cases run in each engine"), Some(cases), "Real browsers section");
    assert_eq!(browsers.matches(&format!("| {cases}, all as expected")).count(), engines, "one row per engine");
}

/// The WPT vectors: the rows of each transcribed table, and the files they come from.
#[test]
fn wpt_vectors_are_counted() {
    let source = read("tests/wpt_vectors.rs");
    let table = |name: &str| -> &str {
        let start = source.find(&format!("const {name}: ")).unwrap_or_else(|| panic!("no table {name}"));
        let body = &source[start..];
        &body[..body.find("\n];").unwrap()]
    };
    let star = table("STAR").matches("Star {").count();
    let statuses = table("STATUSES").lines().filter(|l| l.trim_start().starts_with('(')).count();
    // The table, and the two values checked on their own: the long `Range` and WPT's `abc123`.
    let safelisted = table("SAFELISTED").lines().filter(|l| l.trim_start().starts_with('(')).count();
    let apart = ["chain([(\"range\", long.as_str(), true)])", "Some((\"last-event-id\", b\"abc123\"))"];
    for vector in apart {
        assert!(source.contains(vector), "wpt_vectors.rs no longer checks {vector}");
    }
    let unparsable = source.matches("Err(Failure::UnparsableList(").count();
    let doc = testing_md();
    let wpt = section(&doc, "## Web-platform-tests vectors");
    assert_eq!(number_before(wpt, " rows"), Some(star), "cors-preflight-star rows");
    assert_eq!(number_before(wpt, " statuses"), Some(statuses), "cors-preflight-status rows");
    assert_eq!(number_before(wpt, " unparsable lists"), Some(unparsable), "response-validation rows");
    assert_eq!(number_before(wpt, " `Content-Type`"), Some(safelisted), "safelisted-request-header table");
    assert_eq!(number_before(wpt, " values, "), Some(safelisted + apart.len()), "safelisted-request-header values");
    let total = star + statuses + unparsable + safelisted + apart.len();
    assert_eq!(figure("Web-platform-tests", "vectors"), total, "TESTING.md's number of WPT vectors");
    let files: BTreeSet<&str> = source
        .split(|c: char| c.is_whitespace() || c == '`' || c == '(' || c == ')')
        .filter(|w| w.ends_with(".any.js"))
        .map(|w| w.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(figure("Web-platform-tests", "WPT files"), files.len(), "{files:?}");
}

/// `row` and `number_before` themselves: a figure that is not there is not found.
#[test]
fn the_reader_finds_figures_and_only_them() {
    assert_eq!(number_before("**2,072 rows** over", "rows"), Some(2072));
    assert_eq!(number_before("rows, 3 tables", "rows"), None);
    assert_eq!(number_before("no rows, 17 tests", "tests"), Some(17));
    let doc = "| Kind | Where |\n|---|---|\n| **Unit tests** | `src/*.rs` |\n";
    assert_eq!(row(doc, "Unit tests")[1], "`src/*.rs`");
}

/// Mutation testing runs the integration tests `.cargo/mutants.toml` names: a new test file is
/// named there, run by it or left out with a reason.
#[test]
fn every_test_file_is_named_in_the_mutants_configuration() {
    let config = std::fs::read_to_string(".cargo/mutants.toml").unwrap();
    let mut named = 0;
    for dir in ["tests", "integration/tests"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
                assert!(config.contains(&name), "{name} ({dir}) is not named in .cargo/mutants.toml");
                named += 1;
            }
        }
    }
    assert!(named >= 20, "only {named} test files found");
    // The integration member's tests run only if cargo-mutants tests the whole workspace.
    assert!(config.contains("\ntest_workspace = true\n"), ".cargo/mutants.toml must test the workspace");
}
