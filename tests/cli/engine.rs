//! The engine the suite runs on: SQLite, or with `AUTHCTL_TEST_ENGINE=postgres` a real PostgreSQL
//! cluster that this test process starts in a temporary directory (Debian's `postgresql` package:
//! `initdb` and `postgres` on 127.0.0.1 and a free port), one fresh database per test. As root the
//! server runs as the `postgres` system user (or `nobody`): PostgreSQL refuses to run as root.
//!
//! The cluster is watched by a small shell that holds the read end of a pipe whose write end only
//! this process has: when the test process ends, however it ends, the shell stops the server and
//! removes its directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Whether this run of the suite is on PostgreSQL.
pub fn is_postgres() -> bool {
    match std::env::var("AUTHCTL_TEST_ENGINE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("AUTHCTL_TEST_ENGINE={other}: expected sqlite or postgres"),
    }
}

/// The URL of a new, empty database in this process's cluster.
pub fn fresh_postgres_database() -> String {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start).create_database()
}

/// The superuser the cluster is made with (trust authentication, on 127.0.0.1 only).
const SUPERUSER: &str = "authctl";

struct Cluster {
    port: u16,
    admin: Mutex<postgres::Client>,
    databases: AtomicU32,
    /// The watching shell; its stdin is the pipe it reads, closed when this process ends. It is
    /// never waited for: it outlives this process to clean up after it.
    _watcher: std::process::Child,
}

impl Cluster {
    fn start() -> Cluster {
        let bin = postgres_bin_dir();
        let dir = tempfile::Builder::new().prefix("authctl-pg-").tempdir().unwrap().keep();
        let runas = RunAs::choose();
        runas.give(&dir);
        let data = dir.join("data");
        let initdb = runas
            .command(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                SUPERUSER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C.UTF-8",
            ])
            .output()
            .expect("run initdb");
        assert!(
            initdb.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&initdb.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // A throwaway cluster: durability off, enough connections for the concurrency tests.
        let server = runas.argv(
            &bin.join("postgres"),
            &[
                "-D",
                &data.display().to_string(),
                "-p",
                &port.to_string(),
                "-k",
                &dir.display().to_string(),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ],
        );
        let watcher = Command::new("sh")
            .arg("-c")
            .arg(
                r#"dir="$1"; shift; "$@" >"$dir/server.log" 2>&1 & pid=$!
                   trap '' INT TERM
                   cat >/dev/null
                   kill -INT "$pid"; wait "$pid"; rm -rf "$dir""#,
            )
            .arg("watcher")
            .arg(&dir)
            .args(server)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the PostgreSQL server");
        let admin = connect_when_ready(port, &dir);
        Cluster {
            port,
            admin: Mutex::new(admin),
            databases: AtomicU32::new(0),
            _watcher: watcher,
        }
    }

    fn create_database(&self) -> String {
        let name = format!("test{}", self.databases.fetch_add(1, Ordering::Relaxed));
        self.admin
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port)
    }
}

/// Connects as the superuser once the server accepts connections (at most 60 s).
fn connect_when_ready(port: u16, dir: &Path) -> postgres::Client {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match postgres::Client::connect(
            &format!("host=127.0.0.1 port={port} user={SUPERUSER} dbname=postgres"),
            postgres::NoTls,
        ) {
            Ok(client) => return client,
            Err(error) if Instant::now() > deadline => panic!(
                "the PostgreSQL test server did not start: {error}\n{}",
                std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
            ),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// Where `initdb` and `postgres` are: `AUTHCTL_TEST_PG_BIN`, the newest
/// `/usr/lib/postgresql/*/bin` (Debian keeps them off PATH), or PATH.
fn postgres_bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("AUTHCTL_TEST_PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let which = Command::new("sh").args(["-c", "command -v initdb"]).output().unwrap();
    let initdb = String::from_utf8_lossy(&which.stdout).trim().to_owned();
    assert!(
        !initdb.is_empty(),
        "PostgreSQL is not installed (no initdb): run `scripts/test`, which installs Debian's postgresql"
    );
    Path::new(&initdb).parent().unwrap().to_owned()
}

/// Who runs the server: this user, or when this is root an unprivileged system user.
enum RunAs {
    Me,
    User {
        uid: nix::unistd::Uid,
        gid: nix::unistd::Gid,
    },
}

impl RunAs {
    fn choose() -> RunAs {
        if !nix::unistd::geteuid().is_root() {
            return RunAs::Me;
        }
        let user = ["postgres", "nobody"]
            .iter()
            .find_map(|name| nix::unistd::User::from_name(name).ok().flatten())
            .expect("running as root, and neither the postgres nor the nobody user exists");
        RunAs::User {
            uid: user.uid,
            gid: user.gid,
        }
    }

    /// Hands `dir` to the server's user.
    fn give(&self, dir: &Path) {
        if let RunAs::User { uid, gid, .. } = self {
            nix::unistd::chown(dir, Some(*uid), Some(*gid)).unwrap();
        }
    }

    /// The command line that runs `program args…` as this user (setpriv execs, so the process
    /// that the watcher signals is the server itself).
    fn argv(&self, program: &Path, args: &[&str]) -> Vec<String> {
        let mut argv = match self {
            RunAs::Me => Vec::new(),
            RunAs::User { uid, gid } => [
                "setpriv",
                &format!("--reuid={uid}"),
                &format!("--regid={gid}"),
                "--clear-groups",
                "--",
            ]
            .map(str::to_owned)
            .to_vec(),
        };
        argv.push(program.display().to_string());
        argv.extend(args.iter().map(|arg| arg.to_string()));
        argv
    }

    fn command(&self, program: &Path) -> Command {
        let argv = self.argv(program, &[]);
        let mut command = Command::new(&argv[0]);
        command.args(&argv[1..]);
        command
    }
}
