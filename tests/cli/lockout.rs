//! Lockout with backoff after consecutive failed logins, failed token guesses in the audit log,
//! and the failed-login delay.

use std::time::{Duration, Instant};

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::Value;

use crate::util::{PASSWORD, World};

const INVALID: &str = "authctl: Invalid username or password.\n";

/// ada@example.com, who has [`PASSWORD`].
fn ada() -> World {
    let world = World::new();
    world.add_user("ada@example.com");
    world
}

/// `login` as ada with `password` where `max` consecutive failures lock an account out for
/// `duration`.
fn login(world: &World, (max, duration): (&str, &str), password: &str) -> assert_cmd::assert::Assert {
    world
        .cmd()
        .env("AUTHCTL_MAX_FAILED_LOGINS", max)
        .env("AUTHCTL_LOCKOUT_DURATION", duration)
        .args(["login", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{password}\n"))
        .assert()
}

fn show(world: &World) -> Value {
    world.json(&["user", "show", "ada@example.com"])
}

#[test]
fn consecutive_failures_lock_the_account_out_exactly_like_a_wrong_password() {
    let world = ada();
    let login = |password: &str| login(&world, ("3", "1h"), password);
    for _ in 0..3 {
        login("wrong password").code(1).stdout("").stderr(INVALID);
    }
    let user = show(&world);
    assert_eq!(user["failed_logins"], 3);
    assert!(user["locked_out_until"].is_string(), "{user}");
    assert_eq!(user["locked"], false, "the lockout is not the administrator's lock");

    // The right password fails the same way, unchecked and uncounted.
    login(PASSWORD).code(1).stdout("").stderr(INVALID);
    assert_eq!(show(&world)["failed_logins"], 3);
    assert_eq!(
        show(&world)["locked_out_until"],
        user["locked_out_until"],
        "not extended"
    );
    world
        .cmd()
        .args(["user", "show", "ada@example.com"])
        .assert()
        .success()
        .stdout(contains("failures:   3\n").and(contains("locked out: until ")));

    let unlocked = world.json(&["user", "unlock", "ada@example.com"]);
    assert_eq!(unlocked["failed_logins"], 0);
    assert_eq!(unlocked["locked_out_until"], Value::Null);
    login(PASSWORD).success();
    world
        .cmd()
        .args(["user", "show", "ada@example.com"])
        .assert()
        .success()
        .stdout(contains("failures:   0\n").and(contains("locked out: no\n")));
}

#[test]
fn a_success_resets_the_count() {
    let world = ada();
    let login = |password: &str| login(&world, ("3", "1h"), password);
    login("wrong password").code(1);
    login("wrong password").code(1);
    assert_eq!(show(&world)["failed_logins"], 2);
    login(PASSWORD).success();
    assert_eq!(show(&world)["failed_logins"], 0);
    login("wrong password").code(1);
    login("wrong password").code(1);
    login(PASSWORD).success();
}

#[test]
fn a_lockout_ends_by_itself_and_the_next_failure_locks_again() {
    let world = ada();
    let login = |password: &str| login(&world, ("2", "1s"), password);
    login("wrong password").code(1);
    login("wrong password").code(1);
    login(PASSWORD).code(1);
    std::thread::sleep(Duration::from_millis(1500));
    login("wrong password").code(1);
    let user = show(&world);
    assert_eq!(user["failed_logins"], 3);
    login(PASSWORD).code(1);
    world
        .cmd()
        .args(["user", "unlock", "ada@example.com"])
        .assert()
        .success();
    login(PASSWORD).success();
}

#[test]
fn a_reauthentication_is_a_login_attempt() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    let passwd = |current: &str| {
        world
            .cmd()
            .env("AUTHCTL_MAX_FAILED_LOGINS", "2")
            .args(["passwd", "--password-stdin"])
            .write_stdin(format!("{current}\na brand new password\n"))
            .assert()
    };
    passwd("wrong password").code(1).stderr(INVALID);
    world
        .cmd()
        .env("AUTHCTL_MAX_FAILED_LOGINS", "2")
        .args(["email", "change", "eve@example.com", "--password-stdin"])
        .write_stdin("wrong password\n")
        .assert()
        .code(1)
        .stderr(INVALID);
    assert!(show(&world)["locked_out_until"].is_string());
    passwd(PASSWORD).code(1).stderr(INVALID);
    world.login("ada@example.com", PASSWORD, &[]).code(1);
    world.json(&["user", "unlock", "ada@example.com"]);
    passwd(PASSWORD).success();
}

#[test]
fn failed_token_guesses_are_audited_without_the_token() {
    let world = World::new();
    world.add_user("ada@example.com");
    let guess = "A".repeat(44);
    for args in [
        &["confirm", guess.as_str()][..],
        &["email", "confirm", guess.as_str()],
        &["reset", "confirm", guess.as_str(), "--password-stdin"],
    ] {
        world.cmd().args(args).write_stdin("whatever pass\n").assert().code(1);
    }
    let audit = world.json(&["audit"]);
    let rejected: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["event"] == "token_rejected")
        .map(|row| row["detail"].as_str().unwrap())
        .collect();
    assert_eq!(
        rejected,
        [
            "confirm token: unknown token",
            "email_change token: unknown token",
            "reset token: unknown token"
        ]
    );
    assert!(!audit.to_string().contains(&guess));
}

