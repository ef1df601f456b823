//! passlib, as Flask-Security-Too and Flask-User store it: `$pbkdf2-sha256$`, `$pbkdf2-sha512$`,
//! `$pbkdf2$` (sha1), `$bcrypt-sha256$` (versions 1 and 2), `$scrypt$`; its argon2 and bcrypt
//! hashes are the standard strings. Flask-Security-Too's HMAC pre-hash is here too.

use std::borrow::Cow;

use base64::Engine;
use base64::alphabet::Alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD, STANDARD_NO_PAD_INDIFFERENT};
use hmac::{KeyInit, Mac};
use sha2::Digest as _;
use zeroize::Zeroizing;

use super::{BcryptInput, Digest, Origin, StoredHash, bcrypt_hash, decode_base64, iterations_of, scrypt_params};
use crate::text::shown;

/// passlib's "adapted base64" (`ab64`): standard base64 with `.` for `+`, without padding.
const AB64: GeneralPurpose = GeneralPurpose::new(
    &match Alphabet::new("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789./") {
        Ok(alphabet) => alphabet,
        Err(_) => panic!("the ab64 alphabet is valid"),
    },
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A passlib hash, if `text` has the shape of one.
pub(super) fn parse(text: &str) -> Option<Result<StoredHash<'_>, String>> {
    for (prefix, digest) in [
        ("$pbkdf2-sha256$", Digest::Sha256),
        ("$pbkdf2-sha512$", Digest::Sha512),
        ("$pbkdf2$", Digest::Sha1),
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return Some(pbkdf2(digest, rest));
        }
    }
    if let Some(rest) = text.strip_prefix("$bcrypt-sha256$") {
        return Some(bcrypt_sha256(rest));
    }
    if let Some(rest) = text.strip_prefix("$scrypt$") {
        return Some(scrypt(rest));
    }
    None
}

fn pbkdf2(digest: Digest, rest: &str) -> Result<StoredHash<'_>, String> {
    let malformed = || format!("malformed passlib pbkdf2-{} hash", digest.name());
    let [rounds, salt, checksum] = super::fields::<3>(rest).ok_or_else(malformed)?;
    let salt = AB64.decode(salt).map_err(|_| malformed())?;
    if salt.len() > super::MAX_SALT_BYTES {
        return Err(malformed());
    }
    Ok(StoredHash::Pbkdf2 {
        origin: Origin::Passlib,
        digest,
        iterations: iterations_of(rounds)?,
        salt: Cow::Owned(salt),
        expected: decode_base64(&AB64, checksum, digest.len(), "passlib pbkdf2")?,
    })
}

/// `v=2,t=2b,r=12$SALT$DIGEST` (passlib 1.7.3 and later) or `2b,12$SALT$DIGEST` (version 1).
fn bcrypt_sha256(rest: &str) -> Result<StoredHash<'_>, String> {
    let malformed = || "malformed passlib bcrypt-sha256 hash".to_owned();
    let [config, salt, checksum] = super::fields::<3>(rest).ok_or_else(malformed)?;
    let (input, ident, rounds) = match config.strip_prefix("v=2,t=") {
        Some(rest) => {
            let (ident, rounds) = rest.split_once(",r=").ok_or_else(malformed)?;
            (BcryptInput::PasslibHmacSha256, ident, rounds)
        }
        None => {
            let (ident, rounds) = config.split_once(',').ok_or_else(malformed)?;
            (BcryptInput::PasslibSha256, ident, rounds)
        }
    };
    let known = matches!(
        (&input, ident),
        (BcryptInput::PasslibHmacSha256, "2b") | (BcryptInput::PasslibSha256, "2a" | "2b")
    );
    let rounds: u32 = rounds.parse().map_err(|_| malformed())?;
    if !known || salt.len() != 22 || checksum.len() != 31 || rounds > 99 {
        return Err(malformed());
    }
    bcrypt_hash(
        Origin::Passlib,
        input,
        Cow::Owned(format!("${ident}${rounds:02}${salt}{checksum}")),
    )
}

