//! Test helpers: a private directory per test, and the built binary run in it as a user would.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// A password that passes the policy.
pub const PASSWORD: &str = "correct horse battery";

/// One test's world: its own HOME, XDG directories, database and session file.
pub struct World {
    pub dir: TempDir,
}

impl World {
    pub fn new() -> Self {
        World {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("authctl.db")
    }

    pub fn session_file(&self) -> PathBuf {
        self.path("session")
    }

    /// authctl with an empty environment but for PATH, this world's HOME and XDG directories,
    /// its database and session file, and cheap argon2 parameters.
    pub fn bare(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_authctl"));
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("AUTHCTL_ARGON2_MEMORY_KIB", "64")
            .env("AUTHCTL_ARGON2_ITERATIONS", "1")
            .current_dir(self.dir.path());
        cmd
    }

    /// [`World::bare`] with this world's database and session file.
    pub fn cmd(&self) -> Command {
        let mut cmd = self.bare();
        cmd.env("AUTHCTL_DB", self.db())
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

    /// Adds a user with [`PASSWORD`] and returns its id.
    pub fn add_user(&self, email: &str) -> String {
        let output = self
            .cmd()
            .args(["user", "add", email, "--password-stdin"])
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

    /// Opens the database directly, as an inspector would.
    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db()).unwrap()
    }
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
