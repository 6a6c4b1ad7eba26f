//! Reading the figures TESTING.md states, so that tests can count the same things and fail when
//! the document drifts from the code (`tests/testing_md.rs`, and the tables that are counted
//! where they are built: `tests/spec_table.rs`, `tests/combinations.rs`).

use std::path::{Path, PathBuf};

/// The repository's root: this package's folder, or its parent for the `integration` member.
pub fn root() -> PathBuf {
    let package = Path::new(env!("CARGO_MANIFEST_DIR"));
    if package.join("TESTING.md").exists() {
        package.to_owned()
    } else {
        package.parent().expect("the workspace root").to_owned()
    }
}

/// A file of the repository, by its path from the root.
pub fn read(path: impl AsRef<Path>) -> String {
    let full = root().join(path.as_ref());
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// TESTING.md.
pub fn testing_md() -> String {
    read("TESTING.md")
}

/// The cells of the overview table's row whose first cell, stars stripped, starts with `kind`.
pub fn row(doc: &str, kind: &str) -> Vec<String> {
    doc.lines()
        .filter(|line| line.starts_with('|'))
        .map(|line| line.trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect::<Vec<_>>())
        .find(|cells| cells[0].trim_matches('*').starts_with(kind))
        .unwrap_or_else(|| panic!("TESTING.md has no table row for {kind:?}"))
}

/// The number written right before `word` in `text`, thousands separated by commas and maybe in
/// bold: `number_before("**2,072 rows**", "rows")` is 2072. The first such number counts.
pub fn number_before(text: &str, word: &str) -> Option<usize> {
    text.match_indices(word).find_map(|(at, _)| {
        let before = text[..at].trim_end_matches([' ', '*']);
        let digits: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .filter(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}

/// The figure `N word` in the overview table's row for `kind`.
pub fn figure(kind: &str, word: &str) -> usize {
    let doc = testing_md();
    let cells = row(&doc, kind);
    cells
        .iter()
        .find_map(|cell| number_before(cell, word))
        .unwrap_or_else(|| panic!("TESTING.md's {kind:?} row states no \"N {word}\": {cells:?}"))
}

/// The `.rs` files a cell names in backticks; `dir/*.rs` names every `.rs` file of `dir`, and
/// `dir/**/*.rs` those of its subfolders too.
pub fn files_in(cell: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let root = root();
    let mut files = Vec::new();
    for name in cell.split('`').skip(1).step_by(2).filter(|n| n.ends_with(".rs")) {
        if let Some(dir) = name.strip_suffix("**/*.rs") {
            walk(&root.join(dir), &mut files);
            continue;
        }
        match name.strip_suffix("*.rs") {
            Some(dir) => {
                let mut listed: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
                    .unwrap_or_else(|e| panic!("{dir}: {e}"))
                    .map(|entry| entry.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|e| e == "rs"))
                    .collect();
                listed.sort();
                files.extend(listed);
            }
            None => files.push(root.join(name)),
        }
    }
    files
}

/// How many tests a source file holds: `#[test]` and `#[tokio::test]` functions.
pub fn tests_in(source: &str) -> usize {
    source.lines().map(str::trim_start).filter(|line| *line == "#[test]" || line.starts_with("#[tokio::test")).count()
}
