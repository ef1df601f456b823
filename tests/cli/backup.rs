//! `db backup` and `db check`: private consistent copies, and the checks that find damage. Both work
//! on the SQLite file (tests named `sqlite_…`, skipped on PostgreSQL), and are refused on PostgreSQL.

use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::process::{Command, Stdio};

use predicates::str::contains;

use crate::util::{World, json_error, mode};

/// Inserts `count` users straight into the database, so that tests get many pages cheaply.
fn seed_users(world: &World, count: u32) {
    world.cmd().arg("init").assert().success();
    rusqlite::Connection::open(world.db_file())
        .unwrap()
        .execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1) \
             INSERT INTO users (id, email, email_normalized, created_at) \
             SELECT printf('00000000-0000-4000-8000-%012d', i), 'u' || i || '@example.com', \
             'u' || i || '@example.com', 0 FROM n",
            [count],
        )
        .unwrap();
}

#[test]
fn sqlite_db_backup_writes_a_private_copy_and_never_overwrites_by_accident() {
    if crate::engine::is_postgres() {
        return;
    }
    let world = World::new();
    seed_users(&world, 300);
    let copy = world.path("copies/users.db");
    fs::create_dir(world.path("copies")).unwrap();
    let summary = world.json(&["db", "backup", copy.to_str().unwrap()]);
    assert_eq!(summary["users"], 300);
    assert_eq!(
        summary["schema_version"],
        world.json(&["db", "status"])["latest_schema_version"]
    );
    assert_eq!(summary["path"], copy.to_str().unwrap());
    assert_eq!(summary["source"], world.db_file().to_str().unwrap());
    assert_eq!(summary["bytes"], fs::metadata(&copy).unwrap().len());
    assert_eq!(mode(&copy), 0o600);
    // Nothing but the copy itself is left in its directory.
    assert_eq!(fs::read_dir(world.path("copies")).unwrap().count(), 1);

    // The copy is a working authctl database.
    let status = world.json(&["--db", copy.to_str().unwrap(), "db", "status"]);
    assert_eq!(status["users"], 300);
    assert_eq!(world.json(&["--db", copy.to_str().unwrap(), "db", "check"])["ok"], true);

    // An existing file is refused (exit 2) and left as it was, unless --force.
    fs::write(&copy, b"precious").unwrap();
    let output = world
        .cmd()
        .args(["--json", "db", "backup", copy.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        json_error(&output.stderr)["message"]
            .as_str()
            .unwrap()
            .contains("--force")
    );
    assert_eq!(fs::read(&copy).unwrap(), b"precious");
    world
        .cmd()
        .args(["db", "backup", "--force", copy.to_str().unwrap()])
        .assert()
        .success()
        .stdout(contains("300 users"));
    assert_eq!(
        world.json(&["--db", copy.to_str().unwrap(), "db", "status"])["users"],
        300
    );

    // --force never replaces what is not a regular file, nor the database itself.
    let link = world.path("link.db");
    std::os::unix::fs::symlink(&copy, &link).unwrap();
    for target in [link.clone(), world.path("copies"), world.db_file()] {
        world
            .cmd()
            .args(["db", "backup", "--force"])
            .arg(&target)
            .assert()
            .code(2);
    }
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    assert_eq!(world.json(&["db", "status"])["users"], 300);
}

#[test]
fn sqlite_db_check_passes_a_sound_database() {
    if crate::engine::is_postgres() {
        return;
    }
    let world = World::new();
    world.add_user("ada@example.com");
    world.login("ada@example.com", crate::util::PASSWORD, &[]).success();
    world
        .cmd()
        .args(["db", "check"])
        .assert()
        .success()
        .stdout(contains("passed every check"));
    let report = world.json(&["db", "check"]);
    assert_eq!(report["ok"], true);
    assert_eq!(report["problem_count"], 0);
    assert_eq!(report["problems"], serde_json::json!([]));
    assert_eq!(report["path"], world.db_file().to_str().unwrap());
}

/// Runs `db check --json`, expecting exit 7; returns the problems it listed.
fn failed_check(world: &World) -> Vec<String> {
    let output = world.cmd().args(["--json", "db", "check"]).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(json_error(&output.stderr)["kind"], "storage");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ok"], false);
    let problems: Vec<String> = serde_json::from_value(report["problems"].clone()).unwrap();
    assert_eq!(report["problem_count"], problems.len());
    problems
}

#[test]
fn sqlite_db_check_lists_broken_references_and_invariants() {
    if crate::engine::is_postgres() {
        return;
    }
    let world = World::new();
    let id = world.add_user("ada@example.com");
    let db = rusqlite::Connection::open(world.db_file()).unwrap();
    // Written behind authctl's back, with foreign keys off, as a buggy tool might.
    db.execute_batch(&format!(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO sessions (id, user_id, token_hash, remember, created_at, expires_at)
           VALUES ('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-00000000dead',
                   zeroblob(32), 0, 0, 1);
         INSERT INTO tokens (token_hash, user_id, purpose, created_at, expires_at)
           VALUES (zeroblob(31), '{id}', 'reset', 0, 1);
         UPDATE users SET email_normalized = 'someone-else@example.com';
         INSERT INTO audit (at, event, os_user) VALUES (0, 'teleported', 'root');"
    ))
    .unwrap();
    drop(db);
    let problems = failed_check(&world);
    let has = |needle: &str| problems.iter().any(|problem| problem.contains(needle));
    assert!(
        has("sessions row 1 refers to a users row that does not exist"),
        "{problems:?}"
    );
    assert!(has("tokens row 1 cannot be read"), "{problems:?}");
    assert!(has("users row 1: the stored normalised email"), "{problems:?}");
    assert!(has("unknown event 'teleported'"), "{problems:?}");
    assert_eq!(problems.len(), 4, "{problems:?}");

    // The human form lists them on stdout and ends with the error on stderr.
    world
        .cmd()
        .args(["db", "check"])
        .assert()
        .code(7)
        .stdout(contains("problem: sessions row 1"))
        .stderr(contains("failed its check: 4 problems"));
}

#[test]
fn sqlite_db_check_reports_an_old_schema() {
    if crate::engine::is_postgres() {
        return;
    }
    let world = World::new();
    world.add_user("ada@example.com");
    rusqlite::Connection::open(world.db_file())
        .unwrap()
        .pragma_update(None, "user_version", 1)
        .unwrap();
    let problems = failed_check(&world);
    assert_eq!(
        problems,
        ["schema version 1, this authctl expects 7 (run `authctl db migrate`)"]
    );
}

#[test]
fn sqlite_db_check_finds_a_corrupted_page() {
    if crate::engine::is_postgres() {
        return;
    }
    let world = World::new();
    seed_users(&world, 2000);
    // A copy of the database with garbage written over a page of the users table.
    let copy = world.path("damaged.db");
    world.json(&["db", "backup", copy.to_str().unwrap()]);
    let (page_size, root): (i64, i64) = {
        let db = rusqlite::Connection::open(&copy).unwrap();
        let page_size = db.pragma_query_value(None, "page_size", |row| row.get(0)).unwrap();
        let root = db
            .query_row("SELECT rootpage FROM sqlite_schema WHERE name = 'users'", [], |row| {
                row.get(0)
            })
            .unwrap();
        (page_size, root)
    };
    let mut file = fs::OpenOptions::new().write(true).open(&copy).unwrap();
    file.seek(SeekFrom::Start(((root - 1) * page_size) as u64)).unwrap();
    file.write_all(&vec![0xa5; page_size as usize]).unwrap();
    drop(file);

    let output = world
        .cmd()
        .args(["--json", "--db", copy.to_str().unwrap(), "db", "check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert!(
        report["problems"][0].as_str().unwrap().starts_with("integrity: "),
        "{report}"
    );
    // The original is untouched and still sound.
    world.cmd().args(["db", "check"]).assert().success();
}

#[test]
fn sqlite_a_backup_taken_while_other_processes_write_is_consistent() {
    if crate::engine::is_postgres() {
        return;
    }
    const BATCH: usize = 400;
    const IMPORTS: usize = 5;
    let world = World::new();
    world.cmd().arg("init").assert().success();
    // Writers: imports of BATCH users each, one after another, and single adds beside them.
    let importer = {
        let files: Vec<_> = (0..IMPORTS)
            .map(|batch| {
                let path = world.path(&format!("batch{batch}.csv"));
                let mut csv = String::from("email\n");
                for i in 0..BATCH {
                    csv.push_str(&format!("b{batch}-{i}@example.com\n"));
                }
                fs::write(&path, csv).unwrap();
                path
            })
            .collect();
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("for f in \"$@\"; do \"$AUTHCTL\" user import \"$f\" || exit 1; done")
            .arg("sh")
            .args(&files)
            .env("AUTHCTL", env!("CARGO_BIN_EXE_authctl"))
            .env("AUTHCTL_DB", world.db())
            .stdout(Stdio::null());
        cmd.spawn().unwrap()
    };
    let adder = {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("for i in $(seq 1 20); do echo 'correct horse battery' | \"$AUTHCTL\" user add \"single$i@example.com\" --password-stdin || exit 1; done")
            .env("AUTHCTL", env!("CARGO_BIN_EXE_authctl"))
            .env("AUTHCTL_DB", world.db())
            .env("AUTHCTL_ARGON2_MEMORY_KIB", "64")
            .env("AUTHCTL_ARGON2_ITERATIONS", "1")
            .stdout(Stdio::null());
        cmd.spawn().unwrap()
    };
    // Backups for as long as the writers run (and a few more), checked afterwards.
    let mut writers = [importer, adder];
    let mut backups = Vec::new();
    while backups.len() < 100 {
        let running = writers.iter_mut().any(|writer| writer.try_wait().unwrap().is_none());
        if !running && backups.len() >= 4 {
            break;
        }
        let copy = world.path(&format!("backup{}.db", backups.len()));
        world.json(&["db", "backup", copy.to_str().unwrap()]);
        backups.push(copy);
    }
    for writer in &mut writers {
        assert!(writer.wait().unwrap().success());
    }
    for copy in &backups {
        let copy = copy.to_str().unwrap();
        assert_eq!(world.json(&["--db", copy, "db", "check"])["ok"], true);
        let conn = rusqlite::Connection::open(copy).unwrap();
        let count = |pattern: &str| -> usize {
            conn.query_row("SELECT count(*) FROM users WHERE email LIKE ?1", [pattern], |row| {
                row.get::<_, i64>(0)
            })
            .unwrap() as usize
        };
        // Every import is in the copy entirely or not at all, and in order.
        let imported = count("b%");
        assert_eq!(imported % BATCH, 0, "{copy} holds part of an import");
        for batch in 0..imported / BATCH {
            assert_eq!(count(&format!("b{batch}-%")), BATCH, "{copy}");
        }
        // Audit rows and users agree: every add in the copy comes with its audit row.
        let added = conn
            .query_row("SELECT count(*) FROM audit WHERE event = 'user_added'", [], |row| {
                row.get::<_, i64>(0)
            })
            .unwrap() as usize;
        assert_eq!(added, count("single%"), "{copy}");
    }
    assert_eq!(world.json(&["db", "status"])["users"], BATCH * IMPORTS + 20);
}

/// On PostgreSQL, `db backup` and `db check` are refused (exit 2) before connecting, pointing at
/// PostgreSQL's own tools; the URL's password is never shown.
#[test]
fn db_backup_and_check_are_refused_on_postgres_naming_its_tools() {
    let world = World::new();
    // Nothing listens there: the refusal does not need the server.
    let url = "postgres://ada:s3cret@127.0.0.1:1/accounts";
    for (args, tool) in [
        (&["db", "backup", "copy.db"][..], "pg_dump"),
        (&["db", "check"], "pg_amcheck"),
    ] {
        let output = world
            .bare()
            .env("AUTHCTL_DB", url)
            .arg("--json")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let error = json_error(&output.stderr);
        assert_eq!(error["kind"], "usage");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(tool) && message.contains("PostgreSQL"), "{message}");
        assert!(!String::from_utf8_lossy(&output.stderr).contains("s3cret"));
    }
    assert!(!world.path("copy.db").exists());
}
