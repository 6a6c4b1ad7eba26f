//! The guides (`docs/*.md`, also `tower_cors::guides::*`) and the README are read in two places,
//! a repository page and docs.rs, and their code is copied into projects. Their doctests prove
//! the code compiles, but with every dev-dependency of this crate in scope; this test proves
//! that each copied snippet needs only the crates its guide lists, and that the pages read the
//! same in both places:
//!
//! - every ```rust block follows a ```toml block with `[dependencies]` or `[dev-dependencies]`
//!   lines (the nearest one above it), and each crate the block names (`use x::..`, `x::..`,
//!   `#[x::..]`) is listed there; a block that uses `tower_cors::testing` lists the `testing`
//!   feature, and `CorsConfig` the `serde` feature;
//! - no block has rustdoc's hidden `# ` lines, which a repository page shows;
//! - no link is a rustdoc intra-doc path (`](crate::..)`), which leads nowhere on a repository
//!   page; docs.rs links name an item, method or guide section that exists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const DOCS_RS: &str = "https://docs.rs/tower-cors/latest/tower_cors/";

/// The README and every guide, as (name, text).
fn pages() -> Vec<(String, String)> {
    let mut pages = vec![("README.md".to_owned(), fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap())];
    let mut guides: Vec<_> = fs::read_dir(Path::new(ROOT).join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    guides.sort();
    for path in guides {
        let name = format!("docs/{}", path.file_name().unwrap().to_string_lossy());
        pages.push((name, fs::read_to_string(path).unwrap()));
    }
    assert!(pages.len() >= 7, "the guides were not found: {:?}", pages.iter().map(|p| &p.0).collect::<Vec<_>>());
    pages
}

/// A fenced block: its info string, first line number and code.
struct Block {
    info: String,
    line: usize,
    code: String,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let Some(info) = line.strip_prefix("```") else { continue };
        let mut code = String::new();
        for (_, line) in lines.by_ref() {
            if line.starts_with("```") {
                break;
            }
            code.push_str(line);
            code.push('\n');
        }
        out.push(Block { info: info.trim().to_owned(), line: n + 1, code });
    }
    out
}

fn is_rust(info: &str) -> bool {
    let mut words = info.split(',').map(str::trim);
    matches!(words.next(), Some("rust")) && !info.contains("ignore")
}

/// The crates a Cargo.toml block lists, by the name code uses (`tower-cors` is `tower_cors`),
/// each with its features.
fn listed(toml: &str) -> Option<Vec<(String, String)>> {
    let mut in_deps = false;
    let mut seen_section = false;
    let mut crates = Vec::new();
    for line in toml.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line == "[dependencies]" || line == "[dev-dependencies]";
            seen_section |= in_deps;
            continue;
        }
        if in_deps {
            if let Some((name, spec)) = line.split_once('=') {
                crates.push((name.trim().replace('-', "_"), spec.trim().to_owned()));
            }
        }
    }
    seen_section.then_some(crates)
}

