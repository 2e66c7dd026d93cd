//! The crate's layers only point down (docs/architecture.md, "Layers"):
//! every `crate::` path in src/ is read, resolved to the top-level module
//! it names, and compared with the layer of the module it is written in.
//! A module may use only modules of a lower layer (and itself); modules on
//! the same layer are siblings and do not use each other. A top-level
//! module missing from [`LAYERS`] fails the check too, so a new module gets
//! its place in the table before it can be used.
//!
//! The checker is tested on its own with a deliberately upward import
//! (`the_check_fails_on_an_upward_import`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every top-level module of src/ with its layer (lower is further down).
/// The tens are the layers of docs/architecture.md; the units order
/// modules within one (the verb model under its readers, the transports
/// under `explain`).
const LAYERS: &[(&str, u32)] = &[
    // 0 — values
    ("secret", 0),
    ("metrics", 0),
    // 1 — what applications say: the model, then its readers and the pure
    // parts that take its values
    ("app", 10),
    ("jambonz", 11),
    ("rcml", 11),
    ("dialect", 12),
    ("amd", 11),
    ("dtmf", 11),
    // 2 — configuration
    ("config", 20),
    // 3 — transports, then what shows their commands
    ("webhook", 30),
    ("freeswitch", 30),
    ("explain", 31),
    // 4 — one call's life
    ("call", 40),
    // 5 — the process (`allocator` is the binary's, src/main.rs)
    ("daemon", 50),
    ("allocator", 50),
];

/// A use of a module by another that breaks the layering.
#[derive(Debug, PartialEq, Eq)]
struct Violation {
    file: String,
    line: usize,
    from: String,
    to: String,
    why: String,
}

fn layer(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The module path of `file` (relative to src/): `call/dial/live.rs` ->
/// `[call, dial, live]`; `call/dial/mod.rs` -> `[call, dial]`; a
/// `*_tests.rs` file included with `#[path]` counts as its subject's.
fn module_path(file: &Path) -> Vec<String> {
    let mut parts: Vec<String> = file
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        let stem = stem.strip_suffix("_tests").unwrap_or(stem);
        if stem != "mod" {
            parts.push(stem.to_owned());
        }
    }
    parts
}

/// The top-level module each `crate::` path in `line` names, and each
/// `super::` path that climbs to the crate root, seen from the module
/// `here` (a module at depth d reaches the root with d `super`s).
fn targets(line: &str, here: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let word_start =
        |i: usize| i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
    let mut i = 0;
    while i < line.len() {
        let rest = &line[i..];
        if word_start(i) && rest.starts_with("crate::") {
            let after = &rest["crate::".len()..];
            out.extend(first_segments(after));
            i += "crate::".len();
            continue;
        }
        if word_start(i) && rest.starts_with("super::") {
            let mut ups = 0;
            let mut r = rest;
            while let Some(next) = r.strip_prefix("super::") {
                ups += 1;
                r = next;
            }
            // `super` of a module at depth d is depth d-1: the crate root
            // when d == 1, where the next segment is a top-level module.
            if ups >= here.len() {
                out.extend(first_segments(r));
            }
            i += rest.len() - r.len();
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// The first path segment of `after` (`config::Settings` -> `config`), or
/// each first segment of a group (`{config::Settings, call::Engine}`).
fn first_segments(after: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let Some(group) = after.strip_prefix('{') else {
        let id = ident(after);
        return if id.is_empty() { vec![] } else { vec![id] };
    };
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => start = true,
            c if start && !c.is_whitespace() => {
                start = false;
                let id = ident(&group[i..]);
                if !id.is_empty() && id != "self" {
                    out.push(id);
                }
            }
            _ => {}
        }
    }
    out
}

/// Every layering violation in `files` (path relative to src/, text).
fn violations(files: &[(PathBuf, String)]) -> Vec<Violation> {
    let mut found = Vec::new();
    for (path, text) in files {
        let here = module_path(path);
        let Some(top) = here.first().cloned() else {
            continue;
        };
        if top == "lib" || top == "main" {
            continue;
        }
        let file = path.display().to_string();
        let Some(own) = layer(&top) else {
            found.push(Violation {
                file,
                line: 0,
                from: top.clone(),
                to: top,
                why: "this top-level module has no layer in LAYERS".into(),
            });
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for to in targets(line, &here) {
                if to == top {
                    continue;
                }
                let why = match layer(&to) {
                    None => format!("`{to}` is not a module of LAYERS"),
                    Some(l) if l > own => format!("layer {l} is above layer {own}"),
                    Some(l) if l == own => {
                        format!("`{top}` and `{to}` are siblings on layer {l}")
                    }
                    Some(_) => continue,
                };
                found.push(Violation {
                    file: file.clone(),
                    line: n + 1,
                    from: top.clone(),
                    to,
                    why,
                });
            }
        }
    }
    found
}

fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            read_tree(root, &path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            out.push((rel, text));
        }
    }
}

#[test]
fn every_module_uses_only_lower_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    read_tree(&root, &root, &mut files);
    assert!(files.len() > 50, "src/ was not read: {}", files.len());
    let mut by_pair: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for v in violations(&files) {
        by_pair
            .entry((v.from, v.to))
            .or_default()
            .push(format!("{}:{} ({})", v.file, v.line, v.why));
    }
    assert!(
        by_pair.is_empty(),
        "modules that use a higher layer or a sibling (docs/architecture.md, \"Layers\"):\n{}",
        by_pair
            .iter()
            .map(|((f, t), at)| format!("  {f} -> {t}: {}", at.join(", ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_check_fails_on_an_upward_import() {
    let files = vec![
        (
            PathBuf::from("config/sections.rs"),
            "use serde::Deserialize;\nuse crate::call::Engine;\n".to_owned(),
        ),
        (
            PathBuf::from("freeswitch/listener.rs"),
            "pub fn f(e: &crate::daemon::Daemon) {}\n".to_owned(),
        ),
        (
            PathBuf::from("app/rules.rs"),
            "use crate::{secret::Secret, jambonz::Pointer};\n".to_owned(),
        ),
        (
            PathBuf::from("explain.rs"),
            "fn g() { super::call::run(); }\n".to_owned(),
        ),
    ];
    let got: Vec<(String, String, usize)> = violations(&files)
        .into_iter()
        .map(|v| (v.from, v.to, v.line))
        .collect();
    assert_eq!(
        got,
        [
            ("config".to_owned(), "call".to_owned(), 2),
            ("freeswitch".to_owned(), "daemon".to_owned(), 1),
            ("app".to_owned(), "jambonz".to_owned(), 1),
            ("explain".to_owned(), "call".to_owned(), 1),
        ]
    );
}

#[test]
fn downward_uses_siblings_and_unknown_modules_are_told_apart() {
    let files = vec![
        (
            PathBuf::from("call/dial/live.rs"),
            "use crate::config::Settings;\nuse super::super::session;\n\
             // crate::daemon in a comment is not a use\n\
             use crate::{app::Dial, freeswitch::{socket, outcome}};\n"
                .to_owned(),
        ),
        (
            PathBuf::from("webhook/urls.rs"),
            "use crate::freeswitch::socket;\n".to_owned(),
        ),
        (PathBuf::from("rest.rs"), "use crate::call;\n".to_owned()),
    ];
    let got: Vec<String> = violations(&files).into_iter().map(|v| v.why).collect();
    assert_eq!(
        got,
        [
            "`webhook` and `freeswitch` are siblings on layer 30",
            "this top-level module has no layer in LAYERS",
        ]
    );
}