#[test]
fn a_failed_login_takes_at_least_the_failure_delay() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    let timed = |args: &[&str], stdin: &str| {
        let started = Instant::now();
        world
            .cmd()
            .env("AUTHCTL_LOGIN_FAILURE_DELAY", "1s")
            .args(args)
            .write_stdin(stdin)
            .assert()
            .code(1)
            .stderr(INVALID);
        started.elapsed()
    };
    for (args, stdin) in [
        (
            &["login", "ada@example.com", "--password-stdin"][..],
            "wrong password\n",
        ),
        (&["login", "nobody@example.com", "--password-stdin"], "wrong password\n"),
        (&["passwd", "--password-stdin"], "wrong password\nanother password\n"),
        (
            &["user", "verify", "ada@example.com", "--password-stdin"],
            "wrong password\n",
        ),
        (&["user", "verify", "nobody", "--password-stdin"], "wrong password\n"),
    ] {
        let took = timed(args, stdin);
        assert!(took >= Duration::from_secs(1), "{args:?} took {took:?}");
    }
}

#[test]
fn lockout_settings_are_checked_at_load() {
    let world = World::new();
    for (variable, value, key) in [
        ("AUTHCTL_MAX_FAILED_LOGINS", "0", "max_failed_logins"),
        ("AUTHCTL_MAX_FAILED_LOGINS", "1001", "max_failed_logins"),
        ("AUTHCTL_LOCKOUT_DURATION", "0s", "lockout_duration"),
        ("AUTHCTL_LOCKOUT_DURATION", "25h", "lockout_duration"),
        ("AUTHCTL_LOGIN_FAILURE_DELAY", "61s", "login_failure_delay"),
        ("AUTHCTL_LOGIN_FAILURE_DELAY", "soon", "login_failure_delay"),
    ] {
        world
            .cmd()
            .env(variable, value)
            .args(["user", "list"])
            .assert()
            .code(2)
            .stderr(contains(key).and(contains(format!("'{value}'"))));
    }
    for (variable, value) in [
        ("AUTHCTL_MAX_FAILED_LOGINS", "1000"),
        ("AUTHCTL_LOCKOUT_DURATION", "24h"),
        ("AUTHCTL_LOGIN_FAILURE_DELAY", "0"),
        ("AUTHCTL_LOGIN_FAILURE_DELAY", "60s"),
    ] {
        world
            .cmd()
            .env(variable, value)
            .args(["user", "list"])
            .assert()
            .success();
    }
}
