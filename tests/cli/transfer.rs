//! `user import` and `user export`: formats, conflict modes, foreign hashes, validation by line,
//! dry run, the Werkzeug pipeline, round trips and interrupted imports.

use std::fs;
use std::io::Write;
use std::os::unix::fs::FileTypeExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher, SaltString};
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

use crate::util::{PASSWORD, World, json_error, python};

fn import(world: &World, args: &[&str], input: &str) -> std::process::Output {
    world
        .cmd()
        .args(["user", "import"])
        .args(args)
        .write_stdin(input.to_owned())
        .output()
        .unwrap()
}

fn stored_hash(world: &World, email: &str) -> String {
    world.stored_hash(email)
}

#[test]
fn csv_and_jsonl_files_create_accounts() {
    let world = World::new();
    let csv = world.path("users.csv");
    fs::write(
        &csv,
        "confirmed,email,password,username,active\nYES,ada@example.com,correct horse,ada,\n0,bob@example.com,,bob,No\n",
    )
    .unwrap();
    let output = world
        .cmd()
        .args(["--json", "user", "import"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (
            summary["created"].as_u64(),
            summary["skipped"].as_u64(),
            summary["updated"].as_u64()
        ),
        (Some(2), Some(0), Some(0))
    );
    assert_eq!(summary["dry_run"], false);
    assert!(summary["elapsed_seconds"].is_number());
    let ada = world.json(&["user", "show", "ada@example.com"]);
    assert_eq!(
        (
            ada["username"].as_str(),
            ada["confirmed"].as_bool(),
            ada["active"].as_bool()
        ),
        (Some("ada"), Some(true), Some(true))
    );
    let bob = world.json(&["user", "show", "bob@example.com"]);
    assert_eq!(
        (bob["confirmed"].as_bool(), bob["active"].as_bool()),
        (Some(false), Some(false))
    );
    world.login("ada@example.com", "correct horse", &[]).success();
    // A row with no password makes an account that cannot log in until a reset.
    world
        .cmd()
        .args(["user", "show", "bob@example.com"])
        .assert()
        .stdout(contains("password:   none"));

    let jsonl = world.path("more.jsonl");
    fs::write(
        &jsonl,
        "{\"email\":\"carl@example.com\",\"password\":\"a quiet river stone\",\"confirmed\":true}\n\n\
         {\"email\":\"dora@example.com\",\"username\":null,\"active\":\"1\"}\n",
    )
    .unwrap();
    world
        .cmd()
        .args(["user", "import"])
        .arg(&jsonl)
        .assert()
        .success()
        .stdout(contains("2 created"));
    world.login("carl@example.com", "a quiet river stone", &[]).success();
    assert_eq!(world.json(&["user", "show", "carl@example.com"])["confirmed"], true);

    // From stdin the format must be given.
    let output = import(&world, &[], "email\nx@example.com\n");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--format"));
    assert!(
        import(&world, &["--format", "csv", "-"], "email\nx@example.com\n")
            .status
            .success()
    );
    assert_eq!(world.user_count(), 5);
}

/// An update takes effect where its row is: later rows meet the account as changed, the freed
/// username too, even in the same chunk of rows handed to the database.
#[test]
fn an_update_is_met_by_the_rows_after_it() {
    let world = World::new();
    world.add_user_with("ada@example.com", &["--username", "ada"]);
    let rows = "email,username,password,confirmed\n\
                ADA@example.com,lovelace,a new password,\n\
                bob@example.com,ada,,\n\
                Ada@Example.com,,another new password,true\n\
                cy@example.com,lovelace,,\n";
    let output = world
        .cmd()
        .args(["--json", "user", "import", "--format", "csv", "--on-conflict", "update"])
        .write_stdin(rows)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let error = json_error(&output.stderr);
    assert_eq!(error["rows"].as_array().unwrap().len(), 1, "{error}");
    assert_eq!(error["rows"][0]["line"], 5);
    assert!(
        error["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("lovelace is already taken")
    );
    assert_eq!(world.user_count(), 1, "nothing was written");

    let rows = rows.rsplit_once("cy@").unwrap().0;
    let output = import(&world, &["--format", "csv", "--on-conflict", "update"], rows);
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("1 created, 0 skipped, 2 updated"),
        "{output:?}"
    );
    let ada = world.json(&["user", "show", "ada@example.com"]);
    assert_eq!(
        (
            ada["email"].as_str(),
            ada["username"].as_str(),
            ada["confirmed"].as_bool()
        ),
        (Some("Ada@Example.com"), Some("lovelace"), Some(true))
    );
    assert_eq!(world.json(&["user", "show", "bob@example.com"])["username"], "ada");
    world.login("ada@example.com", "another new password", &[]).success();
}

#[test]
fn each_conflict_mode() {
    let world = World::new();
    world.add_user("ada@example.com");
    let rows = "email,username,password,confirmed\nADA@example.com,ada,a new password,true\nnew@example.com,,,\n";

    let output = world
        .cmd()
        .args(["--json", "user", "import", "--format", "csv"])
        .write_stdin(rows)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5));
    let error = json_error(&output.stderr);
    assert_eq!(error["kind"], "conflict");
    assert_eq!(error["rows"][0]["line"], 2);
    assert!(
        error["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already registered")
    );
    assert_eq!(world.user_count(), 1, "fail writes nothing");

    let output = import(&world, &["--format", "csv", "--on-conflict", "skip"], rows);
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 created, 1 skipped, 0 updated"));
    world.login("ada@example.com", PASSWORD, &[]).success();
    assert_eq!(world.json(&["user", "show", "ada@example.com"])["confirmed"], false);

    let output = import(&world, &["--format", "csv", "--on-conflict", "update"], rows);
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("0 created, 0 skipped, 2 updated"),
        "{output:?}"
    );
    let ada = world.json(&["user", "show", "ada@example.com"]);
    assert_eq!(
        (
            ada["email"].as_str(),
            ada["username"].as_str(),
            ada["confirmed"].as_bool()
        ),
        (Some("ADA@example.com"), Some("ada"), Some(true))
    );
    world.login("ada@example.com", "a new password", &[]).success();
    world.login("ada@example.com", PASSWORD, &[]).code(1);
    assert_eq!(world.user_count(), 2);
    world
        .cmd()
        .args(["user", "import", "-", "--format", "csv", "--on-conflict", "sometimes"])
        .assert()
        .code(2);
}

