//! Login (one argon2id verification at the default parameters plus the session write) and
//! whoami (a session check: no argon2, one hash-indexed lookup), in-process and as a process.

use std::hint::black_box;
use std::process::Command;
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};

use authctl::domain::accounts::{Accounts, NewAccount};
use authctl::domain::email::Email;
use authctl::domain::password::{HashParams, Hasher, Password};
use authctl::session_file;
use authctl::storage::sqlite::{SchemaCheck, SqliteStore};

#[path = "common/mod.rs"]
mod common;
use common::policy;

const PASSWORD: &str = "correct horse battery";

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("authctl.db");
    let mut store = SqliteStore::open(&db, Duration::from_secs(5), SchemaCheck::Create).unwrap();
    let hasher = Hasher::new(HashParams::default()).unwrap();
    let email = Email::parse("ada@example.com").unwrap();
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
    let password = Password::new(PASSWORD);
    let login = accounts.login(&email, &password, true).unwrap();

    let mut group = c.benchmark_group("auth");
    group.sample_size(20);
    group.bench_function("login (argon2id m=19456 t=2 p=1)", |b| {
        b.iter(|| {
            let mut accounts = Accounts::new(&mut store, &hasher, policy(), Utc::now(), || "bench".to_owned());
            black_box(accounts.login(&email, &password, false).unwrap())
        })
    });
    group.sample_size(100);
    group.bench_function("whoami (in-process session check)", |b| {
        b.iter(|| {
            let mut accounts = Accounts::new(&mut store, &hasher, policy(), Utc::now(), || "bench".to_owned());
            black_box(accounts.current(&login.claim).unwrap())
        })
    });

    let session = dir.path().join("session");
    session_file::save(&session, &login.claim, false).unwrap();
    group.bench_function("whoami (whole process)", |b| {
        b.iter(|| {
            let status = Command::new(env!("CARGO_BIN_EXE_authctl"))
                .env("AUTHCTL_DB", &db)
                .env("AUTHCTL_SESSION_FILE", &session)
                .arg("whoami")
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
