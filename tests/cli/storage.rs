//! The database: init, db status/migrate, file permissions, schema checks, corruption, and
//! several processes at once.

use std::fs;
use std::process::{Command, Stdio};

use predicates::prelude::*;
use predicates::str::contains;

use crate::util::{PASSWORD, World, json_error, mode};

#[test]
fn init_is_idempotent_and_db_status_reports() {
    let world = World::new();
    world
        .cmd()
        .arg("init")
        .assert()
        .success()
        .stdout(contains("schema version 5"));
    let init = world.json(&["init"]);
    assert_eq!(init["schema_version"], 5);
    assert_eq!(init["path"], world.db().to_str().unwrap());
    assert_eq!(mode(&world.db()), 0o600);
    world.add_user("ada@example.com");
    let status = world.json(&["db", "status"]);
    assert_eq!(status["schema_version"], 5);
    assert_eq!(status["latest_schema_version"], 5);
    assert_eq!(status["users"], 1);
    assert_eq!(status["path"], world.db().to_str().unwrap());
    world
        .cmd()
        .args(["db", "status"])
        .assert()
        .success()
        .stdout(contains("users:           1"));
    world
        .cmd()
        .args(["db", "migrate"])
        .assert()
        .success()
        .stdout(contains("already at schema version 5"));
    assert_eq!(world.json(&["db", "migrate"])["from_version"], 5);
}

#[test]
fn a_missing_database_is_created_on_first_use() {
    let world = World::new();
    world
        .cmd()
        .env("AUTHCTL_DB", world.path("deep/dir/users.db"))
        .args(["user", "list"])
        .assert()
        .success();
    assert!(world.path("deep/dir/users.db").exists());
    assert_eq!(mode(&world.path("deep/dir/users.db")), 0o600);
    assert_eq!(mode(&world.path("deep/dir")), 0o700);
}

#[test]
fn a_newer_schema_is_refused_with_nothing_written() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.sql().pragma_update(None, "user_version", 99).unwrap();
    let before = fs::read(world.db()).unwrap();
    for args in [&["user", "list"][..], &["db", "migrate"], &["db", "status"], &["init"]] {
        let output = world.cmd().arg("--json").args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(7), "{args:?}");
        let error = json_error(&output.stderr);
        assert_eq!(error["kind"], "storage");
        assert!(error["message"].as_str().unwrap().contains("newer"));
    }
    assert_eq!(fs::read(world.db()).unwrap(), before);
}

#[test]
fn a_corrupt_database_exits_7() {
    let world = World::new();
    fs::write(world.db(), vec![b'x'; 8192]).unwrap();
    world
        .cmd()
        .args(["user", "list"])
        .assert()
        .code(7)
        .stderr(contains("database"));
    fs::write(world.db(), b"").unwrap();
    fs::set_permissions(world.db(), std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    // root can read anything: only check the exit code when permissions bite.
    if fs::read(world.db()).is_err() {
        world.cmd().args(["user", "list"]).assert().code(7);
    }
}

#[test]
fn a_lock_held_past_the_busy_timeout_exits_7() {
    let world = World::new();
    world.add_user("ada@example.com");
    let holder = world.sql();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    world
        .cmd()
        .env("AUTHCTL_BUSY_TIMEOUT", "200ms")
        .args(["user", "lock", "ada@example.com"])
        .assert()
        .code(7)
        .stderr(contains("locked").and(contains("busy timeout")));
    holder.execute_batch("ROLLBACK").unwrap();
    world.cmd().args(["user", "lock", "ada@example.com"]).assert().success();
}

#[test]
fn concurrent_processes_never_fail_with_database_is_locked() {
    let world = World::new();
    world.cmd().arg("init").assert().success();
    world.add_user("shared@example.com");
    let children: Vec<_> = (0..12)
        .map(|i| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_authctl"));
            cmd.env("AUTHCTL_DB", world.db())
                .env("AUTHCTL_SESSION_FILE", world.path(&format!("session-{i}")))
                .env("AUTHCTL_ARGON2_MEMORY_KIB", "64")
                .env("AUTHCTL_ARGON2_ITERATIONS", "1")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            if i % 2 == 0 {
                cmd.args(["user", "add", &format!("user{i}@example.com"), "--password-stdin"]);
            } else {
                cmd.args(["login", "shared@example.com", "--password-stdin"]);
            }
            let mut child = cmd.spawn().unwrap();
            use std::io::Write;
            writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
            child
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    assert_eq!(world.json(&["user", "list"]).as_array().unwrap().len(), 7);
    let logins: i64 = world
        .sql()
        .query_row(
            "SELECT count(*) FROM audit WHERE event = 'login_succeeded'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(logins, 6);
}

#[test]
fn a_broken_pipe_is_not_an_error() {
    let world = World::new();
    world.add_user("ada@example.com");
    // Enough users to overflow a pipe buffer, inserted directly to keep the test fast.
    let db = world.sql();
    db.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) \
         INSERT INTO users (id, email, email_normalized, created_at) \
         SELECT printf('00000000-0000-4000-8000-%012d', i), 'u' || i || '@example.com', 'u' || i || '@example.com', 0 FROM n",
    )
    .unwrap();
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{}' --json user list | head -c 10 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
            env!("CARGO_BIN_EXE_authctl")
        ))
        .env("AUTHCTL_DB", world.db())
        .output()
        .unwrap();
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "0");
}