/// `ln=LOG2N,r=R,p=P$SALT$CHECKSUM`, in standard base64 without padding (passlib's `b64s`).
fn scrypt(rest: &str) -> Result<StoredHash<'_>, String> {
    let malformed = || format!("malformed passlib scrypt hash '{}'", shown(rest));
    let [config, salt, checksum] = super::fields::<3>(rest).ok_or_else(malformed)?;
    let numbers: Vec<&str> = config.split(',').collect();
    let [ln, r, p] = numbers[..] else {
        return Err(malformed());
    };
    let number = |field: &str, name: &str| -> Result<u32, String> {
        field
            .strip_prefix(name)
            .and_then(|value| value.parse().ok())
            .ok_or_else(malformed)
    };
    let (ln, r, p) = (number(ln, "ln=")?, number(r, "r=")?, number(p, "p=")?);
    if ln > 63 {
        return Err(format!("invalid scrypt parameters N=2^{ln} r={r} p={p}"));
    }
    let log_n = scrypt_params(1u64 << ln, r, p)?;
    let salt = STANDARD_NO_PAD_INDIFFERENT.decode(salt).map_err(|_| malformed())?;
    if salt.len() > super::MAX_SALT_BYTES {
        return Err(malformed());
    }
    Ok(StoredHash::Scrypt {
        origin: Origin::Passlib,
        log_n,
        r,
        p,
        salt: Cow::Owned(salt),
        expected: decode_base64(&STANDARD_NO_PAD_INDIFFERENT, checksum, 32, "passlib scrypt")?,
    })
}

/// What bcrypt is given for `password` under `input` (`hash` is the bcrypt string, whose 22
/// characters after `$2b$NN$` are the salt).
pub(super) fn bcrypt_key(input: &BcryptInput, hash: &str, password: &[u8]) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(match input {
        BcryptInput::Password => password.to_vec(),
        BcryptInput::PasslibSha256 => STANDARD.encode(sha2::Sha256::digest(password)).into_bytes(),
        BcryptInput::PasslibHmacSha256 => {
            let salt = hash.get(7..29).unwrap_or_default();
            let Ok(mut mac) = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(salt.as_bytes()) else {
                return Zeroizing::new(Vec::new());
            };
            mac.update(password);
            STANDARD.encode(mac.finalize().into_bytes()).into_bytes()
        }
        BcryptInput::DjangoSha256 => sha2::Sha256::digest(password)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
            .into_bytes(),
    })
}

