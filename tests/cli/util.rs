//! Test helpers: a private directory per test, and the built binary run in it as a user would.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use authctl::storage::postgres::PostgresStore;
use authctl::storage::sqlite::SqliteStore;
use authctl::storage::{Engine, SchemaCheck};
use serde_json::Value;
use tempfile::TempDir;

use crate::engine;

/// A password that passes the policy.
pub const PASSWORD: &str = "correct horse battery";

/// One test's world: its own HOME, XDG directories, database and session file. The database is
/// an SQLite file in the test's directory, or a fresh PostgreSQL database when the suite runs with
/// `AUTHCTL_TEST_ENGINE=postgres` (see [`crate::engine`]).
pub struct World {
    pub dir: TempDir,
    db: String,
}

impl World {
    /// A world with its database made, as a user's would be after `authctl init`.
    pub fn new() -> Self {
        let world = World::without_database();
        world.cmd().arg("init").assert().success();
        world
    }

    /// A world whose database was never made (`authctl init` not run).
    pub fn without_database() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = if engine::is_postgres() {
            engine::fresh_postgres_database()
        } else {
            dir.path().join("authctl.db").display().to_string()
        };
        World { dir, db }
    }

    /// A world whose database is the SQLite file `name` in its directory, on either engine's
    /// run: an application's own database, for the tests of `db adopt`.
    pub fn with_sqlite_file(name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join(name).display().to_string();
        World { dir, db }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The `db` setting of this world: the SQLite file or the PostgreSQL URL.
    pub fn db(&self) -> &str {
        &self.db
    }

    /// Whether this world's database is an SQLite file. Tests about the file itself (its bytes,
    /// its permissions, its WAL, SQLite's locks) run only then, and are named `sqlite_…`.
    pub fn is_sqlite(&self) -> bool {
        !engine::is_postgres()
    }

    /// The SQLite file of this world, for the tests about the file itself.
    pub fn db_file(&self) -> PathBuf {
        assert!(self.is_sqlite(), "a test about the SQLite file ran on PostgreSQL");
        PathBuf::from(&self.db)
    }

    pub fn session_file(&self) -> PathBuf {
        self.path("session")
    }

    /// authctl with an empty environment but for PATH, this world's HOME and XDG directories,
    /// its database and session file, cheap argon2 parameters and no failed-login delay.
    pub fn bare(&self) -> Command {
        Command::from_std(self.bare_std())
    }

    /// [`World::bare`] as a plain process, for a test that spawns it and reads it while it runs.
    fn bare_std(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_authctl"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("AUTHCTL_ARGON2_MEMORY_KIB", "64")
            .env("AUTHCTL_ARGON2_ITERATIONS", "1")
            .env("AUTHCTL_LOGIN_FAILURE_DELAY", "0s")
            .current_dir(self.dir.path());
        cmd
    }

    /// [`World::bare`] with this world's database and session file.
    pub fn cmd(&self) -> Command {
        Command::from_std(self.std_cmd())
    }

    /// [`World::cmd`] as a plain process, for a test that spawns it and reads it while it runs.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = self.bare_std();
        cmd.env("AUTHCTL_DB", &self.db)
            .env("AUTHCTL_SESSION_FILE", self.session_file());
        cmd
    }

    /// Runs `args` with `--json`, expects success, and returns the parsed stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let output = self.cmd().arg("--json").args(args).output().unwrap();
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// Registers ada@example.com (password [`PASSWORD`]) with `--send-confirmation`; returns the
    /// confirmation token of the one message mailed.
    pub fn register_with_confirmation(&self) -> String {
        self.cmd()
            .args([
                "user",
                "add",
                "ada@example.com",
                "--send-confirmation",
                "--password-stdin",
            ])
            .write_stdin(format!("{PASSWORD}\n"))
            .assert()
            .success();
        let mail = take_mail(&self.mail_dir());
        assert_eq!(mail.len(), 1, "expected exactly one message");
        mail[0].token("confirm")
    }

    /// Adds a user with [`PASSWORD`] and returns its id.
    pub fn add_user(&self, email: &str) -> String {
        self.add_user_with(email, &[])
    }

    /// Adds `email` with password [`PASSWORD`] and `extra` arguments of `user add` (such as
    /// `--username NAME`); returns its id.
    pub fn add_user_with(&self, email: &str, extra: &[&str]) -> String {
        let output = self
            .cmd()
            .args(["user", "add", email, "--password-stdin"])
            .args(extra)
            .write_stdin(format!("{PASSWORD}\n"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    /// Logs in with `password` (and extra arguments such as `--remember`).
    pub fn login(&self, email: &str, password: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
        self.cmd()
            .args(["login", email, "--password-stdin"])
            .args(extra)
            .write_stdin(format!("{password}\n"))
            .assert()
    }

    /// Where `file:` mail goes by default: beside the SQLite file, or for PostgreSQL in the data
    /// directory.
    pub fn mail_dir(&self) -> PathBuf {
        if self.is_sqlite() {
            self.path("mail")
        } else {
            self.path("data/authctl/mail")
        }
    }

    /// The stored password hash of `email`, as `user export` shows it.
    pub fn stored_hash(&self, email: &str) -> String {
        let output = self
            .cmd()
            .args(["user", "export", "--format", "jsonl"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .find(|row| row["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email)))
            .and_then(|row| row["password_hash"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no hash for {email} in the export"))
    }

    /// How many users `user list` shows.
    pub fn user_count(&self) -> usize {
        self.json(&["user", "list"]).as_array().unwrap().len()
    }

    /// Adds `count` users without passwords (u1@example.com …), in one import: fast on either
    /// engine.
    pub fn add_many_users(&self, count: usize) {
        let rows: String = (1..=count).map(|i| format!("u{i}@example.com\n")).collect();
        self.cmd()
            .args(["user", "import", "--format", "csv", "-"])
            .write_stdin(format!("email\n{rows}"))
            .assert()
            .success();
    }

    /// This world's database through the storage traits, for what the CLI does not show.
    pub fn store(&self) -> Engine {
        let timeout = Duration::from_secs(10);
        if self.is_sqlite() {
            Engine::Sqlite(SqliteStore::open(&self.db_file(), timeout, SchemaCheck::Current).unwrap())
        } else {
            Engine::Postgres(Box::new(
                PostgresStore::connect(self.db(), timeout, SchemaCheck::Current).unwrap(),
            ))
        }
    }

    /// The single number `sql` (a `SELECT count(*) …` that both engines understand) returns: for
    /// what neither the CLI nor the storage traits show, such as rows that must be gone.
    pub fn count(&self, sql: &str) -> i64 {
        if self.is_sqlite() {
            rusqlite::Connection::open(self.db_file())
                .unwrap()
                .query_row(sql, [], |row| row.get(0))
                .unwrap()
        } else {
            postgres::Client::connect(self.db(), postgres::NoTls)
                .unwrap()
                .query_one(sql, &[])
                .unwrap()
                .get(0)
        }
    }

    /// Runs `sql` (statements both engines understand) on the database directly: for setting up
    /// what an older authctl left behind, which neither the CLI nor the storage traits can make.
    pub fn execute(&self, sql: &str) {
        if self.is_sqlite() {
            rusqlite::Connection::open(self.db_file())
                .unwrap()
                .execute_batch(sql)
                .unwrap();
        } else {
            postgres::Client::connect(self.db(), postgres::NoTls)
                .unwrap()
                .batch_execute(sql)
                .unwrap();
        }
    }

    /// Records schema `version` in the database, as a database an older authctl made would.
    pub fn set_schema_version(&self, version: u32) {
        if self.is_sqlite() {
            self.execute(&format!("PRAGMA user_version = {version};"));
        } else {
            self.execute(&format!(
                "UPDATE meta SET value = '{version}' WHERE key = 'schema_version';"
            ));
        }
    }

    /// How many audit rows of `event` there are.
    pub fn audit_count(&self, event: &str) -> usize {
        self.json(&["audit"])
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry["event"] == event)
            .count()
    }
}

/// The Python of the project's test environment (made by `scripts/test`), which has the helpers of
/// tests/requirements.txt; a clear failure naming the command that installs it when it is missing.
pub fn python() -> std::process::Command {
    let python = std::env::var_os("AUTHCTL_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python"));
    assert!(
        python.exists(),
        "the Python test helpers are missing ({} does not exist): run `scripts/test`, which installs them",
        python.display()
    );
    std::process::Command::new(python)
}

/// The error object authctl printed on stderr in `--json` mode.
pub fn json_error(stderr: &[u8]) -> Value {
    let error: Value =
        serde_json::from_slice(stderr).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(stderr)));
    error["error"].clone()
}

/// The permission bits of a file.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A message as received: its raw text.
pub struct Received(pub String);

impl Received {
    pub fn subject(&self) -> &str {
        self.0
            .lines()
            .find_map(|line| line.strip_prefix("Subject: "))
            .unwrap_or_default()
    }

    pub fn is_to(&self, address: &str) -> bool {
        self.0.lines().any(|line| line == format!("To: {address}"))
    }

    /// The token following `authctl COMMAND ` in the body, as a user would copy it.
    pub fn token(&self, command: &str) -> String {
        let marker = format!("authctl {command} ");
        let start = self
            .0
            .find(&marker)
            .unwrap_or_else(|| panic!("no `{marker}` in:\n{}", self.0))
            + marker.len();
        self.0[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

/// Takes (reads and deletes) every message delivered to `dir`, oldest name first.
pub fn take_mail(dir: &Path) -> Vec<Received> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::remove_file(&path).unwrap();
            Received(text)
        })
        .collect()
}

/// A real SMTP server (Python's aiosmtpd) on a free port of 127.0.0.1, stopped on drop.
pub struct SmtpServer {
    child: std::process::Child,
    pub port: u16,
    pub inbox: TempDir,
}

impl SmtpServer {
    pub fn start() -> Self {
        use std::io::BufRead;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let inbox = tempfile::tempdir().unwrap();
        let mut child = python()
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_server.py"))
            .arg(port.to_string())
            .arg(inbox.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the SMTP test server (run `scripts/test`, which installs aiosmtpd)");
        let mut ready = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "ready", "the SMTP test server did not start");
        SmtpServer { child, port, inbox }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn take_mail(&self) -> Vec<Received> {
        take_mail(self.inbox.path())
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs authctl in a pseudo-terminal, typing `answers` at its prompts; returns (exit code, what
/// the terminal showed).
pub fn in_terminal(world: &World, answers: &[&str], args: &[&str]) -> (i32, String) {
    let output = terminal_command(world, answers, args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// The command [`in_terminal`] runs, for more settings of the terminal (`PTY_COLUMNS`).
pub fn terminal_command(world: &World, answers: &[&str], args: &[&str]) -> std::process::Command {
    let mut command = python();
    command
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pty_prompt.py"))
        .args(answers)
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_authctl"))
        .args(args)
        .env("AUTHCTL_DB", world.db())
        .env("AUTHCTL_SESSION_FILE", world.session_file())
        .env("AUTHCTL_ARGON2_MEMORY_KIB", "64")
        .env("AUTHCTL_ARGON2_ITERATIONS", "1")
        .env("AUTHCTL_LOGIN_FAILURE_DELAY", "0s")
        .env("HOME", world.path("home"));
    command
}
