//! The formats authctl writes new hashes in: its own argon2id PHC strings, or, when it
//! administers a Flask or Django application's users, the format that application verifies, with
//! that framework's current default parameters.

use std::fmt;
use std::time::Duration;

use argon2::password_hash::PasswordHash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::{BcryptInput, Digest, Origin, StoredHash};
use crate::domain::error::{Error, Result};
use crate::domain::token::random_bytes;

/// log2 of N of Werkzeug 3's default scrypt (`scrypt:32768:8:1`).
const SCRYPT_LOG_N: u8 = 15;
/// r of Werkzeug 3's default scrypt.
const SCRYPT_R: u32 = 8;
/// p of Werkzeug 3's default scrypt.
const SCRYPT_P: u32 = 1;
/// The PBKDF2-SHA256 iterations of Werkzeug 3.1 and Django 5.2 by default.
const PBKDF2_ITERATIONS: u32 = 1_000_000;
/// The PBKDF2-SHA256 iterations of Django 4.2 LTS, the oldest series it supports.
const DJANGO_OLDEST_PBKDF2_ITERATIONS: u32 = 600_000;
/// The longest password bcrypt reads, in bytes.
const BCRYPT_MAX_BYTES: usize = 72;
/// The bcrypt cost Flask-Bcrypt and Python's bcrypt use by default.
const BCRYPT_COST: u32 = 12;
/// The salt length of Werkzeug's `gen_salt(16)`.
const WERKZEUG_SALT_CHARS: usize = 16;
/// The salt length of Django's `BasePasswordHasher.salt()`.
const DJANGO_SALT_CHARS: usize = 22;

/// A format authctl can write new password hashes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AppScheme {
    /// authctl's own argon2id PHC string, with the argon2 settings.
    #[default]
    Argon2,
    /// Werkzeug 3's default, `scrypt:32768:8:1$SALT$HEX`.
    WerkzeugScrypt,
    /// Werkzeug 3.1's `pbkdf2:sha256:1000000$SALT$HEX`.
    WerkzeugPbkdf2,
    /// Django 5.2's default, `pbkdf2_sha256$1000000$SALT$BASE64`.
    DjangoPbkdf2Sha256,
    /// `$2b$12$…`, as Flask-Bcrypt writes it.
    Bcrypt,
    /// Django's `argon2` + authctl's argon2id PHC string.
    DjangoArgon2,
}

impl AppScheme {
    /// Every scheme, authctl's own first.
    pub const ALL: [AppScheme; 6] = [
        AppScheme::Argon2,
        AppScheme::WerkzeugScrypt,
        AppScheme::WerkzeugPbkdf2,
        AppScheme::DjangoPbkdf2Sha256,
        AppScheme::Bcrypt,
        AppScheme::DjangoArgon2,
    ];

