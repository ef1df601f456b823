//! Stored password hashes: authctl's argon2 PHC strings and the formats taken over from other
//! systems, one file per family (Werkzeug, passlib, Django, Unix crypt), parsed and priced here,
//! verified with the RustCrypto crates (and `bcrypt`), compared in constant time; and the
//! formats authctl writes ([`AppScheme`]).

use std::borrow::Cow;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, Salt};
use base64::Engine;
use hmac::{KeyInit, Mac};
use subtle::ConstantTimeEq;

use crate::domain::argon2_memory;
use crate::text::shown;

mod app_scheme;
mod cost;
mod django;
mod passlib;
mod unix;
mod werkzeug;

pub use app_scheme::AppScheme;
/// Hashes Werkzeug and Django wrote with their defaults, for the tests of `password` too.
#[cfg(test)]
pub(crate) use app_scheme::tests::{DJANGO_PBKDF2, WERKZEUG_PBKDF2, WERKZEUG_SCRYPT};
pub use cost::{Cost, DEFAULT_MAX_FOREIGN_HASH_COST, MAX_FOREIGN_HASH_COST, MAX_HASH_MEMORY_BYTES};
pub use passlib::flask_security_prehash;

/// The longest stored hash accepted: the longest real one (Werkzeug scrypt) is about 170
/// characters, and a hash is echoed, stored and parsed on every login.
const MAX_HASH_CHARS: usize = 512;
/// The longest salt of a Werkzeug, passlib or Django hash (theirs are 16 to 22 characters).
const MAX_SALT_BYTES: usize = 256;

/// Where a foreign hash comes from: it names the scheme in the audit log and in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A PHC string (argon2) or a Unix crypt string (`$2b$`, `$5$`, …), as many programs write.
    Standard,
    /// Werkzeug's `generate_password_hash` (Flask).
    Werkzeug,
    /// passlib (Flask-Security-Too, Flask-User).
    Passlib,
    /// Django's `make_password`.
    Django,
}

/// The digest under a PBKDF2, an HMAC or a plain hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Digest {
    /// The digest named as Python's hashlib names it.
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "md5" => Digest::Md5,
            "sha1" => Digest::Sha1,
            "sha224" => Digest::Sha224,
            "sha256" => Digest::Sha256,
            "sha384" => Digest::Sha384,
            "sha512" => Digest::Sha512,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Digest::Md5 => "md5",
            Digest::Sha1 => "sha1",
            Digest::Sha224 => "sha224",
            Digest::Sha256 => "sha256",
            Digest::Sha384 => "sha384",
            Digest::Sha512 => "sha512",
        }
    }

    /// Its output length in bytes.
    fn len(self) -> usize {
        match self {
            Digest::Md5 => 16,
            Digest::Sha1 => 20,
            Digest::Sha224 => 28,
            Digest::Sha256 => 32,
            Digest::Sha384 => 48,
            Digest::Sha512 => 64,
        }
    }

    /// PBKDF2-HMAC with this digest into `out`.
    fn pbkdf2(self, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
        match self {
            Digest::Md5 => pbkdf2::pbkdf2_hmac::<md5::Md5>(password, salt, iterations, out),
            Digest::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, out),
            Digest::Sha224 => pbkdf2::pbkdf2_hmac::<sha2::Sha224>(password, salt, iterations, out),
            Digest::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, out),
            Digest::Sha384 => pbkdf2::pbkdf2_hmac::<sha2::Sha384>(password, salt, iterations, out),
            Digest::Sha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, iterations, out),
        }
    }

    /// HMAC(key, message) with this digest, or the plain digest of `message` when `key` is empty
    /// (as Werkzeug's `_hash_internal` does).
    fn keyed(self, key: &[u8], message: &[u8]) -> Vec<u8> {
        fn run<D>(key: &[u8], message: &[u8]) -> Vec<u8>
        where
            D: sha2::Digest + hmac::digest::common::BlockSizeUser + Clone,
        {
            if key.is_empty() {
                return D::digest(message).to_vec();
            }
            let Ok(mut mac) = <hmac::SimpleHmac<D> as KeyInit>::new_from_slice(key) else {
                return Vec::new();
            };
            mac.update(message);
            mac.finalize().into_bytes().to_vec()
        }
        match self {
            Digest::Md5 => run::<md5::Md5>(key, message),
            Digest::Sha1 => run::<sha1::Sha1>(key, message),
            Digest::Sha224 => run::<sha2::Sha224>(key, message),
            Digest::Sha256 => run::<sha2::Sha256>(key, message),
            Digest::Sha384 => run::<sha2::Sha384>(key, message),
            Digest::Sha512 => run::<sha2::Sha512>(key, message),
        }
    }
}

