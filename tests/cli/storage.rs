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
        .stdout(contains("schema version 7"));
    let init = world.json(&["init"]);
    assert_eq!(init["schema_version"], 7);
    assert_eq!(init["path"], world.db());
    if world.is_sqlite() {
        assert_eq!(mode(&world.db_file()), 0o600);
    }
    world.add_user("ada@example.com");
    let status = world.json(&["db", "status"]);
    assert_eq!(status["engine"], if world.is_sqlite() { "sqlite" } else { "postgres" });
    assert_eq!(status["schema_version"], 7);
    assert_eq!(status["latest_schema_version"], 7);
    assert_eq!(status["users"], 1);
    assert_eq!(status["path"], world.db());
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
        .stdout(contains("already at schema version 7"));
    assert_eq!(world.json(&["db", "migrate"])["from_version"], 7);
}

/// Issue 12: a mistyped --db is an error naming `init`, for every command but `init`, and
/// nothing is created: not the file, not its directory.
#[test]
fn only_init_creates_a_database() {
    let world = World::without_database();
    let commands: [&[&str]; 5] = [
        &["user", "list"],
        &["db", "status"],
        &["db", "migrate"],
        &["user", "show", "ada@example.com"],
        &["audit"],
    ];
    for args in commands {
        let output = world.cmd().arg("--json").args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(7), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let message = json_error(&output.stderr)["message"].as_str().unwrap().to_owned();
        assert!(message.contains("run `authctl init`"), "{args:?}: {message}");
    }
    if world.is_sqlite() {
        assert!(!world.db_file().exists());
    }
    world.cmd().arg("init").assert().success();
    world.cmd().args(["user", "list"]).assert().success();
    world.cmd().arg("init").assert().success();
}

