//! `db adopt`: a Flask-Login application's and a Django application's own SQLite database,
//! managed in place, checked against the real libraries (tests/webapp.py drives a Flask-Login
//! application with Flask's test client, and Django's own `authenticate`).
//!
//! The application's database is an SQLite file whatever the engine of the suite: these tests
//! run once, in the SQLite run.

use std::path::Path;

use serde_json::Value;

use crate::engine;
use crate::util::{PASSWORD, World, python, take_mail};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// Runs tests/webapp.py with `args`; returns its exit code and its JSON line.
fn webapp(args: &[&str]) -> (i32, Value) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/webapp.py");
    let output = python().arg(script).args(args).output().unwrap();
    let code = output.status.code().unwrap_or(-1);
    assert!(
        matches!(code, 0 | 1),
        "webapp.py {args:?} exited {code}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let line = String::from_utf8_lossy(&output.stdout);
    (code, serde_json::from_str(line.trim()).unwrap_or(Value::Null))
}

/// A world whose database is a Flask-Login application's (`flask-create` with `options`).
fn flask_world(options: &[&str]) -> (World, String) {
    let world = World::with_sqlite_file("app.sqlite");
    let db = world.db().to_owned();
    let (code, _) = webapp(&[&["flask-create", &db], options].concat());
    assert_eq!(code, 0);
    (world, db)
}

/// Whether the Flask application logs `email` in with `password` (and shows them at /whoami).
fn flask_login(db: &str, email: &str, password: &str, options: &[&str]) -> bool {
    webapp(&[&["flask-login", db, email, password], options].concat()).0 == 0
}

/// What must not change in an application's file: its schema, and the header fields that are
/// not counters of data writes (page size, file format versions, whose journal-mode bytes
/// tell WAL from a rollback journal, the schema cookie and format, encoding, user version,
/// application id).
fn schema_and_header(path: &str) -> (Vec<u8>, Vec<u8>, String) {
    let bytes = std::fs::read(path).unwrap();
    let schema = std::process::Command::new("sqlite3")
        .args([
            path,
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
        ])
        .output()
        .unwrap();
    assert!(schema.status.success());
    (
        bytes[..24].to_vec(),
        bytes[40..92].to_vec(),
        String::from_utf8(schema.stdout).unwrap(),
    )
}

/// Runs `sql` on the application's file with the sqlite3 command line, as its owner would.
fn sqlite(db: &str, sql: &str) {
    let status = std::process::Command::new("sqlite3").args([db, sql]).status().unwrap();
    assert!(status.success(), "sqlite3 {sql}");
}

/// Runs `args` and expects exit `code` with `needle` in the message.
fn refused(world: &World, args: &[&str], code: i32, needle: &str) {
    refused_with(world, args, String::new(), code, needle);
}

/// [`refused`] with `stdin`.
fn refused_with(world: &World, args: &[&str], stdin: impl Into<Vec<u8>>, code: i32, needle: &str) {
    world
        .cmd()
        .args(args)
        .write_stdin(stdin)
        .assert()
        .code(code)
        .stderr(predicates::str::contains(needle));
}

fn adopt(world: &World) -> Value {
    world.json(&["db", "adopt"])
}

fn set_password(world: &World, user: &str, password: &str) {
    world
        .cmd()
        .args(["user", "set-password", user, "--password-stdin"])
        .write_stdin(format!("{password}\n"))
        .assert()
        .success();
}

#[test]
fn a_foreign_database_is_refused_byte_for_byte_unchanged_naming_db_adopt() {
    if engine::is_postgres() {
        return;
    }
    let (world, db) = flask_world(&[]);
    webapp(&["flask-register", &db, "ada@example.com", PASSWORD]);
    let before = std::fs::read(&db).unwrap();
    for args in [&["db", "status"][..], &["user", "list"], &["init"], &["db", "migrate"]] {
        world
            .cmd()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("db adopt"));
    }
    world
        .cmd()
        .args(["login", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&db).unwrap(), before, "the application's file changed");
    assert!(!world.path("app.sqlite.authctl").exists());
    assert!(!world.path("app.sqlite-wal").exists());
}

