//! Measures, on this machine, the constants of the cost model in `src/domain/hashes.rs` (the
//! best of five runs of each scheme), to recalibrate it: `cargo run --release --example
//! hash_cost_model`. Takes about half a minute.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use authctl::domain::hashes::StoredHash;

const PASSWORD: &[u8] = b"correct horse battery";

fn best_of_five(run: &mut dyn FnMut()) -> Duration {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn per(duration: Duration, units: u64) -> f64 {
    duration.as_nanos() as f64 / units as f64
}

fn main() {
    let pbkdf2 = best_of_five(&mut || {
        let mut key = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(PASSWORD, b"saltsalt", 100_000, &mut key);
    });
    println!("PBKDF2_SHA256_NS_PER_ITERATION  {:8.0}", per(pbkdf2, 100_000));
    let pbkdf2 = best_of_five(&mut || {
        let mut key = [0u8; 20];
        pbkdf2::pbkdf2_hmac::<sha1::Sha1>(PASSWORD, b"saltsalt", 100_000, &mut key);
    });
    println!("PBKDF2_SHA1_NS_PER_ITERATION    {:8.0}", per(pbkdf2, 100_000));
    let pbkdf2 = best_of_five(&mut || {
        let mut key = [0u8; 64];
        pbkdf2::pbkdf2_hmac::<sha2::Sha512>(PASSWORD, b"saltsalt", 100_000, &mut key);
    });
    println!("PBKDF2_SHA512_NS_PER_ITERATION  {:8.0}", per(pbkdf2, 100_000));

    // md5-crypt's 1000 rounds are fixed: the whole hash, as authctl verifies it.
    if let Ok(md5_crypt) = StoredHash::parse("$1$oiwF1SUY$WDsMzkBgyReF.6lpcJgiQ1") {
        let elapsed = best_of_five(&mut || {
            let _ = md5_crypt.matches(PASSWORD);
        });
        println!("MD5_CRYPT_NS                    {:8.0}", per(elapsed, 1));
    }
    for (name, sha512) in [
        ("SHA256_CRYPT_NS_PER_ROUND", false),
        ("SHA512_CRYPT_NS_PER_ROUND", true),
    ] {
        let Ok(params) = sha_crypt::Params::new(100_000) else {
            continue;
        };
        let elapsed = best_of_five(&mut || {
            if sha512 {
                let _ = sha_crypt::sha512_crypt(PASSWORD, b"saltsaltsaltsalt", params);
            } else {
                let _ = sha_crypt::sha256_crypt(PASSWORD, b"saltsaltsaltsalt", params);
            }
        });
        println!("{name:<31} {:8.0}", per(elapsed, 100_000));
        // Each round hashes the password again: the extra time per byte of a long one.
        let long = [b'x'; 1021];
        let long_elapsed = best_of_five(&mut || {
            if sha512 {
                let _ = sha_crypt::sha512_crypt(&long, b"saltsaltsaltsalt", params);
            } else {
                let _ = sha_crypt::sha256_crypt(&long, b"saltsaltsaltsalt", params);
            }
        });
        println!(
            "{:<31} {:8.2}  (per round and password byte)",
            name.replace("_ROUND", "_ROUND_BYTE"),
            per(long_elapsed.saturating_sub(elapsed), 100_000 * 1000)
        );
    }
    // yescrypt's default (Debian's j9T), a large N, and t=2; counted as N·r·(4/3, 5/3 or t).
    for (log_n, r, t, thirds) in [(12u32, 32u32, 0u32, 4u64), (16, 32, 0, 4), (14, 32, 2, 6)] {
        let Ok(params) = yescrypt::Params::new_with_all_params(yescrypt::Mode::default(), 1 << log_n, r, 1, t, 0)
        else {
            continue;
        };
        let elapsed = best_of_five(&mut || {
            let mut key = [0u8; 32];
            let _ = yescrypt::yescrypt(PASSWORD, b"saltsaltsaltsalt", &params, &mut key);
        });
        let units = (1u64 << log_n) * u64::from(r) * thirds / 3;
        println!(
            "YESCRYPT_NS_PER_BLOCK           {:8.0}  (N=2^{log_n} r={r} t={t})",
            per(elapsed, units)
        );
    }

    let hash = bcrypt::hash(PASSWORD, 8).unwrap_or_default();
    let bcrypt = best_of_five(&mut || {
        let _ = bcrypt::verify(PASSWORD, &hash);
    });
    println!("BCRYPT_NS_PER_ROUND             {:8.0}", per(bcrypt, 1 << 8));

    for (log_n, r, p) in [(14u8, 8u32, 1u32), (17, 8, 1), (12, 8, 16)] {
        let Ok(params) = scrypt::Params::new(log_n, r, p) else {
            continue;
        };
        let scrypt = best_of_five(&mut || {
            let mut key = [0u8; 64];
            let _ = scrypt::scrypt(PASSWORD, b"salt", &params, &mut key);
        });
        let units = (1u64 << log_n) * u64::from(r) * u64::from(p);
        println!(
            "SCRYPT_NS_PER_BLOCK             {:8.0}  (N=2^{log_n} r={r} p={p})",
            per(scrypt, units)
        );
    }

    for (m, t, p) in [(19456u32, 2u32, 1u32), (131072, 1, 1), (8, 20000, 1), (32768, 1, 4096)] {
        let Ok(params) = Params::new(m, t, p, None) else {
            continue;
        };
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let elapsed = best_of_five(&mut || {
            let mut key = [0u8; 32];
            let _ = argon2.hash_password_into(PASSWORD, b"saltsaltsalt", &mut key);
        });
        println!(
            "ARGON2_NS_PER_BLOCK             {:8.0}  (m={m} t={t} p={p}, lanes included)",
            per(elapsed, u64::from(m) * u64::from(t))
        );
    }
}
