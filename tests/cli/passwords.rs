//! Password hashes whose cost is capped, and the policy for new passwords: common passwords, the
//! account's own names, the optional zxcvbn score, wherever a new password is set.

use std::time::Duration;

use authctl::domain::store::{Store, Transaction};
use authctl::domain::user::UserKey;
use predicates::str::contains;
use serde_json::Value;

use crate::util::{PASSWORD, World, json_error, take_mail};

/// A hang guard for commands that used to run forever: not a timing assertion.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// A well-formed argon2id PHC string with `params` (8-byte salt, 32-byte hash).
fn argon2(params: &str) -> String {
    format!("$argon2id$v=19${params}$c2FsdHNhbHQ${}", "A".repeat(43))
}

/// A well-formed bcrypt hash of `cost` (its cost field rewritten: it is never verified).
fn bcrypt_with_cost(cost: u32) -> String {
    format!("$2b${cost:02}{}", &bcrypt::hash("x", 4).unwrap()[6..])
}

/// Imports `jsonl` with `--json`; returns the exit code and the error object, if any.
fn import_jsonl(world: &World, envs: &[(&str, &str)], jsonl: &str) -> (Option<i32>, Value) {
    let output = world
        .cmd()
        .envs(envs.iter().copied())
        .args(["--json", "user", "import", "--format", "jsonl"])
        .write_stdin(jsonl.to_owned())
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    let error = if output.status.success() {
        Value::Null
    } else {
        json_error(&output.stderr)
    };
    (output.status.code(), error)
}

fn hash_rows(hashes: &[String]) -> String {
    hashes
        .iter()
        .enumerate()
        .map(|(i, hash)| {
            serde_json::json!({ "email": format!("u{i}@example.com"), "password_hash": hash }).to_string() + "\n"
        })
        .collect()
}

#[test]
fn import_refuses_the_hostile_hashes_of_issue_8_naming_each_line() {
    let world = World::new();
    world.cmd().arg("init").assert().success();
    let hostile = [
        (argon2("m=4294967295,t=1,p=1"), "needs 4095 GiB of memory"),
        (argon2("m=4294967295,t=1,p=16777215"), "needs 4095 GiB of memory"),
        (argon2("m=65536,t=1,p=16777215"), "invalid argon2 parameters"),
        (argon2("m=8,t=100000000,p=1"), "t=100000000 p=1 would take about"),
        (
            format!("$argon2id$v=99$m=19456,t=2,p=1$c2FsdHNhbHQ${}", "A".repeat(43)),
            "argon2 version 99 does not exist",
        ),
        (bcrypt_with_cost(31), "bcrypt cost 31 would take about"),
        (
            format!("scrypt:1048576:64:1$salt${}", "0".repeat(128)),
            "scrypt N=1048576 r=64 p=1 needs 8 GiB of memory",
        ),
    ];
    let hashes: Vec<String> = hostile.iter().map(|(hash, _)| hash.clone()).collect();
    let (code, error) = import_jsonl(&world, &[], &hash_rows(&hashes));
    assert_eq!(code, Some(2), "{error}");
    let rows = error["rows"].as_array().unwrap();
    assert_eq!(rows.len(), hostile.len(), "{error}");
    for (row, (line, (_, expected))) in rows.iter().zip(hostile.iter().enumerate()) {
        assert_eq!(row["line"], line as u64 + 1);
        let message = row["message"].as_str().unwrap();
        assert!(message.starts_with("password_hash: "), "{message}");
        assert!(message.contains(expected), "line {}: {message}", line + 1);
    }
    assert_eq!(world.user_count(), 0);
}

