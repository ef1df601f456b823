//! `user verify` (issue 12): a password checked as a login would check it, without logging in;
//! a refusal is a failed login in every other way.

use predicates::str::contains;

use crate::util::{PASSWORD, World};

const INVALID: &str = "authctl: Invalid username or password.\n";

fn verify(world: &World, user: &str, password: &str) -> assert_cmd::assert::Assert {
    world
        .cmd()
        .args(["user", "verify", user, "--password-stdin"])
        .write_stdin(format!("{password}\n"))
        .assert()
}

#[test]
fn a_match_changes_nothing() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    let sessions = world.json(&["session", "list"]);
    let audit = world.json(&["audit"]);
    let hash = world.stored_hash("ada@example.com");
    // Parameters newer than the hash's: a login would upgrade it, a verification must not.
    world
        .cmd()
        .env("AUTHCTL_ARGON2_MEMORY_KIB", "128")
        .args(["user", "verify", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success()
        .stdout("The password of ada@example.com is correct.\n");
    let id = world.json(&["user", "show", "ada@example.com"])["id"].clone();
    let output = world
        .cmd()
        .args(["--json", "user", "verify", id.as_str().unwrap(), "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["verified"], true);
    assert_eq!(answer["user"]["id"], id);
    assert_eq!(world.stored_hash("ada@example.com"), hash, "no hash upgrade");
    assert_eq!(world.json(&["session", "list"]), sessions, "no session made or changed");
    assert_eq!(world.json(&["audit"]), audit, "no audit row");
    world.cmd().arg("whoami").assert().success().stdout("ada@example.com\n");
}

#[test]
fn every_refusal_looks_the_same_and_a_wrong_password_counts() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.add_user("locked@example.com");
    world.json(&["user", "lock", "locked@example.com"]);
    world.add_user("inactive@example.com");
    world.json(&["user", "edit", "inactive@example.com", "--active", "false"]);
    for user in [
        "nobody@example.com",
        "nobody",
        "locked@example.com",
        "inactive@example.com",
    ] {
        verify(&world, user, PASSWORD).code(1).stdout("").stderr(INVALID);
    }
    verify(&world, "ada@example.com", "wrong password")
        .code(1)
        .stdout("")
        .stderr(INVALID);
    assert_eq!(world.json(&["user", "show", "ada@example.com"])["failed_logins"], 1);
    let failures: Vec<_> = world
        .json(&["audit"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["event"] == "login_failed")
        .map(|row| row["detail"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(failures.len(), 5, "{failures:?}");
    assert!(failures.iter().all(|d| d.ends_with("(user verify)")), "{failures:?}");
    assert!(failures[4].starts_with("wrong password"), "{failures:?}");

    verify(&world, "ada@example.com", PASSWORD).success();
    assert_eq!(
        world.json(&["user", "show", "ada@example.com"])["failed_logins"],
        1,
        "a success forgets nothing"
    );
}

#[test]
fn wrong_passwords_lock_out_and_a_lockout_refuses_the_right_one() {
    let world = World::new();
    world.add_user("ada@example.com");
    for _ in 0..2 {
        world
            .cmd()
            .env("AUTHCTL_MAX_FAILED_LOGINS", "2")
            .args(["user", "verify", "ada@example.com", "--password-stdin"])
            .write_stdin("wrong password\n")
            .assert()
            .code(1);
    }
    assert!(world.json(&["user", "show", "ada@example.com"])["locked_out_until"].is_string());
    verify(&world, "ada@example.com", PASSWORD).code(1).stderr(INVALID);
    world.login("ada@example.com", PASSWORD, &[]).code(1);
    world.json(&["user", "unlock", "ada@example.com"]);
    verify(&world, "ada@example.com", PASSWORD).success();
}

#[test]
fn an_unconfirmed_account_is_refused_when_login_would_refuse_it() {
    let world = World::new();
    world.add_user("ada@example.com");
    world
        .cmd()
        .env("AUTHCTL_REQUIRE_CONFIRMATION", "true")
        .args(["user", "verify", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(1)
        .stderr(INVALID);
    verify(&world, "ada@example.com", PASSWORD).success();
    world
        .cmd()
        .args(["user", "verify", "ada@example.com"])
        .assert()
        .code(2)
        .stderr(contains("--password-stdin"));
}
