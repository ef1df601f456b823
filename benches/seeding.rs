//! Seeding: one argon2id hash at the default parameters, an import of 1,000 plaintext rows, an
//! import of 100,000 pre-hashed rows, and `user list --json` at 100,000 users; on SQLite, and on
//! PostgreSQL too when `AUTHCTL_BENCH_PG` names a server (see `common::Databases`). Each import
//! runs on a new database, made (and dropped) outside the measured time; the opening and
//! migration of the database are measured, as in a first `user import`.

use std::hint::black_box;
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use zeroize::Zeroizing;

use authctl::domain::accounts::Accounts;
use authctl::domain::import::{self, OnConflict, Problems, RawRow};
use authctl::domain::password::{HashParams, Hasher, Password};

#[path = "common/mod.rs"]
mod common;
use common::{Databases, Db, policy};

/// Imports `rows` into the new database `db`, on every core.
fn import_into(db: &Db, hasher: &Hasher, rows: Vec<RawRow>) -> u64 {
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
    let mut store = db.open();
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
    let databases = Databases::from_env();

    let mut group = c.benchmark_group("seeding");
    group.sample_size(10);
    group.bench_function("one argon2id hash (m=19456 t=2 p=1)", |b| {
        b.iter(|| black_box(hasher.hash(&password).unwrap()))
    });
    for kind in databases.kinds() {
        let engine = kind.name();
        // The database is returned so that it is dropped outside the measured time.
        group.measurement_time(Duration::from_secs(60));
        group.bench_function(
            BenchmarkId::new("import 1,000 plaintext rows (all cores)", engine),
            |b| {
                b.iter_batched(
                    || (databases.fresh(kind), plaintext_rows(1_000)),
                    |(db, rows)| {
                        assert_eq!(import_into(&db, &hasher, rows), 1_000);
                        db
                    },
                    BatchSize::PerIteration,
                )
            },
        );
        group.measurement_time(Duration::from_secs(20));
        group.bench_function(BenchmarkId::new("import 100,000 pre-hashed rows", engine), |b| {
            b.iter_batched(
                || (databases.fresh(kind), hashed_rows(100_000, &hash)),
                |(db, rows)| {
                    assert_eq!(import_into(&db, &hasher, rows), 100_000);
                    db
                },
                BatchSize::PerIteration,
            )
        });

        let listed = databases.fresh(kind);
        import_into(&listed, &hasher, hashed_rows(100_000, &hash));
        group.bench_function(
            BenchmarkId::new("user list --json at 100,000 users (whole process)", engine),
            |b| {
                b.iter(|| {
                    let status = Command::new(env!("CARGO_BIN_EXE_authctl"))
                        .args(["--json", "user", "list"])
                        .env("AUTHCTL_DB", &listed.location)
                        .stdout(Stdio::null())
                        .status()
                        .unwrap();
                    assert!(status.success());
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