#[test]
fn every_hash_format_logs_in_and_becomes_argon2id() {
    let world = World::new();
    let bcrypt = bcrypt::hash("bcrypt password", 4).unwrap().replacen("$2b$", "$2y$", 1);
    let argon2i = argon2::Argon2::new(
        argon2::Algorithm::Argon2i,
        argon2::Version::V0x13,
        argon2::Params::new(256, 2, 1, None).unwrap(),
    )
    .hash_password(
        b"argon2i password",
        &SaltString::encode_b64(b"sixteen byte slt").unwrap(),
    )
    .unwrap()
    .to_string();
    let argon2id = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(128, 3, 1, None).unwrap(),
    )
    .hash_password(
        b"argon2id password",
        &SaltString::encode_b64(b"sixteen byte slt").unwrap(),
    )
    .unwrap()
    .to_string();
    // Made by Python's hashlib exactly as Werkzeug and Django call it (see src/domain/hashes.rs).
    let cases = [
        ("pbkdf2@example.com", "pbkdf2:sha256:1000$saltsalt$daf2eb9b12bc60544e9c64cbea88a73b86df4f4da0bd3a697856f3ec75b3e57d".to_owned(), "correct horse battery"),
        ("scrypt@example.com", "scrypt:1024:8:1$NaClNaCl$29215fd60b66dc8b2c91ff9b8aff77ca76217187ee9ac908e0c5d9987fd59a4a9bdc498e409dabed7f909d390269f5f43061a188f7e6ee2173d33fc3ed6b1ffa".to_owned(), "correct horse battery"),
        ("django@example.com", "pbkdf2_sha256$1000$pepper$gedcPL0GaEi5iRBONs6pjoZ7T4F4YBQdhznvbVGSheE=".to_owned(), "correct horse battery"),
        ("bcrypt@example.com", bcrypt, "bcrypt password"),
        ("argon2i@example.com", argon2i, "argon2i password"),
        ("argon2id@example.com", argon2id, "argon2id password"),
    ];
    let mut jsonl = String::new();
    for (email, hash, _) in &cases {
        jsonl.push_str(&serde_json::json!({ "email": email, "password_hash": hash }).to_string());
        jsonl.push('\n');
    }
    let output = import(&world, &["--format", "jsonl"], &jsonl);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for (email, hash, password) in &cases {
        assert_eq!(&stored_hash(&world, email), hash, "taken as it is");
        world.login(email, "not the password", &[]).code(1);
        world.login(email, password, &[]).success();
        let upgraded = stored_hash(&world, email);
        assert!(
            upgraded.starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
            "{email}: {upgraded}"
        );
        world.login(email, password, &[]).success();
    }
    let audit = world.json(&["audit"]);
    let rehashes: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["event"] == "password_rehashed")
        .map(|row| row["detail"].as_str().unwrap())
        .collect();
    assert_eq!(rehashes.len(), cases.len());
    assert!(rehashes.iter().any(|detail| detail.starts_with("werkzeug-scrypt")));
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["event"] == "users_imported")
    );
}