    /// Its name, as [`StoredHash::scheme`] names the hashes it writes (but for
    /// `django-pbkdf2-sha256`, which names the digest).
    pub fn as_str(self) -> &'static str {
        match self {
            AppScheme::Argon2 => "argon2",
            AppScheme::WerkzeugScrypt => "werkzeug-scrypt",
            AppScheme::WerkzeugPbkdf2 => "werkzeug-pbkdf2",
            AppScheme::DjangoPbkdf2Sha256 => "django-pbkdf2-sha256",
            AppScheme::Bcrypt => "bcrypt",
            AppScheme::DjangoArgon2 => "django-argon2",
        }
    }

    /// The library that verifies this scheme's hashes (and the other schemes of that library).
    pub fn library(self) -> &'static str {
        match self {
            AppScheme::Argon2 => "argon2",
            AppScheme::WerkzeugScrypt | AppScheme::WerkzeugPbkdf2 => "Werkzeug",
            AppScheme::DjangoPbkdf2Sha256 | AppScheme::DjangoArgon2 => "Django",
            AppScheme::Bcrypt => "bcrypt",
        }
    }

    /// The scheme named `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        AppScheme::ALL.into_iter().find(|scheme| scheme.as_str() == name)
    }

    /// The scheme that wrote `stored`, whatever its parameters; `None` for a hash of another
    /// format or none at all.
    pub fn detect(stored: &str) -> Option<Self> {
        StoredHash::parse(stored).ok().as_ref().and_then(AppScheme::of)
    }

    /// The scheme of a parsed hash, whatever its parameters.
    pub fn of(hash: &StoredHash<'_>) -> Option<Self> {
        Some(match hash {
            StoredHash::Argon2 {
                origin: Origin::Django, ..
            } => AppScheme::DjangoArgon2,
            StoredHash::Argon2 { .. } => AppScheme::Argon2,
            StoredHash::Scrypt {
                origin: Origin::Werkzeug,
                ..
            } => AppScheme::WerkzeugScrypt,
            StoredHash::Pbkdf2 {
                origin: Origin::Werkzeug,
                ..
            } => AppScheme::WerkzeugPbkdf2,
            StoredHash::Pbkdf2 {
                origin: Origin::Django,
                digest: Digest::Sha256,
                ..
            } => AppScheme::DjangoPbkdf2Sha256,
            StoredHash::Bcrypt {
                origin: Origin::Standard,
                input: BcryptInput::Password,
                ..
            } => AppScheme::Bcrypt,
            _ => return None,
        })
    }

    /// Whether `hash` is of this scheme with its current parameters; `current_argon2` judges the
    /// PHC string of the argon2 schemes (their parameters are settings).
    pub(crate) fn is_current(
        self,
        hash: &StoredHash<'_>,
        current_argon2: impl FnOnce(&PasswordHash<'_>) -> bool,
    ) -> bool {
        if AppScheme::of(hash) != Some(self) {
            return false;
        }
        match hash {
            // Django upgrades its own argon2 hashes to its parameters at its next login: any
            // argon2id it wrote is current, or each side would rewrite the other's at every login.
            StoredHash::Argon2 { phc, .. } if self == AppScheme::DjangoArgon2 => {
                phc.algorithm == argon2::Algorithm::Argon2id.ident()
            }
            StoredHash::Argon2 { phc, .. } => current_argon2(phc),
            StoredHash::Scrypt { log_n, r, p, .. } => (*log_n, *r, *p) == (SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P),
            // Django rehashes its own at login to its version's count (600,000 in 4.2 LTS, up to
            // 1,000,000 in 5.2): any count a supported Django writes is current, or each side
            // would rewrite the other's at every login.
            StoredHash::Pbkdf2 { digest, iterations, .. } if self == AppScheme::DjangoPbkdf2Sha256 => {
                *digest == Digest::Sha256 && *iterations >= DJANGO_OLDEST_PBKDF2_ITERATIONS
            }
            StoredHash::Pbkdf2 { digest, iterations, .. } => {
                *digest == Digest::Sha256 && *iterations == PBKDF2_ITERATIONS
            }
            StoredHash::Bcrypt { cost, .. } => *cost == BCRYPT_COST,
            _ => false,
        }
    }

    /// Hashes `password` in this scheme with a fresh random salt; `argon2` makes authctl's PHC
    /// string, for the argon2 schemes.
    pub(crate) fn hash(self, password: &[u8], argon2: impl FnOnce(&[u8]) -> Result<String>) -> Result<String> {
        match self {
            AppScheme::Argon2 => argon2(password),
            AppScheme::DjangoArgon2 => Ok(format!("argon2{}", argon2(password)?)),
            AppScheme::WerkzeugScrypt => werkzeug_scrypt(password, &alphanumeric_salt(WERKZEUG_SALT_CHARS)?),
            AppScheme::WerkzeugPbkdf2 => Ok(werkzeug_pbkdf2(password, &alphanumeric_salt(WERKZEUG_SALT_CHARS)?)),
            AppScheme::DjangoPbkdf2Sha256 => Ok(django_pbkdf2(password, &alphanumeric_salt(DJANGO_SALT_CHARS)?)),
            // bcrypt reads 72 bytes at most, as Python's bcrypt before 5.0 did (5.0 refuses a longer
            // password outright: with it, such a user cannot log in to the application at all).
            AppScheme::Bcrypt if password.len() > BCRYPT_MAX_BYTES => Err(Error::Usage(format!(
                "The application's bcrypt hashes hold at most {BCRYPT_MAX_BYTES} bytes of a password (Python's \
                 bcrypt 5 refuses longer ones at login): choose a shorter password."
            ))),
            AppScheme::Bcrypt => Ok(bcrypt::hash_with_salt(password, BCRYPT_COST, random_bytes::<16>()?)
                .map_err(|e| hash_failed(&e))?
                .format_for_version(bcrypt::Version::TwoB)),
        }
    }

    /// A hash of this scheme with its current parameters that no password matches (its key is
    /// all zeros), so that verifying it is the work of a wrong password; `argon2` is authctl's
    /// such PHC string. Refused when verifying it would cost more than `limit`.
    pub(crate) fn decoy(self, argon2: &str, limit: Duration) -> Result<String> {
        let decoy = match self {
            AppScheme::Argon2 => argon2.to_owned(),
            AppScheme::DjangoArgon2 => format!("argon2{argon2}"),
            AppScheme::WerkzeugScrypt => format!(
                "{}${}${}",
                werkzeug_scrypt_method(),
                "0".repeat(WERKZEUG_SALT_CHARS),
                "0".repeat(128)
            ),
            AppScheme::WerkzeugPbkdf2 => format!(
                "pbkdf2:sha256:{PBKDF2_ITERATIONS}${}${}",
                "0".repeat(WERKZEUG_SALT_CHARS),
                "0".repeat(64)
            ),
            AppScheme::DjangoPbkdf2Sha256 => format!(
                "pbkdf2_sha256${PBKDF2_ITERATIONS}${}${}",
                "0".repeat(DJANGO_SALT_CHARS),
                STANDARD.encode([0u8; 32])
            ),
            // 22 characters of salt and 31 of key in bcrypt's base64, where '.' is zero.
            AppScheme::Bcrypt => format!("$2b${BCRYPT_COST}${}", ".".repeat(53)),
        };
        let parsed = StoredHash::parse(&decoy).map_err(|e| Error::storage_from("cannot make the decoy hash", e))?;
        parsed
            .cost()
            .check(&parsed.describe(), limit)
            .map_err(|e| Error::Usage(format!("Cannot write {self} hashes: {e}.")))?;
        Ok(decoy)
    }
}

