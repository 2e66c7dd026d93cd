//! The jambonz compatibility corpus: every application in
//! tests/fixtures/compat/ (built by tests/compat/generate.js with jambonz's
//! own `@jambonz/node-client`, one per verb and per property of jambonz's
//! specification) goes through the validator and compiler `explain` uses.
//! The accepted fraction is printed. Each refused application must match a
//! row of the README's table of deliberate differences (and each row must
//! still match a refused application), so a difference is either gone or
//! stated, never silent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dialbridge::config::Settings;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn settings() -> Settings {
    let path = root().join("tests/fixtures/config/dialbridge.toml");
    let (settings, _) =
        Settings::load_with_env(Some(&path), std::iter::empty()).expect("fixture config loads");
    settings
}

/// The corpus: file stem -> application text.
fn corpus() -> BTreeMap<String, String> {
    let dir = root().join("tests/fixtures/compat");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures/compat exists") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("utf-8 name")
                .to_owned();
            out.insert(stem, std::fs::read_to_string(&path).expect("readable"));
        }
    }
    out
}

/// The README's table of deliberate differences: (pattern, reason). A
/// pattern is a corpus file name, or a prefix ending in `*`.
fn differences(readme: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(readme).expect("README.md");
    let start = text
        .find("<!-- compat-differences -->")
        .expect("README has the <!-- compat-differences --> table");
    let mut rows = Vec::new();
    for line in text[start..].lines().skip(1) {
        if line.starts_with("<!--") {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        for pattern in cells[1].split(',') {
            let pattern = pattern.trim().trim_matches('`').to_owned();
            rows.push((pattern, cells[2].to_owned()));
        }
    }
    rows
}

fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

#[test]
fn every_jambonz_application_is_accepted_or_a_stated_difference() {
    let settings = settings();
    let corpus = corpus();
    assert!(corpus.len() > 400, "the corpus has {} files", corpus.len());
    let mut refused: BTreeMap<String, String> = BTreeMap::new();
    for (name, text) in &corpus {
        if let Err(problems) = dialbridge::explain::explain(text, &settings) {
            let why: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
            refused.insert(name.clone(), why.join("; "));
        }
    }
    let accepted = corpus.len() - refused.len();
    println!(
        "jambonz compatibility corpus: {accepted} of {} applications accepted ({:.1}%)",
        corpus.len(),
        100.0 * accepted as f64 / corpus.len() as f64
    );
    let table = differences(&root().join("README.md"));
    let whole_verbs = refused
        .keys()
        .filter(|n| table.iter().any(|(p, _)| p.ends_with('*') && matches(p, n)))
        .count();
    println!(
        "  of the {} applications whose verbs dialbridge runs: {accepted} accepted ({:.1}%)",
        corpus.len() - whole_verbs,
        100.0 * accepted as f64 / (corpus.len() - whole_verbs) as f64
    );
    let mut unlisted = Vec::new();
    for (name, why) in &refused {
        if !table.iter().any(|(p, _)| matches(p, name)) {
            unlisted.push(format!("{name}: {why}"));
        } else {
            println!("  deliberate difference: {name}");
        }
    }
    let stale: Vec<&String> = table
        .iter()
        .map(|(p, _)| p)
        .filter(|p| !refused.keys().any(|n| matches(p, n)))
        .collect();
    assert!(
        unlisted.is_empty(),
        "refused but not in the README's table of differences:\n{}",
        unlisted.join("\n")
    );
    assert!(
        stale.is_empty(),
        "rows of the README's table of differences that no refused application matches \
         (the difference is gone: remove the row): {stale:?}"
    );
}
