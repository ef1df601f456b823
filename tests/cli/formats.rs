//! The password hash formats of issue 11, each imported with `user import`, refused with a wrong
//! password, logged in with the right one and upgraded to argon2id. Hashes are made at test time
//! by the real libraries and tools (Werkzeug, passlib, Django in the test venv; `mkpasswd`,
//! `openssl passwd`, `htpasswd`), and recorded from them for what the venv cannot hold (Werkzeug
//! before 2.3). Every recorded vector is also checked, with its origin, in the unit tests of
//! `src/domain/hashes/`.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util::{PASSWORD, World, json_error, python};

/// One imported account: its address, its stored hash and authctl's name of the format.
struct Case {
    email: String,
    hash: String,
    scheme: String,
}

fn case(email: &str, hash: &str, scheme: &str) -> Case {
    Case {
        email: email.to_owned(),
        hash: hash.to_owned(),
        scheme: scheme.to_owned(),
    }
}

/// Runs `command` with `input` on stdin; returns its stdout, failing with `install` when the
/// command is missing.
fn run(command: &mut Command, input: &str, install: &str) -> String {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{command:?} cannot run ({e}): {install}"));
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The hashes of `family` made by tests/foreign_hashes.py with the real library.
fn made_by_python(family: &str) -> Vec<Case> {
    let output = run(
        python()
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/foreign_hashes.py"))
            .arg(family),
        &format!("{PASSWORD}\n"),
        "run `scripts/test`, which installs Werkzeug, libpass, bcrypt, argon2-cffi and Django from tests/requirements.txt",
    );
    output
        .lines()
        .map(|line| {
            let row: Value = serde_json::from_str(line).unwrap();
            let field = |key: &str| row[key].as_str().unwrap().to_owned();
            Case {
                email: field("email"),
                hash: field("password_hash"),
                scheme: field("scheme"),
            }
        })
        .collect()
}

/// authctl with this world and extra settings.
fn authctl(world: &World, envs: &[(&str, &str)]) -> assert_cmd::Command {
    let mut command = world.cmd();
    command.envs(envs.iter().copied());
    command
}

/// Imports `cases`, then for each: a wrong password is refused, the right one logs in, and the
/// stored hash is now authctl's argon2id, the rehash audited under the format's name.
fn import_and_log_in(world: &World, envs: &[(&str, &str)], cases: &[Case]) {
    let jsonl: String = cases
        .iter()
        .map(|case| serde_json::json!({ "email": case.email, "password_hash": case.hash }).to_string() + "\n")
        .collect();
    let output = authctl(world, envs)
        .args(["user", "import", "--format", "jsonl"])
        .write_stdin(jsonl)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for case in cases {
        assert_eq!(world.stored_hash(&case.email), case.hash, "taken as it is");
        authctl(world, envs)
            .args(["login", &case.email, "--password-stdin"])
            .write_stdin("wrong horse battery\n")
            .assert()
            .code(1);
        authctl(world, envs)
            .args(["login", &case.email, "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"))
            .assert()
            .success();
        let upgraded = world.stored_hash(&case.email);
        assert!(
            upgraded.starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
            "{} ({}): {upgraded}",
            case.email,
            case.hash
        );
    }
    let audit = world.json(&["audit"]);
    let rehashes: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["event"] == "password_rehashed")
        .map(|row| row["detail"].as_str().unwrap())
        .collect();
    assert_eq!(rehashes.len(), cases.len(), "{rehashes:?}");
    for case in cases {
        assert!(
            rehashes.iter().any(|detail| detail.starts_with(&case.scheme)),
            "no rehash audited as {} in {rehashes:?}",
            case.scheme
        );
    }
}

#[test]
fn werkzeug_hashes_made_by_werkzeug_log_in() {
    let world = World::new();
    import_and_log_in(&world, &[], &made_by_python("werkzeug"));
}