impl AppScheme {
    /// A hash like `stored` (one of this scheme the application holds: its parameters and salt)
    /// whose key is all zeros, so that no password matches it: verifying it is the work of a
    /// wrong password for that account. `None` when `stored` is not of this scheme or would cost
    /// more than `limit`.
    pub fn decoy_like(self, stored: &str, limit: Duration) -> Option<String> {
        let (head, key) = match self {
            // `$2b$12$` + 22 characters of salt + 31 of key.
            AppScheme::Bcrypt => stored.split_at_checked(stored.len().checked_sub(31)?)?,
            _ => stored.rsplit_once('$')?,
        };
        let zero = match self {
            AppScheme::WerkzeugScrypt | AppScheme::WerkzeugPbkdf2 => '0',
            AppScheme::Bcrypt => '.',
            AppScheme::Argon2 | AppScheme::DjangoArgon2 | AppScheme::DjangoPbkdf2Sha256 => 'A',
        };
        let zeros: String = key.chars().map(|c| if c == '=' { c } else { zero }).collect();
        let decoy = match self {
            AppScheme::Bcrypt => format!("{head}{zeros}"),
            _ => format!("{head}${zeros}"),
        };
        let parsed = StoredHash::parse(&decoy).ok()?;
        (AppScheme::of(&parsed) == Some(self) && parsed.cost().check(&parsed.describe(), limit).is_ok())
            .then_some(decoy)
    }
}

impl fmt::Display for AppScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Werkzeug's method field of its default scrypt, `scrypt:32768:8:1`.
fn werkzeug_scrypt_method() -> String {
    format!("scrypt:{}:{SCRYPT_R}:{SCRYPT_P}", 1u32 << SCRYPT_LOG_N)
}

fn hash_failed(e: &dyn fmt::Display) -> Error {
    Error::storage_from("cannot hash password", e.to_string())
}

