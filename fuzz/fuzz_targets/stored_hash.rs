//! Stored password hashes: authctl's argon2 PHC strings and the foreign formats `user import`
//! accepts, parsed and verified against a tiny password as a login would, under the lowest
//! `max_foreign_hash_cost` (so that the slowest hash it lets through stays far below
//! libFuzzer's timeout even in the sanitizer build).
#![no_main]

use std::sync::LazyLock;
use std::time::Duration;

use authctl::domain::hashes::StoredHash;
use authctl::domain::password::{ForeignHashes, HashParams, Hasher, Password};
use zeroize::Zeroizing;
use libfuzzer_sys::fuzz_target;

const LIMIT: Duration = Duration::from_millis(100);

static HASHER: LazyLock<Hasher> = LazyLock::new(|| {
    let params = HashParams {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };
    // Every path: plaintext accepted, and Flask-Security-Too's pre-hash tried.
    Hasher::with_max_cost(params, LIMIT)
        .expect("valid argon2 parameters")
        .with_foreign(ForeignHashes {
            accept_plaintext: true,
            passlib_hmac_salt: Some(Zeroizing::new("salt".to_owned())),
        })
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(hash) = StoredHash::parse_within(text, LIMIT) {
        let _ = hash.scheme();
        let _ = hash.matches(b"x");
    }
    let _ = HASHER.verify(&Password::new("x"), text);
});
