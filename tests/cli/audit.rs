//! `audit` (issue 12, item 5): events keep the account's id, and `--user` finds every event of
//! an account by its email (current or past), its username or its id.

use predicates::prelude::*;
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
    world.execute(
        "UPDATE audit SET user_id = NULL WHERE event = 'login_failed'; DROP INDEX audit_user_id; DROP INDEX audit_event;",
    );
    world.set_schema_version(6);
    world.cmd().args(["db", "migrate"]).assert().success();
    let rows = audit(&world, &["--user", &id]);
    assert_eq!(events(&rows), ["user_added", "login_failed"]);
}

/// Three accounts added, one failed login and one removal: seven rows to filter.
fn busy_world() -> (World, Vec<Value>) {
    let world = World::new();
    for email in ["ada@example.com", "bob@example.com", "eve@example.com"] {
        world.add_user(email);
    }
    world.login("ada@example.com", "not the right one", &[]).code(1);
    world.login("bob@example.com", PASSWORD, &[]).success();
    world
        .cmd()
        .args(["user", "remove", "eve@example.com", "--yes"])
        .assert()
        .success();
    world.cmd().arg("logout").assert().success();
    let all = audit(&world, &[]);
    assert_eq!(all.len(), 7);
    (world, all)
}

/// Defect: `--since` took durations only. It and `--until` take dates (midnight UTC), RFC 3339
/// date-times, the times tables print, and durations; --since is inclusive, --until exclusive.
#[test]
fn since_and_until_take_dates_date_times_and_durations() {
    let (world, all) = busy_world();
    assert_eq!(audit(&world, &["--since", "2000-01-01"]), all);
    assert!(audit(&world, &["--until", "2000-01-01"]).is_empty());
    assert_eq!(audit(&world, &["--since", "1h"]), all);
    assert!(audit(&world, &["--until", "1h"]).is_empty());
    // Further back than any engine's calendar: every event is after it, none before.
    assert_eq!(audit(&world, &["--since", "300000years"]), all);
    assert!(audit(&world, &["--until", "300000years"]).is_empty());
    // Split at the time of the fourth row: what is before it and what is at or after it.
    let at = all[3]["at"].as_str().unwrap();
    let before = audit(&world, &["--until", at]);
    let after = audit(&world, &["--since", at]);
    assert_eq!(
        [before.clone(), after.clone()].concat(),
        all,
        "--until {at} and --since {at}"
    );
    assert!(!after.is_empty() && after[0]["at"] == at);
    assert!(before.iter().all(|row| row["at"].as_str().unwrap() < at));
    // The same time as the human output prints it (to the second) is the start of that second.
    let table_time = world.cmd().args(["audit", "--limit", "1"]).output().unwrap();
    let table = String::from_utf8(table_time.stdout).unwrap();
    let second = table
        .lines()
        .find_map(|line| line.split('\t').next().filter(|cell| cell.ends_with("UTC")))
        .unwrap_or_else(|| panic!("no time in:\n{table}"))
        .to_owned();
    assert!(
        audit(&world, &["--since", &second]).contains(all.last().unwrap()),
        "--since '{second}'"
    );
}

#[test]
fn event_takes_kinds_repeated_or_comma_separated_and_limit_the_most_recent() {
    let (world, all) = busy_world();
    let kinds = |rows: Vec<Value>| events(&rows);
    assert_eq!(
        kinds(audit(&world, &["--event", "login_failed,user_removed"])),
        ["login_failed", "user_removed"]
    );
    assert_eq!(
        kinds(audit(&world, &["--event", "logout", "--event", "login_failed"])),
        ["login_failed", "logout"]
    );
    assert_eq!(audit(&world, &["--limit", "2"]), all[5..]);
    assert_eq!(audit(&world, &["--limit", "100"]), all);
    assert_eq!(
        kinds(audit(&world, &["--event", "user_added", "--limit", "2"])),
        ["user_added"; 2]
    );
    assert_eq!(
        audit(&world, &["--event", "user_added", "--limit", "2"]),
        [all[1].clone(), all[2].clone()]
    );
    assert_eq!(
        kinds(audit(
            &world,
            &["--user", "ada@example.com", "--event", "login_failed", "--since", "1d"]
        )),
        ["login_failed"]
    );
}

