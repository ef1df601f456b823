//! Emailed tokens end with the credential they were issued under (defect 2 of issue 8): every
//! credential change, lock and email change ends the user's other unused tokens of every purpose,
//! and no token works for a locked or inactive account.

use crate::util::{PASSWORD, World, take_mail};

const INVALID_TOKEN: &str = "authctl: The token is invalid or has expired.\n";
const NEW_PASSWORD: &str = "a brand new password";

/// Something done to ada's account while a token is pending.
type Action = fn(&World);

/// ada@example.com, logged in.
fn ada_logged_in() -> World {
    let world = World::new();
    world.add_user("ada@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    world
}

/// The token of the one message with `subject` in the mail directory, for `command`.
fn mailed_token(world: &World, subject: &str, command: &str) -> String {
    let mail = take_mail(&world.mail_dir());
    let found: Vec<_> = mail.iter().filter(|m| m.subject() == subject).collect();
    assert_eq!(found.len(), 1, "expected one '{subject}' message");
    found[0].token(command)
}

fn email_change_token(world: &World) -> String {
    world
        .cmd()
        .args(["email", "change", "eve@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    mailed_token(world, "Confirm your email address", "email confirm")
}

fn reset_token(world: &World) -> String {
    world
        .cmd()
        .args(["reset", "request", "ada@example.com"])
        .assert()
        .success();
    mailed_token(world, "Reset Your Password", "reset confirm")
}

fn confirm_token(world: &World) -> String {
    world.cmd().args(["confirm", "resend"]).assert().success();
    mailed_token(world, "Confirm Your Account", "confirm")
}

fn refused(world: &World, args: &[&str]) {
    world
        .cmd()
        .args(args)
        .write_stdin(format!("{NEW_PASSWORD}\n"))
        .assert()
        .code(1)
        .stdout("")
        .stderr(INVALID_TOKEN);
}

fn set_password(world: &World) {
    world
        .cmd()
        .args(["user", "set-password", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{NEW_PASSWORD}\n"))
        .assert()
        .success();
}

fn passwd(world: &World) {
    world
        .cmd()
        .args(["passwd", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n{NEW_PASSWORD}\n"))
        .assert()
        .success();
}

fn reset_password(world: &World) {
    let token = reset_token(world);
    world
        .cmd()
        .args(["reset", "confirm", &token, "--password-stdin"])
        .write_stdin(format!("{NEW_PASSWORD}\n"))
        .assert()
        .success();
}

fn change_email(world: &World) {
    let token = email_change_token(world);
    world.cmd().args(["email", "confirm", &token]).assert().success();
}

fn lock_and_unlock(world: &World) {
    world.cmd().args(["user", "lock", "ada@example.com"]).assert().success();
    world
        .cmd()
        .args(["user", "unlock", "ada@example.com"])
        .assert()
        .success();
}

fn unused_tokens(world: &World) -> i64 {
    world.count("SELECT count(*) FROM tokens WHERE used_at IS NULL")
}

fn import(world: &World, csv: &str) {
    let file = world.path("update.csv");
    std::fs::write(&file, csv).unwrap();
    world
        .cmd()
        .args(["user", "import", file.to_str().unwrap(), "--on-conflict", "update"])
        .assert()
        .success();
}

/// The attack of the issue: someone who knew the password asks to move the account to their
/// address; whatever the owner then does to her credentials, their token is dead.
#[test]
fn an_email_change_token_ends_with_every_credential_change_and_lock() {
    let actions: [(&str, Action); 4] = [
        ("passwd", passwd),
        ("reset confirm", reset_password),
        ("user set-password", set_password),
        ("user lock", lock_and_unlock),
    ];
    for (name, action) in actions {
        let world = ada_logged_in();
        let token = email_change_token(&world);
        action(&world);
        world
            .cmd()
            .args(["email", "confirm", &token])
            .assert()
            .code(1)
            .stderr(INVALID_TOKEN);
        assert_eq!(
            world.json(&["user", "show", "ada@example.com"])["email"],
            "ada@example.com",
            "after {name}"
        );
    }
}

#[test]
fn a_reset_token_ends_with_set_password_lock_and_email_change() {
    let actions: [(&str, Action); 3] = [
        ("user set-password", set_password),
        ("user lock", lock_and_unlock),
        ("email confirm", change_email),
    ];
    for (name, action) in actions {
        let world = ada_logged_in();
        let token = reset_token(&world);
        action(&world);
        world
            .cmd()
            .args(["reset", "confirm", &token, "--password-stdin"])
            .write_stdin("an attacker's password\n")
            .assert()
            .code(1)
            .stderr(INVALID_TOKEN);
        assert_eq!(unused_tokens(&world), 0, "after {name}");
    }
}

#[test]
fn a_new_password_ends_tokens_of_every_purpose() {
    let world = ada_logged_in();
    let confirm = confirm_token(&world);
    let reset = reset_token(&world);
    let email = email_change_token(&world);
    assert_eq!(unused_tokens(&world), 3);
    set_password(&world);
    assert_eq!(unused_tokens(&world), 0);
    refused(&world, &["confirm", &confirm]);
    refused(&world, &["reset", "confirm", &reset, "--password-stdin"]);
    refused(&world, &["email", "confirm", &email]);
}

#[test]
fn no_token_works_for_an_inactive_account() {
    let world = ada_logged_in();
    let confirm = confirm_token(&world);
    let reset = reset_token(&world);
    let email = email_change_token(&world);
    import(&world, "email,active\nada@example.com,false\n");
    refused(&world, &["confirm", &confirm]);
    refused(&world, &["reset", "confirm", &reset, "--password-stdin"]);
    refused(&world, &["email", "confirm", &email]);
    let user = world.json(&["user", "show", "ada@example.com"]);
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["confirmed"], false);
    world.login("ada@example.com", NEW_PASSWORD, &[]).code(1);
}

#[test]
fn an_import_that_changes_the_password_ends_sessions_and_tokens() {
    let world = ada_logged_in();
    let reset = reset_token(&world);
    import(&world, "email,username\nada@example.com,ada\n");
    world.cmd().arg("whoami").assert().success();
    assert_eq!(unused_tokens(&world), 1, "no password change, nothing ends");

    import(&world, "email,password\nada@example.com,an imported password\n");
    world.cmd().arg("whoami").assert().code(3);
    refused(&world, &["reset", "confirm", &reset, "--password-stdin"]);
    assert_eq!(unused_tokens(&world), 0);
    world.login("ada@example.com", "an imported password", &[]).success();
}

#[test]
fn remove_takes_sessions_and_tokens_with_the_user() {
    let world = ada_logged_in();
    reset_token(&world);
    email_change_token(&world);
    world
        .cmd()
        .args(["user", "remove", "ada@example.com", "--yes"])
        .assert()
        .success();
    let count = |table: &str| world.count(&format!("SELECT count(*) FROM {table}"));
    assert_eq!((count("tokens"), count("sessions")), (0, 0));
}