/// Removes comments and the contents of string literals, so that prose and URLs inside them
/// are not read as paths.
fn code_only(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push('"');
            }
            // A char literal ('a', '\n'); a lifetime ('a) is kept.
            '\'' => {
                let rest: String = chars.clone().take(3).collect();
                if rest.chars().nth(1) == Some('\'') || rest.starts_with('\\') {
                    for c in chars.by_ref() {
                        if c == '\'' {
                            break;
                        }
                    }
                    out.push_str("' '");
                } else {
                    out.push(c);
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The first segment of every path in `code` (`x` of `x::y`, not preceded by `::` or an
/// identifier), and the names `use` declarations and `mod` items bring into scope.
fn path_roots(code: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let code = code_only(code);
    let mut roots = BTreeSet::new();
    let bytes: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if is_ident_char(bytes[i]) && (i == 0 || !is_ident_char(bytes[i - 1])) {
            let start = i;
            while i < bytes.len() && is_ident_char(bytes[i]) {
                i += 1;
            }
            let ident: String = bytes[start..i].iter().collect();
            // After `::` it is not a root; after `.` it is a method's turbofish (`.parse::<T>()`).
            let after_path = (start >= 2 && bytes[start - 1] == ':' && bytes[start - 2] == ':')
                || (start >= 1 && bytes[start - 1] == '.');
            let followed = i + 1 < bytes.len() && bytes[i] == ':' && bytes[i + 1] == ':';
            if followed && !after_path && !ident.starts_with(|c: char| c.is_ascii_digit()) {
                roots.insert(ident);
            }
            continue;
        }
        i += 1;
    }
    // Names bound by `use` (every identifier after the first segment) and `mod`.
    let mut local = BTreeSet::new();
    for statement in code.split(';') {
        let statement = statement.trim_start();
        let body = statement.strip_prefix("pub ").unwrap_or(statement);
        if let Some(tree) = body.strip_prefix("use ") {
            let first = tree.split("::").next().unwrap_or_default().trim().to_owned();
            let names: Vec<String> =
                tree.split(|c: char| !is_ident_char(c)).filter(|word| !word.is_empty()).map(str::to_owned).collect();
            for name in names {
                if name != first {
                    local.insert(name);
                }
            }
        }
    }
    for line in code.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("mod ") {
            local.insert(rest.split(|c: char| !is_ident_char(c)).next().unwrap_or_default().to_owned());
        }
    }
    (roots, local)
}

/// Path roots that are not crates: the standard library and primitive types (`str::trim`).
const LANGUAGE: &[&str] = &[
    "std", "core", "alloc", "crate", "self", "super", "Self", "str", "u8", "u16", "u32", "u64", "usize", "i32", "i64",
    "f64", "bool", "char",
];

#[test]
fn every_snippet_lists_the_crates_it_uses() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (page, text) in pages() {
        let mut deps: Option<Vec<(String, String)>> = None;
        for block in blocks(&text) {
            if block.info == "toml" {
                if let Some(crates) = listed(&block.code) {
                    deps = Some(crates);
                }
                continue;
            }
            if !is_rust(&block.info) {
                continue;
            }
            let at = format!("{page}:{}", block.line);
            let Some(deps) = &deps else {
                failures.push(format!("{at}: no ```toml block with [dependencies] above this snippet"));
                continue;
            };
            let (roots, local) = path_roots(&block.code);
            for root in roots {
                if LANGUAGE.contains(&root.as_str())
                    || local.contains(&root)
                    || root.starts_with(|c: char| c.is_ascii_uppercase())
                {
                    continue;
                }
                if !deps.iter().any(|(name, _)| *name == root) {
                    failures.push(format!("{at}: uses `{root}::` but its Cargo.toml lines do not list `{root}`"));
                }
            }
            let with_feature = |feature: &str| {
                deps.iter().any(|(name, spec)| name == "tower_cors" && spec.contains(&format!("\"{feature}\"")))
            };
            for (marker, feature) in
                [("tower_cors::testing", "testing"), ("CorsConfig", "serde"), ("reloadable", "reload")]
            {
                if block.code.contains(marker) && !with_feature(feature) {
                    failures.push(format!(
                        "{at}: uses `{marker}` but tower-cors is not listed with the `{feature}` feature"
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 30, "only {checked} snippets found");
}

/// The mechanism itself: a snippet naming a crate its lines do not list is caught, and one
/// that names only listed crates, its own modules and `use`d names is not.
#[test]
fn the_check_catches_an_unlisted_crate() {
    let (roots, local) = path_roots(
        "use http::{header, Method};\nmod routes { }\n// tokio::spawn in a comment\n\
         let s = \"serde::x\";\nlet l = tracing::Level::DEBUG;\nheader::CONTENT_TYPE; routes::x(); Method::GET;\n\
         let v = s.parse::<u8>();\n",
    );
    assert_eq!(roots, BTreeSet::from(["Method", "header", "http", "routes", "tracing"].map(String::from)));
    assert!(local.contains("header") && local.contains("routes") && local.contains("Method"));
    assert!(!local.contains("tracing") && !local.contains("http"));
    let deps =
        listed("[dependencies]\ntower-cors = { version = \"0.1\", features = [\"testing\"] }\nhttp = \"1\"\n").unwrap();
    assert_eq!(deps.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(), ["tower_cors", "http"]);
    assert_eq!(listed("[package]\nname = \"x\"\n"), None);
}

#[test]
fn no_hidden_lines_in_copyable_blocks() {
    let mut failures = Vec::new();
    for (page, text) in pages() {
        for block in blocks(&text).into_iter().filter(|block| block.info.starts_with("rust")) {
            for (n, line) in block.code.lines().enumerate() {
                let line = line.trim_start();
                if line == "#" || line.starts_with("# ") {
                    failures.push(format!("{page}:{}: hidden line `{line}`", block.line + 1 + n));
                }
            }
        }
    }
    assert!(failures.is_empty(), "rustdoc's hidden lines show on a repository page:\n{}", failures.join("\n"));
}

/// The id rustdoc (and GitHub) gives a heading.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn headings(text: &str) -> BTreeSet<String> {
    let mut in_code = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
        } else if !in_code && line.starts_with('#') {
            out.insert(anchor(line.trim_start_matches('#')));
        }
    }
    out
}

/// Every public name of the crate's source, with the `fn`s defined in it, to check docs.rs
/// links against without building the docs.
fn source() -> String {
    fn walk(dir: &Path, out: &mut String) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                out.push_str(&fs::read_to_string(path).unwrap());
            }
        }
    }
    let mut out = String::new();
    walk(&Path::new(ROOT).join("src"), &mut out);
    out
}

