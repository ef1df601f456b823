//! Issue 12, item 7: messages a person can act on. Each message the issue quoted is rewritten to
//! name what was wrong, the value, where it came from and what to do; none shows Rust's debug
//! output (`architecture::no_message_shows_rust_debug_output` reads the sources for that).

use std::fs;
use std::os::unix::fs::PermissionsExt;

use predicates::prelude::*;
use predicates::str::contains;

use crate::util::World;

#[test]
fn argon2_settings_argon2_cannot_use_are_named_not_dumped() {
    let world = World::new();
    world
        .cmd()
        .env("AUTHCTL_ARGON2_MEMORY_KIB", "8")
        .env("AUTHCTL_ARGON2_PARALLELISM", "2")
        .args(["user", "list"])
        .assert()
        .code(2)
        .stderr(contains(
            "Invalid argon2 settings argon2_memory_kib=8 with argon2_iterations=1 and argon2_parallelism=2: \
             memory cost is too small (argon2 needs at least 8 KiB of memory per lane",
        ))
        .stderr(contains("HashParams").not());
}

#[test]
fn an_invalid_setting_says_where_it_was_given() {
    let world = World::new();
    let config = world.path("authctl.toml");
    fs::write(&config, "session_duration = \"forever\"\n").unwrap();
    world
        .cmd()
        .env("AUTHCTL_CONFIG", &config)
        .args(["user", "list"])
        .assert()
        .code(2)
        .stderr(contains(format!(
            "Invalid value for setting session_duration: 'forever', given by file {} (expected a duration",
            config.display()
        )));
    world
        .cmd()
        .args(["user", "import", "--jobs", "0", "-"])
        .assert()
        .code(2)
        .stderr(contains("Invalid value for setting jobs: '0', given by flag --jobs"));
}

#[test]
fn a_session_id_that_is_not_one_says_where_to_find_one() {
    let world = World::new();
    world
        .cmd()
        .args(["session", "revoke", "nota-uuid"])
        .assert()
        .code(2)
        .stderr(contains(
            "not a session id: give the ID column of `authctl session list`",
        ))
        .stderr(contains("invalid character").not());
}

#[test]
fn an_empty_import_says_what_a_csv_import_starts_with() {
    let world = World::new();
    let empty = world.path("empty.csv");
    fs::write(&empty, "").unwrap();
    for input in [empty.to_str().unwrap(), "-"] {
        world
            .cmd()
            .args(["user", "import", "--format", "csv", input])
            .write_stdin("")
            .assert()
            .code(2)
            .stderr(contains(
                "The input is empty: a CSV import starts with a header row naming its columns (email, and any of: \
                 username, password, password_hash, confirmed, active).",
            ));
    }
    world
        .cmd()
        .args(["user", "import", "--format", "csv", "/nonexistent/users.csv"])
        .assert()
        .code(2)
        .stderr(contains("Cannot read /nonexistent/users.csv"));
}

/// A database file its user may not open is "permission denied" and what authctl needs, not
/// SQLite's "unable to open database file". As root, which no permission stops, the command
/// runs as nobody (setpriv, which the test set-up installs).
#[test]
fn sqlite_a_database_without_permission_says_permission_denied() {
    let world = World::new();
    if !world.is_sqlite() {
        return;
    }
    fs::set_permissions(world.dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(world.db_file(), fs::Permissions::from_mode(0o600)).unwrap();
    let mut cmd = world.cmd();
    if nix::unistd::Uid::effective().is_root() {
        // The test binary's own directory may not be open to nobody: a copy in the world is.
        let binary = world.path("authctl");
        fs::copy(env!("CARGO_BIN_EXE_authctl"), &binary).unwrap();
        fs::set_permissions(&binary, fs::Permissions::from_mode(0o755)).unwrap();
        cmd = assert_cmd::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&binary)
            .env("HOME", world.path("nobody-home"))
            .env("AUTHCTL_DB", world.db());
    } else {
        fs::set_permissions(world.db_file(), fs::Permissions::from_mode(0o000)).unwrap();
    }
    cmd.args(["user", "list"])
        .assert()
        .code(7)
        .stderr(contains(format!(
            "cannot open the database {}: permission denied: authctl reads and writes the file",
            world.db()
        )))
        .stderr(contains("unable to open database file").not());
}
