//! The arrows between modules go one way: CLI → domain ← engines. Read from the `crate::` paths
//! and the outside crates named in the code of `src/` (comments left out), so that an import
//! pointing the wrong way fails here: no cycle, the domain names nothing outside itself but
//! `text` and no engine, mail or terminal crate, and only the command line uses clap.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A module and the modules its code names.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The module a source file belongs to: `domain::NAME` for the domain's modules (a folder counts
/// as one module), the top-level name otherwise (`cli`, `storage`, `mail`, …).
fn module_of(relative: &Path) -> String {
    let parts: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [domain, name, ..] if domain == "domain" && name != "mod" => format!("domain::{name}"),
        [first, ..] => first.clone(),
        [] => unreachable!("a file has a name"),
    }
}

/// The module a `crate::…` path names, by the same rule as [`module_of`].
fn module_named(path: &str) -> String {
    let mut parts = path.split("::");
    match (parts.next(), parts.next()) {
        (Some("domain"), Some(name))
            if name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
        {
            format!("domain::{name}")
        }
        (Some(first), _) => first.to_owned(),
        (None, _) => unreachable!("split yields at least one part"),
    }
}

/// Every `crate::a::b` path in the code of `text`, comments left out.
fn crate_paths(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .flat_map(|code| {
            code.match_indices("crate::")
                .map(move |(at, _)| &code[at + "crate::".len()..])
        })
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect::<String>()
                .trim_end_matches(':')
                .to_owned()
        })
        .filter(|path| !path.is_empty())
        .collect()
}

/// The outside crates `text` names (`clap::…`, `use rusqlite::…`), of those some layers must not use.
fn outside_crates(text: &str) -> BTreeSet<&'static str> {
    const WATCHED: [&str; 10] = [
        "clap",
        "indicatif",
        "rpassword",
        "tabled",
        "rusqlite",
        "postgres",
        "lettre",
        "rustls",
        "tokio_postgres_rustls",
        "clap_mangen",
    ];
    let code: Vec<&str> = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect();
    WATCHED
        .into_iter()
        .filter(|name| {
            let path = format!("{name}::");
            code.iter().any(|line| {
                line.match_indices(&path).any(|(at, _)| {
                    let before = line[..at].chars().next_back();
                    !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
                })
            })
        })
        .collect()
}

/// Whether `module` may use the outside crate `name`: the terminal and argument crates belong to
/// the command line (tables to output too), the engines' and mail's crates never to the domain.
fn crate_allowed(module: &str, name: &str) -> bool {
    match name {
        "clap" | "clap_mangen" | "indicatif" | "rpassword" => module == "cli",
        "tabled" => matches!(module, "cli" | "output"),
        _ => !module.starts_with("domain"),
    }
}

/// Every `.rs` file under `src` but `lib.rs` and `main.rs`, with its path relative to `src`.
fn rust_files(src: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap().to_path_buf();
            if relative == Path::new("lib.rs") || relative == Path::new("main.rs") {
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            files.push((relative, text));
        }
    }
    files
}

fn graph_of(src: &Path) -> Graph {
    let mut graph = Graph::new();
    for (relative, text) in rust_files(src) {
        let from = module_of(&relative);
        let uses = graph.entry(from.clone()).or_default();
        for name in outside_crates(&text) {
            uses.insert(format!("crate {name}"));
        }
        for named in crate_paths(&text) {
            let to = module_named(&named);
            if to != from {
                uses.insert(to);
            }
        }
    }
    graph
}

/// What each layer may name besides itself. `text` (bounded line reads, the escaper of echoed
/// input) is a leaf every layer may use.
fn allowed(from: &str, to: &str) -> bool {
    if let Some(name) = to.strip_prefix("crate ") {
        return crate_allowed(from, name);
    }
    let domain = to.starts_with("domain::");
    match from {
        "cli" => true,
        "text" => false,
        "session_file" => domain || matches!(to, "text" | "private_file" | "settings"),
        // The domain, the engines, mail, settings, output and the file formats: the domain only.
        _ => domain || to == "text",
    }
}

/// A cycle through `start`, if there is one, as the path that closes it.
fn cycle_through(graph: &Graph, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![start.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().unwrap();
        for next in graph.get(last).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

fn problems(graph: &Graph) -> Vec<String> {
    let mut problems: Vec<String> = graph
        .iter()
        .flat_map(|(from, uses)| {
            uses.iter()
                .filter(|to| !allowed(from, to))
                .map(move |to| format!("{from} uses {to}"))
        })
        .collect();
    problems.extend(
        graph
            .keys()
            .filter_map(|module| cycle_through(graph, module))
            .map(|cycle| format!("cycle: {}", cycle.join(" → "))),
    );
    problems
}

#[test]
fn arrows_between_modules_go_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph_of(&src);
    assert!(graph.contains_key("domain::accounts") && graph.contains_key("storage"));
    let problems = problems(&graph);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_architecture_check_sees_a_wrong_arrow_and_a_cycle() {
    let mut graph = Graph::new();
    let mut edge = |from: &str, to: &str| {
        graph.entry(from.to_owned()).or_default().insert(to.to_owned());
    };
    edge("domain::store", "storage");
    edge("domain::error", "domain::import");
    edge("domain::import", "domain::error");
    edge("transfer", "crate clap");
    edge("domain::user", "crate rusqlite");
    edge("output", "crate tabled");
    let found = problems(&graph);
    assert!(found.contains(&"transfer uses crate clap".to_owned()), "{found:?}");
    assert!(
        found.contains(&"domain::user uses crate rusqlite".to_owned()),
        "{found:?}"
    );
    assert!(!found.contains(&"output uses crate tabled".to_owned()), "{found:?}");
    assert_eq!(
        outside_crates("use clap::Args; let x = tokio_postgres_rustls::MakeRustlsConnect; // lettre::x"),
        BTreeSet::from(["clap", "tokio_postgres_rustls"])
    );
    assert!(found.contains(&"domain::store uses storage".to_owned()), "{found:?}");
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("cycle: domain::error → domain::import")),
        "{found:?}"
    );
    assert_eq!(
        crate_paths("use crate::domain::user::{User, UserKey}; // crate::cli"),
        ["domain::user"]
    );
    assert_eq!(module_named("domain::accounts::AddressHash"), "domain::accounts");
    assert_eq!(module_of(Path::new("domain/accounts/login.rs")), "domain::accounts");
    assert_eq!(module_of(Path::new("storage/postgres.rs")), "storage");
}

/// Issue 12: no message shows Rust's debug output. Outside the tests (the test module that ends a
/// file, and the files of tests, `*tests.rs`),
/// no format string of `src/` uses `{:?}` or `{:#?}`, and nothing calls `dbg!`: a value a user
/// sees is shown with its `Display`, or escaped with `text::shown`.
#[test]
fn no_message_shows_rust_debug_output() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for (relative, text) in rust_files(&src) {
        if relative
            .file_stem()
            .is_some_and(|stem| stem.to_string_lossy().ends_with("tests"))
        {
            continue;
        }
        let code = text.split("\n#[cfg(test)]").next().unwrap_or_default();
        for (number, line) in code.lines().enumerate() {
            let line = line.split("//").next().unwrap_or_default();
            if line.contains(":?}") || line.contains(":#?}") || line.contains("dbg!(") {
                found.push(format!("src/{}:{}: {}", relative.display(), number + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "debug formatting in messages:\n{}", found.join("\n"));
}
