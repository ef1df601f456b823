//! Stored password hashes: authctl's argon2 PHC strings and the formats taken over from other
//! systems (Werkzeug's pbkdf2 and scrypt, Django's pbkdf2, bcrypt), parsed and verified with the
//! RustCrypto crates, compared in constant time.

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, Salt};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

use crate::text::shown;

/// The longest stored hash accepted: the longest real one (Werkzeug scrypt) is about 170
/// characters, and a hash is echoed, stored and parsed on every login.
const MAX_HASH_CHARS: usize = 512;
/// The longest salt of a Werkzeug or Django hash (theirs are 16 and 22 characters).
const MAX_SALT_BYTES: usize = 256;

/// The most memory verifying one stored hash may take: 256 MiB.
pub const MAX_HASH_MEMORY_BYTES: u64 = 256 << 20;
/// The allowed values of the `max_foreign_hash_cost` setting.
pub const MAX_FOREIGN_HASH_COST: RangeInclusive<Duration> = Duration::from_millis(100)..=Duration::from_secs(60);
/// The default of the `max_foreign_hash_cost` setting.
pub const DEFAULT_MAX_FOREIGN_HASH_COST: Duration = Duration::from_secs(1);

// The cost model: the time one verification takes, as the parameters of its scheme times a
// constant. The constants are the best of five runs of each scheme on the reference machine (a
// 2-core AMD EPYC virtual machine) in the release build, as `cargo run --release --example
// hash_cost_model` measures them. A faster machine verifies the same hash sooner; a login that
// tries two spellings of a password (as typed and NFKC-normalised) pays twice; the debug build
// runs pbkdf2 about 20 times slower (its generic code is compiled at authctl's own opt-level).
/// One PBKDF2-HMAC-SHA256 iteration producing a 32-byte key.
const PBKDF2_SHA256_NS_PER_ITERATION: u64 = 100;
/// One of the 2^cost rounds of bcrypt's key schedule.
const BCRYPT_NS_PER_ROUND: u64 = 57_000;
/// One BlockMix of scrypt's ROMix, counted as N·r·p (memory-bound at large N: the slowest rate
/// measured, at N=2^17).
const SCRYPT_NS_PER_BLOCK: u64 = 270;
/// One 1 KiB argon2 block filled in one pass (the first pass of a large m, page faults included).
const ARGON2_NS_PER_BLOCK: u64 = 1_100;
/// The fixed work of each lane in each pass (what makes a large p costly at a small m).
const ARGON2_NS_PER_LANE: u64 = 10_000;

/// What verifying one stored hash takes, by the model above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// Estimated time on the reference machine.
    pub time: Duration,
    /// Memory allocated for the computation, in bytes.
    pub memory_bytes: u64,
}

impl Cost {
    fn new(nanos: u128, memory_bytes: u128) -> Self {
        Cost {
            time: Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX)),
            memory_bytes: u64::try_from(memory_bytes).unwrap_or(u64::MAX),
        }
    }

    /// The cost of argon2 with `m` KiB, `t` passes and `p` lanes (authctl's own hashes too).
    pub fn argon2(m: u32, t: u32, p: u32) -> Self {
        let per_pass = u128::from(m) * u128::from(ARGON2_NS_PER_BLOCK) + u128::from(p) * u128::from(ARGON2_NS_PER_LANE);
        Cost::new(per_pass * u128::from(t), u128::from(m) * 1024)
    }

    /// Whether the cost is within `limit` of time and [`MAX_HASH_MEMORY_BYTES`] of memory; if
    /// not, why (naming `what`).
    pub fn check(&self, what: &str, limit: Duration) -> Result<(), String> {
        if self.memory_bytes > MAX_HASH_MEMORY_BYTES {
            return Err(format!(
                "{what} needs {} of memory to verify, more than the limit of {}",
                Bytes(self.memory_bytes),
                Bytes(MAX_HASH_MEMORY_BYTES)
            ));
        }
        if self.time > limit {
            return Err(format!(
                "{what} would take about {} to verify, more than max_foreign_hash_cost ({}) allows",
                rounded(self.time),
                rounded(limit)
            ));
        }
        Ok(())
    }
}

