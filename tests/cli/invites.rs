//! `user add --no-password` and `--send-reset` (issue 12): an account whose user sets their own
//! password by the reset flow.

use predicates::str::contains;

use crate::util::{PASSWORD, World, take_mail};

fn reset_with(world: &World, token: &str) {
    world
        .cmd()
        .args(["reset", "confirm", token, "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
}

#[test]
fn an_account_without_a_password_logs_in_only_after_a_reset() {
    let world = World::new();
    // Not a terminal and no --password-stdin: nothing is asked for.
    world
        .cmd()
        .args(["user", "add", "bob@example.com", "--no-password"])
        .assert()
        .success();
    world
        .cmd()
        .args(["user", "show", "bob@example.com"])
        .assert()
        .success()
        .stdout(contains("password:   none"));
    world.login("bob@example.com", "", &[]).code(1);
    world.login("bob@example.com", PASSWORD, &[]).code(1);
    assert!(
        take_mail(&world.mail_dir()).is_empty(),
        "--no-password alone mails nothing"
    );

    world
        .cmd()
        .args(["reset", "request", "bob@example.com"])
        .assert()
        .success();
    let mail = take_mail(&world.mail_dir());
    reset_with(&world, &mail[0].token("reset confirm"));
    world.login("bob@example.com", PASSWORD, &[]).success();
}

#[test]
fn send_reset_invites_the_user_to_set_their_own_password() {
    let world = World::new();
    let added = world.json(&["user", "add", "bob@example.com", "--username", "bob", "--send-reset"]);
    assert_eq!(added["email"], "bob@example.com");
    assert_eq!(added["reset_mail"]["to"], "bob@example.com");
    assert!(added.get("confirmation_mail").is_none());
    let mail = take_mail(&world.mail_dir());
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].subject(), "Reset Your Password");
    assert!(mail[0].is_to("bob@example.com"));
    world.login("bob@example.com", PASSWORD, &[]).code(1);

    reset_with(&world, &mail[0].token("reset confirm"));
    let user = world.json(&["user", "show", "bob"]);
    assert_eq!(user["confirmed"], true, "the reset proved the mailbox");
    world.login("bob@example.com", PASSWORD, &[]).success();
    let audit = world.json(&["audit"]);
    let invited = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["event"] == "password_reset_requested")
        .unwrap();
    assert_eq!(invited["detail"], "invitation by an administrator");
}

#[test]
fn an_invitation_that_cannot_be_mailed_creates_nothing() {
    let world = World::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    world
        .cmd()
        .env("AUTHCTL_MAIL", format!("smtp://127.0.0.1:{port}"))
        .env("AUTHCTL_SMTP_TIMEOUT", "3s")
        .args(["user", "add", "bob@example.com", "--send-reset"])
        .assert()
        .code(6);
    world.cmd().args(["user", "show", "bob@example.com"]).assert().code(4);
    assert_eq!(world.count("SELECT count(*) FROM tokens"), 0);
    assert_eq!(world.audit_count("user_added"), 0);
}

#[test]
fn invitations_refuse_a_password_a_second_mail_an_inactive_account_and_a_taken_address() {
    let world = World::new();
    for args in [
        &["--send-reset", "--password-stdin"][..],
        &["--no-password", "--password-stdin"],
        &["--send-reset", "--send-confirmation"],
        &["--send-reset", "--inactive"],
    ] {
        world
            .cmd()
            .args(["user", "add", "bob@example.com"])
            .args(args)
            .write_stdin(format!("{PASSWORD}\n"))
            .assert()
            .code(2);
    }
    assert_eq!(world.user_count(), 0);
    world.add_user("ada@example.com");
    world
        .cmd()
        .args(["user", "add", "ADA@example.com", "--send-reset"])
        .assert()
        .code(5);
    assert!(
        take_mail(&world.mail_dir()).is_empty(),
        "nothing mailed to a taken address"
    );
}