/// Flask-Security-Too's `get_hmac`: base64 of HMAC-SHA512 keyed with `SECURITY_PASSWORD_SALT`,
/// which it hashes with passlib instead of the password whenever that salt is set.
pub fn flask_security_prehash(salt: &str, password: &[u8]) -> Zeroizing<Vec<u8>> {
    let Ok(mut mac) = <hmac::Hmac<sha2::Sha512> as KeyInit>::new_from_slice(salt.as_bytes()) else {
        return Zeroizing::new(Vec::new());
    };
    mac.update(password);
    Zeroizing::new(STANDARD.encode(mac.finalize().into_bytes()).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::super::StoredHash;
    use super::super::tests::{PASSWORD, assert_verifies};
    use super::flask_security_prehash;

    /// Recorded from the real passlib (libpass 1.9.4, the maintained fork Flask-Security-Too
    /// uses, with bcrypt 5.0.0 and argon2-cffi 25.1.0): `passlib.hash.SCHEME.using(…).hash(PASSWORD)`.
    const PASSLIB: &[(&str, &str)] = &[
        (
            "passlib-pbkdf2",
            "$pbkdf2-sha256$1000$Qai1lpJSqrXWeg.BcE6JkQ$YfMX.8vK8ubkLzy2dt2R1lvaTeOjjiXRly1plrogBJ8",
        ),
        (
            "passlib-pbkdf2",
            "$pbkdf2-sha512$1000$M8bY./8/5zyHsNb6/x8jRA$78Ku3u/os2ye50ZucYXElABT5n2/nNMo9kUY9GOw6Jias99OYEgzBeOP.xlSQYLhX.lR6FKKKrnYzCX5KAofeg",
        ),
        (
            "passlib-pbkdf2",
            "$pbkdf2$1000$M0ZozVnL2ftfa41RqvV.7w$FQ7/WVmjnu9zYusWxqR32Fd0PG0",
        ),
        (
            "passlib-bcrypt-sha256",
            "$bcrypt-sha256$v=2,t=2b,r=4$aSWQY6fbkLCz2S72aCogsu$jIM4eXFIOi6vsPBGpMP2eaaT2ije3j6",
        ),
        (
            "passlib-bcrypt-sha256",
            "$bcrypt-sha256$2b,4$azmwQM/TPVz8idBQKjuAp.$JC3rHaNy0tQfnTlEQOOxI9PkfnTc2ji",
        ),
        ("bcrypt", "$2b$04$53hLYUcUVwr1McmdCFRmnOfOM6NnuKV83ZMwXFHyUjxaBs0n11ZbK"),
        (
            "argon2",
            "$argon2id$v=19$m=64,t=1,p=1$IMQ4R6gVIiTE2HtvDQHg3A$IQBfpjSpE/BmsBBxPgc3SWi8QRKJ6vpiIoV2UG9Zudo",
        ),
        (
            "passlib-scrypt",
            "$scrypt$ln=10,r=8,p=1$EqLUOkeIkXIuBaBUSsmZMw$0QDmF1+hv+IWnHGgLdqzqhhrAr0uiU3uF/IqF43jR1o",
        ),
    ];

    #[test]
    fn verifies_passlib() {
        for (scheme, stored) in PASSLIB {
            assert_verifies(scheme, stored, PASSWORD);
        }
    }

    /// The same library, given Flask-Security-Too's `get_hmac(PASSWORD)` with
    /// `SECURITY_PASSWORD_SALT = "flask-security-salt"` (base64 of HMAC-SHA512). For bcrypt, the
    /// first 72 bytes of it: bcrypt before 5.0 cut longer input there itself (5.0 refuses it).
    const FLASK_SECURITY: &[(&str, &str)] = &[
        ("bcrypt", "$2b$04$8zzgitde1e3bxsfMkzwJ2e2XbuDHeHs1HnmwD9aqWY3wbpIIBerRC"),
        (
            "passlib-pbkdf2",
            "$pbkdf2-sha512$1000$7L0XgrCW8t47h/AeozTG.A$1Ne.aKA11m4aJ4/RBR6COK7RBEfRh9q9n4YfkfCAkshVXRvP.MnOu8.YtmuwNX1EGzmXAe7lryhAamFYTMmGbA",
        ),
        (
            "argon2",
            "$argon2id$v=19$m=64,t=1,p=1$TwnhvJeSkvKec24NoRTCeA$YdUXebqNRVtEa6XI4z2G2yo7eWIC/Rnqjyn331/Wx1w",
        ),
    ];

    #[test]
    fn verifies_flask_security_pre_hashed() {
        let prehashed = flask_security_prehash("flask-security-salt", PASSWORD.as_bytes());
        let wrong = flask_security_prehash("another salt", PASSWORD.as_bytes());
        for (scheme, stored) in FLASK_SECURITY {
            let hash = StoredHash::parse(stored).unwrap();
            assert_eq!(hash.scheme(), *scheme);
            assert!(hash.passlib_may_have_written(), "{stored}");
            assert!(hash.matches(&prehashed), "{stored}");
            assert!(!hash.matches(PASSWORD.as_bytes()), "{stored}");
            assert!(!hash.matches(&wrong), "{stored}");
        }
    }

    #[test]
    fn refuses_malformed_passlib_hashes() {
        for bad in [
            "$pbkdf2-sha256$1000$salt$short",
            "$pbkdf2-sha256$0$Qai1lpJSqrXWeg.BcE6JkQ$YfMX.8vK8ubkLzy2dt2R1lvaTeOjjiXRly1plrogBJ8",
            "$bcrypt-sha256$v=3,t=2b,r=4$aSWQY6fbkLCz2S72aCogsu$jIM4eXFIOi6vsPBGpMP2eaaT2ije3j6",
            "$bcrypt-sha256$v=2,t=2b,r=4$short$jIM4eXFIOi6vsPBGpMP2eaaT2ije3j6",
            "$scrypt$ln=1000,r=8,p=1$EqLUOkeIkXIuBaBUSsmZMw$0QDmF1+hv+IWnHGgLdqzqhhrAr0uiU3uF/IqF43jR1o",
            "$scrypt$ln=10,r=8$EqLUOkeIkXIuBaBUSsmZMw$0QDmF1+hv+IWnHGgLdqzqhhrAr0uiU3uF/IqF43jR1o",
        ] {
            assert!(StoredHash::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