/// A duration for messages: whole minutes past an hour, whole seconds past a second,
/// milliseconds below ("34h 5m", "2s", "450ms").
fn rounded(duration: Duration) -> String {
    let secs = duration.as_secs();
    let whole = if secs >= 3600 {
        Duration::from_secs(secs / 60 * 60)
    } else if secs >= 1 {
        Duration::from_secs(secs)
    } else {
        Duration::from_millis(u64::from(duration.subsec_millis()))
    };
    humantime::format_duration(whole).to_string()
}

/// A byte count in MiB or GiB.
struct Bytes(u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= 1 << 30 {
            write!(f, "{} GiB", self.0 >> 30)
        } else {
            write!(f, "{} MiB", self.0.div_ceil(1 << 20))
        }
    }
}

/// A parsed stored hash.
#[derive(Debug)]
pub enum StoredHash<'a> {
    /// An argon2id or argon2i PHC string (version 0x10 or 0x13).
    Argon2(PasswordHash<'a>),
    /// Werkzeug's `pbkdf2:sha256:ITERATIONS$SALT$HEX`.
    WerkzeugPbkdf2 {
        /// PBKDF2 rounds.
        iterations: u32,
        /// The salt, used as its UTF-8 bytes.
        salt: &'a str,
        /// The derived key.
        expected: Vec<u8>,
    },
    /// Werkzeug's `scrypt:N:r:p$SALT$HEX` (64-byte key).
    WerkzeugScrypt {
        /// log2 of N.
        log_n: u8,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
        /// The salt, used as its UTF-8 bytes.
        salt: &'a str,
        /// The derived key.
        expected: Vec<u8>,
    },
    /// Django's `pbkdf2_sha256$ITERATIONS$SALT$BASE64`.
    DjangoPbkdf2 {
        /// PBKDF2 rounds.
        iterations: u32,
        /// The salt, used as its UTF-8 bytes.
        salt: &'a str,
        /// The derived key.
        expected: Vec<u8>,
    },
    /// bcrypt `$2a$`, `$2b$` or `$2y$` (htpasswd -B, PHP, Node).
    Bcrypt {
        /// The whole hash, as bcrypt verifies it.
        hash: &'a str,
        /// log2 of the rounds.
        cost: u32,
    },
}

