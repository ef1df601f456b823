//! `user import --rejects FILE`: every valid row imported in one transaction, every rejected row
//! written as it was with its line number and reason, exit 8 when any was rejected.

use std::fs;

use serde_json::Value;

use crate::util::{World, json_error, mode};

/// One row of each kind of problem between two valid rows (lines 2 and 14): invalid email, flag,
/// policy, common password, hash, password and hash both, an email and a username repeated in the
/// file, an email registered, a username taken, and a field quoted wrong.
const MIXED_CSV: &str = "\
email,username,password,password_hash,confirmed,active
ok1@example.com,ok1,correct horse battery,,,
not-an-email,,,,,
bad-flag@example.com,,,,perhaps,
short@example.com,,abc,,,
common@example.com,,password1,,,
hash@example.com,,,md5$nothing,,
both@example.com,,correct horse battery,x,,
ok1@example.com,,,,,
dupname@example.com,ok1,,,,
taken@example.com,,,,,
takenname@example.com,zed,,,,
\"unclosed@example.com,\"x,,,,
ok2@example.com,ok2,,,,
";

/// Lines 3 to 13 of [`MIXED_CSV`] are rejected; lines 2 and 14 are valid.
const REJECTED_LINES: [u64; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];

fn world_with_taken_accounts() -> World {
    let world = World::new();
    world.add_user("taken@example.com");
    world.add_user_with("zed@example.com", &["--username", "zed"]);
    world
}

/// Imports [`MIXED_CSV`] with `--json`, `extra` and `--rejects`; returns the output and the
/// rejects file.
fn import_mixed(world: &World, extra: &[&str]) -> (std::process::Output, std::path::PathBuf) {
    let input = world.path("mixed.csv");
    fs::write(&input, MIXED_CSV).unwrap();
    let rejects = world.path("rejects.csv");
    let output = world
        .cmd()
        .args(["--json", "user", "import"])
        .args(extra)
        .arg("--rejects")
        .arg(&rejects)
        .arg(&input)
        .output()
        .unwrap();
    (output, rejects)
}

#[test]
fn valid_rows_are_imported_and_each_rejected_row_is_written_as_it_was() {
    let world = world_with_taken_accounts();
    let (output, rejects) = import_mixed(&world, &[]);
    assert_eq!(
        output.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (summary["created"].as_u64(), summary["rejected"].as_u64()),
        (Some(2), Some(11))
    );
    let error = json_error(&output.stderr);
    assert_eq!(error["kind"], "rows_rejected");
    assert!(
        error["message"].as_str().unwrap().contains("11 rows rejected"),
        "{error}"
    );

    // The valid rows are there, and the rejected ones changed nothing.
    world.json(&["user", "show", "ok1@example.com"]);
    world.json(&["user", "show", "ok2@example.com"]);
    assert_eq!(world.user_count(), 4);
    assert_eq!(world.json(&["user", "show", "zed@example.com"])["username"], "zed");

    assert_eq!(mode(&rejects), 0o600);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(&rejects).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "email",
            "username",
            "password",
            "password_hash",
            "confirmed",
            "active",
            "rejected_line",
            "rejected_reason"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let lines: Vec<u64> = rows.iter().map(|row| row[row.len() - 2].parse().unwrap()).collect();
    assert_eq!(lines, REJECTED_LINES);
    let input_lines: Vec<&str> = MIXED_CSV.lines().collect();
    for row in &rows {
        let line: usize = row[row.len() - 2].parse().unwrap();
        let fields: Vec<&str> = row.iter().take(row.len() - 2).collect();
        if line != 13 {
            assert_eq!(fields.join(","), input_lines[line - 1], "line {line}");
        }
        assert!(!row[row.len() - 1].is_empty(), "line {line} has no reason");
    }
    let reason = |line: u64| rows[lines.iter().position(|l| *l == line).unwrap()][7].to_owned();
    assert!(reason(9).contains("earlier in the file"), "{}", reason(9));
    assert!(reason(10).contains("earlier in the file"), "{}", reason(10));
    assert!(reason(11).contains("already registered"), "{}", reason(11));
    assert!(reason(12).contains("already taken"), "{}", reason(12));
    assert_eq!(world.audit_count("users_imported"), 1);
}

#[test]
fn stdin_jsonl_rejects_keep_each_line_as_it_was() {
    let world = world_with_taken_accounts();
    let input = "{\"email\":\"ok@example.com\"}\n\
                 {\"email\":\"taken@example.com\",\"username\":\"t\"}\n\
                 not json at all\n\
                 \n\
                 {\"email\":\"ok@example.com\", \"confirmed\": true}\n";
    let rejects = world.path("rejects.jsonl");
    let output = world
        .cmd()
        .args(["user", "import", "--format", "jsonl", "-", "--rejects"])
        .arg(&rejects)
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let entries: Vec<Value> = fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let lines: Vec<u64> = entries.iter().map(|entry| entry["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [2, 3, 5]);
    assert_eq!(entries[0]["row"]["username"], "t");
    assert_eq!(entries[1]["row"], "not json at all");
    assert_eq!(entries[2]["row"]["confirmed"], true);
    assert!(
        entries
            .iter()
            .all(|entry| entry["reason"].as_str().is_some_and(|r| !r.is_empty()))
    );
    world.json(&["user", "show", "ok@example.com"]);
}

#[test]
fn with_nothing_rejected_the_import_succeeds_and_the_file_has_only_the_header() {
    let world = World::new();
    let input = world.path("good.csv");
    fs::write(&input, "email\nada@example.com\n").unwrap();
    let rejects = world.path("rejects.csv");
    world
        .cmd()
        .args(["user", "import", "--rejects"])
        .arg(&rejects)
        .arg(&input)
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(&rejects).unwrap(),
        "email,rejected_line,rejected_reason\n"
    );
}

#[test]
fn a_dry_run_writes_the_rejects_and_nothing_else() {
    let world = world_with_taken_accounts();
    let (output, rejects) = import_mixed(&world, &["--dry-run"]);
    assert_eq!(output.status.code(), Some(8));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (summary["created"].as_u64(), summary["dry_run"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(world.user_count(), 2);
    assert_eq!(
        fs::read_to_string(&rejects).unwrap().lines().count(),
        1 + REJECTED_LINES.len()
    );
}

#[test]
fn the_rejects_file_cannot_be_the_input() {
    let world = World::new();
    let input = world.path("mixed.csv");
    fs::write(&input, MIXED_CSV).unwrap();
    let output = world
        .cmd()
        .args(["user", "import", "--rejects"])
        .arg(&input)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&input).unwrap(), MIXED_CSV);
    assert_eq!(world.user_count(), 0);
}

#[test]
fn without_rejects_the_same_file_is_refused_whole() {
    let world = world_with_taken_accounts();
    let input = world.path("mixed.csv");
    fs::write(&input, MIXED_CSV).unwrap();
    world.cmd().args(["user", "import"]).arg(&input).assert().code(2);
    assert_eq!(world.user_count(), 2);
}
