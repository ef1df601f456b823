//! Sessions: whoami, logout, remember vs short expiry, session list/revoke, refused files.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::thread::sleep;
use std::time::Duration;

use predicates::prelude::*;
use predicates::str::contains;

use crate::util::{PASSWORD, World, json_error, mode};

#[test]
fn whoami_logout_and_exit_3() {
    let world = World::new();
    let output = world.cmd().args(["--json", "whoami"]).output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(json_error(&output.stderr)["kind"], "not_logged_in");
    world.cmd().arg("logout").assert().code(3);

    let id = world.add_user("ada@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    world.cmd().arg("whoami").assert().success().stdout("ada@example.com\n");
    let me = world.json(&["whoami"]);
    assert_eq!(me["user"]["id"], id.as_str());
    assert_eq!(me["session"]["remember"], false);

    let session_file = world.session_file();
    assert_eq!(mode(&session_file), 0o600);
    let token_line = fs::read_to_string(&session_file)
        .unwrap()
        .lines()
        .nth(2)
        .unwrap()
        .to_owned();
    assert!(token_line.len() >= 43, "at least 256 bits");
    assert!(!token_line.starts_with('-'));
    if world.is_sqlite() {
        let dump = fs::read(world.db_file()).unwrap();
        assert!(
            !dump.windows(token_line.len()).any(|w| w == token_line.as_bytes()),
            "token stored in clear"
        );
    }

    world
        .cmd()
        .arg("logout")
        .assert()
        .success()
        .stdout("You have been logged out.\n");
    assert!(!session_file.exists());
    world
        .cmd()
        .arg("whoami")
        .assert()
        .code(3)
        .stderr("authctl: Not logged in.\n");
    let logout = world.login("ada@example.com", PASSWORD, &[]).success();
    drop(logout);
    assert_eq!(world.json(&["logout"])["message"], "You have been logged out.");
}

#[test]
fn short_sessions_expire_and_remembered_ones_last() {
    let world = World::new();
    world.add_user("ada@example.com");
    let short = world.path("short-session");
    let remembered = world.path("remembered-session");
    for (file, remember) in [(&short, false), (&remembered, true)] {
        let mut cmd = world.cmd();
        cmd.env("AUTHCTL_SESSION_FILE", file)
            .env("AUTHCTL_SESSION_DURATION", "1s")
            .env("AUTHCTL_REMEMBER_DURATION", "1h")
            .args(["login", "ada@example.com", "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"));
        if remember {
            cmd.arg("--remember");
        }
        cmd.assert().success();
    }
    world
        .cmd()
        .env("AUTHCTL_SESSION_FILE", &short)
        .arg("whoami")
        .assert()
        .success();
    sleep(Duration::from_millis(1500));
    world
        .cmd()
        .env("AUTHCTL_SESSION_FILE", &short)
        .arg("whoami")
        .assert()
        .code(3)
        .stderr(contains("expired"));
    world
        .cmd()
        .env("AUTHCTL_SESSION_FILE", &remembered)
        .arg("whoami")
        .assert()
        .success();
}

#[test]
fn session_list_and_revoke() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.add_user("bob@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    let second = world.path("second");
    let third = world.path("third");
    for file in [&second, &third] {
        world
            .cmd()
            .env("AUTHCTL_SESSION_FILE", file)
            .args(["login", "ada@example.com", "--remember", "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"))
            .assert()
            .success();
    }
    let bob_file = world.path("bob");
    world
        .cmd()
        .env("AUTHCTL_SESSION_FILE", &bob_file)
        .args(["login", "bob@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();

    let sessions = world.json(&["session", "list"]);
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 3, "only ada's sessions");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    world
        .cmd()
        .args(["session", "list"])
        .assert()
        .success()
        .stdout(contains("REMEMBER"));

    // Revoking one by id, then all others.
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = world.json(&["session", "revoke", &other]);
    assert_eq!(revoked["revoked"], serde_json::json!([other]));
    world.cmd().args(["session", "revoke", &other]).assert().code(4);
    let bob_session = world
        .cmd()
        .env("AUTHCTL_SESSION_FILE", &bob_file)
        .args(["--json", "whoami"])
        .output()
        .unwrap();
    let bob_session: serde_json::Value = serde_json::from_slice(&bob_session.stdout).unwrap();
    world
        .cmd()
        .args(["session", "revoke", bob_session["session"]["id"].as_str().unwrap()])
        .assert()
        .code(4);
    world
        .cmd()
        .args(["session", "revoke", "--all-others"])
        .assert()
        .success()
        .stdout("Revoked 1 session.\n");
    for file in [&second, &third] {
        world
            .cmd()
            .env("AUTHCTL_SESSION_FILE", file)
            .arg("whoami")
            .assert()
            .code(3);
    }
    world.cmd().arg("whoami").assert().success();
    world
        .cmd()
        .env("AUTHCTL_SESSION_FILE", &bob_file)
        .arg("whoami")
        .assert()
        .success();

    // Revoking the current session ends it and removes its file.
    let current = world.json(&["whoami"])["session"]["id"].as_str().unwrap().to_owned();
    world.cmd().args(["session", "revoke", &current]).assert().success();
    assert!(!world.session_file().exists());
    world.cmd().args(["session", "revoke"]).assert().code(2);
    world.cmd().args(["session", "list"]).assert().code(3);
}

/// Issue 12: an administrator lists and ends another user's sessions, logged in or not.
#[test]
fn an_administrator_lists_and_revokes_a_users_sessions() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.add_user("bob@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    let remembered = world.path("remembered");
    let bob_file = world.path("bob");
    for (file, email) in [(&remembered, "ada@example.com"), (&bob_file, "bob@example.com")] {
        world
            .cmd()
            .env("AUTHCTL_SESSION_FILE", file)
            .args(["login", email, "--remember", "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"))
            .assert()
            .success();
    }
    // No session file at all: the administrator need not be logged in.
    let admin = || {
        let mut cmd = world.bare();
        cmd.env("AUTHCTL_DB", world.db());
        cmd
    };
    let output = admin()
        .args(["--json", "session", "list", "--user", "ada@example.com"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let own = world.json(&["session", "list"]);
    let ids = |list: &serde_json::Value| {
        let mut ids: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&listed), ids(&own), "the same sessions as ada sees");
    for session in listed.as_array().unwrap() {
        assert_eq!(session["current"], false);
        let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(session), keys(&own[0]), "the shape of session list");
    }
    admin()
        .args(["session", "list", "--user", "ada@example.com"])
        .assert()
        .success()
        .stdout(contains("REMEMBER").and(contains("*").not()));

    let output = admin()
        .args(["--json", "session", "revoke", "--user", "ada@example.com", "--all"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let revoked: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut ended: Vec<&str> = revoked["revoked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    ended.sort_unstable();
    assert_eq!(ended, ids(&own));
    for file in [world.session_file(), remembered] {
        world
            .cmd()
            .env("AUTHCTL_SESSION_FILE", file)
            .arg("whoami")
            .assert()
            .code(3);
    }
    world
        .cmd()
        .env("AUTHCTL_SESSION_FILE", &bob_file)
        .arg("whoami")
        .assert()
        .success();
    assert_eq!(
        world.json(&["session", "list", "--user", "ada@example.com"]),
        serde_json::json!([])
    );
    let audit = world.json(&["audit"]);
    let details: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["event"] == "session_revoked")
        .map(|row| row["detail"].as_str().unwrap())
        .collect();
    assert_eq!(details.len(), 2, "{details:?}");
    assert!(
        details.iter().all(|d| d.ends_with("by an administrator")),
        "{details:?}"
    );
    admin()
        .args(["session", "revoke", "--user", "ada@example.com", "--all"])
        .assert()
        .success()
        .stdout("Revoked 0 sessions of ada@example.com.\n");
}

#[test]
fn administrator_session_commands_refuse_unknown_users_and_mixed_forms() {
    let world = World::new();
    world.add_user("ada@example.com");
    world
        .cmd()
        .args(["session", "list", "--user", "nobody@example.com"])
        .assert()
        .code(4);
    world
        .cmd()
        .args(["session", "revoke", "--user", "nobody", "--all"])
        .assert()
        .code(4)
        .stderr(contains("nobody"));
    for args in [
        &["session", "revoke", "--user", "ada@example.com"][..],
        &["session", "revoke", "--all"],
        &["session", "revoke", "--user", "ada@example.com", "--all-others"],
        &[
            "session",
            "revoke",
            "--user",
            "ada@example.com",
            "--all",
            "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        ],
    ] {
        world.cmd().args(args).assert().code(2);
    }
}

#[test]
fn a_session_file_from_another_database_is_not_logged_in() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    let other_db = world.path("other.db");
    world.cmd().env("AUTHCTL_DB", &other_db).arg("init").assert().success();
    world
        .cmd()
        .env("AUTHCTL_DB", &other_db)
        .arg("whoami")
        .assert()
        .code(3)
        .stderr(contains("another database"));
    // Even with the same user registered there.
    world
        .cmd()
        .env("AUTHCTL_DB", &other_db)
        .args(["user", "add", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    world.cmd().env("AUTHCTL_DB", &other_db).arg("logout").assert().code(3);
    world.cmd().arg("whoami").assert().success();
}

#[test]
fn tampered_session_files_are_refused() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.login("ada@example.com", PASSWORD, &[]).success();
    let file = world.session_file();
    let original = fs::read_to_string(&file).unwrap();

    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    world.cmd().arg("whoami").assert().code(3).stderr(contains("mode 0644"));
    fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
    world.cmd().arg("whoami").assert().success();

    fs::write(&file, "garbage\n").unwrap();
    world
        .cmd()
        .arg("whoami")
        .assert()
        .code(3)
        .stderr(contains("not a session"));

    // A well-formed token that is not the one issued.
    let mut lines: Vec<String> = original.lines().map(str::to_owned).collect();
    lines[2] = "A".repeat(44);
    fs::write(&file, lines.join("\n") + "\n").unwrap();
    world.cmd().arg("whoami").assert().code(3).stderr(contains("unknown"));

    fs::write(&file, &original).unwrap();
    world.cmd().arg("whoami").assert().success();
}

/// A FIFO or a symbolic link planted at the session path is refused at once (exit 3), never
/// waited on; `login` refuses to replace it (exit 2), as every private file authctl writes does. The test-side timeout turns a hang
/// into a failure instead of a stuck suite.
#[test]
fn a_fifo_or_symlink_at_the_session_path_is_refused_without_hanging() {
    let world = World::new();
    world.add_user("ada@example.com");
    let path = world.session_file();
    nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let patient = Duration::from_secs(30);
    world
        .cmd()
        .arg("whoami")
        .timeout(patient)
        .assert()
        .code(3)
        .stderr(contains("not a regular file"));
    world.cmd().arg("logout").timeout(patient).assert().code(3);
    world
        .cmd()
        .args(["login", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .timeout(patient)
        .assert()
        .code(2)
        .stderr(contains("not a regular file"));
    fs::remove_file(&path).unwrap();
    world.login("ada@example.com", PASSWORD, &[]).success();
    world.cmd().arg("whoami").timeout(patient).assert().success();

    // A symbolic link to a valid session file is refused too: the file is not followed.
    let real = world.path("real-session");
    fs::rename(&path, &real).unwrap();
    std::os::unix::fs::symlink(&real, &path).unwrap();
    world
        .cmd()
        .arg("whoami")
        .timeout(patient)
        .assert()
        .code(3)
        .stderr(contains("symbolic link"));
}