#[test]
fn every_validation_error_is_reported_by_line_and_nothing_is_written() {
    let world = World::new();
    world.add_user("taken@example.com");
    let rows = "\
email,username,password,password_hash,confirmed,active
good@example.com,good,a fine password,,,
not-an-email,,,,,
short@example.com,,short,,,
both@example.com,,a good password,pbkdf2_sha256$1$s$AAAA,,
unknown@example.com,,,crc32$abc$def,,
GOOD@example.com,,,,,
flags@example.com,,,,perhaps,
user@example.com,9bad,,,,
dupname@example.com,GOOD,,,,
,,,,,
fields@example.com,too,many,fields,here,x,y
taken@example.com,,,,,
";
    let output = world
        .cmd()
        .args(["--json", "user", "import", "--format", "csv"])
        .write_stdin(rows)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = json_error(&output.stderr);
    assert_eq!(error["kind"], "usage");
    let lines: Vec<u64> = error["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    let message = |line: u64| {
        error["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["line"] == line)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(message(3).contains("not a valid email"));
    assert!(message(4).contains("at least 8 characters"));
    assert!(message(5).contains("not both"));
    assert!(message(6).contains("unrecognised password hash"));
    assert!(message(7).contains("appears earlier in the file"));
    assert!(message(8).contains("confirmed"));
    assert!(message(9).contains("username"));
    assert!(message(10).contains("appears earlier in the file"));
    assert!(message(11).contains("no email"));
    assert!(message(12).contains("CSV"));
    assert!(message(13).contains("already registered"));
    assert!(error["message"].as_str().unwrap().contains("11 rows rejected"));
    assert_eq!(world.user_count(), 1, "nothing was written");

    // Human output lists them on stderr.
    world
        .cmd()
        .args(["user", "import", "--format", "csv"])
        .write_stdin(rows)
        .assert()
        .code(2)
        .stderr(contains("authctl: line 4: Password rejected").and(contains("nothing was written")));

    // Unknown columns are refused by name before any row.
    world
        .cmd()
        .args(["user", "import", "--format", "csv"])
        .write_stdin("email,colour\na@example.com,blue\n")
        .assert()
        .code(2)
        .stderr(contains("'colour'"));
    world
        .cmd()
        .args(["user", "import", "--format", "jsonl"])
        .write_stdin("{\"email\":\"a@example.com\",\"colour\":\"blue\"}\n[1]\n")
        .assert()
        .code(2)
        .stderr(contains("line 1: unknown key 'colour'").and(contains("line 2: not a JSON object")));
}

#[test]
fn only_the_first_hundred_problems_are_listed() {
    let world = World::new();
    let mut rows = String::from("email\n");
    for i in 0..150 {
        rows.push_str(&format!("bad{i}\n"));
    }
    let output = world
        .cmd()
        .args(["--json", "user", "import", "--format", "csv"])
        .write_stdin(rows)
        .output()
        .unwrap();
    let error = json_error(&output.stderr);
    assert_eq!(error["rows"].as_array().unwrap().len(), 100);
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("150 rows rejected (50 not listed)")
    );
}

#[test]
fn a_dry_run_validates_and_writes_nothing() {
    let world = World::new();
    world.add_user("ada@example.com");
    let rows = "email,password\nnew@example.com,a fine password\nada@example.com,a fine password\n";
    let output = import(&world, &["--format", "csv", "--dry-run", "--on-conflict", "skip"], rows);
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Dry run, nothing written: would have 1 created, 1 skipped")
    );
    assert_eq!(world.user_count(), 1);
    assert_eq!(
        import(&world, &["--format", "csv", "--dry-run"], rows).status.code(),
        Some(5)
    );
    let audit = world.json(&["audit"]);
    assert!(
        !audit
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["event"] == "users_imported")
    );
}

