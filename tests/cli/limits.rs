//! Hostile input: endless or huge reads are bounded (exit 2 naming the limit, memory small),
//! echoed text is escaped and cut, and look-alike names are one name.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use predicates::str::contains;
use serde_json::Value;

use crate::util::{PASSWORD, World, json_error};

/// Virtual memory allowed to authctl in these tests (KiB): an unbounded read reaches it quickly.
const MEMORY_LIMIT_KIB: u32 = 512 * 1024;

/// Runs authctl as `world.cmd()` would, with `stdin` as its standard input, under
/// [`MEMORY_LIMIT_KIB`]; a run that does not end within a minute is killed and fails the test.
fn run_with_stdin(world: &World, args: &[&str], stdin: &Path) -> Output {
    let template = world.cmd();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KIB} && exec \"$0\" \"$@\""))
        .arg(template.get_program())
        .args(args)
        .env_clear()
        .current_dir(world.dir.path())
        .stdin(fs::File::open(stdin).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in template.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("authctl {args:?} < {} did not end", stdin.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_refused(output: &Output, needle: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert!(stderr(output).contains(needle), "{}", stderr(output));
}

#[test]
fn imports_from_dev_zero_end_with_the_limit() {
    let world = World::new();
    for format in ["csv", "jsonl"] {
        let output = run_with_stdin(
            &world,
            &["user", "import", "--format", format, "-"],
            Path::new("/dev/zero"),
        );
        assert_refused(&output, "64 KiB");
        let output = run_with_stdin(
            &world,
            &["user", "import", "--format", format, "/dev/zero"],
            Path::new("/dev/null"),
        );
        assert_refused(&output, "64 KiB");
    }
}

#[test]
fn a_record_longer_than_the_limit_ends_the_import() {
    let world = World::new();
    let csv = world.path("long.csv");
    // One quoted field of short lines: no line is long, the record is.
    let mut out = fs::File::create(&csv).unwrap();
    write!(out, "email,username\na@example.com,\"").unwrap();
    for _ in 0..200_000 {
        out.write_all(b"abc\n").unwrap();
    }
    writeln!(out, "\"").unwrap();
    drop(out);
    let output = run_with_stdin(
        &world,
        &["user", "import", csv.to_str().unwrap()],
        Path::new("/dev/null"),
    );
    assert_refused(&output, "line 2");
    assert_refused(&output, "64 KiB");

    let jsonl = world.path("long.jsonl");
    fs::write(
        &jsonl,
        format!("{{\"email\":\"{}@example.com\"}}\n", "a".repeat(70_000)),
    )
    .unwrap();
    let output = run_with_stdin(
        &world,
        &["user", "import", jsonl.to_str().unwrap()],
        Path::new("/dev/null"),
    );
    assert_refused(&output, "line 1");
    assert_refused(&output, "64 KiB");
}

#[test]
fn a_field_longer_than_the_limit_is_a_row_problem() {
    let world = World::new();
    let csv = world.path("field.csv");
    fs::write(
        &csv,
        format!(
            "email,password\nok@example.com,{PASSWORD}\nbig@example.com,{}\n",
            "p".repeat(5000)
        ),
    )
    .unwrap();
    let output = run_with_stdin(
        &world,
        &["user", "import", csv.to_str().unwrap()],
        Path::new("/dev/null"),
    );
    assert_refused(&output, "line 3: password is longer than 4096 bytes");
}

#[test]
fn a_directory_as_input_ends_the_import() {
    let world = World::new();
    let dir = world.path("users.jsonl");
    fs::create_dir(&dir).unwrap();
    for format in ["csv", "jsonl"] {
        let output = run_with_stdin(
            &world,
            &["user", "import", "--format", format, dir.to_str().unwrap()],
            Path::new("/dev/null"),
        );
        assert_refused(&output, "Is a directory");
    }
}

#[test]
fn secrets_on_stdin_are_bounded() {
    let world = World::new();
    world.add_user("ada@example.com");
    let zero = Path::new("/dev/zero");
    let output = run_with_stdin(&world, &["login", "ada@example.com", "--password-stdin"], zero);
    assert_refused(&output, "4096 bytes");
    let output = run_with_stdin(&world, &["user", "add", "bob@example.com", "--password-stdin"], zero);
    assert_refused(&output, "4096 bytes");
    let output = run_with_stdin(&world, &["reset", "confirm", "--password-stdin"], zero);
    assert_refused(&output, "4096 bytes");
    let output = run_with_stdin(&world, &["confirm"], zero);
    assert_refused(&output, "4096 bytes");

    // 9 MB of U+FDFA, which NFKC expands 18 times: refused before it is normalised.
    let huge = world.path("fdfa");
    fs::write(&huge, format!("{}\n", "\u{fdfa}".repeat(3_000_000))).unwrap();
    let output = run_with_stdin(&world, &["login", "ada@example.com", "--password-stdin"], &huge);
    assert_refused(&output, "4096 bytes");
    // At the limit, the password is read (and is simply wrong).
    fs::write(&huge, format!("{}\n", "\u{fdfa}".repeat(1365))).unwrap();
    let output = run_with_stdin(&world, &["login", "ada@example.com", "--password-stdin"], &huge);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
}

#[test]
fn echoed_input_is_escaped_and_cut() {
    let world = World::new();
    // Long, but within the limit of a field.
    let long = "x".repeat(4000);
    let input = format!(
        "email,username,confirmed,password_hash\n\
         a\u{1b}]0;owned\u{7}@example.com,,,\n\
         b@example.com,bad\u{1b}[2Jname,,\n\
         c@example.com,,\"\u{0}\r\u{9b}yes\",\n\
         d@example.com,,,pbkdf2:sha256:{long}$salt$00\n\
         {long}@example.com,,,\n"
    );
    let output = world
        .cmd()
        .args(["user", "import", "--format", "csv", "-"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "raw control characters: {text:?}"
    );
    assert!(
        text.contains("'a\\x1b]0;owned\\x07@example.com' is not a valid email address"),
        "{text}"
    );
    assert!(text.contains("'bad\\x1b[2Jname' is not a valid username"), "{text}");
    assert!(text.contains("not '\\x00\\x0d\\x9byes'"), "{text}");
    assert!(text.contains(&format!("{}…", "x".repeat(60))), "{text}");
    assert!(text.len() < 2000, "a long value is echoed whole: {} bytes", text.len());

    // The same in JSON, where the escape is in the message itself.
    let output = world
        .cmd()
        .args(["--json", "user", "import", "--format", "csv", "-"])
        .write_stdin(input)
        .output()
        .unwrap();
    let rows = json_error(&output.stderr)["rows"].clone();
    assert!(
        rows[0]["message"].as_str().unwrap().contains("a\\x1b]0;owned"),
        "{rows}"
    );

    // Arguments are echoed the same way.
    world
        .cmd()
        .args(["user", "add", "evil\u{1b}[31m@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(2)
        .stderr(contains("'evil\\x1b[31m@example.com'"));
    world
        .cmd()
        .args(["user", "show", "evil\u{1b}[31m@example.com"])
        .assert()
        .code(4)
        .stderr(contains("No such user: evil\\x1b[31m@example.com."));
}

#[test]
fn jsonl_duplicate_keys_are_refused_and_a_bom_is_stripped() {
    let world = World::new();
    let output = world
        .cmd()
        .args(["user", "import", "--format", "jsonl", "-"])
        .write_stdin("{\"email\":\"a@example.com\",\"active\":true,\"active\":false}\n")
        .output()
        .unwrap();
    assert_refused(&output, "line 1: the key 'active' appears twice");
    let output = world
        .cmd()
        .args(["user", "import", "--format", "jsonl", "-"])
        .write_stdin("\u{feff}{\"email\":\"a@example.com\"}\n{\"email\":\"b@example.com\"}\n")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(world.json(&["user", "list"]).as_array().unwrap().len(), 2);
}

#[test]
fn look_alike_usernames_and_emails_are_one_name() {
    let world = World::new();
    let add = |email: &str, username: &str| {
        world
            .cmd()
            .args(["user", "add", email, "--username", username, "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"))
            .assert()
    };
    add("ada@example.com", "admin").success();
    add("bob@example.com", "ａｄｍｉｎ")
        .code(5)
        .stderr(contains("already taken"));
    add("ａｄａ@example.com", "bob")
        .code(5)
        .stderr(contains("already registered"));
    // Look-ups normalise the same way.
    assert_eq!(
        world.json(&["user", "show", "ＡＤＡ@example.com"])["email"],
        "ada@example.com"
    );
    world.login("ａｄａ@example.com", PASSWORD, &[]).success();

    // Import: against the database and within one file.
    let output = world
        .cmd()
        .args(["user", "import", "--format", "csv", "-"])
        .write_stdin("email,username\ncarol@example.com,Ａdmin\n")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("already taken"), "{}", stderr(&output));
    let output = world
        .cmd()
        .args(["user", "import", "--format", "csv", "-"])
        .write_stdin("email,username\ncarol@example.com,ｃａｒｏｌ\ndave@example.com,carol\n")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("earlier in the file"), "{}", stderr(&output));
}

#[test]
fn timestamps_stay_rfc3339_for_any_duration() {
    let world = World::new();
    world.add_user("ada@example.com");
    // A duration past any calendar is refused by the setting's range...
    let output = world
        .cmd()
        .env("AUTHCTL_REMEMBER_DURATION", "300000y")
        .args(["login", "ada@example.com", "--password-stdin", "--remember"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("remember_duration"), "{}", stderr(&output));
    // ...and the longest one allowed still gives an RFC 3339 time with a four-digit year.
    world
        .cmd()
        .env("AUTHCTL_REMEMBER_DURATION", "10years")
        .args(["login", "ada@example.com", "--password-stdin", "--remember"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    let whoami = world.json(&["whoami"]);
    let expires = whoami["session"]["expires_at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(expires).is_ok(), "{whoami}");
    assert!(expires.as_bytes()[4] == b'-' && expires.ends_with('Z'), "{whoami}");
    let sessions: Value = world.json(&["session", "list"]);
    assert_eq!(sessions[0]["expires_at"], expires);
    world.cmd().arg("whoami").assert().success();
}