#[test]
fn max_foreign_hash_cost_sets_the_limit() {
    let world = World::new();
    world.cmd().arg("init").assert().success();
    let rows = hash_rows(&[bcrypt_with_cost(15)]);
    let (code, error) = import_jsonl(&world, &[], &rows);
    assert_eq!(code, Some(2));
    assert!(
        error["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("more than max_foreign_hash_cost (1s) allows"),
        "{error}"
    );
    let (code, error) = import_jsonl(&world, &[("AUTHCTL_MAX_FOREIGN_HASH_COST", "3s")], &rows);
    assert_eq!(code, Some(0), "{error}");
    assert_eq!(world.user_count(), 1);

    for bad in ["0s", "50ms", "2h", "soon"] {
        world
            .cmd()
            .env("AUTHCTL_MAX_FOREIGN_HASH_COST", bad)
            .args(["user", "list"])
            .assert()
            .code(2)
            .stderr(contains(format!(
                "Invalid value for setting max_foreign_hash_cost: '{bad}', given by environment \
                 AUTHCTL_MAX_FOREIGN_HASH_COST (expected a duration from 100ms to 1m)"
            )));
    }
}

/// A hash written into the database by another program is never computed when over the limit:
/// the login fails like a wrong password, and the process neither aborts nor hangs.
#[test]
fn a_hostile_hash_already_stored_is_a_wrong_password() {
    let world = World::new();
    world.add_user("ada@example.com");
    for hostile in [
        argon2("m=4294967295,t=1,p=1"),
        argon2("m=8,t=100000000,p=1"),
        format!("scrypt:1048576:64:1$salt${}", "0".repeat(128)),
    ] {
        let mut store = world.store();
        let tx = store.write().unwrap();
        let ada = tx
            .find_user(&UserKey::Email("ada@example.com".to_owned()))
            .unwrap()
            .unwrap();
        assert!(
            tx.set_password_hash(ada.id, &hostile, ada.password_hash.as_deref())
                .unwrap()
        );
        tx.commit().unwrap();
        world
            .cmd()
            .args(["login", "ada@example.com", "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"))
            .timeout(HANG_GUARD)
            .assert()
            .code(1)
            .stderr("authctl: Invalid username or password.\n");
    }
}

#[test]
fn argon2_settings_beyond_their_range_are_refused_at_load() {
    let world = World::new();
    for (variable, value, expected) in [
        (
            "AUTHCTL_ARGON2_MEMORY_KIB",
            "4294967295",
            "argon2_memory_kib: '4294967295', given by environment AUTHCTL_ARGON2_MEMORY_KIB (expected a whole number from 8 to 262144)",
        ),
        (
            "AUTHCTL_ARGON2_ITERATIONS",
            "4294967295",
            "argon2_iterations: '4294967295', given by environment AUTHCTL_ARGON2_ITERATIONS (expected a whole number from 1 to 100)",
        ),
        (
            "AUTHCTL_ARGON2_PARALLELISM",
            "16777215",
            "argon2_parallelism: '16777215', given by environment AUTHCTL_ARGON2_PARALLELISM (expected a whole number from 1 to 64)",
        ),
    ] {
        world
            .cmd()
            .env(variable, value)
            .args(["user", "add", "ada@example.com", "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"))
            .timeout(HANG_GUARD)
            .assert()
            .code(2)
            .stderr(contains(expected));
    }
    // Each within its range, but together more than max_foreign_hash_cost.
    world
        .cmd()
        .env("AUTHCTL_ARGON2_MEMORY_KIB", "262144")
        .env("AUTHCTL_ARGON2_ITERATIONS", "100")
        .args(["user", "list"])
        .assert()
        .code(2)
        .stderr(contains(
            "argon2_memory_kib=262144 with argon2_iterations=100 and argon2_parallelism=1 would take about",
        ))
        .stderr(contains("max_foreign_hash_cost (1s)"));
}

/// Sets a new password in each way there is; returns the exit code and stderr of each.
fn set_everywhere(world: &World, new: &str) -> Vec<(&'static str, Option<i32>, String)> {
    let run = |what: &'static str, command: &mut assert_cmd::Command| {
        let output = command.timeout(HANG_GUARD).output().unwrap();
        (
            what,
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let mut results = vec![
        run(
            "user add",
            world
                .cmd()
                .args(["user", "add", "new@example.com", "--password-stdin"])
                .write_stdin(format!("{new}\n")),
        ),
        run(
            "user set-password",
            world
                .cmd()
                .args(["user", "set-password", "ada.lovelace@example.com", "--password-stdin"])
                .write_stdin(format!("{new}\n")),
        ),
        run(
            "passwd",
            world
                .cmd()
                .args(["passwd", "--password-stdin"])
                .write_stdin(format!("{PASSWORD}\n{new}\n")),
        ),
        run(
            "user import",
            world
                .cmd()
                .args(["user", "import", "--format", "jsonl"])
                .write_stdin(serde_json::json!({ "email": "imported@example.com", "password": new }).to_string()),
        ),
    ];
    world
        .cmd()
        .args(["reset", "request", "ada.lovelace@example.com"])
        .assert()
        .success();
    let mail = take_mail(&world.mail_dir());
    let token = mail.last().unwrap().token("reset confirm");
    results.push(run(
        "reset confirm",
        world
            .cmd()
            .args(["reset", "confirm", &token, "--password-stdin"])
            .write_stdin(format!("{new}\n")),
    ));
    results
}

/// A world with ada.lovelace@example.com (username "ada") logged in.
fn logged_in_world() -> World {
    let world = World::new();
    world.add_user_with("ada.lovelace@example.com", &["--username", "ada"]);
    world.login("ada.lovelace@example.com", PASSWORD, &[]).success();
    world
}

#[test]
fn common_passwords_are_refused_wherever_a_password_is_set() {
    let world = logged_in_world();
    let common = "SunShine1";
    for (what, code, stderr) in set_everywhere(&world, common) {
        assert_eq!(code, Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains("Password rejected: it is one of the 100,000 most common passwords."),
            "{what}: {stderr}"
        );
        assert!(!stderr.contains(common), "{what} echoed the password: {stderr}");
    }
    // Nothing changed: the old password still logs in, and nobody was added.
    world.login("ada.lovelace@example.com", PASSWORD, &[]).success();
    assert_eq!(world.user_count(), 1);
}

#[test]
fn passwords_holding_the_account_names_are_refused_wherever_a_password_is_set() {
    let world = logged_in_world();
    let personal = "Lovelace & Babbage 1843";
    for (what, code, stderr) in set_everywhere(&world, personal) {
        if what == "user add" || what == "user import" {
            // Other accounts: "lovelace" is not their name.
            assert_eq!(code, Some(0), "{what}: {stderr}");
            continue;
        }
        assert_eq!(code, Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains("Password rejected: it contains the account's username or the name in its email address."),
            "{what}: {stderr}"
        );
        assert!(!stderr.contains(personal), "{what} echoed the password: {stderr}");
    }
    world.login("ada.lovelace@example.com", PASSWORD, &[]).success();

    // The username and the email's name part of a new account, in any case and NFKC form.
    for (email, username, password) in [
        ("grace@example.com", "admiral", "the ADMIRAL of cobol"),
        ("hopper.grace@example.com", "gh", "ｈｏｐｐｅｒ of cobol"),
    ] {
        world
            .cmd()
            .args(["user", "add", email, "--username", username, "--password-stdin"])
            .write_stdin(format!("{password}\n"))
            .assert()
            .code(2)
            .stderr(contains(
                "contains the account's username or the name in its email address",
            ));
    }
    let row =
        serde_json::json!({ "email": "grace@example.com", "username": "admiral", "password": "the admiral's ship" });
    let (code, error) = import_jsonl(&world, &[], &row.to_string());
    assert_eq!(code, Some(2));
    assert_eq!(error["rows"][0]["line"], 1);
    assert!(
        error["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("contains the account's username"),
        "{error}"
    );
}

#[test]
fn min_password_score_is_off_by_default_and_checked_when_set() {
    let world = World::new();
    let weak = "abcdefgh12";
    let add = |email: &str, score: Option<&str>| {
        let mut command = world.cmd();
        if let Some(score) = score {
            command.env("AUTHCTL_MIN_PASSWORD_SCORE", score);
        }
        command
            .args(["user", "add", email, "--password-stdin"])
            .write_stdin(format!("{weak}\n"))
            .assert()
    };
    add("one@example.com", None).success();
    add("two@example.com", Some("0")).success();
    add("three@example.com", Some("3"))
        .code(2)
        .stderr(contains("Password rejected: it is too easy to guess (strength"))
        .stderr(contains("min_password_score is 3"));
    add("four@example.com", Some("5")).code(2).stderr(contains(
        "Invalid value for setting min_password_score: '5', given by environment AUTHCTL_MIN_PASSWORD_SCORE \
         (expected a whole number from 0 to 4)",
    ));
}