/// What a bcrypt-based format does to the password before bcrypt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BcryptInput {
    /// The password itself (bcrypt reads its first 72 bytes).
    Password,
    /// passlib's `$bcrypt-sha256$` version 1: base64 of SHA-256 of the password.
    PasslibSha256,
    /// passlib's `$bcrypt-sha256$v=2`: base64 of HMAC-SHA256 keyed with the 22-character salt.
    PasslibHmacSha256,
    /// Django's `bcrypt_sha256$`: the hex SHA-256 of the password.
    DjangoSha256,
}

/// A parsed stored hash.
#[derive(Debug)]
pub enum StoredHash<'a> {
    /// An argon2id, argon2i or argon2d PHC string (version 0x10 or 0x13); Django prefixes it
    /// with `argon2`.
    Argon2 {
        /// The PHC string.
        phc: PasswordHash<'a>,
        /// Who wrote it.
        origin: Origin,
    },
    /// PBKDF2-HMAC: Werkzeug's `pbkdf2:`, passlib's `$pbkdf2…$`, Django's `pbkdf2_…$`.
    Pbkdf2 {
        /// Who wrote it.
        origin: Origin,
        /// The digest under the HMAC.
        digest: Digest,
        /// PBKDF2 rounds.
        iterations: u32,
        /// The salt bytes.
        salt: Cow<'a, [u8]>,
        /// The derived key (as long as the digest).
        expected: Vec<u8>,
    },
    /// scrypt: Werkzeug's `scrypt:N:r:p`, passlib's `$scrypt$`, Django's `scrypt$`.
    Scrypt {
        /// Who wrote it.
        origin: Origin,
        /// log2 of N.
        log_n: u8,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
        /// The salt bytes.
        salt: Cow<'a, [u8]>,
        /// The derived key.
        expected: Vec<u8>,
    },
    /// bcrypt `$2a$`, `$2b$` or `$2y$`, alone or under a passlib or Django wrapper.
    Bcrypt {
        /// Who wrote it.
        origin: Origin,
        /// What bcrypt is given.
        input: BcryptInput,
        /// The bcrypt string, as the `bcrypt` crate verifies it.
        hash: Cow<'a, str>,
        /// log2 of the rounds.
        cost: u32,
    },
    /// A salted HMAC or a plain digest, in hex (Werkzeug before 2.3: `sha1$SALT$HEX`) or base64
    /// (htpasswd's `{SHA}`).
    Keyed {
        /// Who wrote it.
        origin: Origin,
        /// The digest.
        digest: Digest,
        /// The HMAC key; empty for a plain digest.
        salt: &'a str,
        /// The digest of the password.
        expected: Vec<u8>,
    },
    /// md5-crypt `$1$` or Apache's `$apr1$`.
    Md5Crypt {
        /// `$1$` or `$apr1$`.
        magic: &'static str,
        /// Up to 8 characters.
        salt: &'a str,
        /// The 22 characters of the checksum.
        expected: &'a str,
    },
    /// sha-crypt `$5$` or `$6$` (with an optional `rounds=`).
    ShaCrypt {
        /// `$6$` rather than `$5$`.
        sha512: bool,
        /// Rounds (5000 when not given).
        rounds: u32,
        /// The whole string, as `sha-crypt` verifies it.
        hash: &'a str,
    },
    /// yescrypt `$y$`.
    Yescrypt {
        /// The parameters.
        params: unix::YescryptParams,
        /// The whole string, as `yescrypt` verifies it.
        hash: &'a str,
    },
    /// Werkzeug's `plain$$PASSWORD`: the password itself (accepted only when the setting
    /// `accept_plaintext_hashes` is on: see `Hasher`).
    Plaintext {
        /// The password.
        password: &'a str,
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
        if ["$argon2id$", "$argon2i$", "$argon2d$"]
            .iter()
            .any(|prefix| text.starts_with(prefix))
        {
            return parse_argon2(text).map(|phc| StoredHash::Argon2 {
                phc,
                origin: Origin::Standard,
            });
        }
        if ["$2a$", "$2b$", "$2y$"].iter().any(|prefix| text.starts_with(prefix)) {
            return bcrypt_hash(Origin::Standard, BcryptInput::Password, Cow::Borrowed(text));
        }
        if let Some(parsed) = werkzeug::parse(text)
            .or_else(|| passlib::parse(text))
            .or_else(|| django::parse(text))
            .or_else(|| unix::parse(text))
        {
            return parsed;
        }
        Err(
            "unrecognised password hash format (accepted: argon2 PHC; Werkzeug pbkdf2, scrypt and \
             salted sha1/md5/sha256…; passlib $pbkdf2…$, $bcrypt-sha256$, $scrypt$; Django \
             pbkdf2_sha256/pbkdf2_sha1, argon2, bcrypt, bcrypt_sha256, scrypt; crypt $1$, $apr1$, \
             $5$, $6$, $2a$/$2b$/$2y$, $y$; {SHA})"
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

    /// The scheme and its parameters, for messages (no salt, no key).
    fn describe(&self) -> String {
        match self {
            StoredHash::Argon2 { phc, .. } => match argon2::Params::try_from(phc) {
                Ok(params) => format!(
                    "{} m={} t={} p={}",
                    phc.algorithm,
                    params.m_cost(),
                    params.t_cost(),
                    params.p_cost()
                ),
                Err(_) => phc.algorithm.to_string(),
            },
            StoredHash::Pbkdf2 {
                origin,
                digest,
                iterations,
                ..
            } => format!(
                "{} pbkdf2-{} with {iterations} iterations",
                origin_name(*origin),
                digest.name()
            ),
            StoredHash::Scrypt { log_n, r, p, .. } => format!("scrypt N={} r={r} p={p}", 1u64 << log_n),
            StoredHash::Bcrypt { cost, .. } => format!("bcrypt cost {cost}"),
            StoredHash::Keyed { digest, .. } => format!("salted {}", digest.name()),
            StoredHash::Md5Crypt { magic, .. } => format!("md5-crypt {magic}"),
            StoredHash::ShaCrypt { sha512, rounds, .. } => {
                format!("sha{}-crypt with {rounds} rounds", if *sha512 { 512 } else { 256 })
            }
            StoredHash::Yescrypt { params, .. } => params.to_string(),
            StoredHash::Plaintext { .. } => "plaintext".to_owned(),
        }
    }

    /// A short name of the format, for the audit log.
    pub fn scheme(&self) -> &'static str {
        use Origin::{Django, Standard, Werkzeug};
        match self {
            StoredHash::Argon2 { origin: Django, .. } => "django-argon2",
            StoredHash::Argon2 { .. } => "argon2",
            StoredHash::Pbkdf2 { origin: Werkzeug, .. } => "werkzeug-pbkdf2",
            StoredHash::Pbkdf2 { origin: Django, .. } => "django-pbkdf2",
            StoredHash::Pbkdf2 { .. } => "passlib-pbkdf2",
            StoredHash::Scrypt { origin: Werkzeug, .. } => "werkzeug-scrypt",
            StoredHash::Scrypt { origin: Django, .. } => "django-scrypt",
            StoredHash::Scrypt { .. } => "passlib-scrypt",
            StoredHash::Bcrypt {
                input: BcryptInput::PasslibSha256 | BcryptInput::PasslibHmacSha256,
                ..
            } => "passlib-bcrypt-sha256",
            StoredHash::Bcrypt {
                input: BcryptInput::DjangoSha256,
                ..
            } => "django-bcrypt-sha256",
            StoredHash::Bcrypt { origin: Django, .. } => "django-bcrypt",
            StoredHash::Bcrypt { .. } => "bcrypt",
            StoredHash::Keyed { origin: Standard, .. } => "htpasswd-sha1",
            StoredHash::Keyed { .. } => "werkzeug-salted",
            StoredHash::Md5Crypt { magic: "$apr1$", .. } => "apr1-md5",
            StoredHash::Md5Crypt { .. } => "md5-crypt",
            StoredHash::ShaCrypt { sha512: true, .. } => "sha512-crypt",
            StoredHash::ShaCrypt { .. } => "sha256-crypt",
            StoredHash::Yescrypt { .. } => "yescrypt",
            StoredHash::Plaintext { .. } => "werkzeug-plain",
        }
    }

    /// Whether passlib may have written this hash, so that Flask-Security-Too's HMAC pre-hash
    /// (the setting `passlib_hmac_salt`) may apply to it.
    pub fn passlib_may_have_written(&self) -> bool {
        match self {
            StoredHash::Argon2 { origin, .. } | StoredHash::Bcrypt { origin, .. } => {
                matches!(origin, Origin::Standard | Origin::Passlib)
            }
            StoredHash::Pbkdf2 { origin, .. } | StoredHash::Scrypt { origin, .. } => *origin == Origin::Passlib,
            _ => false,
        }
    }

    /// The argon2 PHC string of an argon2 hash in the standard form (not Django's).
    pub fn standard_argon2(&self) -> Option<&PasswordHash<'a>> {
        match self {
            StoredHash::Argon2 {
                phc,
                origin: Origin::Standard | Origin::Passlib,
            } => Some(phc),
            _ => None,
        }
    }

    /// Whether `password` (as its bytes) matches this hash. Every comparison of a derived key is
    /// in constant time (here, or in the crate that derives it).
    pub fn matches(&self, password: &[u8]) -> bool {
        match self {
            StoredHash::Argon2 { phc, .. } => argon2_memory::verify(password, phc),
            StoredHash::Bcrypt { input, hash, .. } => {
                let key = passlib::bcrypt_key(input, hash, password);
                bcrypt::verify(&*key, hash).unwrap_or(false)
            }
            StoredHash::Pbkdf2 {
                digest,
                iterations,
                salt,
                expected,
                ..
            } => {
                let mut key = zeroize::Zeroizing::new(vec![0u8; expected.len()]);
                digest.pbkdf2(password, salt, *iterations, &mut key);
                key.ct_eq(expected).into()
            }
            StoredHash::Scrypt {
                log_n,
                r,
                p,
                salt,
                expected,
                ..
            } => {
                let mut key = zeroize::Zeroizing::new(vec![0u8; expected.len()]);
                let Ok(params) = scrypt::Params::new(*log_n, *r, *p) else {
                    return false;
                };
                scrypt::scrypt(password, salt, &params, &mut key).is_ok() && bool::from(key.ct_eq(expected))
            }
            StoredHash::Keyed {
                digest, salt, expected, ..
            } => digest.keyed(salt.as_bytes(), password).ct_eq(expected).into(),
            StoredHash::Md5Crypt { magic, salt, expected } => unix::md5_crypt(password, magic, salt)
                .as_bytes()
                .ct_eq(expected.as_bytes())
                .into(),
            StoredHash::ShaCrypt { hash, .. } => unix::sha_crypt_matches(password, hash),
            StoredHash::Yescrypt { hash, .. } => unix::yescrypt_matches(password, hash),
            StoredHash::Plaintext { password: stored } => stored.as_bytes().ct_eq(password).into(),
        }
    }
}

