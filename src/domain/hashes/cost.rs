//! The cost model: the time (and memory) verifying one stored hash takes, as the parameters of
//! its scheme times a constant measured on the reference machine, and the limits it is held to.

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use super::{Digest, StoredHash};

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
/// One PBKDF2-HMAC-SHA256 (or SHA-224) iteration producing one 32-byte block.
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

// The constants of the formats of issue 11 (pbkdf2 over SHA-1 and SHA-512, md5-crypt,
// sha-crypt, yescrypt) were measured the same way, on the same machine when no other build ran
// (that run gave 89 ns for pbkdf2-sha256 and 49,400 ns for a bcrypt round: the older constants
// above are a little more cautious); yescrypt, memory-bound like scrypt, at its slowest shape
// (N=2^16, r=32).
// sha-crypt hashes the password itself in every round: a 4 KiB password makes a round about 30
// times dearer, so a login prices it again for the password given
// ([`StoredHash::cost_for_password`]). md5-crypt does too, but its 1000 rounds stay under 20 ms
// for any password authctl reads.
/// One PBKDF2-HMAC-SHA1 iteration producing one 20-byte block.
const PBKDF2_SHA1_NS_PER_ITERATION: u64 = 82;
/// One PBKDF2-HMAC-SHA512 (or SHA-384) iteration producing one 64-byte block.
const PBKDF2_SHA512_NS_PER_ITERATION: u64 = 292;
/// One whole md5-crypt or apr1 hash (its 1000 rounds are fixed).
const MD5_CRYPT_NS: u64 = 181_000;
/// One round of sha256-crypt (`$5$`), for a password of up to 32 bytes.
const SHA256_CRYPT_NS_PER_ROUND: u64 = 91;
/// One round of sha512-crypt (`$6$`), for a password of up to 64 bytes.
const SHA512_CRYPT_NS_PER_ROUND: u64 = 249;
/// What each KiB of the password adds to one round of sha256-crypt.
const SHA256_CRYPT_NS_PER_ROUND_KIB: u64 = 1_100;
/// What each KiB of the password adds to one round of sha512-crypt.
const SHA512_CRYPT_NS_PER_ROUND_KIB: u64 = 2_150;
/// One 128·r-byte block of yescrypt's SMix, counted as N·r times the loops its `t` asks for.
const YESCRYPT_NS_PER_BLOCK: u64 = 141;
/// A salted or plain digest (Werkzeug's old formats, `{SHA}`, a plaintext): a microsecond, at most.
const DIGEST_NS: u64 = 1_000;

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

impl Digest {
    /// What one PBKDF2 iteration of one block costs, by the model.
    fn pbkdf2_ns(self) -> u64 {
        match self {
            Digest::Md5 | Digest::Sha1 => PBKDF2_SHA1_NS_PER_ITERATION,
            Digest::Sha224 | Digest::Sha256 => PBKDF2_SHA256_NS_PER_ITERATION,
            Digest::Sha384 | Digest::Sha512 => PBKDF2_SHA512_NS_PER_ITERATION,
        }
    }
}

impl StoredHash<'_> {
    /// What verifying this hash takes, by the cost model.
    pub fn cost(&self) -> Cost {
        match self {
            StoredHash::Argon2 { phc, .. } => match argon2::Params::try_from(phc) {
                Ok(params) => Cost::argon2(params.m_cost(), params.t_cost(), params.p_cost()),
                // Unreachable for a parsed hash; counted as unaffordable rather than free.
                Err(_) => Cost::new(u128::MAX, u128::MAX),
            },
            StoredHash::Pbkdf2 {
                digest,
                iterations,
                expected,
                ..
            } => {
                let blocks = expected.len().div_ceil(digest.len()) as u128;
                Cost::new(blocks * u128::from(*iterations) * u128::from(digest.pbkdf2_ns()), 0)
            }
            StoredHash::Scrypt { log_n, r, p, .. } => {
                let (n, r, p) = (1u128 << log_n, u128::from(*r), u128::from(*p));
                // ROMix keeps N blocks of 128·r bytes, and the p blocks being mixed beside them.
                Cost::new(n * r * p * u128::from(SCRYPT_NS_PER_BLOCK), 128 * r * (n + p + 2))
            }
            StoredHash::Bcrypt { cost, .. } => Cost::new((1u128 << cost) * u128::from(BCRYPT_NS_PER_ROUND), 4096),
            StoredHash::Keyed { .. } | StoredHash::Plaintext { .. } => Cost::new(u128::from(DIGEST_NS), 0),
            StoredHash::Md5Crypt { .. } => Cost::new(u128::from(MD5_CRYPT_NS), 0),
            StoredHash::ShaCrypt { sha512, rounds, .. } => {
                let per_round = if *sha512 {
                    SHA512_CRYPT_NS_PER_ROUND
                } else {
                    SHA256_CRYPT_NS_PER_ROUND
                };
                Cost::new(u128::from(*rounds) * u128::from(per_round), 0)
            }
            StoredHash::Yescrypt { params, .. } => {
                let (blocks, memory) = params.work();
                Cost::new(blocks * u128::from(YESCRYPT_NS_PER_BLOCK), memory)
            }
        }
    }

    /// What verifying `password_bytes` of password against this hash takes: [`StoredHash::cost`],
    /// plus what a long password adds to each round of sha-crypt.
    pub fn cost_for_password(&self, password_bytes: usize) -> Cost {
        let cost = self.cost();
        let StoredHash::ShaCrypt { sha512, rounds, .. } = self else {
            return cost;
        };
        let per_kib = if *sha512 {
            SHA512_CRYPT_NS_PER_ROUND_KIB
        } else {
            SHA256_CRYPT_NS_PER_ROUND_KIB
        };
        let extra = u128::from(*rounds) * u128::from(per_kib) * password_bytes as u128 / 1024;
        Cost::new(cost.time.as_nanos() + extra, u128::from(cost.memory_bytes))
    }
}
