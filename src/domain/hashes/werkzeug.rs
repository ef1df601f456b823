//! Werkzeug's `generate_password_hash`, every version: `pbkdf2:DIGEST[:ITERATIONS]$SALT$HEX`,
//! `scrypt[:N:r:p]$SALT$HEX`, and before 2.3 the salted HMAC `DIGEST$SALT$HEX` (a plain digest
//! when the salt is empty) and `plain$$PASSWORD`, as its `_hash_internal` computes them.

use std::borrow::Cow;

use super::{Digest, Origin, StoredHash, decode_hex, iterations_of, salt_of, scrypt_params};
use crate::text::shown;

/// The iterations of a `pbkdf2:DIGEST$…` hash that gives none: Werkzeug 0.9 to 0.14 documented
/// that form (`pbkdf2:sha1$salt$hash`) and filled in its `DEFAULT_PBKDF2_ITERATIONS`, 1000.
/// (Werkzeug 0.15 and later would fill in their own, larger default, but never wrote the form.)
pub const OMITTED_PBKDF2_ITERATIONS: u32 = 1000;

/// Werkzeug 2.3's default scrypt parameters, for a bare `scrypt$SALT$HEX`.
const DEFAULT_SCRYPT: (u64, u32, u32) = (1 << 15, 8, 1);

/// A Werkzeug hash, if `text` has the shape of one.
pub(super) fn parse(text: &str) -> Option<Result<StoredHash<'_>, String>> {
    let (method, rest) = text.split_once('$')?;
    if let Some(args) = method.strip_prefix("pbkdf2:") {
        return Some(pbkdf2(args, rest));
    }
    // A bare `scrypt$SALT$HEX` is Werkzeug's; `scrypt$N$SALT$r$p$KEY` is Django's.
    if method.starts_with("scrypt:") || (method == "scrypt" && rest.matches('$').count() == 1) {
        return Some(scrypt(method, rest));
    }
    if method == "plain" {
        // `check_password_hash` splits at the first two `$`: the password may hold more.
        let (_salt, password) = rest.split_once('$')?;
        return Some(if password.is_empty() {
            Err("malformed Werkzeug plain hash: no password".to_owned())
        } else {
            Ok(StoredHash::Plaintext { password })
        });
    }
    let digest = Digest::from_name(method)?;
    let [salt, hex] = super::fields::<2>(rest)?;
    Some(salted(digest, salt, hex))
}

fn pbkdf2<'a>(args: &str, rest: &'a str) -> Result<StoredHash<'a>, String> {
    let malformed = || format!("malformed Werkzeug pbkdf2 hash 'pbkdf2:{}'", shown(args));
    let (name, iterations) = match args.split_once(':') {
        Some((name, iterations)) => (name, iterations_of(iterations)?),
        None => (args, OMITTED_PBKDF2_ITERATIONS),
    };
    let digest = Digest::from_name(name).ok_or_else(|| format!("unknown Werkzeug pbkdf2 digest '{}'", shown(name)))?;
    let [salt, hex] = super::fields::<2>(rest).ok_or_else(malformed)?;
    if salt.is_empty() {
        return Err(malformed());
    }
    Ok(StoredHash::Pbkdf2 {
        origin: Origin::Werkzeug,
        digest,
        iterations,
        salt: Cow::Borrowed(salt_of(salt)?.as_bytes()),
        expected: decode_hex(hex, digest.len())?,
    })
}

fn scrypt<'a>(method: &str, rest: &'a str) -> Result<StoredHash<'a>, String> {
    let malformed = || format!("malformed Werkzeug scrypt parameters '{}'", shown(method));
    let (n, r, p) = match method.strip_prefix("scrypt:") {
        None => DEFAULT_SCRYPT,
        Some(params) => {
            let numbers: Vec<&str> = params.split(':').collect();
            let [n, r, p] = numbers[..] else {
                return Err(malformed());
            };
            (
                n.parse().map_err(|_| malformed())?,
                r.parse().map_err(|_| malformed())?,
                p.parse().map_err(|_| malformed())?,
            )
        }
    };
    let log_n = scrypt_params(n, r, p)?;
    let [salt, hex] = super::fields::<2>(rest).ok_or("malformed Werkzeug scrypt hash: expected METHOD$SALT$HASH")?;
    if salt.is_empty() {
        return Err("malformed Werkzeug scrypt hash: expected METHOD$SALT$HASH".to_owned());
    }
    Ok(StoredHash::Scrypt {
        origin: Origin::Werkzeug,
        log_n,
        r,
        p,
        salt: Cow::Borrowed(salt_of(salt)?.as_bytes()),
        expected: decode_hex(hex, 64)?,
    })
}