/// Werkzeug before 2.3, which the venv cannot hold beside 3.x: recorded from Werkzeug 2.2.3
/// (`generate_password_hash(PASSWORD, METHOD)`; the unsalted one is its `_hash_internal("sha1",
/// "", PASSWORD)`) and 0.11.15 (the iterations left out, as its documentation shows the format).
#[test]
fn old_werkzeug_hashes_log_in() {
    let world = World::new();
    import_and_log_in(
        &world,
        &[],
        &[
            case(
                "sha1@example.com",
                "sha1$J94uKeCplLkVQVPE$2e9f095424e8b61484b647a185392a1a49262b27",
                "werkzeug-salted",
            ),
            case(
                "md5@example.com",
                "md5$qoTURFk6AF2bWwUb$619f60dc408f2d7e2c8503a7f622b0ed",
                "werkzeug-salted",
            ),
            case(
                "sha256@example.com",
                "sha256$4l4N0L8YfOM6pfoR$725d2fc49a72662623a0380668a485bf53e3165e72895bec9d8d27ffd97f9886",
                "werkzeug-salted",
            ),
            case(
                "unsalted@example.com",
                "sha1$$98decc62ece399a22ed30d490ef333be7fde7385",
                "werkzeug-salted",
            ),
            case(
                "pbkdf2-0.11@example.com",
                "pbkdf2:sha1$m1KVevZr$5fa789213c971a504950c4afe138bf483ee16f34",
                "werkzeug-pbkdf2",
            ),
            case(
                "sha224@example.com",
                "pbkdf2:sha224:1000$VBP3KpgS6QRGIVlZ$c7a7b403647314180482881715456093989e4231571f33cb9f7a90f3",
                "werkzeug-pbkdf2",
            ),
            case(
                "sha384@example.com",
                "pbkdf2:sha384:1000$FqXrMpLuMv0itzoO$f89dcb00cf7d7c9a1a263de1c6815eeae1e0bdc83a0eb2924a5dfac37e2b0904b7513d65767bad9228654aaf8f7533c6",
                "werkzeug-pbkdf2",
            ),
        ],
    );
}

/// `plain$$PASSWORD` holds the password itself: refused at import, naming the line, unless
/// `accept_plaintext_hashes` is on; then it logs in and is upgraded like the others. (Werkzeug
/// 2.2.3's `generate_password_hash(password, "plain")` writes `plain$$` + the password. Its
/// password has no space here: `user import` refuses a `password_hash` holding one.)
#[test]
fn plaintext_rows_need_accept_plaintext_hashes() {
    let world = World::new();
    let password = "correct-horse-battery";
    let stored = format!("plain$${password}");
    let row = serde_json::json!({ "email": "plain@example.com", "password_hash": stored });
    let output = world
        .cmd()
        .args(["--json", "user", "import", "--format", "jsonl"])
        .write_stdin(row.to_string())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = json_error(&output.stderr);
    assert_eq!(error["rows"][0]["line"], 1);
    let message = error["rows"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("holds the password itself, not a hash") && message.contains("accept_plaintext_hashes"),
        "{message}"
    );
    assert!(!message.contains(password), "the password was echoed: {message}");
    assert_eq!(world.user_count(), 0);

    let accepting = [("AUTHCTL_ACCEPT_PLAINTEXT_HASHES", "true")];
    authctl(&world, &accepting)
        .args(["user", "import", "--format", "jsonl"])
        .write_stdin(row.to_string())
        .assert()
        .success();
    let login = |envs: &[(&str, &str)], typed: &str| {
        authctl(&world, envs)
            .args(["login", "plain@example.com", "--password-stdin"])
            .write_stdin(format!("{typed}\n"))
            .assert()
    };
    // Turned off again, the stored row is a wrong password.
    login(&[], password).code(1);
    login(&accepting, "correct-horse-batter").code(1);
    login(&accepting, password).success();
    assert!(world.stored_hash("plain@example.com").starts_with("$argon2id$"));
    login(&[], password).success();
}

#[test]
fn passlib_hashes_made_by_passlib_log_in() {
    let world = World::new();
    import_and_log_in(&world, &[], &made_by_python("passlib"));
}

