//! Stored password hashes: authctl's argon2 PHC strings and the formats taken over from other
//! systems (Werkzeug's pbkdf2 and scrypt, Django's pbkdf2, bcrypt), parsed and verified with the
//! RustCrypto crates, compared in constant time.

use argon2::password_hash::PasswordHash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

use crate::text::shown;

/// Work factors past these are refused at import: a hostile file must not make every login
/// allocate gigabytes or spin for minutes.
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
const MAX_SCRYPT_LOG_N: u8 = 20;
const MAX_SCRYPT_R_TIMES_P: u32 = 64;

/// A parsed stored hash.
#[derive(Debug)]
pub enum StoredHash<'a> {
    /// An argon2id or argon2i PHC string (any parameters).
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
    Bcrypt(&'a str),
}

impl<'a> StoredHash<'a> {
    /// Recognises a stored hash, or says what is wrong with it.
    pub fn parse(text: &'a str) -> Result<Self, String> {
        if text.starts_with("$argon2id$") || text.starts_with("$argon2i$") {
            let parsed = PasswordHash::new(text).map_err(|e| format!("malformed argon2 hash: {e}"))?;
            let complete = parsed.salt.is_some() && parsed.hash.is_some() && argon2::Params::try_from(&parsed).is_ok();
            if !complete {
                return Err("malformed argon2 hash: parameters, salt or hash missing".to_owned());
            }
            return Ok(StoredHash::Argon2(parsed));
        }
        if ["$2a$", "$2b$", "$2y$"].iter().any(|prefix| text.starts_with(prefix)) {
            return text
                .parse::<bcrypt::HashParts>()
                .map(|_| StoredHash::Bcrypt(text))
                .map_err(|e| format!("malformed bcrypt hash: {e}"));
        }
        if let Some(rest) = text.strip_prefix("pbkdf2:sha256:") {
            let (iterations, salt, hex) = three_fields(rest, "Werkzeug pbkdf2")?;
            return Ok(StoredHash::WerkzeugPbkdf2 {
                iterations: iterations_of(iterations)?,
                salt,
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
            if !n.is_power_of_two() || n < 2 || r == 0 || p == 0 {
                return Err(format!("invalid scrypt parameters N={n} r={r} p={p}"));
            }
            let log_n = n.trailing_zeros() as u8;
            if log_n > MAX_SCRYPT_LOG_N || r.saturating_mul(p) > MAX_SCRYPT_R_TIMES_P {
                return Err(format!("scrypt parameters N={n} r={r} p={p} are too costly"));
            }
            return Ok(StoredHash::WerkzeugScrypt {
                log_n,
                r,
                p,
                salt,
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
                salt,
                expected,
            });
        }
        Err(
            "unrecognised password hash format (accepted: argon2id/argon2i PHC, Werkzeug pbkdf2:sha256 \
             and scrypt, Django pbkdf2_sha256, bcrypt $2a$/$2b$/$2y$)"
                .to_owned(),
        )
    }

    /// A short name of the format, for the audit log.
    pub fn scheme(&self) -> &'static str {
        match self {
            StoredHash::Argon2(_) => "argon2",
            StoredHash::WerkzeugPbkdf2 { .. } => "werkzeug-pbkdf2",
            StoredHash::WerkzeugScrypt { .. } => "werkzeug-scrypt",
            StoredHash::DjangoPbkdf2 { .. } => "django-pbkdf2",
            StoredHash::Bcrypt(_) => "bcrypt",
        }
    }

    /// Whether `password` (as its UTF-8 bytes) matches a foreign hash. Argon2 hashes are checked
    /// by [`crate::domain::password::Hasher`].
    pub fn matches_foreign(&self, password: &[u8]) -> bool {
        match self {
            StoredHash::Argon2(_) => false,
            StoredHash::Bcrypt(hash) => bcrypt::verify(password, hash).unwrap_or(false),
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
        Ok(n) if (1..=MAX_PBKDF2_ITERATIONS).contains(&n) => Ok(n),
        _ => Err(format!("invalid pbkdf2 iteration count '{}'", shown(text))),
    }
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
}
