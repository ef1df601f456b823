//! `user import` rows: a CSV or JSON Lines file (the first byte chooses which) read, validated
//! and hashed exactly as the import's first phase does, then read back from the spool.
#![no_main]

use std::sync::LazyLock;

use authctl::domain::import::{Problems, prepare};
use authctl::domain::password::{HashParams, Hasher};
use authctl::transfer::{Format, read_rows};
use libfuzzer_sys::fuzz_target;

/// The cheapest argon2 parameters: the target is the parsing, not the hashing.
static HASHER: LazyLock<Hasher> = LazyLock::new(|| {
    Hasher::new(HashParams {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    })
    .expect("valid argon2 parameters")
});

static POOL: LazyLock<rayon::ThreadPool> = LazyLock::new(|| {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool")
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let format = if selector & 1 == 0 { Format::Csv } else { Format::Jsonl };
    let Ok(rows) = read_rows(file, format) else {
        return;
    };
    let mut problems = Problems::default();
    if let Ok(spool) = prepare(rows, &HASHER, &POOL, &mut problems, &|_| {}) {
        for row in spool.drain().expect("the spool reads back") {
            let row = row.expect("a spooled row reads back");
            assert!(!row.email.contains(['\t', '\n']), "a spooled email holds a separator");
        }
    }
    let _ = problems.into_error();
});