/// Flask-Security-Too's pre-hashed passwords need its salt: without `passlib_hmac_salt` they
/// are wrong passwords, with it they log in.
#[test]
fn flask_security_hashes_log_in_with_passlib_hmac_salt() {
    let world = World::new();
    let cases = made_by_python("flask-security");
    let jsonl = serde_json::json!({ "email": "unsalted@example.com", "password_hash": cases[0].hash }).to_string();
    world
        .cmd()
        .args(["user", "import", "--format", "jsonl"])
        .write_stdin(jsonl)
        .assert()
        .success();
    world.login("unsalted@example.com", PASSWORD, &[]).code(1);
    authctl(&world, &[("AUTHCTL_PASSLIB_HMAC_SALT", "not the salt")])
        .args(["login", "unsalted@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(1);
    import_and_log_in(&world, &[("AUTHCTL_PASSLIB_HMAC_SALT", "flask-security-salt")], &cases);
}

#[test]
fn django_hashes_made_by_django_log_in() {
    let world = World::new();
    import_and_log_in(&world, &[], &made_by_python("django"));
}

/// `/etc/shadow`, `chpasswd -e` and htpasswd lines, made by the Debian tools that write them.
#[test]
fn unix_crypt_hashes_made_by_mkpasswd_openssl_and_htpasswd_log_in() {
    let world = World::new();
    let input = format!("{PASSWORD}\n");
    let mkpasswd = |args: &[&str]| {
        run(
            Command::new("mkpasswd").args(args).arg("--stdin"),
            &input,
            "the mkpasswd command is missing: run `scripts/test`, which installs it (Debian package whois)",
        )
        .trim()
        .to_owned()
    };
    let openssl = |flag: &str| {
        run(
            Command::new("openssl").args(["passwd", flag, "-stdin"]),
            &input,
            "the openssl command is missing: run `scripts/test`, which installs it (Debian package openssl)",
        )
        .trim()
        .to_owned()
    };
    let htpasswd = |flags: &[&str]| {
        let line = run(
            Command::new("htpasswd").arg("-n").arg("-i").args(flags).arg("user"),
            &input,
            "the htpasswd command is missing: run `scripts/test`, which installs it (Debian package apache2-utils)",
        );
        line.trim().strip_prefix("user:").unwrap().to_owned()
    };
    let cases = [
        ("mkpasswd-md5", mkpasswd(&["-m", "md5crypt"]), "md5-crypt"),
        (
            "mkpasswd-sha256",
            mkpasswd(&["-m", "sha256crypt", "-R", "1000"]),
            "sha256-crypt",
        ),
        ("mkpasswd-sha512", mkpasswd(&["-m", "sha512crypt"]), "sha512-crypt"),
        ("mkpasswd-yescrypt", mkpasswd(&["-m", "yescrypt"]), "yescrypt"),
        ("mkpasswd-bcrypt", mkpasswd(&["-m", "bcrypt", "-R", "4"]), "bcrypt"),
        ("openssl-md5", openssl("-1"), "md5-crypt"),
        ("openssl-apr1", openssl("-apr1"), "apr1-md5"),
        ("openssl-sha256", openssl("-5"), "sha256-crypt"),
        ("openssl-sha512", openssl("-6"), "sha512-crypt"),
        ("htpasswd-apr1", htpasswd(&["-m"]), "apr1-md5"),
        ("htpasswd-bcrypt", htpasswd(&["-B", "-C", "4"]), "bcrypt"),
        ("htpasswd-sha1", htpasswd(&["-s"]), "htpasswd-sha1"),
    ];
    let cases: Vec<Case> = cases
        .iter()
        .map(|(name, hash, scheme)| case(&format!("{name}@example.com"), hash, scheme))
        .collect();
    import_and_log_in(&world, &[], &cases);
}

/// The cost guard covers every new scheme: a hash that would make each later login hang, or
/// take gigabytes, is refused at import naming its line.
#[test]
fn import_refuses_costly_hashes_of_every_family_naming_each_line() {
    let world = World::new();
    let hostile = [
        (
            format!("pbkdf2:sha512:100000000$salt${}", "0".repeat(128)),
            "Werkzeug pbkdf2-sha512 with 100000000 iterations would take about",
        ),
        (
            format!("$pbkdf2-sha256$4000000000$c2FsdA${}", "A".repeat(43)),
            "passlib pbkdf2-sha256 with 4000000000 iterations would take about",
        ),
        (
            format!("$scrypt$ln=20,r=64,p=1$c2FsdA${}", "A".repeat(43)),
            "scrypt N=1048576 r=64 p=1 needs 8 GiB of memory",
        ),
        (
            format!("scrypt$1048576$salt$64$1${}==", "A".repeat(86)),
            "scrypt N=1048576 r=64 p=1 needs 8 GiB of memory",
        ),
        (
            format!("bcrypt$$2b$31${}", &bcrypt::hash("x", 4).unwrap()[7..]),
            "bcrypt cost 31 would take about",
        ),
        (
            format!("$6$rounds=999999999$saltsalt${}", "A".repeat(86)),
            "sha512-crypt with 999999999 rounds would take about",
        ),
        (
            format!("$y$jHT$saltsalt${}", "A".repeat(43)),
            "yescrypt N=1048576 r=32 p=1 t=0 needs 4 GiB of memory",
        ),
    ];
    let jsonl: String = hostile
        .iter()
        .enumerate()
        .map(|(i, (hash, _))| {
            serde_json::json!({ "email": format!("u{i}@example.com"), "password_hash": hash }).to_string() + "\n"
        })
        .collect();
    let output = world
        .cmd()
        .args(["--json", "user", "import", "--format", "jsonl"])
        .write_stdin(jsonl)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = json_error(&output.stderr);
    let rows = error["rows"].as_array().unwrap();
    assert_eq!(rows.len(), hostile.len(), "{error}");
    for (i, (row, (_, expected))) in rows.iter().zip(&hostile).enumerate() {
        assert_eq!(row["line"], i as u64 + 1);
        let message = row["message"].as_str().unwrap();
        assert!(message.contains(expected), "line {}: {message}", i + 1);
    }
    assert_eq!(world.user_count(), 0);
}
