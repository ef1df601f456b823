//! What the benchmarks share: the default policy, and the databases they run on: SQLite always,
//! PostgreSQL too when `AUTHCTL_BENCH_PG` names a server.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

use authctl::domain::accounts::Policy;
use authctl::domain::lockout::LockoutPolicy;
use authctl::domain::session::SessionDurations;
use authctl::domain::token::TokenLifetimes;
use authctl::storage::postgres::PostgresStore;
use authctl::storage::sqlite::SqliteStore;
use authctl::storage::{Engine, SchemaCheck};

/// The policy of the default settings.
pub fn policy() -> Policy {
    Policy {
        sessions: SessionDurations {
            session: chrono::Duration::hours(12),
            remember: chrono::Duration::days(365),
        },
        tokens: TokenLifetimes {
            confirm: chrono::Duration::hours(24),
            reset: chrono::Duration::hours(1),
            email_change: chrono::Duration::hours(24),
        },
        require_confirmation: false,
        lockout: LockoutPolicy {
            max_failures: 5,
            duration: chrono::Duration::minutes(15),
        },
        failure_delay: std::time::Duration::from_secs(1),
        passwords: Default::default(),
    }
}

/// A storage engine to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

impl Kind {
    /// The engine's name, the parameter of each benchmark's id.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
        }
    }
}

/// Where the benchmarks make their databases: SQLite files in a temporary directory, and, when
/// `AUTHCTL_BENCH_PG` is set, PostgreSQL databases on the server it names. Its value is the URL of
/// a role allowed to create databases, on a local server without TLS, for example
/// `postgres://authctl@127.0.0.1:5432/postgres` (scripts/bench-engines.sh starts such a server).
pub struct Databases {
    dir: tempfile::TempDir,
    postgres: Option<Rc<Server>>,
    made: Cell<u32>,
}

/// The PostgreSQL server of `AUTHCTL_BENCH_PG`.
struct Server {
    url: url::Url,
    admin: RefCell<postgres::Client>,
}

impl Databases {
    pub fn from_env() -> Databases {
        let postgres = std::env::var("AUTHCTL_BENCH_PG")
            .ok()
            .filter(|url| !url.is_empty())
            .map(|url| {
                let admin = postgres::Client::connect(&url, postgres::NoTls)
                    .unwrap_or_else(|e| panic!("AUTHCTL_BENCH_PG: cannot connect to {url}: {e}"));
                let url = url::Url::parse(&url).unwrap_or_else(|e| panic!("AUTHCTL_BENCH_PG={url}: {e}"));
                Rc::new(Server {
                    url,
                    admin: RefCell::new(admin),
                })
            });
        Databases {
            dir: tempfile::tempdir().unwrap(),
            postgres,
            made: Cell::new(0),
        }
    }

    /// The engines to measure: SQLite, then PostgreSQL when a server was given.
    pub fn kinds(&self) -> Vec<Kind> {
        let mut kinds = vec![Kind::Sqlite];
        if self.postgres.is_some() {
            kinds.push(Kind::Postgres);
        }
        kinds
    }

    /// A new, empty database of `kind` (created, not yet migrated), removed when dropped.
    pub fn fresh(&self, kind: Kind) -> Db {
        let n = self.made.get();
        self.made.set(n + 1);
        match kind {
            Kind::Sqlite => Db {
                kind,
                location: self.dir.path().join(format!("bench-{n}.db")).display().to_string(),
                server: None,
            },
            Kind::Postgres => {
                let server = self.postgres.clone().expect("AUTHCTL_BENCH_PG is not set");
                let name = format!("authctl_bench_{}_{n}", std::process::id());
                server
                    .admin
                    .borrow_mut()
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                let mut url = server.url.clone();
                url.set_path(&name);
                Db {
                    kind,
                    location: url.to_string(),
                    server: Some(server),
                }
            }
        }
    }
}

/// One benchmark database: an SQLite file or a PostgreSQL database, removed when dropped.
pub struct Db {
    pub kind: Kind,
    /// The path or URL, as `--db` and `AUTHCTL_DB` take it.
    pub location: String,
    server: Option<Rc<Server>>,
}

impl Db {
    /// Opens the database, creating and migrating it on first use, as `authctl init` does.
    pub fn open(&self) -> Engine {
        let timeout = Duration::from_secs(30);
        match self.kind {
            Kind::Sqlite => {
                Engine::Sqlite(SqliteStore::open(&PathBuf::from(&self.location), timeout, SchemaCheck::Create).unwrap())
            }
            Kind::Postgres => Engine::Postgres(Box::new(
                PostgresStore::connect(&self.location, timeout, SchemaCheck::Create).unwrap(),
            )),
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        match &self.server {
            None => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", self.location));
                }
            }
            Some(server) => {
                let name = url::Url::parse(&self.location)
                    .unwrap()
                    .path()
                    .trim_start_matches('/')
                    .to_owned();
                // FORCE: a benchmarked process may still be disconnecting.
                let dropped = server
                    .admin
                    .borrow_mut()
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                if let Err(e) = dropped {
                    eprintln!("could not drop the benchmark database {name}: {e}");
                }
            }
        }
    }
}