impl<'a> StoredHash<'a> {
    /// Recognises a stored hash that can be verified at all, or says what is wrong with it. Its
    /// cost is not judged here: see [`StoredHash::parse_within`].
    pub fn parse(text: &'a str) -> Result<Self, String> {
        let chars = text.chars().count();
        if chars > MAX_HASH_CHARS {
            return Err(format!(
                "the hash is {chars} characters long, more than {MAX_HASH_CHARS}"
            ));
        }
        if text.starts_with("$argon2id$") || text.starts_with("$argon2i$") {
            return parse_argon2(text).map(StoredHash::Argon2);
        }
        if ["$2a$", "$2b$", "$2y$"].iter().any(|prefix| text.starts_with(prefix)) {
            let cost = text
                .parse::<bcrypt::HashParts>()
                .map_err(|e| format!("malformed bcrypt hash: {e}"))?
                .get_cost();
            if !(4..=31).contains(&cost) {
                return Err(format!("bcrypt cost {cost} is outside bcrypt's range 4 to 31"));
            }
            return Ok(StoredHash::Bcrypt { hash: text, cost });
        }
        if let Some(rest) = text.strip_prefix("pbkdf2:sha256:") {
            let (iterations, salt, hex) = three_fields(rest, "Werkzeug pbkdf2")?;
            return Ok(StoredHash::WerkzeugPbkdf2 {
                iterations: iterations_of(iterations)?,
                salt: salt_of(salt)?,
                expected: decode_hex(hex, 32)?,
            });
        }
        if let Some(rest) = text.strip_prefix("scrypt:") {
            let (params, salt, hex) = three_fields(rest, "Werkzeug scrypt")?;
            let numbers: Vec<u32> = params
                .split(':')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|_| format!("malformed Werkzeug scrypt parameters '{}'", shown(params)))?;
            let [n, r, p] = numbers[..] else {
                return Err(format!("malformed Werkzeug scrypt parameters '{}'", shown(params)));
            };
            let log_n = n.trailing_zeros() as u8;
            if !n.is_power_of_two() || n < 2 || scrypt::Params::new(log_n, r, p).is_err() {
                return Err(format!("invalid scrypt parameters N={n} r={r} p={p}"));
            }
            return Ok(StoredHash::WerkzeugScrypt {
                log_n,
                r,
                p,
                salt: salt_of(salt)?,
                expected: decode_hex(hex, 64)?,
            });
        }
        if let Some(rest) = text.strip_prefix("pbkdf2_sha256$") {
            let mut fields = rest.split('$');
            let (Some(iterations), Some(salt), Some(encoded), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err("malformed Django pbkdf2_sha256 hash".to_owned());
            };
            let expected = STANDARD
                .decode(encoded)
                .ok()
                .filter(|key| key.len() == 32)
                .ok_or("malformed Django pbkdf2_sha256 hash: the key is not 32 bytes of base64")?;
            return Ok(StoredHash::DjangoPbkdf2 {
                iterations: iterations_of(iterations)?,
                salt: salt_of(salt)?,
                expected,
            });
        }
        Err(
            "unrecognised password hash format (accepted: argon2id/argon2i PHC, Werkzeug pbkdf2:sha256 \
             and scrypt, Django pbkdf2_sha256, bcrypt $2a$/$2b$/$2y$)"
                .to_owned(),
        )
    }

    /// [`StoredHash::parse`], refusing a hash that would take more than `limit` (by the cost
    /// model) or more than [`MAX_HASH_MEMORY_BYTES`] to verify.
    pub fn parse_within(text: &'a str, limit: Duration) -> Result<Self, String> {
        let hash = StoredHash::parse(text)?;
        hash.cost().check(&hash.describe(), limit)?;
        Ok(hash)
    }

    /// What verifying this hash takes, by the cost model.
    pub fn cost(&self) -> Cost {
        match self {
            StoredHash::Argon2(parsed) => match argon2::Params::try_from(parsed) {
                Ok(params) => Cost::argon2(params.m_cost(), params.t_cost(), params.p_cost()),
                // Unreachable for a parsed hash; counted as unaffordable rather than free.
                Err(_) => Cost::new(u128::MAX, u128::MAX),
            },
            StoredHash::WerkzeugPbkdf2 { iterations, .. } | StoredHash::DjangoPbkdf2 { iterations, .. } => {
                Cost::new(u128::from(*iterations) * u128::from(PBKDF2_SHA256_NS_PER_ITERATION), 0)
            }
            StoredHash::WerkzeugScrypt { log_n, r, p, .. } => {
                let (n, r, p) = (1u128 << log_n, u128::from(*r), u128::from(*p));
                // ROMix keeps N blocks of 128·r bytes, and the p blocks being mixed beside them.
                Cost::new(n * r * p * u128::from(SCRYPT_NS_PER_BLOCK), 128 * r * (n + p + 2))
            }
            StoredHash::Bcrypt { cost, .. } => Cost::new((1u128 << cost) * u128::from(BCRYPT_NS_PER_ROUND), 4096),
        }
    }

    /// The scheme and its parameters, for messages (no salt, no key).
    fn describe(&self) -> String {
        match self {
            StoredHash::Argon2(parsed) => match argon2::Params::try_from(parsed) {
                Ok(params) => format!(
                    "{} m={} t={} p={}",
                    parsed.algorithm,
                    params.m_cost(),
                    params.t_cost(),
                    params.p_cost()
                ),
                Err(_) => parsed.algorithm.to_string(),
            },
            StoredHash::WerkzeugPbkdf2 { iterations, .. } => format!("Werkzeug pbkdf2 with {iterations} iterations"),
            StoredHash::DjangoPbkdf2 { iterations, .. } => format!("Django pbkdf2 with {iterations} iterations"),
            StoredHash::WerkzeugScrypt { log_n, r, p, .. } => format!("scrypt N={} r={r} p={p}", 1u64 << log_n),
            StoredHash::Bcrypt { cost, .. } => format!("bcrypt cost {cost}"),
        }
    }

    /// A short name of the format, for the audit log.
    pub fn scheme(&self) -> &'static str {
        match self {
            StoredHash::Argon2(_) => "argon2",
            StoredHash::WerkzeugPbkdf2 { .. } => "werkzeug-pbkdf2",
            StoredHash::WerkzeugScrypt { .. } => "werkzeug-scrypt",
            StoredHash::DjangoPbkdf2 { .. } => "django-pbkdf2",
            StoredHash::Bcrypt { .. } => "bcrypt",
        }
    }

    /// Whether `password` (as its UTF-8 bytes) matches a foreign hash. Argon2 hashes are checked
    /// by [`crate::domain::password::Hasher`].
    pub fn matches_foreign(&self, password: &[u8]) -> bool {
        match self {
            StoredHash::Argon2(_) => false,
            StoredHash::Bcrypt { hash, .. } => bcrypt::verify(password, hash).unwrap_or(false),
            StoredHash::WerkzeugPbkdf2 {
                iterations,
                salt,
                expected,
            }
            | StoredHash::DjangoPbkdf2 {
                iterations,
                salt,
                expected,
            } => {
                let mut key = [0u8; 32];
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt.as_bytes(), *iterations, &mut key);
                key.ct_eq(expected).into()
            }
            StoredHash::WerkzeugScrypt {
                log_n,
                r,
                p,
                salt,
                expected,
            } => {
                let mut key = [0u8; 64];
                let Ok(params) = scrypt::Params::new(*log_n, *r, *p) else {
                    return false;
                };
                scrypt::scrypt(password, salt.as_bytes(), &params, &mut key).is_ok() && bool::from(key.ct_eq(expected))
            }
        }
    }
}