/// Issue 12: no command makes directories it was not asked for: an export into a missing
/// directory fails, and a missing XDG_RUNTIME_DIR is not created (the session goes to the state
/// directory instead).
#[test]
fn no_command_creates_directories_it_was_not_asked_for() {
    let world = World::new();
    world.add_user("ada@example.com");
    world
        .cmd()
        .args(["user", "export", "--output"])
        .arg(world.path("no/such/dir/users.csv"))
        .assert()
        .code(7)
        .stderr(contains("No such file or directory"));
    assert!(!world.path("no").exists());

    let runtime = world.path("run/user/1000");
    world
        .bare()
        .env("AUTHCTL_DB", world.db())
        .env("XDG_RUNTIME_DIR", &runtime)
        .args(["login", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    assert!(!world.path("run").exists());
    assert!(world.path("state/authctl/session").exists());
}

/// `init` creates the file and its directory, private to their owner.
#[test]
fn sqlite_init_creates_the_file_and_its_directory() {
    let world = World::new();
    world
        .cmd()
        .env("AUTHCTL_DB", world.path("deep/dir/users.db"))
        .args(["init"])
        .assert()
        .success();
    assert!(world.path("deep/dir/users.db").exists());
    assert_eq!(mode(&world.path("deep/dir/users.db")), 0o600);
    assert_eq!(mode(&world.path("deep/dir")), 0o700);
}

#[test]
fn sqlite_a_newer_schema_is_refused_with_nothing_written() {
    let world = World::new();
    if !world.is_sqlite() {
        return;
    }
    world.add_user("ada@example.com");
    rusqlite::Connection::open(world.db_file())
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let before = fs::read(world.db_file()).unwrap();
    for args in [&["user", "list"][..], &["db", "migrate"], &["db", "status"], &["init"]] {
        let output = world.cmd().arg("--json").args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(7), "{args:?}");
        let error = json_error(&output.stderr);
        assert_eq!(error["kind"], "storage");
        assert!(error["message"].as_str().unwrap().contains("newer"));
    }
    assert_eq!(fs::read(world.db_file()).unwrap(), before);
}

#[test]
fn sqlite_a_corrupt_database_exits_7() {
    let world = World::new();
    if !world.is_sqlite() {
        return;
    }
    fs::write(world.db_file(), vec![b'x'; 8192]).unwrap();
    world
        .cmd()
        .args(["user", "list"])
        .assert()
        .code(7)
        .stderr(contains("database"));
    // A JSON list that cannot be read writes nothing to stdout: no unfinished `[` for jq.
    for list in [&["user", "list"][..], &["audit"][..]] {
        let output = world.cmd().arg("--json").args(list).output().unwrap();
        assert_eq!(output.status.code(), Some(7), "{list:?}");
        assert!(
            output.stdout.is_empty(),
            "{list:?}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    fs::write(world.db_file(), b"").unwrap();
    fs::set_permissions(world.db_file(), std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    // root can read anything: only check the exit code when permissions bite.
    if fs::read(world.db_file()).is_err() {
        world.cmd().args(["user", "list"]).assert().code(7);
    }
}

#[test]
fn sqlite_a_lock_held_past_the_busy_timeout_exits_7() {
    let world = World::new();
    if !world.is_sqlite() {
        return;
    }
    world.add_user("ada@example.com");
    let holder = rusqlite::Connection::open(world.db_file()).unwrap();
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
    assert_eq!(world.user_count(), 7);
    assert_eq!(world.audit_count("login_succeeded"), 6);
}

#[test]
fn a_broken_pipe_is_not_an_error() {
    let world = World::new();
    world.add_user("ada@example.com");
    // Enough users to overflow a pipe buffer.
    world.add_many_users(3000);
    for list in ["--json user list", "user list", "audit"] {
        let output = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "'{}' {list} | head -c 10 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
                env!("CARGO_BIN_EXE_authctl")
            ))
            .env("AUTHCTL_DB", world.db())
            .output()
            .unwrap();
        assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "0", "{list}");
    }
}

/// Eight processes race one confirmation token: exactly one wins, on either engine.
#[test]
fn processes_racing_one_token_never_both_win() {
    let world = World::new();
    let token = world.register_with_confirmation();
    let racers: Vec<_> = (0..8)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_authctl"))
                .env("AUTHCTL_DB", world.db())
                .env("HOME", world.path("home"))
                .args(["confirm", &token])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let codes: Vec<i32> = racers
        .into_iter()
        .map(|mut child| child.wait().unwrap().code().unwrap())
        .collect();
    assert_eq!(codes.iter().filter(|code| **code == 0).count(), 1, "{codes:?}");
    assert!(codes.iter().all(|code| *code == 0 || *code == 1), "{codes:?}");
    assert_eq!(world.audit_count("account_confirmed"), 1);
}

/// Two processes add the same address at once: one is created, the other is a conflict (exit 5),
/// recognised by the engine's constraint and not by its message.
#[test]
fn processes_racing_one_email_never_both_win() {
    let world = World::new();
    world.cmd().arg("init").assert().success();
    let racers: Vec<_> = (0..6)
        .map(|_| {
            let mut child = Command::new(env!("CARGO_BIN_EXE_authctl"))
                .env("AUTHCTL_DB", world.db())
                .env("HOME", world.path("home"))
                .env("AUTHCTL_ARGON2_MEMORY_KIB", "64")
                .env("AUTHCTL_ARGON2_ITERATIONS", "1")
                .args(["user", "add", "ada@example.com", "--password-stdin"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            use std::io::Write;
            writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
            child
        })
        .collect();
    let mut codes: Vec<i32> = racers
        .into_iter()
        .map(|mut child| child.wait().unwrap().code().unwrap())
        .collect();
    codes.sort();
    assert_eq!(codes, [0, 5, 5, 5, 5, 5]);
    assert_eq!(world.user_count(), 1);
}

#[test]
fn a_database_password_on_the_command_line_is_refused() {
    let world = World::new();
    // Also a password typed without percent-encoding, which may hold '/', '?' or '@'.
    for url in [
        "postgres://ada:s3cret@127.0.0.1:1/accounts",
        "postgres://ada:s3/cret@127.0.0.1:1/accounts",
        "postgresql://ada:s3?cret@127.0.0.1:1/accounts",
        "postgres://ada:s3@cret@127.0.0.1:1/accounts",
    ] {
        let output = world.bare().args(["--db", url, "user", "list"]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{url}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("AUTHCTL_DB") && !stderr.contains("cret"), "{stderr}");
    }
    let url = "postgres://ada:s3cret@127.0.0.1:1/accounts";
    // Typed on the command line, it is on the command line even when AUTHCTL_DB says the same.
    let output = world
        .bare()
        .env("AUTHCTL_DB", url)
        .args(["--db", url, "user", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

/// A server that cannot be reached is a storage error (exit 7) whose message names the database
/// but never the password of its URL.
#[test]
fn an_unreachable_postgres_server_exits_7_without_the_password() {
    let world = World::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = world
        .bare()
        .env("AUTHCTL_DB", format!("postgres://ada:s3cret@127.0.0.1:{port}/accounts"))
        .env("AUTHCTL_BUSY_TIMEOUT", "2s")
        .args(["--json", "user", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7));
    let error = json_error(&output.stderr);
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("postgres://ada@127.0.0.1:{port}/accounts")),
        "{message}"
    );
    assert!(!String::from_utf8_lossy(&output.stderr).contains("s3cret"));
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
fn sqlite_a_newer_schema_in_rollback_mode_is_left_byte_for_byte() {
    let world = World::without_database();
    if !world.is_sqlite() {
        return;
    }
    let db = rusqlite::Connection::open(world.db_file()).unwrap();
    // authctl's `meta` table and a schema from the future.
    db.execute_batch("CREATE TABLE meta (key, value); CREATE TABLE future (x); PRAGMA user_version = 99;")
        .unwrap();
    drop(db);
    let before = snapshot(&world.db_file());
    assert!(!before.1);
    for args in [&["user", "list"][..], &["db", "status"], &["db", "migrate"], &["init"]] {
        world
            .cmd()
            .args(args)
            .assert()
            .code(7)
            .stderr(contains("newer").and(contains("Upgrade authctl")));
        assert!(snapshot(&world.db_file()) == before, "{args:?} changed the database");
    }
}

/// Defect 11: another application's database (tables, but not authctl's) is refused with exit 2
/// and never modified: no tables added, no journal-mode change, no -wal/-shm left behind.
#[test]
fn sqlite_a_foreign_database_is_refused_and_left_byte_for_byte() {
    if crate::engine::is_postgres() {
        return;
    }
    for setup in [
        // A Flask application's own database.
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(64) UNIQUE, password_hash VARCHAR(128));",
        // Another application that versions its schema with user_version too.
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); PRAGMA user_version = 1;",
        // Only a view.
        "CREATE VIEW answer AS SELECT 42;",
    ] {
        let world = World::without_database();
        rusqlite::Connection::open(world.db_file())
            .unwrap()
            .execute_batch(setup)
            .unwrap();
        let before = snapshot(&world.db_file());
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
                snapshot(&world.db_file()) == before,
                "{setup}: {args:?} changed the database"
            );
        }
    }
}

/// A WAL-mode database of another application is not touched either (its WAL is not
/// checkpointed into it by authctl's connection closing).
#[test]
fn sqlite_a_foreign_wal_database_is_left_byte_for_byte() {
    let world = World::without_database();
    if !world.is_sqlite() {
        return;
    }
    let db = rusqlite::Connection::open(world.db_file()).unwrap();
    db.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE notes (body TEXT); PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(db);
    let before = snapshot(&world.db_file());
    world.cmd().args(["user", "list"]).assert().code(2);
    assert!(snapshot(&world.db_file()) == before, "the database changed");
}

/// An empty file holds no database: everyday commands name `init`, which makes it authctl's.
#[test]
fn sqlite_an_empty_file_becomes_a_database_by_init() {
    let world = World::without_database();
    if !world.is_sqlite() {
        return;
    }
    fs::write(world.db_file(), b"").unwrap();
    world
        .cmd()
        .args(["user", "list"])
        .assert()
        .code(7)
        .stderr(contains("authctl init"));
    assert_eq!(fs::metadata(world.db_file()).unwrap().len(), 0);
    world.cmd().arg("init").assert().success();
    let status = world.json(&["db", "status"]);
    assert_eq!(status["schema_version"], status["latest_schema_version"]);
}