#[test]
fn links_resolve_on_a_repository_page_and_on_docs_rs() {
    let source = source();
    let guides: Vec<(String, String)> = pages();
    let mut failures = Vec::new();
    let mut links = 0;
    for (page, text) in &guides {
        if text.contains("](crate::") {
            failures.push(format!("{page}: a `](crate::..)` link leads nowhere on a repository page"));
        }
        for (i, _) in text.match_indices(&format!("]({DOCS_RS}")) {
            let rest = &text[i + 2 + DOCS_RS.len()..];
            let target = &rest[..rest.find(')').unwrap()];
            links += 1;
            let (file, fragment) = target.split_once('#').unwrap_or((target, ""));
            let segments: Vec<&str> = file.split('/').collect();
            let ok = match segments.as_slice() {
                ["guides", guide, "index.html"] => guides
                    .iter()
                    .find(|(name, _)| *name == format!("docs/{guide}.md"))
                    .is_some_and(|(_, text)| fragment.is_empty() || headings(text).contains(fragment)),
                [modules @ .., "index.html"] => {
                    modules.iter().all(|module| source.contains(&format!("pub mod {module}"))) && fragment.is_empty()
                }
                [.., item] => {
                    let (kind, name) = item.trim_end_matches(".html").split_once('.').unwrap_or(("", ""));
                    let defined = match kind {
                        "struct" => {
                            source.contains(&format!("pub struct {name}")) || source.contains(&format!("    {name},\n"))
                        }
                        "enum" => source.contains(&format!("pub enum {name}")),
                        "trait" => source.contains(&format!("pub trait {name}")),
                        _ => false,
                    };
                    let member = match fragment.split_once('.') {
                        None => fragment.is_empty(),
                        Some(("method", method)) => source.contains(&format!("pub fn {method}")),
                        Some(("variant", variant)) => source.contains(&format!("    {variant}")),
                        Some(("associatedconstant", constant)) => source.contains(&format!("pub const {constant}")),
                        Some(_) => false,
                    };
                    defined && member
                }
                [] => false,
            };
            if !ok {
                failures.push(format!("{page}: {DOCS_RS}{target} names nothing this crate defines"));
            }
        }
        // Relative links (the README's to the guides) must name a file of the repository.
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let target = &rest[..rest.find(')').unwrap_or(0)];
            if target.is_empty() || target.starts_with("http") || target.starts_with('#') || target.contains(' ') {
                continue;
            }
            let file = target.split('#').next().unwrap();
            let base =
                if page.starts_with("docs/") { Path::new(ROOT).join("docs") } else { Path::new(ROOT).to_owned() };
            if page.starts_with("docs/") {
                failures.push(format!("{page}: relative link `{target}` leads nowhere on docs.rs: use a docs.rs link"));
            } else if !base.join(file).exists() {
                failures.push(format!("{page}: relative link `{target}` names no file"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(links >= 60, "only {links} docs.rs links found");
}