fn three_fields<'a>(rest: &'a str, what: &str) -> Result<(&'a str, &'a str, &'a str), String> {
    let mut fields = rest.split('$');
    match (fields.next(), fields.next(), fields.next(), fields.next()) {
        (Some(a), Some(b), Some(c), None) if !b.is_empty() => Ok((a, b, c)),
        _ => Err(format!("malformed {what} hash: expected METHOD$SALT$HASH")),
    }
}

fn iterations_of(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("invalid pbkdf2 iteration count '{}'", shown(text))),
    }
}

fn salt_of(salt: &str) -> Result<&str, String> {
    if salt.len() > MAX_SALT_BYTES {
        return Err(format!(
            "the salt is {} bytes long, more than {MAX_SALT_BYTES}",
            salt.len()
        ));
    }
    Ok(salt)
}

/// An argon2 PHC string that argon2 can verify: known algorithm and version, valid parameters, a
/// salt of 8 to 48 bytes and a hash.
fn parse_argon2(text: &str) -> Result<PasswordHash<'_>, String> {
    let parsed = PasswordHash::new(text).map_err(|e| format!("malformed argon2 hash: {e}"))?;
    if let Some(version) = parsed.version
        && argon2::Version::try_from(version).is_err()
    {
        return Err(format!("argon2 version {version} does not exist (only 16 and 19 do)"));
    }
    if let Err(e) = argon2::Params::try_from(&parsed) {
        return Err(format!("invalid argon2 parameters: {e}"));
    }
    let salt = parsed.salt.ok_or("malformed argon2 hash: no salt")?;
    let mut buffer = [0u8; Salt::MAX_LENGTH];
    let salt_len = salt
        .decode_b64(&mut buffer)
        .map_err(|e| format!("malformed argon2 salt: {e}"))?
        .len();
    if salt_len < argon2::MIN_SALT_LEN {
        return Err(format!(
            "the argon2 salt is {salt_len} bytes long, less than {}",
            argon2::MIN_SALT_LEN
        ));
    }
    if parsed.hash.is_none() {
        return Err("malformed argon2 hash: no hash".to_owned());
    }
    Ok(parsed)
}

