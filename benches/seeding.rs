//! Seeding: one argon2id hash at the default parameters, an import of 1,000 plaintext rows, an
//! import of 100,000 pre-hashed rows, and `user list --json` at 100,000 users.

use std::hint::black_box;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use zeroize::Zeroizing;

use authctl::domain::accounts::Accounts;
use authctl::domain::import::{self, OnConflict, Problems, RawRow};
use authctl::domain::password::{HashParams, Hasher, Password};
use authctl::storage::sqlite::{SchemaCheck, SqliteStore};

#[path = "common/mod.rs"]
mod common;
use common::policy;

/// Imports `rows` into a new database at `path`, on every core.
fn import_into(path: &std::path::Path, hasher: &Hasher, rows: Vec<RawRow>) -> u64 {
    let pool = rayon::ThreadPoolBuilder::new().build().unwrap();
    let mut problems = Problems::default();
    let spool = import::prepare(
        rows.into_iter().map(|row| Ok(Ok(row))),
        hasher,
        &Default::default(),
        &pool,
        &mut problems,
        &|_| {},
    )
    .unwrap();
    let mut store = SqliteStore::open(path, Duration::from_secs(5), SchemaCheck::Create).unwrap();
    let mut accounts = Accounts::new(&mut store, hasher, policy(), Utc::now(), || "bench".to_owned());
    let summary = accounts
        .import(spool, OnConflict::Fail, false, &mut problems, "bench", &|_| {})
        .unwrap();
    summary.created
}

fn plaintext_rows(count: u64) -> Vec<RawRow> {
    (0..count)
        .map(|i| RawRow {
            line: i + 2,
            email: Some(format!("user{i}@example.com")),
            password: Some(Zeroizing::new(format!("password number {i}"))),
            ..RawRow::default()
        })
        .collect()
}

fn hashed_rows(count: u64, hash: &str) -> Vec<RawRow> {
    (0..count)
        .map(|i| RawRow {
            line: i + 2,
            email: Some(format!("user{i}@example.com")),
            password_hash: Some(hash.to_owned()),
            ..RawRow::default()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let hasher = Hasher::new(HashParams::default()).unwrap();
    let password = Password::new("correct horse battery");
    let hash = hasher.hash(&password).unwrap();
    let dir = tempfile::tempdir().unwrap();

    let mut group = c.benchmark_group("seeding");
    group.sample_size(10);
    group.bench_function("one argon2id hash (m=19456 t=2 p=1)", |b| {
        b.iter(|| black_box(hasher.hash(&password).unwrap()))
    });
    group.measurement_time(Duration::from_secs(60));
    let mut run = 0;
    group.bench_function("import 1,000 plaintext rows (all cores)", |b| {
        b.iter(|| {
            run += 1;
            let path = dir.path().join(format!("plain-{run}.db"));
            assert_eq!(import_into(&path, &hasher, plaintext_rows(1_000)), 1_000);
        })
    });
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("import 100,000 pre-hashed rows", |b| {
        b.iter(|| {
            run += 1;
            let path = dir.path().join(format!("hashed-{run}.db"));
            assert_eq!(import_into(&path, &hasher, hashed_rows(100_000, &hash)), 100_000);
        })
    });

    let listed = dir.path().join("listed.db");
    import_into(&listed, &hasher, hashed_rows(100_000, &hash));
    group.bench_function("user list --json at 100,000 users (whole process)", |b| {
        b.iter(|| {
            let status = Command::new(env!("CARGO_BIN_EXE_authctl"))
                .args(["--json", "user", "list"])
                .env("AUTHCTL_DB", &listed)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