/// The name of who wrote a hash, for messages.
fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Standard => "standard",
        Origin::Werkzeug => "Werkzeug",
        Origin::Passlib => "passlib",
        Origin::Django => "Django",
    }
}

/// A bcrypt string (`$2a$`, `$2b$` or `$2y$`) whose cost is in bcrypt's range.
fn bcrypt_hash<'a>(origin: Origin, input: BcryptInput, hash: Cow<'a, str>) -> Result<StoredHash<'a>, String> {
    let cost = hash
        .parse::<bcrypt::HashParts>()
        .map_err(|e| format!("malformed bcrypt hash: {e}"))?
        .get_cost();
    if !(4..=31).contains(&cost) {
        return Err(format!("bcrypt cost {cost} is outside bcrypt's range 4 to 31"));
    }
    Ok(StoredHash::Bcrypt {
        origin,
        input,
        hash,
        cost,
    })
}

/// Splits `rest` at `$` into exactly `N` fields.
fn fields<const N: usize>(rest: &str) -> Option<[&str; N]> {
    let parts: Vec<&str> = rest.split('$').collect();
    parts.try_into().ok()
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

/// scrypt parameters that the `scrypt` crate accepts: N a power of two from 2, r and p within
/// its limits.
fn scrypt_params(n: u64, r: u32, p: u32) -> Result<u8, String> {
    let log_n = n.trailing_zeros();
    if !n.is_power_of_two() || n < 2 || log_n > 63 || scrypt::Params::new(log_n as u8, r, p).is_err() {
        return Err(format!("invalid scrypt parameters N={n} r={r} p={p}"));
    }
    Ok(log_n as u8)
}

/// An argon2 PHC string that argon2 can verify: known algorithm and version, valid parameters, a
/// salt of 8 to 48 bytes and a hash.
fn parse_argon2(text: &str) -> Result<PasswordHash<'_>, String> {
    let parsed = PasswordHash::new(text).map_err(|e| format!("malformed argon2 hash: {e}"))?;
    if argon2::Algorithm::try_from(parsed.algorithm).is_err() {
        return Err(format!(
            "unknown argon2 algorithm '{}'",
            shown(parsed.algorithm.as_str())
        ));
    }
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

/// `text` decoded by `engine`, which must give `len` bytes.
fn decode_base64(engine: &impl Engine, text: &str, len: usize, what: &str) -> Result<Vec<u8>, String> {
    engine
        .decode(text)
        .ok()
        .filter(|bytes| bytes.len() == len)
        .ok_or_else(|| format!("malformed {what} hash: the key is not {len} bytes of base64"))
}

#[cfg(test)]
pub(super) mod tests {
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    /// The password of every recorded vector.
    pub(in crate::domain::hashes) const PASSWORD: &str = "correct horse battery";

    /// `stored` parses as `scheme`, within the default limit, and matches `password` but neither
    /// a wrong password nor `password` with its last character changed.
    pub(in crate::domain::hashes) fn assert_verifies(scheme: &str, stored: &str, password: &str) {
        let hash =
            StoredHash::parse_within(stored, DEFAULT_MAX_FOREIGN_HASH_COST).unwrap_or_else(|e| panic!("{stored}: {e}"));
        assert_eq!(hash.scheme(), scheme, "{stored}");
        assert!(hash.matches(password.as_bytes()), "{stored} refused the password");
        assert!(!hash.matches(b"wrong horse battery"), "{stored} took a wrong password");
        let mut near = password.to_owned();
        near.pop();
        near.push('X');
        assert!(!hash.matches(near.as_bytes()), "{stored} took a near miss");
    }

    /// Vectors made with Python's hashlib exactly as Werkzeug and Django call it.
    #[test]
    fn verifies_werkzeug_and_django_vectors() {
        for (scheme, stored) in [
            (
                "werkzeug-pbkdf2",
                "pbkdf2:sha256:1000$saltsalt$daf2eb9b12bc60544e9c64cbea88a73b86df4f4da0bd3a697856f3ec75b3e57d",
            ),
            (
                "werkzeug-scrypt",
                "scrypt:1024:8:1$NaClNaCl$29215fd60b66dc8b2c91ff9b8aff77ca76217187ee9ac908e0c5d9987fd59a4a\
                 9bdc498e409dabed7f909d390269f5f43061a188f7e6ee2173d33fc3ed6b1ffa",
            ),
        ] {
            assert_verifies(scheme, stored, PASSWORD);
        }
    }

    #[test]
    fn verifies_bcrypt() {
        let stored = bcrypt::hash(PASSWORD, 4).unwrap().replace("$2b$", "$2y$");
        assert_verifies("bcrypt", &stored, PASSWORD);
    }

    #[test]
    fn refuses_malformed_and_unknown_hashes() {
        for bad in [
            "",
            "plaintext",
            "md5$abc$def",
            "$argon2x$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$AAAA",
            "whirlpool$salt$00",
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
                "Werkzeug pbkdf2-sha256 with 4000000000 iterations would take about",
            ),
            (
                format!("pbkdf2_sha256$100000000$salt${}", STANDARD.encode([0u8; 32])),
                "Django pbkdf2-sha256 with 100000000 iterations would take about",
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
        let pbkdf2 = |digest: &str, len: usize, iterations: u32| {
            format!("pbkdf2:{digest}:{iterations}$salt${}", "0".repeat(2 * len))
        };
        assert!(within(&pbkdf2("sha1", 20, 12_195_121)) && !within(&pbkdf2("sha1", 20, 12_195_122)));
        assert!(within(&pbkdf2("sha512", 64, 3_424_657)) && !within(&pbkdf2("sha512", 64, 3_424_658)));
        let sha_crypt = |id: u8, len: usize, rounds: u32| format!("${id}$rounds={rounds}$salt${}", "A".repeat(len));
        assert!(within(&sha_crypt(5, 43, 10_989_010)) && !within(&sha_crypt(5, 43, 10_989_011)));
        assert!(within(&sha_crypt(6, 86, 4_016_064)) && !within(&sha_crypt(6, 86, 4_016_065)));
        // yescrypt with r=32 (libxcrypt's): N=2^15 (128 MiB), not 2^16 (256 MiB and its blocks).
        let yescrypt = |params: &str| format!("$y${params}$saltsalt${}", "A".repeat(43));
        assert!(within(&yescrypt("j9T")) && within(&yescrypt("jCT")) && !within(&yescrypt("jDT")));
        assert!(within("$1$oiwF1SUY$WDsMzkBgyReF.6lpcJgiQ1"));
    }
}