/// The pipeline of the issue, with hashes made by the real Werkzeug.
#[test]
fn a_flask_applications_users_import_as_they_are() {
    let world = World::new();
    let app = world.path("app.sqlite");
    let made = python()
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/make_flask_app_db.py"))
        .arg(&app)
        .status()
        .expect("the Flask app maker (run `scripts/test`, which installs Werkzeug)");
    assert!(made.success());
    assert!(
        Command::new("sqlite3").arg("-version").output().is_ok(),
        "the sqlite3 command line is missing: run `scripts/test`, which installs it"
    );
    let pipeline = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; sqlite3 -header -csv '{}' 'select email, username, password_hash, confirmed from users' \
             | '{}' user import --format csv -",
            app.display(),
            env!("CARGO_BIN_EXE_authctl")
        ))
        .env("AUTHCTL_DB", world.db())
        .env("AUTHCTL_ARGON2_MEMORY_KIB", "64")
        .env("AUTHCTL_ARGON2_ITERATIONS", "1")
        .output()
        .unwrap();
    assert!(
        pipeline.status.success(),
        "{}",
        String::from_utf8_lossy(&pipeline.stderr)
    );
    assert!(String::from_utf8_lossy(&pipeline.stdout).contains("3 created"));
    for (email, confirmed) in [
        ("susan@example.com", true),
        ("john@example.com", false),
        ("dave.old@example.com", true),
    ] {
        let user = world.json(&["user", "show", email]);
        assert_eq!(user["confirmed"], confirmed, "{email}");
        let local = email.split('@').next().unwrap();
        let password = if local == "dave.old" {
            "pw-Dave.Old".to_owned()
        } else {
            format!("pw-{local}")
        };
        world.login(email, &password, &[]).success();
        assert!(stored_hash(&world, email).starts_with("$argon2id$"), "{email}");
    }
    assert_eq!(world.json(&["user", "show", "susan@example.com"])["username"], "susan");
}

