//! `audit` (issue 12, item 5): events keep the account's id, and `--user` finds every event of
//! an account by its email (current or past), its username or its id.

use serde_json::Value;

use crate::util::{PASSWORD, World};

/// The rows `audit --json ARGS` prints.
fn audit(world: &World, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    world.json(&all).as_array().unwrap().clone()
}

fn events(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|row| row["event"].as_str().unwrap().to_owned())
        .collect()
}

/// ada@example.com (username ada) logs in, fails once, and is moved to ada@new.example by an
/// administrator, then logs in there; bob@example.com lives alongside. Returns ada's id.
fn ada_who_changed_her_email(world: &World) -> String {
    let id = world.add_user_with("ada@example.com", &["--username", "ada"]);
    world.add_user("bob@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    world.login("ada@example.com", "not the right one", &[]).code(1);
    world.login("bob@example.com", PASSWORD, &[]).success();
    world
        .cmd()
        .args(["user", "edit", "ada", "--email", "ada@new.example"])
        .assert()
        .success();
    world.login("ada@new.example", PASSWORD, &[]).success();
    id
}

/// Defect: `--user EMAIL` matched the address at the time of each event, so after an email
/// change the account's earlier events were missing from one address and its later ones from
/// the other; `--user ID` found nothing.
#[test]
fn every_name_of_an_account_finds_all_of_its_events() {
    let world = World::new();
    let id = ada_who_changed_her_email(&world);
    // bob's login replaced ada's session file: her session ended (logout).
    let expected = [
        "user_added",
        "login_succeeded",
        "login_failed",
        "logout",
        "user_edited",
        "login_succeeded",
    ];
    for name in ["ada@example.com", "ADA@new.example", "ada", id.as_str()] {
        let rows = audit(&world, &["--user", name]);
        assert_eq!(events(&rows), expected, "--user {name}");
        assert!(
            rows.iter().all(|row| row["user_id"] == id.as_str()),
            "--user {name}: {rows:?}"
        );
    }
    assert_eq!(
        events(&audit(&world, &["--user", "bob@example.com"])),
        ["user_added", "login_succeeded", "logout"]
    );
}

/// Defect: a failed login of a known account was stored with no account id.
#[test]
fn a_failed_login_of_a_known_account_records_its_id() {
    let world = World::new();
    let id = world.add_user("ada@example.com");
    world.login("ADA@example.com", "not the right one", &[]).code(1);
    world.login("nobody@example.com", "not the right one", &[]).code(1);
    let failed: Vec<Value> = audit(&world, &[])
        .into_iter()
        .filter(|row| row["event"] == "login_failed")
        .collect();
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0]["user_id"], id.as_str());
    assert_eq!(failed[1]["user_id"], Value::Null, "an unknown address has no account");
    assert_eq!(failed[1]["email"], "nobody@example.com");
}

/// A removed account's events are still found by its id and by the address they recorded; its
/// username is gone with it (exit 4, saying what to give instead).
#[test]
fn a_removed_account_is_found_by_its_id_and_email() {
    let world = World::new();
    let id = world.add_user_with("ada@example.com", &["--username", "ada"]);
    world.cmd().args(["user", "remove", "ada", "--yes"]).assert().success();
    let expected = ["user_added", "user_removed"];
    assert_eq!(events(&audit(&world, &["--user", &id])), expected);
    assert_eq!(events(&audit(&world, &["--user", "ada@example.com"])), expected);
    let output = world.cmd().args(["audit", "--user", "ada"]).output().unwrap();
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("No such user: ada.") && stderr.contains("email or the id"),
        "{stderr}"
    );
    // An address that a new account took: both accounts' events, each with its own id.
    let new = world.add_user("ada@example.com");
    let rows = audit(&world, &["--user", "ada@example.com"]);
    assert_eq!(events(&rows), ["user_added", "user_removed", "user_added"]);
    assert_eq!(rows[2]["user_id"], new.as_str());
}

/// Schema 7 gives rows written without an account id the id of the account that has their
/// address, when the account is not younger than the row.
#[test]
fn migrating_attributes_older_rows_to_the_account_of_their_address() {
    let world = World::new();
    let id = world.add_user("ada@example.com");
    world.login("ada@example.com", "not the right one", &[]).code(1);
    // As an older authctl left them: no id on the failed login, schema version 6.
    world.execute("UPDATE audit SET user_id = NULL WHERE event = 'login_failed'; DROP INDEX audit_user_id;");
    world.set_schema_version(6);
    world.cmd().args(["db", "migrate"]).assert().success();
    let rows = audit(&world, &["--user", &id]);
    assert_eq!(events(&rows), ["user_added", "login_failed"]);
}