/// The bytes of a database file, and whether SQLite left `-wal` or `-shm` files beside it.
fn snapshot(path: &std::path::Path) -> (Vec<u8>, bool) {
    let side = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name).exists()
    };
    (fs::read(path).unwrap(), side("-wal") || side("-shm"))
}

/// Defect 11: a newer schema in rollback-journal mode is refused (exit 7) and left exactly as it
/// was, not switched to WAL on the way.
#[test]
fn a_newer_schema_in_rollback_mode_is_left_byte_for_byte() {
    let world = World::new();
    let db = world.sql();
    // authctl's `meta` table and a schema from the future.
    db.execute_batch("CREATE TABLE meta (key, value); CREATE TABLE future (x); PRAGMA user_version = 99;")
        .unwrap();
    drop(db);
    let before = snapshot(&world.db());
    assert!(!before.1);
    for args in [&["user", "list"][..], &["db", "status"], &["db", "migrate"], &["init"]] {
        world
            .cmd()
            .args(args)
            .assert()
            .code(7)
            .stderr(contains("newer").and(contains("Upgrade authctl")));
        assert!(snapshot(&world.db()) == before, "{args:?} changed the database");
    }
}

/// Defect 11: another application's database (tables, but not authctl's) is refused with exit 2
/// and never modified: no tables added, no journal-mode change, no -wal/-shm left behind.
#[test]
fn a_foreign_database_is_refused_and_left_byte_for_byte() {
    for setup in [
        // A Flask application's own database.
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(64) UNIQUE, password_hash VARCHAR(128));",
        // Another application that versions its schema with user_version too.
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); PRAGMA user_version = 1;",
        // Only a view.
        "CREATE VIEW answer AS SELECT 42;",
    ] {
        let world = World::new();
        world.sql().execute_batch(setup).unwrap();
        let before = snapshot(&world.db());
        for args in [&["user", "list"][..], &["db", "status"], &["db", "migrate"], &["init"]] {
            let output = world.cmd().arg("--json").args(args).output().unwrap();
            assert_eq!(output.status.code(), Some(2), "{setup} {args:?}");
            let error = json_error(&output.stderr);
            assert_eq!(error["kind"], "usage");
            assert!(
                error["message"].as_str().unwrap().contains("not an authctl database"),
                "{error}"
            );
            assert!(
                snapshot(&world.db()) == before,
                "{setup}: {args:?} changed the database"
            );
        }
    }
}

/// A WAL-mode database of another application is not touched either (its WAL is not
/// checkpointed into it by authctl's connection closing).
#[test]
fn a_foreign_wal_database_is_left_byte_for_byte() {
    let world = World::new();
    let db = world.sql();
    db.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE notes (body TEXT); PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(db);
    let before = snapshot(&world.db());
    world.cmd().args(["user", "list"]).assert().code(2);
    assert!(snapshot(&world.db()) == before, "the database changed");
}

/// An empty file is a new, empty database: it is created as authctl's.
#[test]
fn an_empty_file_becomes_a_new_database() {
    let world = World::new();
    fs::write(world.db(), b"").unwrap();
    world.cmd().args(["user", "list"]).assert().success();
    let status = world.json(&["db", "status"]);
    assert_eq!(status["schema_version"], status["latest_schema_version"]);
}