#[test]
fn export_then_import_reproduces_the_accounts() {
    let world = World::new();
    world.add_user("ada@example.com");
    world
        .cmd()
        .args([
            "user",
            "add",
            "bob@example.com",
            "--username",
            "bob",
            "--confirmed",
            "--inactive",
            "--password-stdin",
        ])
        .write_stdin("bob's password\n")
        .assert()
        .success();
    for format in ["csv", "jsonl"] {
        let file = world.path(&format!("export.{format}"));
        let output = world
            .cmd()
            .args(["--json", "user", "export", "--output"])
            .arg(&file)
            .output()
            .unwrap();
        let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(summary["exported"], 2);
        assert_eq!(crate::util::mode(&file), 0o600);

        let other = World::new();
        other.cmd().args(["user", "import"]).arg(&file).assert().success();
        other.login("ada@example.com", PASSWORD, &[]).success();
        let bob = other.json(&["user", "show", "bob@example.com"]);
        assert_eq!(
            (
                bob["username"].as_str(),
                bob["confirmed"].as_bool(),
                bob["active"].as_bool()
            ),
            (Some("bob"), Some(true), Some(false))
        );
        assert_eq!(
            stored_hash(&other, "ada@example.com"),
            stored_hash(&world, "ada@example.com")
        );
    }
    // Piped from one database into another.
    let target = world.path("target.db");
    world.cmd().env("AUTHCTL_DB", &target).arg("init").assert().success();
    let piped = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{0}' user export | '{0}' --db '{1}' user import --format csv -",
            env!("CARGO_BIN_EXE_authctl"),
            target.display()
        ))
        .env("AUTHCTL_DB", world.db())
        .output()
        .unwrap();
    assert!(piped.status.success(), "{}", String::from_utf8_lossy(&piped.stderr));
    world
        .cmd()
        .env("AUTHCTL_DB", &target)
        .args(["login", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    world
        .cmd()
        .args(["--json", "user", "export"])
        .assert()
        .code(2)
        .stderr(contains("--output"));
}

#[test]
fn list_and_export_stream_large_tables() {
    let world = World::new();
    world.add_many_users(2500);
    let list = world.cmd().args(["user", "list"]).output().unwrap();
    let text = String::from_utf8(list.stdout).unwrap();
    assert_eq!(text.lines().count(), 2501, "one header line, one line per user");
    assert!(text.contains("u2500@example.com"));
    assert_eq!(world.json(&["user", "list"]).as_array().unwrap().len(), 2500);
    let export = world
        .cmd()
        .args(["user", "export", "--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(export.stdout).unwrap().lines().count(), 2500);
}

#[test]
fn jobs_come_from_the_flag_or_the_setting() {
    let world = World::new();
    let rows =
        "email,password\na@example.com,a fine password\nb@example.com,a fine password\nc@example.com,a fine password\n";
    assert!(
        import(&world, &["--format", "csv", "--jobs", "1"], rows)
            .status
            .success()
    );
    assert_eq!(
        import(&world, &["--format", "csv", "--jobs", "0"], rows).status.code(),
        Some(2)
    );
    world
        .cmd()
        .env("AUTHCTL_JOBS", "many")
        .args(["user", "import", "--format", "csv"])
        .write_stdin(rows)
        .assert()
        .code(2)
        .stderr(contains("jobs"));
    // No progress bar when stderr is not a terminal.
    let output = world
        .cmd()
        .env("AUTHCTL_JOBS", "2")
        .args(["user", "import", "--format", "csv", "--on-conflict", "skip"])
        .write_stdin(rows)
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// kill -9 in the middle of the write phase: the transaction never commits.
#[test]
fn sqlite_an_interrupted_import_leaves_the_database_as_it_was() {
    let world = World::new();
    if !world.is_sqlite() {
        return;
    }
    world.add_user("before@example.com");
    let hash = stored_hash(&world, "before@example.com");
    let file = world.path("big.csv");
    let mut out = std::io::BufWriter::new(fs::File::create(&file).unwrap());
    writeln!(out, "email,password_hash").unwrap();
    for i in 0..300_000 {
        writeln!(out, "user{i}@example.com,\"{hash}\"").unwrap();
    }
    drop(out);
    let before = fs::read(world.db_file()).unwrap();
    let wal = world.path("authctl.db-wal");
    let wal_before = fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);

    let mut child = Command::new(env!("CARGO_BIN_EXE_authctl"))
        .args(["user", "import"])
        .arg(&file)
        .env("AUTHCTL_DB", world.db())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the write phase has put pages in the WAL, then kill.
    let deadline = Instant::now() + Duration::from_secs(60);
    while fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < wal_before + (1 << 20) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be interrupted"
        );
        assert!(Instant::now() < deadline, "the write phase never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(world.user_count(), 1);
    let check: String = rusqlite::Connection::open(world.db_file())
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    world.login("before@example.com", PASSWORD, &[]).success();
    assert!(before.len() <= fs::read(world.db_file()).unwrap().len());
}

/// A CSV cell that a spreadsheet would run as a formula gets a leading `'` (OWASP), and the
/// export still imports back to the very same addresses.
#[test]
fn csv_export_cells_are_never_formulas_and_still_round_trip() {
    let world = World::new();
    let emails = [
        "=1+1@example.com",
        "+cmd@example.com",
        "-ada@example.com",
        "'quoted@example.com",
        "'=both@example.com",
        "plain@example.com",
    ];
    let rows: String = emails
        .iter()
        .map(|email| format!("{}\n", serde_json::json!({ "email": email, "password": PASSWORD })))
        .collect();
    assert!(import(&world, &["--format", "jsonl"], &rows).status.success());
    let file = world.path("export.csv");
    world
        .cmd()
        .args(["user", "export", "--output"])
        .arg(&file)
        .assert()
        .success();
    let text = fs::read_to_string(&file).unwrap();
    let cells: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap())
        .collect();
    for cell in &cells {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a formula cell: {cell}"
        );
    }
    for expected in [
        "'=1+1@example.com",
        "'+cmd@example.com",
        "'-ada@example.com",
        "''quoted@example.com",
        "''=both@example.com",
        "plain@example.com",
    ] {
        assert!(cells.contains(&expected), "{expected} not in {cells:?}");
    }

    let other = World::new();
    other.cmd().args(["user", "import"]).arg(&file).assert().success();
    let mut imported: Vec<String> = other
        .json(&["user", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["email"].as_str().unwrap().to_owned())
        .collect();
    imported.sort();
    let mut original: Vec<String> = emails.iter().map(|email| email.to_string()).collect();
    original.sort();
    assert_eq!(imported, original);
    other.login("'=both@example.com", PASSWORD, &[]).success();

    // A foreign file's leading quote before anything else is data, kept as it is.
    let third = World::new();
    import(&third, &["--format", "csv"], "email\n'odd@example.com\n");
    assert_eq!(
        third.json(&["user", "show", "'odd@example.com"])["email"],
        "'odd@example.com"
    );
    // A password is never exported, so never unescaped: it is taken exactly as written.
    let password = "'=a long password";
    import(
        &third,
        &["--format", "csv"],
        &format!("email,password\npw@example.com,{password}\n"),
    );
    third.login("pw@example.com", password, &[]).success();
}

/// A world whose database holds `count` users with pre-hashed passwords, imported in one batch
/// (no hashing: fast on either engine).
fn world_with_users(count: u32) -> World {
    let world = World::new();
    let hash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
    let rows: String = (1..=count).map(|i| format!("u{i}@example.com,\"{hash}\"\n")).collect();
    world
        .cmd()
        .args(["user", "import", "--format", "csv", "-"])
        .write_stdin(format!("email,password_hash\n{rows}"))
        .assert()
        .success();
    world
}

/// The names in `dir` other than the database's own files.
fn strays(dir: &std::path::Path, expected: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with("authctl.db") && !expected.contains(&name.as_str()))
        .collect()
}

/// Kills `user export --output` at random moments, with SIGKILL and with SIGTERM, creating or
/// replacing the file: the destination is either absent, the old file or the complete new one,
/// and no temporary copy of the hashes is ever left.
#[test]
fn a_killed_export_leaves_no_copy_of_the_hashes() {
    let world = world_with_users(100_000);
    let out_dir = world.path("exports");
    fs::create_dir(&out_dir).unwrap();
    let output = out_dir.join("users.csv");
    let export = || {
        Command::new(env!("CARGO_BIN_EXE_authctl"))
            .args(["user", "export", "--output"])
            .arg(&output)
            .env("AUTHCTL_DB", world.db())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // How long one export takes here, to spread the kills over all of it.
    let started = Instant::now();
    assert!(export().wait().unwrap().success());
    let full = fs::read(&output).unwrap();
    let span = started.elapsed().as_micros() as u64 + 1;
    fs::remove_file(&output).unwrap();

    for round in 0..40 {
        let signal = if round % 4 == 3 { "TERM" } else { "KILL" };
        let mut child = export();
        let delay = uuid::Uuid::new_v4().as_u128() as u64 % span;
        std::thread::sleep(Duration::from_micros(delay));
        Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        child.wait().unwrap();
        let left = strays(&out_dir, &["users.csv"]);
        assert!(
            left.is_empty(),
            "round {round} (SIG{signal} after {delay} µs) left {left:?}"
        );
        if let Ok(written) = fs::read(&output) {
            assert!(written == full, "round {round}: a partial export is visible");
            // Every other round replaces an existing export rather than creating one.
            if round % 2 == 0 {
                fs::remove_file(&output).unwrap();
            }
        }
    }
}

#[test]
fn export_refuses_to_replace_what_is_not_a_regular_file() {
    let world = World::new();
    world.add_user("ada@example.com");
    let link = world.path("stdout.csv");
    std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
    let fifo = world.path("pipe.csv");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let dir = world.path("dir.csv");
    fs::create_dir(&dir).unwrap();
    for (path, kind) in [(&link, "symbolic link"), (&fifo, "FIFO"), (&dir, "directory")] {
        world
            .cmd()
            .args(["user", "export", "--output"])
            .arg(path)
            .timeout(Duration::from_secs(30))
            .assert()
            .code(2)
            .stderr(contains(path.display().to_string()))
            .stderr(contains(kind));
    }
    assert_eq!(fs::read_link(&link).unwrap(), std::path::Path::new("/dev/stdout"));
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(strays(world.dir.path(), &["stdout.csv", "pipe.csv", "dir.csv", "session"]).is_empty());

    // A regular file is replaced, and keeps being private.
    let file = world.path("users.csv");
    fs::write(&file, "old").unwrap();
    world
        .cmd()
        .args(["user", "export", "--output"])
        .arg(&file)
        .assert()
        .success();
    assert!(fs::read_to_string(&file).unwrap().starts_with("email,"));
    assert_eq!(crate::util::mode(&file), 0o600);
}

#[test]
fn output_dash_means_stdout() {
    let world = World::new();
    world.add_user("ada@example.com");
    world
        .cmd()
        .args(["user", "export", "--output", "-", "--format", "jsonl"])
        .assert()
        .success()
        .stdout(contains("\"email\":\"ada@example.com\""));
    assert!(!world.path("-").exists());
}

/// The whole run is non-dumpable (no core file, no ptrace or /proc/PID/mem by the same user):
/// the kernel then gives the process's /proc entries to root. Run as another user when the
/// tests run as root, so that the difference shows.
#[test]
fn a_running_command_is_not_dumpable() {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authctl"));
    cmd.args(["login", "ada@example.com", "--password-stdin"])
        .env_clear()
        .env("HOME", "/nonexistent")
        .env("AUTHCTL_DB", "/nonexistent/authctl.db")
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if nix::unistd::geteuid().is_root() {
        cmd.uid(65534).gid(65534);
    }
    // Blocks reading the password from stdin, which stays open and empty.
    let mut child = cmd.spawn().unwrap();
    let status = format!("/proc/{}/status", child.id());
    let deadline = Instant::now() + Duration::from_secs(10);
    let owner = loop {
        let owner = fs::metadata(&status).map(|meta| meta.uid());
        if owner.as_ref().is_ok_and(|uid| *uid == 0) || Instant::now() > deadline {
            break owner;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "authctl ended instead of waiting on stdin"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        owner.ok(),
        Some(0),
        "still dumpable; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