/// Bad input is exit 2 with a message naming the flag, the value and what is expected.
#[test]
fn bad_moments_kinds_and_limits_are_usage_errors() {
    let world = World::new();
    let refused = |args: &[&str], expected: &[&str]| {
        let output = world.cmd().arg("audit").args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        for part in expected {
            assert!(stderr.contains(part), "{args:?}: no '{part}' in {stderr}");
        }
    };
    refused(&["--since", "yesterday"], &["--since 'yesterday'", "2026-11-30", "90m"]);
    refused(&["--until", "2026-13-01"], &["--until '2026-13-01'"]);
    refused(
        &["--event", "login"],
        &["'login'", "--event", "login_failed", "user_edited"],
    );
    refused(&["--limit", "0"], &["--limit"]);
    refused(
        &["--since", "2026-12-01", "--until", "2026-11-01"],
        &["--since (2026-12-01 00:00:00 UTC) is not before --until"],
    );
}

/// `audit prune --before` deletes the older events, says how many, and leaves a row saying so;
/// the listing keeps working next to it. Durations count back from now, and a moment in the
/// future is refused.
#[test]
fn prune_deletes_older_events_and_records_that_it_did() {
    let (world, all) = busy_world();
    let at = all[4]["at"].as_str().unwrap();
    let older = all.iter().filter(|row| row["at"].as_str().unwrap() < at).count();
    let pruned = world.json(&["audit", "prune", "--before", at, "--yes"]);
    assert_eq!(pruned, serde_json::json!({ "pruned": older }));
    let left = audit(&world, &[]);
    assert_eq!(left[..left.len() - 1], all[older..]);
    let record = left.last().unwrap();
    assert_eq!(record["event"], "audit_pruned");
    assert_eq!(record["user_id"], Value::Null);
    assert!(
        record["detail"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{older} events before "))
    );
    // Rows of the last day are kept by --before 1d; none is older.
    world
        .cmd()
        .args(["audit", "prune", "--before", "1d", "--yes"])
        .assert()
        .success()
        .stdout(
            predicates::str::starts_with("Deleted 0 audit events before ").and(predicates::str::ends_with(" UTC.\n")),
        );
    assert_eq!(
        events(&audit(&world, &["--event", "audit_pruned"])),
        ["audit_pruned"; 2]
    );
    // Everything, with 0s.
    assert_eq!(
        world.json(&["audit", "prune", "--before", "0s", "--yes"])["pruned"],
        left.len() + 1
    );
    assert_eq!(events(&audit(&world, &[])), ["audit_pruned"]);
}

#[test]
fn prune_refuses_the_future_bad_moments_and_unconfirmed_runs() {
    let world = World::new();
    world.add_user("ada@example.com");
    let refused = |args: &[&str], expected: &str| {
        let output = world.cmd().args(["audit", "prune"]).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: no '{expected}' in {stderr}");
    };
    refused(
        &["--before", "9999-01-01", "--yes"],
        "--before '9999-01-01' (9999-01-01 00:00:00 UTC) is in the future",
    );
    refused(
        &["--before", "last week", "--yes"],
        "--before 'last week' is not a moment",
    );
    refused(&["--before", "90d"], "pass --yes");
    refused(&[], "--before");
    // The filters of the listing belong to the listing, not to prune.
    world
        .cmd()
        .args(["audit", "--event", "user_added", "prune", "--before", "0s", "--yes"])
        .assert()
        .code(2);
    assert_eq!(events(&audit(&world, &[])), ["user_added"]);
}

/// A running `audit --follow --json`, its stdout read line by line on a thread.
struct Follower {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Follower {
    fn start(world: &World, args: &[&str]) -> Self {
        use std::io::BufRead;
        let mut child = world
            .std_cmd()
            .args(["--json", "audit", "--follow"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Follower { child, lines }
    }

    /// The next event printed (waiting up to 20 seconds), as JSON.
    fn next(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("no line from audit --follow");
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("not one JSON object: {line}"))
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `--follow --json` prints the matching events, then each new matching one as one JSON object
/// on its own line (JSON Lines), as other commands record them.
#[test]
fn follow_prints_new_events_as_json_lines() {
    let world = World::new();
    world.add_user("ada@example.com");
    world.add_user("bob@example.com");
    let follower = Follower::start(&world, &["--user", "ada@example.com", "--limit", "1"]);
    let first = follower.next();
    assert_eq!(first["event"], "user_added");
    assert_eq!(first["email"], "ada@example.com");
    world.login("bob@example.com", "not the right one", &[]).code(1);
    world.login("ada@example.com", "not the right one", &[]).code(1);
    let failed = follower.next();
    assert_eq!(
        (failed["event"].clone(), failed["email"].clone()),
        ("login_failed".into(), "ada@example.com".into())
    );
    world.login("ada@example.com", PASSWORD, &[]).success();
    assert_eq!(follower.next()["event"], "login_succeeded");
    assert!(follower.lines.try_recv().is_err(), "bob's events are not ada's");
}

/// Once its reader is gone, a follower ends by itself (exit 0) without waiting for an event.
#[test]
fn follow_ends_when_stdout_is_closed() {
    let world = World::new();
    world.add_user("ada@example.com");
    let mut child = world
        .std_cmd()
        .args(["audit", "--follow"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    assert!(
        line.contains("user_added") && line.contains("ada@example.com"),
        "{line}"
    );
    assert!(!line.contains('│'), "plain lines, not a table: {line}");
    drop(stdout);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "audit --follow kept running");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    world
        .cmd()
        .args(["audit", "--follow", "--until", "1d"])
        .assert()
        .code(2);
}

/// With `audit_syslog` on, each committed event also goes to the syslog socket as one datagram
/// (facility authpriv) naming the event, the account and the address, never a password.
#[test]
fn audit_syslog_sends_each_event_to_the_socket() {
    let world = World::new();
    let socket_path = world.path("log.sock");
    let socket = std::os::unix::net::UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let with_syslog = |args: &[&str], stdin: &str| {
        world
            .cmd()
            .env("AUTHCTL_AUDIT_SYSLOG", "true")
            .env("AUTHCTL_AUDIT_SYSLOG_SOCKET", &socket_path)
            .args(args)
            .write_stdin(stdin.to_owned())
            .assert()
    };
    let id = String::from_utf8(
        with_syslog(
            &["user", "add", "ada@example.com", "--password-stdin"],
            &format!("{PASSWORD}\n"),
        )
        .success()
        .get_output()
        .stdout
        .clone(),
    )
    .unwrap();
    let id = id.trim();
    with_syslog(&["login", "ada@example.com", "--password-stdin"], "not the right one\n").code(1);
    let mut received = Vec::new();
    for _ in 0..2 {
        let mut buffer = [0u8; 4096];
        let size = socket.recv(&mut buffer).expect("no datagram on the syslog socket");
        received.push(String::from_utf8_lossy(&buffer[..size]).into_owned());
    }
    assert!(received[0].starts_with("<86>"), "authpriv.info: {}", received[0]);
    assert!(
        received[0].contains("authctl[")
            && received[0].contains(&format!(
                "]: event=user_added user_id={id} email=ada@example.com os_user="
            )),
        "{}",
        received[0]
    );
    assert!(received[1].starts_with("<85>"), "authpriv.notice: {}", received[1]);
    assert!(received[1].contains("event=login_failed") && received[1].contains(&format!("user_id={id}")));
    assert!(received[1].contains("detail=\"wrong password\""), "{}", received[1]);
    assert!(!received.concat().contains("not the right one"));
    // Off by default: nothing more is sent.
    world.login("ada@example.com", PASSWORD, &[]).success();
    socket
        .set_read_timeout(Some(std::time::Duration::from_millis(300)))
        .unwrap();
    assert!(
        socket.recv(&mut [0u8; 4096]).is_err(),
        "a datagram without audit_syslog"
    );
}

/// A socket nobody listens on is a warning on stderr, once per command, never a failure: the
/// events are in the database.
#[test]
fn audit_syslog_failures_are_one_warning_and_not_a_failure() {
    let world = World::new();
    let missing = world.path("no-such.sock");
    let output = world
        .cmd()
        .env("AUTHCTL_AUDIT_SYSLOG", "yes")
        .env("AUTHCTL_AUDIT_SYSLOG_SOCKET", &missing)
        .args([
            "user",
            "add",
            "ada@example.com",
            "--send-confirmation",
            "--password-stdin",
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("could not be sent to syslog").count(), 1, "{stderr}");
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    assert_eq!(events(&audit(&world, &[])), ["user_added", "confirmation_sent"]);
}