fn salted<'a>(digest: Digest, salt: &'a str, hex: &str) -> Result<StoredHash<'a>, String> {
    Ok(StoredHash::Keyed {
        origin: Origin::Werkzeug,
        digest,
        salt: salt_of(salt)?,
        expected: decode_hex(hex, digest.len())?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{PASSWORD, assert_verifies};

    /// Recorded from the real Werkzeug 2.2.3 (`generate_password_hash(PASSWORD, METHOD)`, each
    /// checked there with `check_password_hash`); the unsalted ones are its `_hash_internal(METHOD,
    /// "", PASSWORD)`, which its `check_password_hash` accepts.
    const WERKZEUG_2_2: &[(&str, &str)] = &[
        (
            "werkzeug-pbkdf2",
            "pbkdf2:md5:1000$oKOlPbuk9dPYbNlF$0ed7f8e08d4b575a46f755d7112cf1ed",
        ),
        (
            "werkzeug-pbkdf2",
            "pbkdf2:sha1:1000$0VQDIdsevYIKzI1v$78748c66723b748d2818784499767e380f426ec3",
        ),
        (
            "werkzeug-pbkdf2",
            "pbkdf2:sha224:1000$VBP3KpgS6QRGIVlZ$c7a7b403647314180482881715456093989e4231571f33cb9f7a90f3",
        ),
        (
            "werkzeug-pbkdf2",
            "pbkdf2:sha256:1000$MwiW7eWEdR4JrQxL$c3dde72d365626fd0c9388c399d797c03502a80a1b826fcc7bb1e374908c1175",
        ),
        (
            "werkzeug-pbkdf2",
            "pbkdf2:sha384:1000$FqXrMpLuMv0itzoO$f89dcb00cf7d7c9a1a263de1c6815eeae1e0bdc83a0eb2924a5dfac37e2b0904b7513d65767bad9228654aaf8f7533c6",
        ),
        (
            "werkzeug-pbkdf2",
            "pbkdf2:sha512:1000$IXgl7SGGsBZ5WAoh$46acef57107d2da4040b86918eedce9bfe84462454944bdd0bab62f55bcb819ce3d46d421e9e53898f29ad483e6aeda5bc58f1d1e8d3fec32ecfdff958e4d9b8",
        ),
        (
            "werkzeug-salted",
            "sha1$J94uKeCplLkVQVPE$2e9f095424e8b61484b647a185392a1a49262b27",
        ),
        (
            "werkzeug-salted",
            "md5$qoTURFk6AF2bWwUb$619f60dc408f2d7e2c8503a7f622b0ed",
        ),
        (
            "werkzeug-salted",
            "sha224$TaJVEukSHpHp3yHB$4ac09e225c27db58f4b99750117ff7a60a4d82621e093e90b3e4eebf",
        ),
        (
            "werkzeug-salted",
            "sha256$4l4N0L8YfOM6pfoR$725d2fc49a72662623a0380668a485bf53e3165e72895bec9d8d27ffd97f9886",
        ),
        (
            "werkzeug-salted",
            "sha384$RQFx0pLNybjUfTuk$b5d96b7a550f1544a73727ce6e5ee09ef9db6f5df9d8d96d9550638a5e5c316e4e74311d85ab5be35906bddd632c92bd",
        ),
        (
            "werkzeug-salted",
            "sha512$ydJzWuswxh4tOJBV$2f7ed4a8b25474f2ec5590034396068243f55ed62e56efcddfee052c1b296fa64c71206dae69139d8d390cf15aa0937bfce985e16685d79cddcb8af8ac295204",
        ),
        ("werkzeug-salted", "sha1$$98decc62ece399a22ed30d490ef333be7fde7385"),
        ("werkzeug-salted", "md5$$88e4ddd2402d92d50e1879d6ecd9ffd4"),
        (
            "werkzeug-salted",
            "sha256$$9028ea0d15decaa35b2da21c0290af3b1a5ba0a30a591906f89b5074e209ea72",
        ),
        ("werkzeug-plain", "plain$$correct horse battery"),
    ];

    #[test]
    fn verifies_werkzeug_2_2() {
        for (scheme, stored) in WERKZEUG_2_2 {
            assert_verifies(scheme, stored, PASSWORD);
        }
    }

    /// Werkzeug 0.11.15's `generate_password_hash(PASSWORD, "pbkdf2:sha1")` wrote
    /// `pbkdf2:sha1:1000$m1KVevZr$5fa7…`; its `check_password_hash` accepts the same hash with the
    /// iterations left out, the form its documentation shows.
    #[test]
    fn omitted_iterations_are_werkzeug_0_11s_default() {
        assert_verifies(
            "werkzeug-pbkdf2",
            "pbkdf2:sha1$m1KVevZr$5fa789213c971a504950c4afe138bf483ee16f34",
            PASSWORD,
        );
        assert_verifies(
            "werkzeug-pbkdf2",
            "pbkdf2:sha1:1000$m1KVevZr$5fa789213c971a504950c4afe138bf483ee16f34",
            PASSWORD,
        );
    }

    /// Werkzeug 3.1.3's `generate_password_hash(PASSWORD, "scrypt:1024:8:1")`.
    #[test]
    fn verifies_werkzeug_3_scrypt() {
        assert_verifies("werkzeug-scrypt", WERKZEUG_3_SCRYPT, PASSWORD);
    }

    const WERKZEUG_3_SCRYPT: &str = "scrypt:1024:8:1$emn9ZreATYZib5Nt$d6a331e40e8f1cf38ad665dc4aab4cfc22e37c8143bafce04a6684a03b50bea114a910ef7bfcc7bafe398a89ed5625137a51c007775247af559ebd227494cfe9";

    #[test]
    fn refuses_malformed_werkzeug_hashes() {
        for bad in [
            "pbkdf2:md5:1000$salt$00",
            "pbkdf2:sha1:0$salt$78748c66723b748d2818784499767e380f426ec3",
            "pbkdf2:sha1:1000$salt$00",
            "pbkdf2:sha1:x$salt$78748c66723b748d2818784499767e380f426ec3",
            "pbkdf2:whirlpool:1000$salt$00",
            "sha1$salt$2e9f",
            "sha1$salt$x$y",
            "plain$$",
            "scrypt:1024:8$salt$00",
        ] {
            assert!(super::super::StoredHash::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