#[test]
fn adopt_finds_the_table_columns_and_hash_format_and_a_dry_run_records_nothing() {
    if engine::is_postgres() {
        return;
    }
    let (world, db) = flask_world(&[]);
    webapp(&["flask-register", &db, "ada@example.com", PASSWORD, "--username", "ada"]);
    let before = std::fs::read(&db).unwrap();
    let found = world.json(&["db", "adopt", "--dry-run"]);
    assert_eq!(found["table"], "users");
    assert_eq!(found["columns"]["email"], "email");
    assert_eq!(found["columns"]["password"], "password_hash");
    assert_eq!(found["columns"]["confirmed"], "confirmed");
    assert_eq!(found["columns"]["locked"], Value::Null);
    assert_eq!(found["password_scheme"], "werkzeug-scrypt");
    assert_eq!(found["password_scheme_source"], "rows");
    assert_eq!(found["users"], 1);
    assert_eq!(found["recorded"], false);
    let side = world
        .path("app.sqlite.authctl")
        .canonicalize()
        .unwrap_or_else(|_| world.path("app.sqlite.authctl"));
    assert_eq!(found["path"], db);
    assert!(
        found["side_database"].as_str().unwrap().ends_with("app.sqlite.authctl"),
        "{found}"
    );
    assert_eq!(
        (found["replaced"].clone(), found["state_forgotten"].clone()),
        (false.into(), false.into())
    );
    assert!(
        !world.path("app.sqlite.authctl").exists(),
        "a dry run recorded the mapping"
    );
    let text = world.cmd().args(["db", "adopt"]).output().unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("Adopted the table users"), "{text}");
    assert!(text.contains("werkzeug-scrypt"), "{text}");
    assert!(world.path("app.sqlite.authctl").exists());
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "adopting changed the application's file"
    );
    let status = world.json(&["db", "status"]);
    assert_eq!(status["engine"], "sqlite-adopted");
    assert_eq!(status["app"]["table"], "users");
    assert_eq!(status["app"]["password_scheme"], "werkzeug-scrypt");
    assert_eq!(status["app"]["side_database"], side.display().to_string());
    assert_eq!(status["users"], 1);
    let listed = world.json(&["user", "list"]);
    assert_eq!(listed[0]["email"], "ada@example.com");
    assert_eq!(listed[0]["id"], "00000000-0000-0000-0000-000000000001");
    // An unknown address costs what the application's accounts do: its decoy is a stored hash
    // with a zero key.
    let recorded = std::process::Command::new("sqlite3")
        .args([
            world.path("app.sqlite.authctl").to_str().unwrap(),
            "SELECT value FROM meta WHERE key = 'app_mapping'",
        ])
        .output()
        .unwrap();
    let recorded: Value = serde_json::from_slice(&recorded.stdout).unwrap();
    let decoy = recorded["decoy"].as_str().unwrap();
    assert!(
        decoy.starts_with("scrypt:32768:8:1$") && decoy.ends_with(&"0".repeat(128)),
        "{decoy}"
    );
    // Adopting again replaces the mapping.
    assert_eq!(adopt(&world)["replaced"], true);
}

