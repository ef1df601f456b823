//! Django's `make_password`: `pbkdf2_sha256$`, `pbkdf2_sha1$`, `argon2$argon2id$…`,
//! `bcrypt_sha256$`, `bcrypt$`, `scrypt$`, as `django.contrib.auth.hashers` writes them.

use std::borrow::Cow;

use base64::engine::general_purpose::STANDARD;

use super::{
    BcryptInput, Digest, Origin, StoredHash, bcrypt_hash, decode_base64, iterations_of, parse_argon2, salt_of,
    scrypt_params,
};

/// A Django hash, if `text` has the shape of one.
pub(super) fn parse(text: &str) -> Option<Result<StoredHash<'_>, String>> {
    let (algorithm, rest) = text.split_once('$')?;
    Some(match algorithm {
        "pbkdf2_sha256" => pbkdf2(Digest::Sha256, rest),
        "pbkdf2_sha1" => pbkdf2(Digest::Sha1, rest),
        // `argon2` + the argon2-cffi PHC string.
        "argon2" => parse_argon2(&text["argon2".len()..]).map(|phc| StoredHash::Argon2 {
            phc,
            origin: Origin::Django,
        }),
        "bcrypt" => bcrypt_hash(Origin::Django, BcryptInput::Password, Cow::Borrowed(rest)),
        "bcrypt_sha256" => bcrypt_hash(Origin::Django, BcryptInput::DjangoSha256, Cow::Borrowed(rest)),
        "scrypt" => scrypt(rest),
        _ => return None,
    })
}

/// `ITERATIONS$SALT$BASE64`.
fn pbkdf2(digest: Digest, rest: &str) -> Result<StoredHash<'_>, String> {
    let what = format!("Django pbkdf2_{}", digest.name());
    let [iterations, salt, encoded] = super::fields::<3>(rest).ok_or_else(|| format!("malformed {what} hash"))?;
    Ok(StoredHash::Pbkdf2 {
        origin: Origin::Django,
        digest,
        iterations: iterations_of(iterations)?,
        salt: Cow::Borrowed(salt_of(salt)?.as_bytes()),
        expected: decode_base64(&STANDARD, encoded, digest.len(), &what)?,
    })
}

/// `N$SALT$r$p$BASE64` with a 64-byte key (Django 4.0 and later).
fn scrypt(rest: &str) -> Result<StoredHash<'_>, String> {
    let malformed = || "malformed Django scrypt hash".to_owned();
    let [n, salt, r, p, encoded] = super::fields::<5>(rest).ok_or_else(malformed)?;
    let (n, r, p) = (
        n.parse().map_err(|_| malformed())?,
        r.parse().map_err(|_| malformed())?,
        p.parse().map_err(|_| malformed())?,
    );
    Ok(StoredHash::Scrypt {
        origin: Origin::Django,
        log_n: scrypt_params(n, r, p)?,
        r,
        p,
        salt: Cow::Borrowed(salt_of(salt)?.as_bytes()),
        expected: decode_base64(&STANDARD, encoded, 64, "Django scrypt")?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::StoredHash;
    use super::super::tests::{PASSWORD, assert_verifies};

    /// Recorded from the real Django 5.2.19 (`settings.configure()`, then each hasher's
    /// `encode(PASSWORD, salt, …)` with cheap parameters: 1000 iterations, argon2 m=64 t=1 p=1,
    /// bcrypt rounds 4, scrypt N=1024).
    const DJANGO: &[(&str, &str)] = &[
        (
            "django-pbkdf2",
            "pbkdf2_sha256$1000$NMpoNtsKsJxmQ9tU0B1IOm$xZUY3b+wMSNmiMlJs38FF/1dXSHd/GsCqe4Kbc/buvk=",
        ),
        (
            "django-pbkdf2",
            "pbkdf2_sha1$1000$rPX60qzpZBQYktQPXx3fas$RlK8g/5Wd159xtu95A8QxUUI7lw=",
        ),
        (
            "django-argon2",
            "argon2$argon2id$v=19$m=64,t=1,p=1$U0RWOXdHZlNWUU5Gd1J4TE0zZGtYMA$J/ptV1y0UMomnXV0XayPR1FBLjPBR1P1pvCknIMzMSo",
        ),
        (
            "django-bcrypt-sha256",
            "bcrypt_sha256$$2b$04$6Zn4U.Hqnc6qwmxqfDEUVORbTFR4RYeip7.gp6U9VAzUrgCVvN8CK",
        ),
        (
            "django-bcrypt",
            "bcrypt$$2b$04$rtII.a8.iVcWZGvg.lPMI.KU0GYLdSaBYDmVujhsuKYMBZM6kSimm",
        ),
        (
            "django-scrypt",
            "scrypt$1024$aHQ06tk6IKaNMvopQCW5qE$8$1$NoCnmpEFgBd+XS5vsnd5cZ9PNE2w2WBpep8RVxmUh2875kqVSzgY+u0qbl7WfHShSHsCrnboh/XFLekKG/CnVA==",
        ),
        // Made by Python's hashlib exactly as Django calls it (kept from before).
        (
            "django-pbkdf2",
            "pbkdf2_sha256$1000$pepper$gedcPL0GaEi5iRBONs6pjoZ7T4F4YBQdhznvbVGSheE=",
        ),
    ];

    #[test]
    fn verifies_django() {
        for (scheme, stored) in DJANGO {
            assert_verifies(scheme, stored, PASSWORD);
        }
    }

    #[test]
    fn refuses_malformed_django_hashes() {
        for bad in [
            "pbkdf2_sha256$1000$pepper$short",
            "pbkdf2_sha1$1000$pepper$gedcPL0GaEi5iRBONs6pjoZ7T4F4YBQdhznvbVGSheE=",
            "argon2$argon2id$v=19$garbage",
            "bcrypt$$2b$04$short",
            "scrypt$1000$salt$8$1$AAAA",
            "scrypt$1024$salt$8$AAAA",
        ] {
            assert!(StoredHash::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
