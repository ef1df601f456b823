//! Stored password hashes: authctl's argon2 PHC strings and the foreign formats `user import`
//! accepts, parsed and verified against a tiny password as a login would.
#![no_main]

use std::sync::LazyLock;

use authctl::domain::hashes::StoredHash;
use authctl::domain::password::{HashParams, Hasher, Password};
use libfuzzer_sys::fuzz_target;

static HASHER: LazyLock<Hasher> = LazyLock::new(|| {
    Hasher::new(HashParams {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    })
    .expect("valid argon2 parameters")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(hash) = StoredHash::parse(text) {
        let _ = hash.scheme();
        let _ = hash.matches_foreign(b"x");
    }
    let _ = HASHER.verify(&Password::new("x"), text);
});