#[test]
fn adopt_names_what_it_cannot_find() {
    if engine::is_postgres() {
        return;
    }
    let world = World::with_sqlite_file("app.sqlite");
    let db = world.db().to_owned();
    let sql = "CREATE TABLE members (id INTEGER PRIMARY KEY, mail TEXT, secret TEXT, role_id INTEGER NOT NULL);";
    sqlite(&db, sql);
    let refused_by = |config: &str, needle: &str| {
        std::fs::write(world.path("config.toml"), config).unwrap();
        refused(&world, &["--config", "config.toml", "db", "adopt"], 2, needle);
        assert!(!world.path("app.sqlite.authctl").exists());
    };
    refused_by("", "none of the tables users, user, auth_user (its tables: members)");
    refused_by("[app]\ntable = \"people\"\n", "no such table");
    refused_by("[app]\ntable = \"members\"\n", "no email column");
    refused_by(
        "[app]\ntable = \"members\"\nemail_column = \"email\"\n",
        "names the column email (email_column)",
    );
    refused_by(
        "[app]\ntable = \"members\"\nemail_column = \"mail\"\npassword_column = \"secret\"\n",
        "NOT NULL columns without a default that authctl does not fill: role_id",
    );
    refused_by(
        "[app]\ntable = \"members\"\nfavourite_colour = \"blue\"\n",
        "Unknown key 'favourite_colour'",
    );
    std::fs::write(
        world.path("config.toml"),
        "[app]\ntable = \"members\"\nemail_column = \"mail\"\npassword_column = \"secret\"\n\
         password_scheme = \"werkzeug-pbkdf2\"\n[app.defaults]\nrole_id = 3\n",
    )
    .unwrap();
    let found = world.json(&["--config", "config.toml", "db", "adopt"]);
    assert_eq!(found["password_scheme_source"], "config");
    assert_eq!(found["defaults"]["role_id"], 3);
    world.add_user("ada@example.com");
    let row = std::process::Command::new("sqlite3")
        .args([&db, "SELECT role_id, substr(secret, 1, 22) FROM members"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(row.stdout).unwrap().trim(),
        "3|pbkdf2:sha256:1000000$"
    );
    // A command the table has no column for is refused by name, and changes nothing.
    refused(
        &world,
        &["user", "lock", "ada@example.com"],
        2,
        "neither a locked nor an active column",
    );
}

/// Every command of the everyday jobs, in place, checked by the Flask-Login application itself;
/// the application's schema and header stay as they were.
#[test]
fn a_flask_login_application_accepts_what_authctl_does_in_place() {
    if engine::is_postgres() {
        return;
    }
    let active = ["--active-column"];
    let (world, db) = flask_world(&active);
    webapp(&[
        "flask-register",
        &db,
        "bob@example.com",
        PASSWORD,
        "--username",
        "bob",
        "--active-column",
    ]);
    let before = schema_and_header(&db);
    adopt(&world);

    // An account added by authctl logs in to the web application.
    world.add_user_with("ada@example.com", &["--username", "ada"]);
    assert!(flask_login(
        &db,
        "ada@example.com",
        PASSWORD,
        &["--active-column", "--remember"]
    ));
    // One registered through the web application logs in with authctl.
    world.login("bob@example.com", PASSWORD, &["--remember"]).success();
    assert_eq!(world.json(&["whoami"])["user"]["email"], "bob@example.com");

    // set-password, passwd and reset confirm: the new password works, the old does not.
    set_password(&world, "ada@example.com", NEW_PASSWORD);
    assert!(flask_login(&db, "ada@example.com", NEW_PASSWORD, &active));
    assert!(!flask_login(&db, "ada@example.com", PASSWORD, &active));
    world
        .cmd()
        .args(["passwd", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n{NEW_PASSWORD}\n"))
        .assert()
        .success();
    assert!(flask_login(&db, "bob@example.com", NEW_PASSWORD, &active));
    assert!(!flask_login(&db, "bob@example.com", PASSWORD, &active));
    world
        .cmd()
        .args(["reset", "request", "ada@example.com"])
        .assert()
        .success();
    let token = take_mail(&world.path("mail"))
        .into_iter()
        .find(|mail| mail.is_to("ada@example.com"))
        .expect("a reset message")
        .token("reset confirm");
    world
        .cmd()
        .args(["reset", "confirm", &token, "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    assert!(flask_login(&db, "ada@example.com", PASSWORD, &active));
    assert!(!flask_login(&db, "ada@example.com", NEW_PASSWORD, &active));

    // email change and confirm: the web application knows the account by its new address.
    world.login("ada@example.com", PASSWORD, &[]).success();
    world
        .cmd()
        .args(["email", "change", "ada.new@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    let token = take_mail(&world.path("mail"))
        .into_iter()
        .find(|mail| mail.is_to("ada.new@example.com"))
        .expect("a message to the new address")
        .token("email confirm");
    world.cmd().args(["email", "confirm", &token]).assert().success();
    assert!(flask_login(&db, "ada.new@example.com", PASSWORD, &active));
    assert!(!flask_login(&db, "ada@example.com", PASSWORD, &active));

    // A locked account is refused by the web application (through its active column).
    world
        .cmd()
        .args(["user", "lock", "ada.new@example.com"])
        .assert()
        .success();
    assert!(!flask_login(&db, "ada.new@example.com", PASSWORD, &active));
    world
        .cmd()
        .args(["user", "unlock", "ada.new@example.com"])
        .assert()
        .success();
    assert!(flask_login(&db, "ada.new@example.com", PASSWORD, &active));

    // The application's foreign keys hold: bob wrote a post, so he cannot be removed.
    assert_eq!(
        webapp(&[
            "flask-post",
            &db,
            "bob@example.com",
            NEW_PASSWORD,
            "hello",
            "--active-column"
        ])
        .0,
        0
    );
    refused(&world, &["user", "remove", "bob@example.com", "--yes"], 5, "reference");
    assert!(flask_login(&db, "bob@example.com", NEW_PASSWORD, &active));
    world
        .cmd()
        .args(["user", "remove", "ada.new@example.com", "--yes"])
        .assert()
        .success();
    assert!(!flask_login(&db, "ada.new@example.com", PASSWORD, &active));

    // The read-only commands and the rest, in place.
    world.login("bob@example.com", NEW_PASSWORD, &[]).success();
    world.cmd().args(["user", "list"]).assert().success();
    world.cmd().args(["user", "export"]).assert().success();
    world.cmd().args(["audit"]).assert().success();
    world.cmd().args(["session", "list"]).assert().success();
    world
        .cmd()
        .args(["session", "revoke", "--all-others"])
        .assert()
        .success();
    world.cmd().args(["user", "show", "bob"]).assert().success();
    world
        .cmd()
        .args(["user", "verify", "bob", "--password-stdin"])
        .write_stdin(format!("{NEW_PASSWORD}\n"))
        .assert()
        .success();
    world
        .cmd()
        .args(["user", "edit", "bob", "--username", "robert"])
        .assert()
        .success();
    assert!(flask_login(&db, "bob@example.com", NEW_PASSWORD, &active));
    world.cmd().args(["confirm", "resend"]).assert().success();
    world
        .cmd()
        .args(["user", "import", "--format", "csv", "-"])
        .write_stdin(format!("email,password\ncy@example.com,{PASSWORD}\n"))
        .assert()
        .success();
    assert!(flask_login(&db, "cy@example.com", PASSWORD, &active));
    world
        .cmd()
        .args(["audit", "prune", "--before", "1d", "--yes"])
        .assert()
        .success();
    world.cmd().args(["logout"]).assert().success();
    // A password changed through the web application: authctl logs in with the new one, and
    // its sessions of the account made before the change count no more.
    world.login("bob@example.com", NEW_PASSWORD, &[]).success();
    let changed = webapp(&[
        "flask-change-password",
        &db,
        "bob@example.com",
        NEW_PASSWORD,
        PASSWORD,
        "--active-column",
    ]);
    assert_eq!(changed.0, 0, "{}", changed.1);
    world.cmd().args(["whoami"]).assert().code(3);
    world.login("bob@example.com", PASSWORD, &[]).success();
    world.cmd().args(["db", "status"]).assert().success();
    world.cmd().args(["db", "migrate"]).assert().success();
    world
        .cmd()
        .arg("init")
        .assert()
        .success()
        .stdout(predicates::str::contains("adds nothing to it"));
    world.cmd().args(["db", "backup", "copy.db"]).assert().code(2);
    assert_eq!(
        schema_and_header(&db),
        before,
        "the application's schema or header changed"
    );
    assert!(!world.path("app.sqlite-wal").exists());
}

#[test]
fn login_upgrades_an_old_hash_to_the_application_s_own_format() {
    if engine::is_postgres() {
        return;
    }
    let (world, db) = flask_world(&[]);
    webapp(&["flask-register", &db, "bob@example.com", PASSWORD]);
    adopt(&world);
    // An account whose hash Werkzeug wrote long ago, with 1000 pbkdf2 rounds.
    let made = python()
        .args([
            "-c",
            "import sys; from werkzeug.security import generate_password_hash as g; \
             print(g(sys.argv[1], method='pbkdf2:sha256:1000'))",
            PASSWORD,
        ])
        .output()
        .unwrap();
    assert!(made.status.success());
    let hash = String::from_utf8(made.stdout).unwrap().trim().to_owned();
    assert!(hash.starts_with("pbkdf2:sha256:1000$"), "{hash}");
    let sql = format!("UPDATE users SET password_hash = '{hash}'");
    assert!(
        std::process::Command::new("sqlite3")
            .args([&db, &sql])
            .status()
            .unwrap()
            .success()
    );
    world.login("bob@example.com", PASSWORD, &[]).success();
    let stored = world.stored_hash("bob@example.com");
    assert!(stored.starts_with("scrypt:32768:8:1$"), "{stored}");
    assert!(flask_login(&db, "bob@example.com", PASSWORD, &[]));
}

/// Django's `auth_user`: passwords authctl sets are accepted by Django's own `authenticate`,
/// and its deferred foreign keys refuse removing an account that a group references.
#[test]
fn django_accepts_the_passwords_authctl_sets() {
    if engine::is_postgres() {
        return;
    }
    let world = World::with_sqlite_file("django.sqlite");
    let db = world.db().to_owned();
    assert_eq!(webapp(&["django-create", &db]).0, 0);
    assert_eq!(
        webapp(&["django-add", &db, "grace", "grace@example.com", PASSWORD]).0,
        0
    );
    let found = adopt(&world);
    assert_eq!(found["table"], "auth_user");
    assert_eq!(found["columns"]["password"], "password");
    assert_eq!(found["columns"]["active"], "is_active");
    assert_eq!(found["password_scheme"], "django-pbkdf2-sha256");
    world.add_user_with("alice@example.com", &["--username", "alice"]);
    let (code, checked) = webapp(&["django-check", &db, "alice", PASSWORD]);
    assert_eq!(code, 0, "{checked}");
    assert_eq!(checked["must_update"], false);
    set_password(&world, "alice", NEW_PASSWORD);
    assert_eq!(webapp(&["django-check", &db, "alice", NEW_PASSWORD]).0, 0);
    assert_eq!(webapp(&["django-check", &db, "alice", PASSWORD]).0, 1);
    // An account Django made logs in with authctl.
    world.login("grace@example.com", PASSWORD, &[]).success();
    // Locking deactivates: Django refuses the account.
    world.cmd().args(["user", "lock", "alice"]).assert().success();
    assert_eq!(webapp(&["django-check", &db, "alice", NEW_PASSWORD]).0, 1);
    world.cmd().args(["user", "unlock", "alice"]).assert().success();
    // A group membership references grace: removing her is refused and changes nothing.
    assert_eq!(webapp(&["django-add-to-group", &db, "grace", "staff"]).0, 0);
    refused(&world, &["user", "remove", "grace", "--yes"], 5, "reference");
    assert_eq!(webapp(&["django-check", &db, "grace", PASSWORD]).0, 0);
    world
        .cmd()
        .args(["user", "remove", "alice", "--yes"])
        .assert()
        .success();
    assert_eq!(webapp(&["django-check", &db, "alice", NEW_PASSWORD]).0, 1);
}

/// `user import` into an application's table: plaintext passwords hashed in its format, hashes
/// it cannot verify refused by row, and the accounts log in to the web application.
#[test]
fn an_import_writes_only_what_the_application_can_verify() {
    if engine::is_postgres() {
        return;
    }
    let (world, db) = flask_world(&[]);
    adopt(&world);
    let argon2 = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g";
    let rows = format!("email,password,password_hash\nada@example.com,{PASSWORD},\nbob@example.com,,\"{argon2}\"\n");
    refused_with(
        &world,
        &["user", "import", "--format", "csv", "-"],
        rows,
        2,
        "which the application cannot verify",
    );
    assert_eq!(world.user_count(), 0, "a refused import wrote rows");
    world
        .cmd()
        .args(["user", "import", "--format", "csv", "-"])
        .write_stdin(format!("email,password\nada@example.com,{PASSWORD}\n"))
        .assert()
        .success();
    assert!(world.stored_hash("ada@example.com").starts_with("scrypt:32768:8:1$"));
    assert!(flask_login(&db, "ada@example.com", PASSWORD, &[]));
}

/// Several authctl processes and the web application write the application's file at once:
/// nothing fails with "database is locked" and nothing is lost.
#[test]
fn concurrent_commands_and_the_web_application_all_get_through() {
    if engine::is_postgres() {
        return;
    }
    let (world, db) = flask_world(&[]);
    adopt(&world);
    std::thread::scope(|scope| {
        let adds: Vec<_> = (0..6)
            .map(|i| {
                let world = &world;
                scope.spawn(move || {
                    world
                        .cmd()
                        .args(["user", "add", &format!("u{i}@example.com"), "--password-stdin"])
                        .write_stdin(format!("{PASSWORD}\n"))
                        .output()
                        .unwrap()
                })
            })
            .collect();
        let web: Vec<_> = (0..3)
            .map(|i| {
                let db = &db;
                scope.spawn(move || webapp(&["flask-register", db, &format!("w{i}@example.com"), PASSWORD]).0)
            })
            .collect();
        for add in adds {
            let output = add.join().unwrap();
            assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        }
        for registered in web {
            assert_eq!(registered.join().unwrap(), 0);
        }
    });
    assert_eq!(world.user_count(), 9);
    assert!(flask_login(&db, "u3@example.com", PASSWORD, &[]));
}

/// Defect found in review: SQLite gives a deleted account's id to the next one. The new
/// account must not inherit the old one's session or reset token.
#[test]
fn an_id_the_application_reuses_inherits_no_session_and_no_token() {
    if engine::is_postgres() {
        return;
    }
    let (world, db) = flask_world(&[]);
    webapp(&["flask-register", &db, "alice@example.com", PASSWORD]);
    webapp(&["flask-register", &db, "mallory@example.com", PASSWORD]);
    adopt(&world);
    world.login("mallory@example.com", PASSWORD, &["--remember"]).success();
    world
        .cmd()
        .args(["reset", "request", "mallory@example.com"])
        .assert()
        .success();
    let token = take_mail(&world.path("mail"))
        .pop()
        .expect("a reset message")
        .token("reset confirm");
    let sql = "DELETE FROM users WHERE email = 'mallory@example.com'";
    sqlite(&db, sql);
    webapp(&["flask-register", &db, "victim@example.com", PASSWORD]);
    assert_eq!(
        world.json(&["user", "show", "victim@example.com"])["id"],
        "00000000-0000-0000-0000-000000000002"
    );
    world.cmd().args(["whoami"]).assert().code(3);
    world
        .cmd()
        .args(["reset", "confirm", &token, "--password-stdin"])
        .write_stdin(format!("{NEW_PASSWORD}\n"))
        .assert()
        .code(1);
    assert!(flask_login(&db, "victim@example.com", PASSWORD, &[]));
    // Nor an account the application makes again with the same address (second review).
    world.login("victim@example.com", PASSWORD, &["--remember"]).success();
    let sql = "DELETE FROM users WHERE email = 'victim@example.com'";
    sqlite(&db, sql);
    webapp(&["flask-register", &db, "victim@example.com", NEW_PASSWORD]);
    world.cmd().args(["whoami"]).assert().code(3);
}

/// Defects found in review: addresses the application stores lower-cased are written so; an
/// address two accounts share (Django does not make them unique) names neither; a row without
/// an address lists; a Django account needs its NOT NULL username.
#[test]
fn addresses_are_stored_and_matched_as_the_application_needs() {
    if engine::is_postgres() {
        return;
    }
    let (world, db) = flask_world(&[]);
    webapp(&["flask-register", &db, "ada@example.com", PASSWORD]);
    assert_eq!(adopt(&world)["lowercase_emails"], true);
    world.add_user("Bob@Example.com");
    assert!(flask_login(&db, "bob@example.com", PASSWORD, &[]));
    // What a command answers is what the application's table holds.
    let edited = world.json(&["user", "edit", "bob@example.com", "--email", "Robert@Example.com"]);
    assert_eq!(edited["email"], "robert@example.com", "{edited}");
    sqlite(&db, "INSERT INTO users (username) VALUES ('phone-only')");
    sqlite(
        &db,
        "INSERT INTO users (email, username, password_hash) VALUES (x'6140622eff', CAST(x'4a6fe9' AS TEXT), x'00ff')",
    );
    // Rows without an address, or with bytes that are not text, list and fail no look-up.
    assert_eq!(world.json(&["user", "list"]).as_array().unwrap().len(), 4);
    world.cmd().args(["user", "export"]).assert().success();
    world.login("ada@example.com", PASSWORD, &[]).success();

    let world = World::with_sqlite_file("django.sqlite");
    let db = world.db().to_owned();
    webapp(&["django-create", &db]);
    webapp(&["django-add", &db, "admin", "shared@example.com", PASSWORD]);
    webapp(&["django-add", &db, "intern", "Shared@Example.com", PASSWORD]);
    adopt(&world);
    refused_with(
        &world,
        &["user", "set-password", "shared@example.com", "--password-stdin"],
        format!("{NEW_PASSWORD}\n"),
        2,
        "Several accounts",
    );
    assert_eq!(webapp(&["django-check", &db, "admin", PASSWORD]).0, 0);
    // Nor does an import's update pick one of them (second review).
    refused_with(
        &world,
        &["user", "import", "--format", "csv", "--on-conflict", "update", "-"],
        "email,active\nshared@example.com,false\n",
        2,
        "Several accounts",
    );
    assert_eq!(webapp(&["django-check", &db, "admin", PASSWORD]).0, 0);
    set_password(&world, "intern", NEW_PASSWORD);
    assert_eq!(webapp(&["django-check", &db, "intern", NEW_PASSWORD]).0, 0);
    refused_with(
        &world,
        &["user", "add", "new@example.com", "--password-stdin"],
        format!("{PASSWORD}\n"),
        2,
        "needs a username for every account",
    );
}

/// Defect found in review: without a locked column, a lock is kept through the active column;
/// it shows as a lock, and unlocking reactivates only what authctl locked.
#[test]
fn a_lock_through_the_active_column_shows_and_undoes_only_itself() {
    if engine::is_postgres() {
        return;
    }
    let (world, db) = flask_world(&["--active-column"]);
    webapp(&["flask-register", &db, "ada@example.com", PASSWORD, "--active-column"]);
    webapp(&["flask-register", &db, "ban@example.com", PASSWORD, "--active-column"]);
    adopt(&world);
    world.cmd().args(["user", "lock", "ada@example.com"]).assert().success();
    let shown = world.json(&["user", "show", "ada@example.com"]);
    assert_eq!(
        (shown["locked"].clone(), shown["active"].clone()),
        (Value::Bool(true), Value::Bool(false))
    );
    assert_eq!(world.json(&["user", "list", "--locked"]).as_array().unwrap().len(), 1);
    world
        .cmd()
        .args(["user", "unlock", "ada@example.com"])
        .assert()
        .success();
    assert!(flask_login(&db, "ada@example.com", PASSWORD, &["--active-column"]));
    // Deactivated by the application: unlocking leaves it so.
    let sql = "UPDATE users SET active = 0 WHERE email = 'ban@example.com'";
    sqlite(&db, sql);
    world
        .cmd()
        .args(["user", "unlock", "ban@example.com"])
        .assert()
        .success();
    assert_eq!(world.json(&["user", "show", "ban@example.com"])["active"], false);
    // Nor does locking and unlocking it (second review).
    world.cmd().args(["user", "lock", "ban@example.com"]).assert().success();
    world
        .cmd()
        .args(["user", "unlock", "ban@example.com"])
        .assert()
        .success();
    assert_eq!(world.json(&["user", "show", "ban@example.com"])["active"], false);
}

/// Defects found in review: a WAL application keeps its journal mode and is left without
/// stray -wal/-shm files, even by a dry run; the side database given as --db is refused.
#[test]
fn a_wal_application_file_stays_as_it_was_and_the_side_file_is_not_a_database() {
    if engine::is_postgres() {
        return;
    }
    let (world, db) = flask_world(&[]);
    let wal = std::process::Command::new("sqlite3")
        .args([&db, "PRAGMA journal_mode=WAL"])
        .output()
        .unwrap();
    assert!(wal.status.success());
    world.json(&["db", "adopt", "--dry-run"]);
    assert!(!world.path("app.sqlite-wal").exists() && !world.path("app.sqlite-shm").exists());
    adopt(&world);
    world.add_user("ada@example.com");
    assert!(flask_login(&db, "ada@example.com", PASSWORD, &[]));
    let header = std::fs::read(&db).unwrap();
    assert_eq!(header[18..20], [2, 2], "the application's file left WAL mode");
    refused(&world, &["--db", "app.sqlite.authctl", "user", "list"], 2, "use --db");
}

/// Defect found in review: a reader that holds the application's file while its output waits
/// (a pager, a full pipe) would make the web application's writes fail with "database is
/// locked". A listing of an adopted file in a rollback-journal mode is read whole first.
#[test]
fn a_listing_waiting_on_its_reader_does_not_hold_the_web_application_back() {
    if engine::is_postgres() {
        return;
    }
    let (world, db) = flask_world(&[]);
    sqlite(
        &db,
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) \
         INSERT INTO users (email, username, password_hash, confirmed) \
         SELECT 'user' || i || '@example.com', 'user' || i, 'x', 1 FROM n",
    );
    adopt(&world);
    // Nobody reads its output: it fills the pipe and waits.
    let mut list = world
        .std_cmd()
        .args(["user", "list"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let registered = webapp(&["flask-register", &db, "late@example.com", PASSWORD]).0;
    list.kill().unwrap();
    list.wait().unwrap();
    assert_eq!(
        registered, 0,
        "the web application could not write while the listing waited"
    );
}

/// Found in a new user's trial: a configured scheme the application cannot verify is refused;
/// adopting another table, which forgets authctl's state of the recorded one, needs --yes; a
/// symbolic link to the application's file finds the same side database.
#[test]
fn adopting_again_is_deliberate_and_a_link_finds_the_same_state() {
    if engine::is_postgres() {
        return;
    }
    let (world, db) = flask_world(&[]);
    webapp(&["flask-register", &db, "ada@example.com", PASSWORD]);
    let config = |text: &str| std::fs::write(world.path("config.toml"), text).unwrap();
    config("[app]\npassword_scheme = \"django-argon2\"\n");
    refused(
        &world,
        &["--config", "config.toml", "db", "adopt"],
        2,
        "could not verify",
    );
    config("");
    world
        .cmd()
        .args(["--config", "config.toml", "db", "adopt"])
        .assert()
        .success();
    world.login("ada@example.com", PASSWORD, &[]).success();
    sqlite(
        &db,
        "CREATE TABLE members (id INTEGER PRIMARY KEY, email TEXT, password_hash TEXT)",
    );
    config("[app]\ntable = \"members\"\n");
    refused(&world, &["--config", "config.toml", "db", "adopt"], 2, "--yes");
    world.json(&["whoami"]);
    let dry = world.json(&["--config", "config.toml", "db", "adopt", "--dry-run"]);
    assert_eq!(dry["state_forgotten"], true);
    let adopted = world.json(&["--config", "config.toml", "db", "adopt", "--yes"]);
    assert_eq!(
        (adopted["table"].clone(), adopted["state_forgotten"].clone()),
        ("members".into(), true.into())
    );
    world.cmd().args(["whoami"]).assert().code(3);
    std::os::unix::fs::symlink(&db, world.path("link.sqlite")).unwrap();
    let status = world.json(&["--db", "link.sqlite", "db", "status"]);
    assert_eq!(status["app"]["table"], "members");
}

/// Runs `code` with the test environment's Python and `args`; returns its stdout, trimmed.
fn python_says(code: &str, args: &[&str]) -> (bool, String) {
    let output = python().arg("-c").arg(code).args(args).output().unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap().trim().to_owned(),
    )
}

/// An application table of `users (id, email, password_hash)` whose one account has a hash of
/// [`PASSWORD`] made by Python's `hasher` expression (of `p`, the password).
fn table_with_hash(world: &World, hasher: &str) -> String {
    let db = world.db().to_owned();
    sqlite(
        &db,
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, password_hash TEXT)",
    );
    let code = format!(
        "import sys, sqlite3, bcrypt, argon2; p = sys.argv[2]; c = sqlite3.connect(sys.argv[1]); \
         c.execute('INSERT INTO users (email, password_hash) VALUES (?, ?)', ('old@example.com', {hasher})); c.commit()"
    );
    python_says(&code, &[&db, PASSWORD]);
    db
}

/// Found in the third review: a bcrypt application's passwords must fit bcrypt's 72 bytes
/// (Python's bcrypt 5 refuses longer ones at login); an argon2-cffi application's own hashes
/// are current (argon2-cffi upgrades them itself); Werkzeug pbkdf2 hashes without their count
/// are not imported into a Werkzeug application.
#[test]
fn bcrypt_and_argon2_applications_verify_what_authctl_writes() {
    if engine::is_postgres() {
        return;
    }
    const BCRYPT_CHECK: &str = "import sys, sqlite3, bcrypt; h = sqlite3.connect(sys.argv[1]).execute(\
        'SELECT password_hash FROM users WHERE email = ?', (sys.argv[2],)).fetchone()[0]; \
        sys.exit(0 if bcrypt.checkpw(sys.argv[3].encode(), h.encode()) else 1)";
    let world = World::with_sqlite_file("bcrypt.sqlite");
    let db = table_with_hash(&world, "bcrypt.hashpw(p.encode(), bcrypt.gensalt(12)).decode()");
    assert_eq!(adopt(&world)["password_scheme"], "bcrypt");
    world.add_user("new@example.com");
    assert!(python_says(BCRYPT_CHECK, &[&db, "new@example.com", PASSWORD]).0);
    refused_with(
        &world,
        &["user", "add", "eve@example.com", "--password-stdin"],
        format!("{}\n", "a long passphrase ".repeat(5)),
        2,
        "at most 72 bytes",
    );

    let world = World::with_sqlite_file("argon2.sqlite");
    let db = table_with_hash(&world, "argon2.PasswordHasher().hash(p)");
    assert_eq!(adopt(&world)["password_scheme"], "argon2");
    let before = world.stored_hash("old@example.com");
    world.login("old@example.com", PASSWORD, &[]).success();
    assert_eq!(
        world.stored_hash("old@example.com"),
        before,
        "authctl rewrote argon2-cffi's own hash"
    );
    world.add_user("new@example.com");
    let argon2_check = "import sys, sqlite3, argon2; h = sqlite3.connect(sys.argv[1]).execute(\
        'SELECT password_hash FROM users WHERE email = ?', (sys.argv[2],)).fetchone()[0]; \
        argon2.PasswordHasher().verify(h, sys.argv[3])";
    assert!(python_says(argon2_check, &[&db, "new@example.com", PASSWORD]).0);

    let (world, _) = flask_world(&[]);
    adopt(&world);
    let omitted = "pbkdf2:sha256$saltsalt$0000000000000000000000000000000000000000000000000000000000000000";
    refused_with(
        &world,
        &["user", "import", "--format", "csv", "-"],
        format!("email,password_hash\nimp@example.com,{omitted}\n"),
        2,
        "without its iteration count",
    );
}

/// Flask-SQLAlchemy's default table name, `user` (an SQL keyword, quoted everywhere): a
/// database that native mode refused, adopted and used in place.
#[test]
fn a_table_named_user_is_adopted_too() {
    if engine::is_postgres() {
        return;
    }
    let (world, db) = flask_world(&["--table", "user"]);
    webapp(&["flask-register", &db, "ada@example.com", PASSWORD, "--table", "user"]);
    let before = std::fs::read(&db).unwrap();
    refused(&world, &["db", "status"], 2, "db adopt");
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "native mode changed the application's file"
    );
    assert_eq!(adopt(&world)["table"], "user");
    world.add_user("bob@example.com");
    assert!(flask_login(&db, "bob@example.com", PASSWORD, &["--table", "user"]));
    world.login("ada@example.com", PASSWORD, &[]).success();
}

/// Found in the third review: an import row the application's table cannot hold (it needs a
/// column the table lacks) is that row's problem, by line, not the end of the whole import.
#[test]
fn an_import_row_the_table_cannot_hold_is_rejected_by_line() {
    if engine::is_postgres() {
        return;
    }
    let (world, _) = flask_world(&[]);
    adopt(&world);
    let rows = format!("email,password,active\nc1@example.com,{PASSWORD},true\nc2@example.com,{PASSWORD},false\n");
    refused_with(
        &world,
        &["user", "import", "--format", "csv", "-"],
        rows.clone(),
        2,
        "line 3",
    );
    assert_eq!(world.user_count(), 0);
    world
        .cmd()
        .args(["user", "import", "--format", "csv", "--rejects", "rejected.csv", "-"])
        .write_stdin(rows)
        .assert()
        .code(8);
    assert_eq!(world.user_count(), 1);
    let rejected = std::fs::read_to_string(world.path("rejected.csv")).unwrap();
    assert!(
        rejected.contains("c2@example.com") && rejected.contains("active column"),
        "{rejected}"
    );
}
