//! Account management by emailed token: confirm, passwd, reset, email change, over SMTP,
//! sendmail and the file transport.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::thread::sleep;
use std::time::Duration;

use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

use crate::util::{PASSWORD, Received, SmtpServer, World, json_error, take_mail};

const RESET_SENT: &str = "An email with instructions to reset your password has been sent to you.\n";
const INVALID_TOKEN: &str = "authctl: The token is invalid or has expired.\n";

fn only(mut mail: Vec<Received>) -> Received {
    assert_eq!(mail.len(), 1, "expected exactly one message");
    mail.remove(0)
}

/// How many tokens were stored, as the audit log tells (each is stored with its audit row).
fn tokens_issued(world: &World) -> usize {
    world
        .json(&["audit"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| {
            matches!(
                row["event"].as_str(),
                Some("confirmation_sent" | "password_reset_requested" | "email_change_requested")
            ) && row["user_id"].is_string()
        })
        .count()
}

fn events(world: &World) -> Vec<String> {
    world
        .json(&["audit"])
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["event"].as_str().unwrap().to_owned())
        .collect()
}

/// Every flow end to end through a real SMTP conversation, tokens read from the messages.
#[test]
fn every_flow_over_smtp() {
    let smtp = SmtpServer::start();
    let world = World::new();
    let cmd = || {
        let mut cmd = world.cmd();
        cmd.env("AUTHCTL_MAIL", smtp.url())
            .env("AUTHCTL_MAIL_FROM", "Flasky Admin <flasky@example.com>")
            .env("AUTHCTL_LINK_BASE", "https://app.example.com/auth");
        cmd
    };

    // Registration with a confirmation mail.
    cmd()
        .args([
            "user",
            "add",
            "ada@example.com",
            "--send-confirmation",
            "--password-stdin",
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success()
        .stderr(contains(format!("sent through smtp://127.0.0.1:{}", smtp.port)));
    let mail = only(smtp.take_mail());
    assert_eq!(mail.subject(), "Confirm Your Account");
    assert!(mail.is_to("ada@example.com"));
    assert!(mail.0.lines().any(|line| line.starts_with("From: ")
        && line.contains("Flasky Admin")
        && line.contains("<flasky@example.com>")));
    assert!(mail.0.contains("X-Rcpt-To: ada@example.com"));
    let token = mail.token("confirm");
    assert!(
        mail.0
            .contains(&format!("https://app.example.com/auth/confirm/{token}"))
    );

    // Unconfirmed users can log in; whoami says so.
    world.login("ada@example.com", PASSWORD, &[]).success();
    world
        .cmd()
        .arg("whoami")
        .assert()
        .success()
        .stdout("ada@example.com\n")
        .stderr(contains("unconfirmed"));
    cmd()
        .args(["confirm", "resend"])
        .assert()
        .success()
        .stdout("A new confirmation email has been sent to you.\n");
    let resent = only(smtp.take_mail());
    assert_eq!(resent.subject(), "Confirm Your Account");
    // The new token replaced the old one.
    cmd().args(["confirm", &token]).assert().code(1).stderr(INVALID_TOKEN);
    cmd()
        .args(["confirm", &resent.token("confirm")])
        .assert()
        .success()
        .stdout("You have confirmed your account. Thanks!\n");
    assert_eq!(world.json(&["whoami"])["user"]["confirmed"], true);
    cmd()
        .args(["confirm", "resend"])
        .assert()
        .success()
        .stdout("Your account is already confirmed.\n");
    assert!(smtp.take_mail().is_empty());

    // passwd: a notice goes to the account.
    cmd()
        .args(["passwd", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\nsecond password\n"))
        .assert()
        .success()
        .stdout("Your password has been updated.\n");
    let notice = only(smtp.take_mail());
    assert_eq!(notice.subject(), "Your password has been changed");
    assert!(notice.is_to("ada@example.com"));

    // Forgotten password.
    cmd()
        .args(["reset", "request", "ada@example.com"])
        .assert()
        .success()
        .stdout(RESET_SENT);
    let reset = only(smtp.take_mail());
    assert_eq!(reset.subject(), "Reset Your Password");
    assert!(reset.0.contains("https://app.example.com/auth/reset/"));
    cmd()
        .args(["reset", "confirm", &reset.token("reset confirm"), "--password-stdin"])
        .write_stdin("third password\n")
        .assert()
        .success()
        .stdout("Your password has been updated.\n");
    world.cmd().arg("whoami").assert().code(3);
    world.login("ada@example.com", "third password", &[]).success();

    // Email change: a token to the new address, a notice to the old one.
    cmd()
        .args(["email", "change", "ada@new.example.com", "--password-stdin"])
        .write_stdin("third password\n")
        .assert()
        .success()
        .stdout("An email with instructions to confirm your new email address has been sent to you.\n");
    let mut mail = smtp.take_mail();
    assert_eq!(mail.len(), 2);
    let (to_new, to_old) = if mail[0].is_to("ada@new.example.com") {
        (mail.remove(0), mail.remove(0))
    } else {
        (mail.remove(1), mail.remove(0))
    };
    assert_eq!(to_new.subject(), "Confirm your email address");
    assert_eq!(to_old.subject(), "Your email address is being changed");
    assert!(to_old.is_to("ada@example.com"));
    assert!(to_new.0.contains("https://app.example.com/auth/change_email/"));
    cmd()
        .args(["email", "confirm", &to_new.token("email confirm")])
        .assert()
        .success()
        .stdout("Your email address has been updated.\n");
    assert_eq!(world.json(&["whoami"])["user"]["email"], "ada@new.example.com");
    world.login("ada@new.example.com", "third password", &[]).success();
    world.login("ada@example.com", "third password", &[]).code(1);
}

#[test]
fn the_file_transport_is_the_default_and_private() {
    let world = World::new();
    world.add_user("ada@example.com");
    world
        .cmd()
        .args(["reset", "request", "ada@example.com"])
        .assert()
        .success()
        .stdout(RESET_SENT)
        .stderr(contains(format!(
            "mail goes through file:{}",
            world.mail_dir().display()
        )));
    let dir = world.mail_dir();
    assert_eq!(fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    let file = fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let reset = only(take_mail(&dir));
    assert!(!reset.0.contains("open this link"), "no link without link_base");
    world
        .cmd()
        .args(["reset", "confirm", &reset.token("reset confirm"), "--password-stdin"])
        .write_stdin("brand new password\n")
        .assert()
        .success();
    world.login("ada@example.com", "brand new password", &[]).success();

    // `user add --send-confirmation` says where the message went; in JSON too.
    let output = world
        .cmd()
        .args([
            "--json",
            "user",
            "add",
            "bob@example.com",
            "--send-confirmation",
            "--password-stdin",
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    let user: Value = serde_json::from_slice(&output.stdout).unwrap();
    let written = user["confirmation_mail"]["file"].as_str().unwrap();
    assert!(fs::read_to_string(written).unwrap().contains("Confirm Your Account"));
}

#[test]
fn a_sendmail_program_receives_the_message() {
    let world = World::new();
    let outbox = world.path("sendmail-out");
    fs::create_dir(&outbox).unwrap();
    let script = world.path("fake-sendmail");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" > '{0}/args'\ncat > '{0}/message.eml'\n",
            outbox.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    world.add_user("ada@example.com");
    world
        .cmd()
        .env("AUTHCTL_MAIL", format!("sendmail:{}", script.display()))
        .args(["reset", "request", "ada@example.com"])
        .assert()
        .success();
    let args = fs::read_to_string(outbox.join("args")).unwrap();
    assert!(args.contains("ada@example.com"), "{args}");
    let reset = only(take_mail(&outbox));
    world
        .cmd()
        .args(["reset", "confirm", &reset.token("reset confirm"), "--password-stdin"])
        .write_stdin("brand new password\n")
        .assert()
        .success();

    // A sendmail that fails is a delivery failure.
    fs::write(&script, "#!/bin/sh\necho 'mail queue full' >&2\nexit 75\n").unwrap();
    world
        .cmd()
        .env("AUTHCTL_MAIL", format!("sendmail:{}", script.display()))
        .args(["reset", "request", "ada@example.com"])
        .assert()
        .code(6);
    assert_eq!(tokens_issued(&world), 1, "only the first request stored a token");
}

#[test]
fn tokens_expire_with_their_ttl() {
    let world = World::new();
    world.add_user("ada@example.com");
    let short = |cmd: &mut assert_cmd::Command| {
        cmd.env("AUTHCTL_CONFIRM_TOKEN_TTL", "1s")
            .env("AUTHCTL_RESET_TOKEN_TTL", "1s")
            .env("AUTHCTL_EMAIL_TOKEN_TTL", "1s");
    };
    world.login("ada@example.com", PASSWORD, &[]).success();
    let mut cmd = world.cmd();
    short(&mut cmd);
    cmd.args(["confirm", "resend"]).assert().success();
    let mut cmd = world.cmd();
    short(&mut cmd);
    cmd.args(["reset", "request", "ada@example.com"]).assert().success();
    let mut cmd = world.cmd();
    short(&mut cmd);
    cmd.args(["email", "change", "new@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    let mail = take_mail(&world.mail_dir());
    let token = |subject: &str, command: &str| mail.iter().find(|m| m.subject() == subject).unwrap().token(command);
    let confirm = token("Confirm Your Account", "confirm");
    let reset = token("Reset Your Password", "reset confirm");
    let email = token("Confirm your email address", "email confirm");
    sleep(Duration::from_millis(1500));
    world
        .cmd()
        .args(["confirm", &confirm])
        .assert()
        .code(1)
        .stderr(INVALID_TOKEN);
    world
        .cmd()
        .args(["reset", "confirm", &reset, "--password-stdin"])
        .write_stdin("another password\n")
        .assert()
        .code(1)
        .stderr(INVALID_TOKEN);
    world
        .cmd()
        .args(["email", "confirm", &email])
        .assert()
        .code(1)
        .stderr(INVALID_TOKEN);
    assert_eq!(world.json(&["user", "show", "ada@example.com"])["confirmed"], false);
}

#[test]
fn tokens_are_single_use_and_bound_to_their_purpose() {
    let world = World::new();
    world.add_user("ada@example.com");
    world
        .cmd()
        .args(["reset", "request", "ada@example.com"])
        .assert()
        .success();
    let reset = only(take_mail(&world.mail_dir())).token("reset confirm");

    // A reset token is not a confirmation or email-change token, and garbage is no token at all.
    world
        .cmd()
        .args(["confirm", &reset])
        .assert()
        .code(1)
        .stderr(INVALID_TOKEN);
    world
        .cmd()
        .args(["email", "confirm", &reset])
        .assert()
        .code(1)
        .stderr(INVALID_TOKEN);
    world
        .cmd()
        .args(["confirm", "not-a-token"])
        .assert()
        .code(1)
        .stderr(INVALID_TOKEN);
    let output = world.cmd().args(["--json", "confirm", "not-a-token"]).output().unwrap();
    assert_eq!(json_error(&output.stderr)["kind"], "auth_failed");

    // Read privately from stdin instead of the command line.
    world
        .cmd()
        .args(["reset", "confirm", "--password-stdin"])
        .write_stdin(format!("{reset}\nbrand new password\n"))
        .assert()
        .success();
    world
        .cmd()
        .args(["reset", "confirm", &reset, "--password-stdin"])
        .write_stdin("yet another password\n")
        .assert()
        .code(1)
        .stderr(INVALID_TOKEN);
    world.login("ada@example.com", "brand new password", &[]).success();
    // A reset proves the mailbox: the account is confirmed.
    assert_eq!(world.json(&["user", "show", "ada@example.com"])["confirmed"], true);
}

#[test]
fn a_token_of_a_removed_user_is_invalid() {
    let world = World::new();
    let token = world.register_with_confirmation();
    world
        .cmd()
        .args(["user", "remove", "ada@example.com", "--yes"])
        .assert()
        .success();
    world
        .cmd()
        .args(["confirm", &token])
        .assert()
        .code(1)
        .stderr(INVALID_TOKEN);
}

#[test]
fn reset_request_answers_the_same_for_unknown_and_inactive_accounts() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.add_user("locked@example.com");
    world
        .cmd()
        .args(["user", "lock", "locked@example.com"])
        .assert()
        .success();
    let answer = |email: &str| {
        let output = world.cmd().args(["reset", "request", email]).output().unwrap();
        (output.status.code(), output.stdout, output.stderr)
    };
    let known = answer("ada@example.com");
    assert_eq!(known.0, Some(0));
    assert_eq!(only(take_mail(&world.mail_dir())).subject(), "Reset Your Password");
    // The other addresses are told by mail that there is nothing to reset.
    for (other, why) in [
        ("nobody@example.com", "no account uses this address"),
        ("locked@example.com", "locked or inactive"),
    ] {
        assert_eq!(answer(other), known, "{other} is answered differently");
        let told = only(take_mail(&world.mail_dir()));
        assert!(told.is_to(other));
        assert_eq!(told.subject(), "Password reset requested");
        assert!(told.0.contains(why), "{}", told.0);
        assert!(
            !told.0.contains("authctl reset confirm"),
            "a token was sent for {other}"
        );
    }
    let json = world.json(&["reset", "request", "nobody@example.com"]);
    assert_eq!(json["message"], RESET_SENT.trim());
    world.cmd().args(["reset", "request", "not an email"]).assert().code(2);
}

#[test]
fn passwd_and_reset_end_the_old_sessions() {
    let world = World::new();
    world.add_user("ada@example.com");
    let elsewhere = world.path("elsewhere");
    let login_elsewhere = || {
        world
            .cmd()
            .env("AUTHCTL_SESSION_FILE", &elsewhere)
            .args(["login", "ada@example.com", "--remember", "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"))
            .assert()
            .success();
    };
    world.login("ada@example.com", PASSWORD, &[]).success();
    login_elsewhere();
    world
        .cmd()
        .args(["reset", "request", "ada@example.com"])
        .assert()
        .success();
    let pending_reset = only(take_mail(&world.mail_dir())).token("reset confirm");

    // A wrong current password changes nothing.
    world
        .cmd()
        .args(["passwd", "--password-stdin"])
        .write_stdin("not my password\nwhatever password\n")
        .assert()
        .code(1)
        .stderr("authctl: Invalid username or password.\n");
    world
        .cmd()
        .args(["passwd", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\nshort\n"))
        .assert()
        .code(2);
    world
        .cmd()
        .env("AUTHCTL_SESSION_FILE", &elsewhere)
        .arg("whoami")
        .assert()
        .success();

    let changed = world
        .cmd()
        .args(["--json", "passwd", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\nsecond password\n"))
        .output()
        .unwrap();
    let changed: Value = serde_json::from_slice(&changed.stdout).unwrap();
    assert_eq!(changed["message"], "Your password has been updated.");
    let notice = changed["notice"]["file"].as_str().unwrap();
    assert!(
        fs::read_to_string(notice)
            .unwrap()
            .contains("Subject: Your password has been changed")
    );
    take_mail(&world.mail_dir());
    world.cmd().arg("whoami").assert().success();
    world
        .cmd()
        .env("AUTHCTL_SESSION_FILE", &elsewhere)
        .arg("whoami")
        .assert()
        .code(3);
    // The reset token issued before the change is dead too.
    world
        .cmd()
        .args(["reset", "confirm", &pending_reset, "--password-stdin"])
        .write_stdin("hijacked password\n")
        .assert()
        .code(1);
    world
        .cmd()
        .args(["passwd"])
        .assert()
        .code(2)
        .stderr(contains("--password-stdin"));

    // A reset ends every session, the current one included.
    world.login("ada@example.com", "second password", &[]).success();
    login_elsewhere_with(&world, &elsewhere, "second password");
    world
        .cmd()
        .args(["reset", "request", "ada@example.com"])
        .assert()
        .success();
    let reset = only(take_mail(&world.mail_dir())).token("reset confirm");
    world
        .cmd()
        .args(["reset", "confirm", &reset, "--password-stdin"])
        .write_stdin("third password\n")
        .assert()
        .success();
    world.cmd().arg("whoami").assert().code(3);
    world
        .cmd()
        .env("AUTHCTL_SESSION_FILE", &elsewhere)
        .arg("whoami")
        .assert()
        .code(3);
    world.cmd().arg("passwd").assert().code(3);
}

fn login_elsewhere_with(world: &World, file: &std::path::Path, password: &str) {
    world
        .cmd()
        .env("AUTHCTL_SESSION_FILE", file)
        .args(["login", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{password}\n"))
        .assert()
        .success();
}

#[test]
fn email_change_refuses_taken_addresses_even_when_raced() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.add_user("bob@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    let change = |to: &str, password: &str| {
        world
            .cmd()
            .args(["--json", "email", "change", to, "--password-stdin"])
            .write_stdin(format!("{password}\n"))
            .output()
            .unwrap()
    };
    let taken = change("BOB@example.com", PASSWORD);
    assert_eq!(taken.status.code(), Some(5));
    assert_eq!(json_error(&taken.stderr)["kind"], "conflict");
    assert_eq!(change("new@example.com", "wrong password").status.code(), Some(1));
    assert!(take_mail(&world.mail_dir()).is_empty());

    assert!(change("new@example.com", PASSWORD).status.success());
    let token = take_mail(&world.mail_dir())
        .into_iter()
        .find(|mail| mail.is_to("new@example.com"))
        .unwrap()
        .token("email confirm");
    // Meanwhile another account takes the address.
    world.add_user("NEW@example.com");
    world
        .cmd()
        .args(["email", "confirm", &token])
        .assert()
        .code(5)
        .stderr(contains("already registered"));
    assert_eq!(
        world.json(&["whoami"])["user"]["email"],
        "ada@example.com",
        "nothing changed"
    );
    // Once the address is free again, the same token still works (the failed attempt used nothing).
    world
        .cmd()
        .args(["user", "remove", "new@example.com", "--yes"])
        .assert()
        .success();
    world.cmd().args(["email", "confirm", &token]).assert().success();
    assert_eq!(world.json(&["whoami"])["user"]["email"], "new@example.com");
    world
        .cmd()
        .args(["email", "change", "x@example.com", "--password-stdin"])
        .env("AUTHCTL_SESSION_FILE", world.path("none"))
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(3);
}

#[test]
fn an_smtp_server_that_is_down_leaves_no_live_token() {
    let world = World::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = format!("smtp://127.0.0.1:{port}");
    world.add_user("ada@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    let cmd = || {
        let mut cmd = world.cmd();
        cmd.env("AUTHCTL_MAIL", &down).env("AUTHCTL_SMTP_TIMEOUT", "3s");
        cmd
    };
    let output = cmd()
        .args(["--json", "reset", "request", "ada@example.com"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(6));
    let error = json_error(&output.stderr);
    assert_eq!(error["kind"], "mail");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains(&format!("smtp://127.0.0.1:{port}"))
    );
    // An unknown address fails the same way: the answer does not tell which addresses exist.
    cmd().args(["reset", "request", "nobody@example.com"]).assert().code(6);
    cmd().args(["confirm", "resend"]).assert().code(6);
    cmd()
        .args(["email", "change", "new@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(6);
    assert_eq!(tokens_issued(&world), 0);
    // No account is created when its confirmation cannot be sent.
    cmd()
        .args([
            "user",
            "add",
            "bob@example.com",
            "--send-confirmation",
            "--password-stdin",
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(6);
    world.cmd().args(["user", "show", "bob@example.com"]).assert().code(4);
    // A notice that cannot be sent does not undo the password change.
    cmd()
        .args(["passwd", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\nsecond password\n"))
        .assert()
        .success()
        .stderr(contains("warning: the notice could not be mailed"));
    assert!(events(&world).iter().filter(|e| *e == "mail_failed").count() >= 5);
}

#[test]
fn tls_required_refuses_a_server_without_starttls() {
    let smtp = SmtpServer::start();
    let world = World::new();
    world.add_user("ada@example.com");
    world
        .cmd()
        .env("AUTHCTL_MAIL", format!("{}?tls=required", smtp.url()))
        .args(["reset", "request", "ada@example.com"])
        .assert()
        .code(6);
    assert!(smtp.take_mail().is_empty());
    assert_eq!(tokens_issued(&world), 0);
}

#[test]
fn require_confirmation_refuses_unconfirmed_logins() {
    let world = World::new();
    world.add_user("ada@example.com");
    world
        .cmd()
        .env("AUTHCTL_REQUIRE_CONFIRMATION", "true")
        .args(["login", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(1)
        .stderr("authctl: Invalid username or password.\n");
    world
        .cmd()
        .env("AUTHCTL_REQUIRE_CONFIRMATION", "perhaps")
        .arg("whoami")
        .assert()
        .code(2)
        .stderr(contains("require_confirmation"));
    world.login("ada@example.com", PASSWORD, &[]).success();
}

#[test]
fn invalid_mail_settings_exit_2() {
    let world = World::new();
    for (variable, value) in [
        ("AUTHCTL_MAIL", "pigeon://coop"),
        ("AUTHCTL_MAIL", "smtp://host?tls=maybe"),
        ("AUTHCTL_MAIL_FROM", "not an address"),
    ] {
        world
            .cmd()
            .env(variable, value)
            .arg("whoami")
            .assert()
            .code(2)
            .stderr(contains(variable.trim_start_matches("AUTHCTL_").to_lowercase()));
    }
    world
        .cmd()
        .env("AUTHCTL_MAIL", "smtp://bob:hunter22@mail.example.com?tls=maybe")
        .arg("whoami")
        .assert()
        .code(2)
        .stderr(contains("hunter22").not());
}

#[test]
fn the_audit_log_has_every_token_event_and_no_token() {
    let world = World::new();
    let confirm = world.register_with_confirmation();
    world.cmd().args(["confirm", &confirm]).assert().success();
    world.login("ada@example.com", PASSWORD, &[]).success();
    world
        .cmd()
        .args(["passwd", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\nsecond password\n"))
        .assert()
        .success();
    take_mail(&world.mail_dir());
    world
        .cmd()
        .args(["reset", "request", "ada@example.com"])
        .assert()
        .success();
    let reset = only(take_mail(&world.mail_dir())).token("reset confirm");
    world
        .cmd()
        .args(["reset", "confirm", &reset, "--password-stdin"])
        .write_stdin("third password\n")
        .assert()
        .success();
    world.login("ada@example.com", "third password", &[]).success();
    world
        .cmd()
        .args(["email", "change", "ada@new.example.com", "--password-stdin"])
        .write_stdin("third password\n")
        .assert()
        .success();
    let email = take_mail(&world.mail_dir())
        .into_iter()
        .find(|m| m.is_to("ada@new.example.com"))
        .unwrap()
        .token("email confirm");
    world.cmd().args(["email", "confirm", &email]).assert().success();

    let events = events(&world);
    for expected in [
        "confirmation_sent",
        "account_confirmed",
        "password_changed",
        "password_reset_requested",
        "password_reset",
        "email_change_requested",
        "email_changed",
    ] {
        assert!(
            events.iter().any(|e| e == expected),
            "{expected} missing from {events:?}"
        );
    }
    if !world.is_sqlite() {
        return;
    }
    // On SQLite, the bytes of the file and its WAL hold none of the tokens.
    let dump = fs::read(world.db_file()).unwrap();
    let wal = fs::read(world.path("authctl.db-wal")).unwrap_or_default();
    for secret in [&confirm, &reset, &email] {
        for bytes in [&dump, &wal] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a token is stored in clear"
            );
        }
    }
}

#[test]
fn json_shapes_of_the_token_commands() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    let mail = |world: &World| take_mail(&world.mail_dir());

    let resent = world.json(&["confirm", "resend"]);
    assert_eq!(resent["message"], "A new confirmation email has been sent to you.");
    assert_eq!(resent["mail"]["to"], "ada@example.com");
    assert!(resent["mail"]["transport"].as_str().unwrap().starts_with("file:"));
    let token = only(mail(&world)).token("confirm");
    let confirmed = world.json(&["confirm", &token]);
    assert_eq!(confirmed["message"], "You have confirmed your account. Thanks!");
    assert_eq!(confirmed["user"]["confirmed"], true);

    let output = world
        .cmd()
        .args(["--json", "email", "change", "new@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    let change: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(change["mail"]["to"], "new@example.com");
    assert_eq!(change["notice"]["to"], "ada@example.com");
    let token = mail(&world)
        .into_iter()
        .find(|m| m.is_to("new@example.com"))
        .unwrap()
        .token("email confirm");
    let changed = world.json(&["email", "confirm", &token]);
    assert_eq!(changed["message"], "Your email address has been updated.");
    assert_eq!(changed["user"]["email"], "new@example.com");

    world.json(&["reset", "request", "new@example.com"]);
    let token = only(mail(&world)).token("reset confirm");
    let output = world
        .cmd()
        .args(["--json", "reset", "confirm", &token, "--password-stdin"])
        .write_stdin("a new password\n")
        .output()
        .unwrap();
    let reset: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(reset["message"], "Your password has been updated.");
    assert_eq!(reset["user"]["email"], "new@example.com");
}

/// A misbehaving SMTP server (tests/hostile_smtp.py) on a free port of 127.0.0.1, stopped on
/// drop; it logs every command line it receives.
struct HostileSmtp {
    child: std::process::Child,
    port: u16,
    log: tempfile::NamedTempFile,
}

impl HostileSmtp {
    fn start(mode: &str) -> Self {
        use std::io::BufRead;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child = std::process::Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile_smtp.py"))
            .arg(port.to_string())
            .arg(log.path())
            .arg(mode)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut ready = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "ready", "the hostile SMTP server did not start");
        HostileSmtp { child, port, log }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every command line received so far.
    fn seen(&self) -> String {
        fs::read_to_string(self.log.path()).unwrap()
    }
}

impl Drop for HostileSmtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a run shows: exit code, stdout, and stderr with `address` written as ADDRESS.
fn answer(cmd: &mut assert_cmd::Command, address: &str) -> (Option<i32>, String, String) {
    let output = cmd
        .args(["reset", "request", address])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(address, "ADDRESS");
    (output.status.code(), text(&output.stdout), text(&output.stderr))
}

/// Every way mail can fail gives the same exit code (and output) for a registered address and
/// for one without an account: the unknown address gets a real message through the same
/// transport, so it meets the same failure.
#[test]
fn reset_request_fails_alike_for_registered_and_unknown_addresses() {
    let mail530 = HostileSmtp::start("reject-mail");
    let rcpt550 = HostileSmtp::start("reject-rcpt");
    let drop_data = HostileSmtp::start("drop-data");
    let scratch = tempfile::tempdir().unwrap();
    let not_a_dir = scratch.path().join("plain-file");
    fs::write(&not_a_dir, "").unwrap();
    let domain = "example.com";
    let cases = [
        ("MAIL 530", mail530.url(), domain),
        ("RCPT 550", rcpt550.url(), domain),
        ("drop during DATA", drop_data.url(), domain),
        ("missing sendmail", "sendmail:/nonexistent/sendmail".to_owned(), domain),
        (
            "mail directory unusable",
            format!("file:{}", not_a_dir.display()),
            domain,
        ),
        ("domain literal", "file:".to_owned(), "[127.0.0.1]"),
    ];
    for (class, mail, domain) in cases {
        let world = World::new();
        let (registered, unknown) = (format!("ada@{domain}"), format!("nobody@{domain}"));
        world.add_user(&registered);
        let cmd = || {
            let mut cmd = world.cmd();
            cmd.env("AUTHCTL_MAIL", &mail).env("AUTHCTL_SMTP_TIMEOUT", "10s");
            cmd
        };
        let known = answer(&mut cmd(), &registered);
        assert_eq!(known.0, Some(6), "{class}: {known:?}");
        assert_eq!(answer(&mut cmd(), &unknown), known, "{class}");
        assert_eq!(
            world.count("SELECT count(*) FROM tokens WHERE used_at IS NULL"),
            0,
            "{class}"
        );
    }
}

/// At most reset_requests_per_hour requests an address are mailed, registered or not; past the
/// limit nothing is sent and the answer is the same.
#[test]
fn reset_requests_are_limited_silently_per_address() {
    let world = World::new();
    world.add_user("ada@example.com");
    for (address, again) in [
        ("ada@example.com", "ADA@Example.com"),
        ("nobody@example.com", "NoBody@example.com"),
    ] {
        let first = answer(&mut world.cmd(), address);
        assert_eq!(first.0, Some(0));
        for _ in 0..2 {
            assert_eq!(answer(&mut world.cmd(), address), first);
        }
        assert_eq!(take_mail(&world.mail_dir()).len(), 3, "{address}");
        // The fourth, in another case, counts for the same address: same answer, no message.
        assert_eq!(answer(&mut world.cmd(), again), first);
        assert!(
            take_mail(&world.mail_dir()).is_empty(),
            "{address} mailed past the limit"
        );
    }
    // The limit is a setting.
    let mut cmd = world.cmd();
    cmd.env("AUTHCTL_RESET_REQUESTS_PER_HOUR", "5");
    assert_eq!(answer(&mut cmd, "nobody@example.com").0, Some(0));
    assert_eq!(take_mail(&world.mail_dir()).len(), 1);
    for bad in ["0", "1001", "many"] {
        world
            .cmd()
            .env("AUTHCTL_RESET_REQUESTS_PER_HOUR", bad)
            .args(["reset", "request", "ada@example.com"])
            .assert()
            .code(2)
            .stderr(contains("reset_requests_per_hour").and(contains(format!("'{bad}'"))));
    }
    // The unknown address is in the audit log without a user; the rate-limit table keeps
    // 32-byte hashes of the addresses, nothing else.
    let audit = world.json(&["audit", "--user", "nobody@example.com"]);
    let rows = audit.as_array().unwrap();
    assert!(rows.iter().all(|row| row["user_id"].is_null()));
    assert!(rows.iter().any(|row| row["event"] == "password_reset_requested"));
    // The column is a BLOB (SQLite) or bytea (PostgreSQL); `length` counts its bytes on both.
    let all = world.count("SELECT count(*) FROM reset_requests");
    let hashes = world.count("SELECT count(*) FROM reset_requests WHERE length(address_hash) = 32");
    assert_eq!((all, hashes), (7, 7), "3 + 3 + 1 mailed requests");
}

/// smtp_timeout bounds the whole conversation: a server that trickles a byte a second (each
/// read succeeding well within the timeout) is given up on with exit 6.
#[test]
fn a_trickling_smtp_server_times_out() {
    let trickle = HostileSmtp::start("trickle");
    let world = World::new();
    world.add_user("ada@example.com");
    for address in ["ada@example.com", "nobody@example.com"] {
        world
            .cmd()
            .env("AUTHCTL_MAIL", trickle.url())
            .env("AUTHCTL_SMTP_TIMEOUT", "3s")
            .args(["reset", "request", address])
            .timeout(Duration::from_secs(30))
            .assert()
            .code(6)
            .stderr(contains("timed out"));
    }
}

/// With credentials in the URL, STARTTLS must succeed: a server offering AUTH without it never
/// sees an AUTH line. `?tls=none` says plain text on purpose.
#[test]
fn credentials_never_go_in_clear_unless_asked() {
    let server = HostileSmtp::start("auth-no-tls");
    let world = World::new();
    world.add_user("ada@example.com");
    let with_credentials = format!("smtp://bob:hunter22@127.0.0.1:{}", server.port);
    world
        .cmd()
        .env("AUTHCTL_MAIL", &with_credentials)
        .args(["reset", "request", "ada@example.com"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(6)
        .stderr(contains("STARTTLS").and(contains("hunter22").not()));
    assert!(server.seen().contains("EHLO"), "{}", server.seen());
    assert!(!server.seen().to_uppercase().contains("AUTH"), "{}", server.seen());

    world
        .cmd()
        .env("AUTHCTL_MAIL", format!("{with_credentials}?tls=none"))
        .args(["reset", "request", "ada@example.com"])
        .timeout(Duration::from_secs(30))
        .assert()
        .success()
        .stderr(contains("hunter22").not());
    assert!(server.seen().contains("AUTH PLAIN"), "{}", server.seen());
}

/// No settings error shows SMTP credentials, whatever shape the value has, in the environment
/// or in a config file.
#[test]
fn settings_errors_never_show_smtp_credentials() {
    let world = World::new();
    for value in [
        "smtp:bob:secret@mail.example.com",
        "smtp//bob:secret@mail.example.com",
        "smtp://bob:secret@mail.example.com?tls=maybe",
        "smtp://bob:se?cret@mail.example.com",
        "smtp://bob:se#cret@mail.example.com:99999",
        "smtps://bob:secret@mail.example.com?tls=none",
    ] {
        let output = world.cmd().env("AUTHCTL_MAIL", value).arg("whoami").output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{value}");
        let all = [output.stdout, output.stderr].concat();
        let all = String::from_utf8_lossy(&all);
        assert!(all.contains("mail"), "{value}: {all}");
        assert!(!all.contains("secret") && !all.contains("se?cret"), "{value}: {all}");
    }
    let config = world.path("config.toml");
    for text in [
        "mail = \"smtp://bob:secret@mail.example.com\n",
        "mail = [\"smtp://bob:secret@mail.example.com\"]\n",
    ] {
        fs::write(&config, text).unwrap();
        let output = world.cmd().arg("--config").arg(&config).arg("whoami").output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{text}");
        let all = [output.stdout, output.stderr].concat();
        assert!(
            !String::from_utf8_lossy(&all).contains("secret"),
            "{text}: {}",
            String::from_utf8_lossy(&all)
        );
    }
}
