//! `user edit` (issue 12): an administrator changes an account's email, username, confirmed or
//! active flag in one audited write; what the old state allowed ends where it matters.

use predicates::str::contains;

use crate::util::{PASSWORD, World, json_error, take_mail};

/// ada@example.com (username ada), logged in, with a pending reset and email-change token.
/// Returns the world and the two tokens.
fn ada_with_pending_tokens() -> (World, String, String) {
    let world = World::new();
    world.add_user_with("ada@example.com", &["--username", "ada"]);
    world.login("ada@example.com", PASSWORD, &[]).success();
    world
        .cmd()
        .args(["reset", "request", "ada@example.com"])
        .assert()
        .success();
    world
        .cmd()
        .args(["email", "change", "eve@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    let mail = take_mail(&world.mail_dir());
    let token = |subject: &str, command: &str| {
        let found: Vec<_> = mail.iter().filter(|m| m.subject() == subject).collect();
        assert_eq!(found.len(), 1, "expected one '{subject}' message");
        found[0].token(command)
    };
    let reset = token("Reset Your Password", "reset confirm");
    let email = token("Confirm your email address", "email confirm");
    (world, reset, email)
}

fn assert_refused(world: &World, args: &[&str]) {
    world
        .cmd()
        .args(args)
        .write_stdin("an attacker's password\n")
        .assert()
        .code(1)
        .stderr("authctl: The token is invalid or has expired.\n");
}

fn user_edited_details(world: &World) -> Vec<String> {
    world
        .json(&["audit"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["event"] == "user_edited")
        .map(|entry| entry["detail"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_new_address_is_unconfirmed_and_ends_the_tokens_of_the_old_one() {
    let (world, reset, email_change) = ada_with_pending_tokens();
    world
        .cmd()
        .args(["user", "edit", "ada", "--confirmed", "true"])
        .assert()
        .success();
    let user = world.json(&["user", "edit", "ada", "--email", "Ada@New.example.com"]);
    assert_eq!(user["email"], "Ada@New.example.com");
    assert_eq!(user["confirmed"], false, "nobody proved the new address");
    assert_eq!(user["username"], "ada");
    assert!(user.get("password_hash").is_none());
    assert_eq!(world.json(&["user", "show", "ada@new.example.com"])["id"], user["id"]);
    assert_refused(&world, &["reset", "confirm", &reset, "--password-stdin"]);
    assert_refused(&world, &["email", "confirm", &email_change]);
    assert_eq!(world.count("SELECT count(*) FROM tokens WHERE used_at IS NULL"), 0);
    world
        .cmd()
        .arg("whoami")
        .assert()
        .success()
        .stdout("Ada@New.example.com\n");
    world.login("Ada@New.example.com", PASSWORD, &[]).success();

    let details = user_edited_details(&world);
    assert_eq!(details.len(), 2, "{details:?}");
    assert!(
        details[1].contains("email from ada@example.com to Ada@New.example.com"),
        "{details:?}"
    );
    assert!(details[1].contains("confirmed to false"), "{details:?}");
    assert!(!details.iter().any(|d| d.contains(PASSWORD)));
}

#[test]
fn an_address_confirmed_by_the_administrator_and_a_new_spelling_stay_confirmed() {
    let (world, reset, _) = ada_with_pending_tokens();
    let user = world.json(&["user", "edit", "ada", "--email", "ADA@example.com"]);
    assert_eq!(user["email"], "ADA@example.com");
    assert_eq!(user["confirmed"], false, "unchanged: it was not confirmed");
    assert_eq!(
        world.count("SELECT count(*) FROM tokens WHERE used_at IS NULL"),
        2,
        "the same mailbox: its tokens stand"
    );
    let user = world.json(&[
        "user",
        "edit",
        "ada",
        "--email",
        "ada@new.example.com",
        "--confirmed",
        "true",
    ]);
    assert_eq!(user["confirmed"], true);
    assert_refused(&world, &["reset", "confirm", &reset, "--password-stdin"]);
}

#[test]
fn deactivating_ends_sessions_and_tokens_and_reactivating_lets_in_again() {
    let (world, reset, _) = ada_with_pending_tokens();
    let user = world.json(&["user", "edit", "ada@example.com", "--active", "false"]);
    assert_eq!(user["active"], false);
    world.cmd().arg("whoami").assert().code(3);
    assert_eq!(world.count("SELECT count(*) FROM tokens WHERE used_at IS NULL"), 0);
    world.login("ada@example.com", PASSWORD, &[]).code(1);
    assert!(user_edited_details(&world)[0].contains("1 sessions revoked"));

    world.json(&["user", "edit", "ada", "--active", "true"]);
    assert_refused(&world, &["reset", "confirm", &reset, "--password-stdin"]);
    world.login("ada@example.com", PASSWORD, &[]).success();
    world.cmd().arg("whoami").assert().success();
}

#[test]
fn usernames_are_set_and_removed() {
    let (world, ..) = ada_with_pending_tokens();
    let user = world.json(&["user", "edit", "ada", "--username", "Lovelace"]);
    assert_eq!(user["username"], "Lovelace");
    assert_eq!(world.json(&["user", "show", "lovelace"])["email"], "ada@example.com");
    let user = world.json(&["user", "edit", "lovelace", "--no-username"]);
    assert_eq!(user["username"], serde_json::Value::Null);
    world.cmd().args(["user", "show", "lovelace"]).assert().code(4);
    world.cmd().arg("whoami").assert().success();
    assert_eq!(world.count("SELECT count(*) FROM tokens WHERE used_at IS NULL"), 2);
    world
        .cmd()
        .args(["user", "edit", "ada", "--username", "x", "--no-username"])
        .assert()
        .code(2);
}

#[test]
fn a_conflict_changes_nothing() {
    let (world, ..) = ada_with_pending_tokens();
    world.add_user_with("bob@example.com", &["--username", "bob"]);
    let before = world.json(&["user", "show", "ada"]);
    for args in [
        ["--email", "new@example.com", "--username", "BOB", "--active", "false"],
        ["--username", "ada2", "--email", "Bob@Example.com", "--active", "false"],
    ] {
        let output = world
            .cmd()
            .args(["--json", "user", "edit", "ada"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(5), "{args:?}");
        assert_eq!(json_error(&output.stderr)["kind"], "conflict");
        assert_eq!(world.json(&["user", "show", "ada"]), before, "{args:?}");
    }
    world.cmd().arg("whoami").assert().success();
    assert_eq!(world.count("SELECT count(*) FROM tokens WHERE used_at IS NULL"), 2);
    assert!(user_edited_details(&world).is_empty());
}

#[test]
fn nothing_to_change_unknown_users_and_values_already_set() {
    let world = World::new();
    world.add_user("ada@example.com");
    world
        .cmd()
        .args(["user", "edit", "ada@example.com"])
        .assert()
        .code(2)
        .stderr(contains("Nothing to change"));
    world
        .cmd()
        .args(["user", "edit", "nobody@example.com", "--active", "false"])
        .assert()
        .code(4)
        .stderr(contains("nobody@example.com"));
    world
        .cmd()
        .args(["user", "edit", "ada@example.com", "--email", "not-an-email"])
        .assert()
        .code(2);
    world
        .cmd()
        .args([
            "user",
            "edit",
            "ada@example.com",
            "--active",
            "true",
            "--confirmed",
            "false",
        ])
        .assert()
        .success()
        .stdout(contains("email:      ada@example.com"))
        .stderr(contains("nothing changed"));
    assert!(user_edited_details(&world).is_empty(), "no change, no audit row");
}