fn decode_hex(hex: &str, len: usize) -> Result<Vec<u8>, String> {
    let valid = hex.len() == len * 2 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    if !valid {
        return Err(format!("the key must be {} hexadecimal digits", len * 2));
    }
    Ok((0..len)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or_default())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &[u8] = b"correct horse battery";

    /// Vectors made with Python's hashlib exactly as Werkzeug and Django call it.
    #[test]
    fn verifies_werkzeug_and_django_vectors() {
        for stored in [
            "pbkdf2:sha256:1000$saltsalt$daf2eb9b12bc60544e9c64cbea88a73b86df4f4da0bd3a697856f3ec75b3e57d",
            "scrypt:1024:8:1$NaClNaCl$29215fd60b66dc8b2c91ff9b8aff77ca76217187ee9ac908e0c5d9987fd59a4a\
             9bdc498e409dabed7f909d390269f5f43061a188f7e6ee2173d33fc3ed6b1ffa",
            "pbkdf2_sha256$1000$pepper$gedcPL0GaEi5iRBONs6pjoZ7T4F4YBQdhznvbVGSheE=",
        ] {
            let hash = StoredHash::parse(stored).unwrap();
            assert!(hash.matches_foreign(PASSWORD), "{stored}");
            assert!(!hash.matches_foreign(b"wrong horse battery"), "{stored}");
        }
    }

    #[test]
    fn verifies_bcrypt() {
        let stored = bcrypt::hash(PASSWORD, 4).unwrap().replace("$2b$", "$2y$");
        let hash = StoredHash::parse(&stored).unwrap();
        assert_eq!(hash.scheme(), "bcrypt");
        assert!(hash.matches_foreign(PASSWORD));
        assert!(!hash.matches_foreign(b"nope"));
    }

    #[test]
    fn refuses_malformed_and_unknown_hashes() {
        for bad in [
            "",
            "plaintext",
            "md5$abc$def",
            "pbkdf2:sha256:0$salt$00",
            "pbkdf2:sha256:1000$salt$zz",
            "pbkdf2:sha256:1000$$daf2eb9b12bc60544e9c64cbea88a73b86df4f4da0bd3a697856f3ec75b3e57d",
            "scrypt:1000:8:1$salt$00",
            "scrypt:2097152:8:1$salt$00",
            "pbkdf2_sha256$1000$pepper$short",
            "$2b$04$tooshort",
            "$argon2id$v=19$garbage",
        ] {
            assert!(StoredHash::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    /// An argon2 PHC string with `params`, an 8-byte salt and a 32-byte hash.
    fn argon2(version: u32, params: &str) -> String {
        format!("$argon2id$v={version}${params}$c2FsdHNhbHQ${}", "A".repeat(43))
    }

    fn bcrypt_with_cost(cost: u32) -> String {
        let real = bcrypt::hash(PASSWORD, 4).unwrap();
        format!("$2b${cost:02}{}", &real[6..])
    }

    fn refusal(hash: &str) -> String {
        StoredHash::parse_within(hash, DEFAULT_MAX_FOREIGN_HASH_COST).unwrap_err()
    }

    /// The hostile values of issue 8, each refused with a message that says what is wrong.
    #[test]
    fn refuses_hashes_too_costly_to_verify() {
        for (hash, expected) in [
            (argon2(19, "m=4294967295,t=1,p=1"), "needs 4095 GiB of memory"),
            (argon2(19, "m=4294967295,t=1,p=16777215"), "needs 4095 GiB of memory"),
            (
                argon2(19, "m=8,t=100000000,p=1"),
                "m=8 t=100000000 p=1 would take about 31m",
            ),
            (bcrypt_with_cost(31), "bcrypt cost 31 would take about 1day 10h"),
            (
                format!("scrypt:1048576:64:1$salt${}", "0".repeat(128)),
                "scrypt N=1048576 r=64 p=1 needs 8 GiB of memory",
            ),
            (
                format!("pbkdf2:sha256:4000000000$salt${}", "0".repeat(64)),
                "Werkzeug pbkdf2 with 4000000000 iterations would take about",
            ),
            (
                format!("pbkdf2_sha256$100000000$salt${}", STANDARD.encode([0u8; 32])),
                "Django pbkdf2 with 100000000 iterations would take about",
            ),
        ] {
            let message = refusal(&hash);
            assert!(message.contains(expected), "{hash}: {message}");
            assert!(StoredHash::parse(&hash).is_ok(), "{hash} is well formed");
        }
        assert!(refusal(&argon2(19, "m=8,t=100000000,p=1")).contains("max_foreign_hash_cost (1s)"));
    }

    #[test]
    fn refuses_hashes_that_can_never_verify() {
        for (hash, expected) in [
            (argon2(99, "m=19456,t=2,p=1"), "argon2 version 99 does not exist"),
            (argon2(19, "m=65536,t=1,p=16777215"), "invalid argon2 parameters"),
            (
                format!("$argon2id$v=19$m=64,t=1,p=1$c2FsdA${}", "A".repeat(43)),
                "salt is 4 bytes long, less than 8",
            ),
            (bcrypt_with_cost(3), "bcrypt cost 3 is outside"),
            (
                format!("pbkdf2:sha256:1000${}${}", "s".repeat(300), "0".repeat(64)),
                "the salt is 300 bytes long",
            ),
            (
                format!("pbkdf2:sha256:1000$salt${}", "0".repeat(600)),
                "characters long, more than 512",
            ),
        ] {
            let message = StoredHash::parse(&hash).unwrap_err();
            assert!(message.contains(expected), "{hash}: {message}");
        }
    }

    /// The most each scheme may ask for under the default limit, as the README documents.
    #[test]
    fn default_limit_per_scheme() {
        let within = |hash: &str| StoredHash::parse_within(hash, DEFAULT_MAX_FOREIGN_HASH_COST).is_ok();
        let werkzeug = |iterations: u32| format!("pbkdf2:sha256:{iterations}$salt${}", "0".repeat(64));
        assert!(within(&werkzeug(10_000_000)) && !within(&werkzeug(10_000_001)));
        assert!(within(&bcrypt_with_cost(14)) && !within(&bcrypt_with_cost(15)));
        let scrypt = |n: u32, r: u32, p: u32| format!("scrypt:{n}:{r}:{p}$salt${}", "0".repeat(128));
        assert!(within(&scrypt(131072, 8, 1)) && !within(&scrypt(262144, 8, 1)));
        assert!(within(&scrypt(16384, 8, 28)) && !within(&scrypt(16384, 8, 29)));
        assert!(within(&argon2(19, "m=262144,t=3,p=4")) && !within(&argon2(19, "m=262144,t=4,p=1")));
        assert!(within(&argon2(19, "m=65536,t=13,p=1")) && !within(&argon2(19, "m=65536,t=14,p=1")));
        assert!(!within(&argon2(19, "m=262145,t=1,p=1")));
    }
}