/// Werkzeug's `scrypt:32768:8:1$SALT$HEX` of `password` with `salt`.
fn werkzeug_scrypt(password: &[u8], salt: &str) -> Result<String> {
    let params = scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P).map_err(|e| hash_failed(&e))?;
    let mut key = Zeroizing::new([0u8; 64]);
    scrypt::scrypt(password, salt.as_bytes(), &params, &mut *key).map_err(|e| hash_failed(&e))?;
    Ok(format!("{}${salt}${}", werkzeug_scrypt_method(), hex(&*key)))
}

/// Werkzeug's `pbkdf2:sha256:1000000$SALT$HEX` of `password` with `salt`.
fn werkzeug_pbkdf2(password: &[u8], salt: &str) -> String {
    format!(
        "pbkdf2:sha256:{PBKDF2_ITERATIONS}${salt}${}",
        hex(&*pbkdf2_sha256(password, salt))
    )
}

/// Django's `pbkdf2_sha256$1000000$SALT$BASE64` of `password` with `salt`.
fn django_pbkdf2(password: &[u8], salt: &str) -> String {
    format!(
        "pbkdf2_sha256${PBKDF2_ITERATIONS}${salt}${}",
        STANDARD.encode(*pbkdf2_sha256(password, salt))
    )
}

