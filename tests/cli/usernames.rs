//! Issue 11, part 3: the setting username_case_sensitive. The comparison is the database's own,
//! recorded by `init` and changed only by `db migrate`; every other command refuses a database
//! that compares otherwise than the setting says.

use assert_cmd::Command;
use predicates::str::contains;
use serde_json::Value;

use crate::util::{PASSWORD, World, json_error};

/// authctl in `world` with the setting on.
fn sensitive(world: &World) -> Command {
    let mut cmd = world.cmd();
    cmd.env("AUTHCTL_USERNAME_CASE_SENSITIVE", "true");
    cmd
}

/// Runs `args` with `--json` in `cmd`, expects success, and returns the parsed stdout.
fn json(mut cmd: Command, args: &[&str]) -> Value {
    let output = cmd.arg("--json").args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Adds `email` with `username` in `cmd`'s setting; returns the assertion.
fn add(mut cmd: Command, email: &str, username: &str) -> assert_cmd::assert::Assert {
    cmd.args(["user", "add", email, "--username", username, "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
}

/// The email of the account `user show` finds by `name`, if any.
fn email_of(cmd: Command, name: &str) -> Option<String> {
    let mut cmd = cmd;
    let output = cmd.args(["--json", "user", "show", name]).output().unwrap();
    match output.status.code() {
        Some(0) => {
            let user: Value = serde_json::from_slice(&output.stdout).unwrap();
            Some(user["email"].as_str().unwrap().to_owned())
        }
        Some(4) => None,
        other => panic!("user show {name}: exit {other:?}"),
    }
}

/// A world whose database `init` made with the setting on.
fn sensitive_world() -> World {
    let world = World::without_database();
    let init = json(sensitive(&world), &["init"]);
    assert_eq!(init["username_case"], "sensitive");
    world
}

#[test]
fn by_default_alice_and_alice_are_one_name() {
    let world = World::new();
    assert_eq!(world.json(&["db", "status"])["username_case"], "insensitive");
    add(world.cmd(), "a@example.com", "Alice").success();
    add(world.cmd(), "b@example.com", "alice")
        .code(5)
        .stderr(contains("The username alice is already taken."));
    assert_eq!(email_of(world.cmd(), "ALICE").as_deref(), Some("a@example.com"));
}

#[test]
fn with_the_setting_on_alice_and_alice_are_two_accounts() {
    let world = sensitive_world();
    add(sensitive(&world), "a@example.com", "Alice").success();
    add(sensitive(&world), "b@example.com", "alice").success();
    assert_eq!(email_of(sensitive(&world), "Alice").as_deref(), Some("a@example.com"));
    assert_eq!(email_of(sensitive(&world), "alice").as_deref(), Some("b@example.com"));
    assert_eq!(email_of(sensitive(&world), "ALICE"), None);
    // Exactly the same name is still taken, and so is its NFKC look-alike (fullwidth A).
    add(sensitive(&world), "c@example.com", "Alice").code(5);
    add(sensitive(&world), "c@example.com", "\u{FF21}lice").code(5);
    // An edit and an import compare the same way.
    sensitive(&world)
        .args(["user", "edit", "b@example.com", "--username", "ALICE"])
        .assert()
        .success();
    assert_eq!(email_of(sensitive(&world), "ALICE").as_deref(), Some("b@example.com"));
    sensitive(&world)
        .args(["user", "import", "--format", "csv", "-"])
        .write_stdin("email,username\nbob@example.com,Bob\nbob2@example.com,bob\n")
        .assert()
        .success();
    assert_eq!(email_of(sensitive(&world), "bob").as_deref(), Some("bob2@example.com"));
    sensitive(&world)
        .args(["user", "import", "--format", "csv", "-"])
        .write_stdin("email,username\nbob3@example.com,Bob\n")
        .assert()
        .code(2)
        .stderr(contains("line 2: the username Bob is already taken"));
    if world.is_sqlite() {
        sensitive(&world).args(["db", "check"]).assert().success();
    }
}

#[test]
fn a_database_that_compares_otherwise_than_the_setting_is_refused_until_db_migrate() {
    let world = World::new();
    add(world.cmd(), "a@example.com", "Alice").success();
    for args in [&["user", "list"][..], &["user", "show", "Alice"], &["audit"]] {
        let output = sensitive(&world).arg("--json").args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let error = json_error(&output.stderr);
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("compares usernames case-insensitively")
                && message.contains("username_case_sensitive is on")
                && message.contains("authctl db migrate"),
            "{message}"
        );
    }
    // Nor does running init again change an existing database's comparison.
    sensitive(&world)
        .arg("init")
        .assert()
        .code(2)
        .stderr(contains("authctl db migrate"));
    let status = json(sensitive(&world), &["db", "status"]);
    assert_eq!(status["username_case"], "insensitive");
    assert_eq!(status["username_case_setting"], "sensitive");
    sensitive(&world)
        .args(["db", "status"])
        .assert()
        .success()
        .stdout(contains(
            "usernames:       case-insensitive (the setting username_case_sensitive asks for case-sensitive",
        ));

    let migrated = json(sensitive(&world), &["db", "migrate"]);
    assert_eq!(migrated["username_case"], "sensitive");
    assert_eq!(migrated["username_case_changed"], true);
    assert_eq!(
        json(sensitive(&world), &["db", "migrate"])["username_case_changed"],
        false
    );
    add(sensitive(&world), "b@example.com", "alice").success();
    assert_eq!(email_of(sensitive(&world), "Alice").as_deref(), Some("a@example.com"));
    world.cmd().args(["user", "list"]).assert().code(2).stderr(contains(
        "compares usernames case-sensitively, but the setting username_case_sensitive is off",
    ));
}

#[test]
fn back_to_insensitive_refuses_names_that_would_meet_and_changes_nothing() {
    let world = sensitive_world();
    add(sensitive(&world), "a@example.com", "Alice").success();
    add(sensitive(&world), "b@example.com", "alice").success();
    add(sensitive(&world), "c@example.com", "Carol").success();
    let output = world.cmd().args(["--json", "db", "migrate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(5));
    let error = json_error(&output.stderr);
    assert_eq!(error["kind"], "conflict");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("'Alice' and 'alice' would be one name")
            && message.contains("AUTHCTL_USERNAME_CASE_SENSITIVE=true authctl user edit")
            && message.contains("nothing was changed"),
        "{message}"
    );
    assert_eq!(json(sensitive(&world), &["db", "status"])["username_case"], "sensitive");
    assert_eq!(email_of(sensitive(&world), "alice").as_deref(), Some("b@example.com"));
    assert_eq!(email_of(sensitive(&world), "Alice").as_deref(), Some("a@example.com"));

    sensitive(&world)
        .args(["user", "edit", "alice", "--username", "alice2"])
        .assert()
        .success();
    let migrated = world.json(&["db", "migrate"]);
    assert_eq!(migrated["username_case"], "insensitive");
    assert_eq!(migrated["username_case_changed"], true);
    assert_eq!(email_of(world.cmd(), "ALICE").as_deref(), Some("a@example.com"));
    assert_eq!(email_of(world.cmd(), "CAROL").as_deref(), Some("c@example.com"));
    assert_eq!(email_of(world.cmd(), "Alice2").as_deref(), Some("b@example.com"));
    add(world.cmd(), "d@example.com", "carol").code(5);
    if world.is_sqlite() {
        world.cmd().args(["db", "check"]).assert().success();
    }
}
