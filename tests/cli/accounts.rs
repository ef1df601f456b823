//! Accounts: user add/list/show/remove/lock/unlock/set-password, login and the audit log.

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

use crate::util::{PASSWORD, World, json_error};

#[test]
fn add_prints_the_id_and_show_list_find_the_user() {
    let world = World::new();
    let id = world.add_user("Ada@Example.com");
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");

    let user = world.json(&["user", "show", "ada@EXAMPLE.com"]);
    assert_eq!(user["id"], id.as_str());
    assert_eq!(user["email"], "Ada@Example.com", "stored as typed");
    assert_eq!(user["confirmed"], false);
    assert_eq!(user["active"], true);
    assert_eq!(user["locked"], false);
    assert!(user.get("password_hash").is_none(), "the hash is never printed");
    assert_eq!(world.json(&["user", "show", &id])["email"], "Ada@Example.com");

    world.add_user_with("bob@example.com", &["--username", "bob", "--confirmed", "--inactive"]);
    let list = world.json(&["user", "list"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["username"], "bob");
    assert_eq!(list[1]["confirmed"], true);
    assert_eq!(list[1]["active"], false);
    world
        .cmd()
        .args(["user", "list"])
        .assert()
        .success()
        .stdout(contains("Ada@Example.com").and(contains("bob@example.com")));
    world
        .cmd()
        .args(["user", "show", "ada@example.com"])
        .assert()
        .success()
        .stdout(contains("password:   set"));
}

/// Issue 12: every USER argument names a user by email, username or id.
#[test]
fn users_are_named_by_username_too() {
    let world = World::new();
    world.add_user_with("bob@example.com", &["--username", "Bob"]);
    assert_eq!(world.json(&["user", "show", "bob"])["email"], "bob@example.com");
    assert_eq!(world.json(&["user", "lock", "BOB"])["locked"], true);
    assert_eq!(world.json(&["user", "show", "bob@example.com"])["locked"], true);
    world
        .cmd()
        .args(["user", "show", "alice"])
        .assert()
        .code(4)
        .stderr(contains("alice"));
}

#[test]
fn add_refuses_duplicates_bad_emails_and_weak_passwords() {
    let world = World::new();
    world.add_user("ada@example.com");
    let duplicate = |email: &str, username: Option<&str>| {
        let mut cmd = world.cmd();
        cmd.args(["--json", "user", "add", email, "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"));
        if let Some(name) = username {
            cmd.args(["--username", name]);
        }
        cmd.output().unwrap()
    };
    let output = duplicate("ADA@example.COM", None);
    assert_eq!(output.status.code(), Some(5));
    assert_eq!(json_error(&output.stderr)["kind"], "conflict");
    assert_eq!(duplicate("eve@example.com", Some("eve")).status.code(), Some(0));
    let output = duplicate("eve2@example.com", Some("EVE"));
    assert_eq!(output.status.code(), Some(5));
    assert!(
        json_error(&output.stderr)["message"]
            .as_str()
            .unwrap()
            .contains("username")
    );

    world
        .cmd()
        .args(["user", "add", "not-an-email", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(2)
        .stderr(contains("not a valid email address"));
    world
        .cmd()
        .args([
            "user",
            "add",
            "x@example.com",
            "--username",
            "9lives",
            "--password-stdin",
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(2)
        .stderr(contains("username"));
    world
        .cmd()
        .args(["user", "add", "short@example.com", "--password-stdin"])
        .write_stdin("seven77\n")
        .assert()
        .code(2)
        .stderr(contains("at least 8 characters"));
    world
        .cmd()
        .args(["user", "add", "long@example.com", "--password-stdin"])
        .write_stdin(format!("{}\n", "x".repeat(1025)))
        .assert()
        .code(2)
        .stderr(contains("at most 1024 characters"));
    world
        .cmd()
        .args(["user", "add", "empty@example.com", "--password-stdin"])
        .assert()
        .code(2);
    // Nothing was written by the failures.
    assert_eq!(world.json(&["user", "list"]).as_array().unwrap().len(), 2);
}

#[test]
fn unknown_users_exit_4() {
    let world = World::new();
    for args in [
        &["user", "show", "nobody@example.com"][..],
        &["user", "remove", "nobody@example.com", "--yes"],
        &["user", "lock", "nobody@example.com"],
        &["user", "unlock", "4b0f3c4e-8b2a-4f5e-9a39-3f1d8e5a6b7c"],
        &["user", "set-password", "nobody@example.com", "--password-stdin"],
    ] {
        let output = world
            .cmd()
            .arg("--json")
            .args(args)
            .write_stdin(format!("{PASSWORD}\n"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(4), "{args:?}");
        assert_eq!(json_error(&output.stderr)["kind"], "not_found");
    }
}

#[test]
fn login_succeeds_and_every_failure_looks_the_same() {
    let world = World::new();
    world.add_user("ada@example.com");
    world
        .login("ADA@example.com", PASSWORD, &[])
        .success()
        .stdout("Logged in as ada@example.com.\n");

    world.add_user("locked@example.com");
    world
        .cmd()
        .args(["user", "lock", "locked@example.com"])
        .assert()
        .success();
    world.add_user_with("inactive@example.com", &["--inactive"]);
    for (email, password) in [
        ("ada@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
        ("locked@example.com", PASSWORD),
        ("inactive@example.com", PASSWORD),
    ] {
        world
            .login(email, password, &[])
            .code(1)
            .stdout("")
            .stderr("authctl: Invalid username or password.\n");
    }
    let output = world
        .cmd()
        .args(["--json", "login", "nobody@example.com", "--password-stdin"])
        .write_stdin("whatever1\n")
        .output()
        .unwrap();
    assert_eq!(
        json_error(&output.stderr),
        serde_json::json!({"kind": "auth_failed", "message": "Invalid username or password."})
    );
    world.login("not-an-email", PASSWORD, &[]).code(2);

    world
        .cmd()
        .args(["user", "unlock", "locked@example.com"])
        .assert()
        .success();
    world.login("locked@example.com", PASSWORD, &[]).success();
}

#[test]
fn login_json_shape() {
    let world = World::new();
    let id = world.add_user("ada@example.com");
    let output = world
        .cmd()
        .args(["--json", "login", "ada@example.com", "--remember", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    let login: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(login["user"]["id"], id.as_str());
    assert_eq!(login["session"]["remember"], true);
    assert!(login["session"]["expires_at"].is_string());
    assert!(login["session_file"].as_str().unwrap().ends_with("session"));
    assert!(login["session"].get("token_hash").is_none());
}

#[test]
fn lock_ends_sessions_and_set_password_replaces_the_password() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    world
        .cmd()
        .args(["user", "lock", "ada@example.com"])
        .assert()
        .success()
        .stdout("Locked the user ada@example.com.\n");
    world.cmd().arg("whoami").assert().code(3);
    assert_eq!(world.json(&["user", "unlock", "ada@example.com"])["locked"], false);
    world.cmd().arg("whoami").assert().code(3).stderr(contains("revoked"));
    assert_eq!(world.json(&["user", "lock", "ada@example.com"])["locked"], true);
    assert_eq!(world.json(&["user", "unlock", "ada@example.com"])["locked"], false);

    world.login("ada@example.com", PASSWORD, &[]).success();
    let user = world
        .cmd()
        .args(["--json", "user", "set-password", "ada@example.com", "--password-stdin"])
        .write_stdin("a brand new password\n")
        .output()
        .unwrap();
    assert!(user.status.success());
    world.cmd().arg("whoami").assert().code(3);
    world.login("ada@example.com", PASSWORD, &[]).code(1);
    world.login("ada@example.com", "a brand new password", &[]).success();
    world
        .cmd()
        .args(["user", "set-password", "ada@example.com", "--password-stdin"])
        .write_stdin("short\n")
        .assert()
        .code(2);
}

#[test]
fn remove_needs_confirmation_without_a_terminal() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    world
        .cmd()
        .args(["user", "remove", "ada@example.com"])
        .assert()
        .code(2)
        .stderr(contains("--yes"));
    world.json(&["user", "show", "ada@example.com"]);
    let removed = world.json(&["user", "remove", "ada@example.com", "--yes"]);
    assert_eq!(removed["removed"]["email"], "ada@example.com");
    world.cmd().args(["user", "show", "ada@example.com"]).assert().code(4);
    world.cmd().arg("whoami").assert().code(3);
    // The same address registered again does not inherit the removed account's session.
    world.add_user("ada@example.com");
    world.cmd().arg("whoami").assert().code(3);
}

#[test]
fn passwords_are_nfkc_normalised() {
    let world = World::new();
    world
        .cmd()
        .args(["user", "add", "ada@example.com", "--password-stdin"])
        .write_stdin("\u{FB01}le caf\u{e9} 2024\n")
        .assert()
        .success();
    world.login("ada@example.com", "file cafe\u{301} 2024", &[]).success();
}

#[test]
fn default_argon2_parameters_are_owasp() {
    let world = World::new();
    world
        .cmd()
        .env_remove("AUTHCTL_ARGON2_MEMORY_KIB")
        .env_remove("AUTHCTL_ARGON2_ITERATIONS")
        .args(["user", "add", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    let hash = world.stored_hash("ada@example.com");
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[test]
fn a_hash_with_old_parameters_is_upgraded_at_login() {
    let world = World::new();
    world.add_user("ada@example.com");
    let hash = || world.stored_hash("ada@example.com");
    assert!(hash().contains("m=64,t=1,p=1"));
    world
        .cmd()
        .env("AUTHCTL_ARGON2_MEMORY_KIB", "128")
        .env("AUTHCTL_ARGON2_ITERATIONS", "2")
        .args(["login", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    assert!(hash().contains("m=128,t=2,p=1"), "{}", hash());
    let audit = world.json(&["audit"]);
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["event"] == "password_rehashed")
    );
    world.login("ada@example.com", PASSWORD, &[]).success();
}

#[test]
fn audit_records_every_change_without_secrets() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.add_user("bob@example.com");
    world.login("ada@example.com", "not the right one", &[]).code(1);
    world.login("ada@example.com", PASSWORD, &[]).success();
    world
        .cmd()
        .env("AUTHCTL_SESSION_FILE", world.path("other-session"))
        .args(["login", "ada@example.com", "--remember", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    world
        .cmd()
        .args(["session", "revoke", "--all-others"])
        .assert()
        .success();
    world.cmd().arg("logout").assert().success();
    world.cmd().args(["user", "lock", "ada@example.com"]).assert().success();
    world
        .cmd()
        .args(["user", "unlock", "ada@example.com"])
        .assert()
        .success();
    world
        .cmd()
        .args(["user", "set-password", "ada@example.com", "--password-stdin"])
        .write_stdin("another fine password\n")
        .assert()
        .success();
    world
        .cmd()
        .args(["user", "remove", "ada@example.com", "--yes"])
        .assert()
        .success();

    let audit = world.json(&["audit", "--user", "ADA@example.com"]);
    let events: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "user_added",
            "login_failed",
            "login_succeeded",
            "login_succeeded",
            "session_revoked",
            "logout",
            "user_locked",
            "user_unlocked",
            "password_set",
            "user_removed"
        ]
    );
    let row = &audit[0];
    assert_eq!(row["email"], "ada@example.com");
    assert!(row["os_user"].as_str().is_some_and(|user| !user.is_empty()));
    assert!(row["at"].is_string());
    assert_eq!(world.json(&["audit"]).as_array().unwrap().len(), events.len() + 1);
    assert_eq!(
        world.json(&["audit", "--since", "1h"]).as_array().unwrap().len(),
        events.len() + 1
    );

    if world.is_sqlite() {
        let dump = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("cat {}*", world.db_file().display()))
            .output()
            .unwrap();
        for secret in [PASSWORD, "another fine password", "not the right one"] {
            assert!(
                !String::from_utf8_lossy(&dump.stdout).contains(secret),
                "the database holds a password in clear"
            );
        }
    }
    world.cmd().args(["audit", "--since", "yesterday"]).assert().code(2);
}