/// PBKDF2-HMAC-SHA256 of `password` with the current iterations.
fn pbkdf2_sha256(password: &[u8], salt: &str) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt.as_bytes(), PBKDF2_ITERATIONS, &mut *key);
    key
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `len` random characters of `[A-Za-z0-9]`, each equally likely, as Werkzeug's `gen_salt` and
/// Django's `get_random_string` draw them.
fn alphanumeric_salt(len: usize) -> Result<String> {
    const CHARS: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut salt = String::with_capacity(len);
    while salt.len() < len {
        // Bytes from 248 (62 x 4) up would favour the first characters: they are skipped.
        for byte in random_bytes::<32>()? {
            if byte < 248 && salt.len() < len {
                salt.push(char::from(CHARS[usize::from(byte % 62)]));
            }
        }
    }
    Ok(salt)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::domain::hashes::DEFAULT_MAX_FOREIGN_HASH_COST;

    /// An argon2id PHC string, as authctl's decoy is one.
    fn argon2_phc() -> String {
        format!("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ${}", "A".repeat(43))
    }

    #[test]
    fn names_round_trip() {
        for scheme in AppScheme::ALL {
            assert_eq!(AppScheme::from_name(scheme.as_str()), Some(scheme));
            assert_eq!(scheme.to_string(), scheme.as_str());
        }
        for unknown in ["", "argon2id", "scrypt", "Bcrypt", "django-pbkdf2"] {
            assert_eq!(AppScheme::from_name(unknown), None, "{unknown}");
        }
        assert_eq!(AppScheme::default(), AppScheme::Argon2);
    }

    /// Whatever their parameters; the vectors are those of the format modules' tests.
    #[test]
    fn detects_the_scheme_that_wrote_a_hash() {
        let bcrypt = "$2b$04$8zzgitde1e3bxsfMkzwJ2e2XbuDHeHs1HnmwD9aqWY3wbpIIBerRC";
        for (stored, expected) in [
            (argon2_phc(), Some(AppScheme::Argon2)),
            (argon2_phc().replace("argon2id", "argon2i"), Some(AppScheme::Argon2)),
            (format!("argon2{}", argon2_phc()), Some(AppScheme::DjangoArgon2)),
            (
                "scrypt:1024:8:1$NaClNaCl$29215fd60b66dc8b2c91ff9b8aff77ca76217187ee9ac908e0c5d9987fd59a4a\
                 9bdc498e409dabed7f909d390269f5f43061a188f7e6ee2173d33fc3ed6b1ffa"
                    .to_owned(),
                Some(AppScheme::WerkzeugScrypt),
            ),
            (
                "pbkdf2:sha1:1000$0VQDIdsevYIKzI1v$78748c66723b748d2818784499767e380f426ec3".to_owned(),
                Some(AppScheme::WerkzeugPbkdf2),
            ),
            (
                "pbkdf2:sha1$m1KVevZr$5fa789213c971a504950c4afe138bf483ee16f34".to_owned(),
                Some(AppScheme::WerkzeugPbkdf2),
            ),
            (
                "pbkdf2_sha256$1000$pepper$gedcPL0GaEi5iRBONs6pjoZ7T4F4YBQdhznvbVGSheE=".to_owned(),
                Some(AppScheme::DjangoPbkdf2Sha256),
            ),
            (bcrypt.to_owned(), Some(AppScheme::Bcrypt)),
            (bcrypt.replace("$2b$", "$2a$"), Some(AppScheme::Bcrypt)),
            (bcrypt.replace("$2b$", "$2y$"), Some(AppScheme::Bcrypt)),
            // Formats authctl does not write.
            (
                "pbkdf2_sha1$1000$rPX60qzpZBQYktQPXx3fas$RlK8g/5Wd159xtu95A8QxUUI7lw=".to_owned(),
                None,
            ),
            (format!("bcrypt${bcrypt}"), None),
            (format!("bcrypt_sha256${bcrypt}"), None),
            (
                "$pbkdf2-sha256$1000$1drbm7OW8h4DAOA8x1irdQ$ALgy7LZNg.snEZSLPFBxSjd3jTz318A1Ig95B5VYvW8".to_owned(),
                None,
            ),
            (
                "sha1$J94uKeCplLkVQVPE$2e9f095424e8b61484b647a185392a1a49262b27".to_owned(),
                None,
            ),
            ("plain$$correct horse battery".to_owned(), None),
            ("$1$oiwF1SUY$WDsMzkBgyReF.6lpcJgiQ1".to_owned(), None),
            ("not a hash".to_owned(), None),
            ("$argon2id$v=19$garbage".to_owned(), None),
        ] {
            assert_eq!(AppScheme::detect(&stored), expected, "{stored}");
        }
    }

    /// Each decoy is a well-formed hash of its scheme with the current parameters (so verifying
    /// it takes the path of a real one), within the default limit.
    #[test]
    fn a_decoy_like_a_stored_hash_keeps_its_parameters_and_matches_nothing() {
        let stored = [
            (
                AppScheme::WerkzeugPbkdf2,
                "pbkdf2:sha256:1000$0VQDIdsevYIKzI1v$78748c66723b748d2818784499767e380f426ec3a3b4c5d6e7f8091a2b3c4d5e",
            ),
            (
                AppScheme::DjangoPbkdf2Sha256,
                "pbkdf2_sha256$1000$pepper$gedcPL0GaEi5iRBONs6pjoZ7T4F4YBQdhznvbVGSheE=",
            ),
            (
                AppScheme::Bcrypt,
                "$2b$04$8zzgitde1e3bxsfMkzwJ2e2XbuDHeHs1HnmwD9aqWY3wbpIIBerRC",
            ),
            (
                AppScheme::WerkzeugScrypt,
                "scrypt:1024:8:1$emn9ZreATYZib5Nt$d6a331e40e8f1cf38ad665dc4aab4cfc22e37c8143bafce04a6684a03b50\
                 bea114a910ef7bfcc7bafe398a89ed5625137a51c007775247af559ebd227494cfe9",
            ),
        ];
        let argon2 = argon2_phc().replace("AAAA", "abcd");
        for (scheme, hash) in stored.into_iter().chain([(AppScheme::Argon2, argon2.as_str())]) {
            let decoy = scheme
                .decoy_like(hash, DEFAULT_MAX_FOREIGN_HASH_COST)
                .unwrap_or_else(|| panic!("{scheme}"));
            let (parsed, original) = (StoredHash::parse(&decoy).unwrap(), StoredHash::parse(hash).unwrap());
            assert_eq!(
                parsed.describe(),
                original.describe(),
                "{scheme}: the parameters changed"
            );
            assert!(!parsed.matches(b"correct horse battery"), "{scheme}");
        }
        // Not of the scheme, or too costly: no decoy.
        assert_eq!(
            AppScheme::Bcrypt.decoy_like(
                "pbkdf2_sha256$1000$pepper$gedcPL0GaEi5iRBONs6pjoZ7T4F4YBQdhznvbVGSheE=",
                DEFAULT_MAX_FOREIGN_HASH_COST
            ),
            None
        );
        assert_eq!(
            AppScheme::Bcrypt.decoy_like(
                "$2b$04$8zzgitde1e3bxsfMkzwJ2e2XbuDHeHs1HnmwD9aqWY3wbpIIBerRC",
                Duration::from_micros(1)
            ),
            None
        );
    }

    #[test]
    fn decoys_are_current_hashes_of_their_scheme() {
        for scheme in AppScheme::ALL {
            let decoy = scheme.decoy(&argon2_phc(), DEFAULT_MAX_FOREIGN_HASH_COST).unwrap();
            let parsed = StoredHash::parse(&decoy).unwrap();
            assert_eq!(AppScheme::of(&parsed), Some(scheme), "{decoy}");
            assert!(scheme.is_current(&parsed, |_| true), "{decoy}");
        }
    }

    /// The 1,000,000 pbkdf2 iterations and Werkzeug's scrypt fit the lowest limit, 100 ms, by the
    /// cost model; bcrypt's cost 12 (about 233 ms) does not.
    #[test]
    fn the_limit_applies_to_the_schemes_own_hashes() {
        let lowest = Duration::from_millis(100);
        for scheme in [
            AppScheme::WerkzeugScrypt,
            AppScheme::WerkzeugPbkdf2,
            AppScheme::DjangoPbkdf2Sha256,
        ] {
            assert!(scheme.decoy(&argon2_phc(), lowest).is_ok(), "{scheme}");
        }
        let error = AppScheme::Bcrypt.decoy(&argon2_phc(), lowest).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert_eq!(
            error.to_string(),
            "Cannot write bcrypt hashes: bcrypt cost 12 would take about 233ms to verify, more than \
             max_foreign_hash_cost (100ms) allows."
        );
    }

    /// What Werkzeug 3.1.3's `generate_password_hash(PASSWORD)` and
    /// `generate_password_hash(PASSWORD, "pbkdf2")` and Django 5.2.19's `make_password(PASSWORD)`
    /// wrote, written again with their salts (each pbkdf2 apart: it takes seconds in the debug
    /// build).
    pub(crate) const WERKZEUG_SCRYPT: &str = "scrypt:32768:8:1$4dLLKPezaKssscvM$\
        92b28f064bdc6c49992ec6e9dae7b9601e162522f4128f2ffc7eaa1bca3a6c3e\
        2da7f0de16fd7a5d356a768bf57fb4631761923485dce726eccfbc2b3485a648";
    pub(crate) const WERKZEUG_PBKDF2: &str =
        "pbkdf2:sha256:1000000$55YmyhVF1rw9iDZT$86efb76c27a475956ce152dfeb9d3de64a0e4295c99b8a7d4d7a28e16f00297a";
    pub(crate) const DJANGO_PBKDF2: &str =
        "pbkdf2_sha256$1000000$nEeN69ydVBlLxSWmfgvTwB$LGm0DpbgGdBuGDIc5T/JPxEYf8mV39vqYHx8LHRFF64=";
    const PASSWORD: &[u8] = b"correct horse battery";

    #[test]
    fn writes_what_werkzeug_writes_for_scrypt() {
        assert_eq!(werkzeug_scrypt(PASSWORD, "4dLLKPezaKssscvM").unwrap(), WERKZEUG_SCRYPT);
    }

    #[test]
    fn writes_what_werkzeug_writes_for_pbkdf2() {
        assert_eq!(werkzeug_pbkdf2(PASSWORD, "55YmyhVF1rw9iDZT"), WERKZEUG_PBKDF2);
    }

    #[test]
    fn writes_what_django_writes() {
        assert_eq!(django_pbkdf2(PASSWORD, "nEeN69ydVBlLxSWmfgvTwB"), DJANGO_PBKDF2);
    }

    #[test]
    fn salts_are_alphanumeric() {
        let salt = alphanumeric_salt(1000).unwrap();
        assert_eq!(salt.len(), 1000);
        assert!(salt.bytes().all(|byte| byte.is_ascii_alphanumeric()), "{salt}");
        assert_ne!(salt, alphanumeric_salt(1000).unwrap());
    }
}
