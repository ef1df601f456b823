//! Login (one argon2id verification at the default parameters plus the session write) and
//! whoami (a session check: no argon2, one hash-indexed lookup), in-process and as a process, on
//! SQLite, and on PostgreSQL too when `AUTHCTL_BENCH_PG` names a server (see `common::Databases`).

use std::hint::black_box;
use std::process::Command;

use chrono::Utc;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

use authctl::domain::accounts::{Accounts, NewAccount};
use authctl::domain::email::Email;
use authctl::domain::password::{HashParams, Hasher, Password};
use authctl::session_file;

#[path = "common/mod.rs"]
mod common;
use common::{Databases, policy};

const PASSWORD: &str = "correct horse battery";

fn bench(c: &mut Criterion) {
    let databases = Databases::from_env();
    let dir = tempfile::tempdir().unwrap();
    let hasher = Hasher::new(HashParams::default()).unwrap();
    let email = Email::parse("ada@example.com").unwrap();
    let password = Password::new(PASSWORD);

    let mut group = c.benchmark_group("auth");
    for kind in databases.kinds() {
        let engine = kind.name();
        let db = databases.fresh(kind);
        let mut store = db.open();
        let mut accounts = Accounts::new(&mut store, &hasher, policy(), Utc::now(), || "bench".to_owned());
        accounts
            .add_user(
                NewAccount {
                    email: email.clone(),
                    username: None,
                    password: Some(Password::new_checked(PASSWORD).unwrap()),
                    confirmed: true,
                    active: true,
                },
                None,
            )
            .unwrap();
        let login = accounts.login(&email, &password, true).unwrap();

        group.sample_size(20);
        group.bench_function(BenchmarkId::new("login (argon2id m=19456 t=2 p=1)", engine), |b| {
            b.iter(|| {
                let mut accounts = Accounts::new(&mut store, &hasher, policy(), Utc::now(), || "bench".to_owned());
                black_box(accounts.login(&email, &password, false).unwrap())
            })
        });
        group.sample_size(100);
        group.bench_function(BenchmarkId::new("whoami (in-process session check)", engine), |b| {
            b.iter(|| {
                let mut accounts = Accounts::new(&mut store, &hasher, policy(), Utc::now(), || "bench".to_owned());
                black_box(accounts.current(&login.claim).unwrap())
            })
        });

        let session = dir.path().join(format!("session-{engine}"));
        session_file::save(&session, &login.claim, false).unwrap();
        group.bench_function(BenchmarkId::new("whoami (whole process)", engine), |b| {
            b.iter(|| {
                let status = Command::new(env!("CARGO_BIN_EXE_authctl"))
                    .env("AUTHCTL_DB", &db.location)
                    .env("AUTHCTL_SESSION_FILE", &session)
                    .arg("whoami")
                    .stdout(std::process::Stdio::null())
                    .status()
                    .unwrap();
                assert!(status.success());
            })
        });
        // The connection is closed before the database is dropped.
        drop(store);
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
