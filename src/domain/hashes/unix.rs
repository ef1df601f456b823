//! Unix crypt, as `/etc/shadow`, `chpasswd -e`, `mkpasswd`, `openssl passwd` and `htpasswd`
//! write it: md5-crypt `$1$` and Apache's `$apr1$`, sha-crypt `$5$`/`$6$`, yescrypt `$y$`, and
//! htpasswd's `{SHA}` (bcrypt `$2?$` is parsed with the standard formats).
//!
//! md5-crypt is computed here, on RustCrypto's `md-5`: no maintained crate implements it with
//! Apache's `$apr1$` magic (`pwhash` knows `$1$` only and pins 2020 versions of the RustCrypto
//! crates; `unix-crypt` panics on salts shorter than 8 characters; RustCrypto's own `md5-crypt` was
//! never released). It is Poul-Henning Kamp's fixed 1000-round construction, checked here against
//! `openssl passwd`, `mkpasswd` and `htpasswd`.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use md5::{Digest as _, Md5};
use sha_crypt::PasswordVerifier as _;

use super::{Digest, Origin, StoredHash, decode_base64};
use crate::text::shown;

/// The alphabet of crypt's base64.
const CRYPT64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A Unix crypt hash (or `{SHA}`), if `text` has the shape of one.
pub(super) fn parse(text: &str) -> Option<Result<StoredHash<'_>, String>> {
    if let Some(encoded) = text.strip_prefix("{SHA}") {
        return Some(
            decode_base64(&STANDARD, encoded, 20, "{SHA}").map(|expected| StoredHash::Keyed {
                origin: Origin::Standard,
                digest: Digest::Sha1,
                salt: "",
                expected,
            }),
        );
    }
    for magic in ["$1$", "$apr1$"] {
        if let Some(rest) = text.strip_prefix(magic) {
            return Some(md5_crypt_hash(magic, rest));
        }
    }
    if let Some(rest) = text.strip_prefix("$5$") {
        return Some(sha_crypt_hash(false, rest, text));
    }
    if let Some(rest) = text.strip_prefix("$6$") {
        return Some(sha_crypt_hash(true, rest, text));
    }
    if let Some(rest) = text.strip_prefix("$y$") {
        return Some(yescrypt_hash(rest, text));
    }
    None
}

fn is_crypt64(text: &str) -> bool {
    text.bytes().all(|b| CRYPT64.contains(&b))
}

fn md5_crypt_hash<'a>(magic: &'static str, rest: &'a str) -> Result<StoredHash<'a>, String> {
    let malformed = || format!("malformed md5-crypt hash: expected {magic}SALT$HASH");
    let [salt, expected] = super::fields::<2>(rest).ok_or_else(malformed)?;
    if salt.len() > 8 || expected.len() != 22 || !is_crypt64(expected) {
        return Err(malformed());
    }
    Ok(StoredHash::Md5Crypt { magic, salt, expected })
}

fn sha_crypt_hash<'a>(sha512: bool, rest: &str, text: &'a str) -> Result<StoredHash<'a>, String> {
    let (prefix, key_chars) = if sha512 { ("$6$", 86) } else { ("$5$", 43) };
    let malformed = || format!("malformed sha-crypt hash: expected {prefix}[rounds=N$]SALT$HASH");
    let (rounds, rest) = match rest.strip_prefix("rounds=") {
        Some(rest) => {
            let (rounds, rest) = rest.split_once('$').ok_or_else(malformed)?;
            (rounds.parse::<u32>().map_err(|_| malformed())?, rest)
        }
        None => (sha_crypt::Params::RECOMMENDED_ROUNDS, rest),
    };
    if !(sha_crypt::Params::ROUNDS_MIN..=sha_crypt::Params::ROUNDS_MAX).contains(&rounds) {
        return Err(format!(
            "sha-crypt rounds {rounds} are outside its range {} to {}",
            sha_crypt::Params::ROUNDS_MIN,
            sha_crypt::Params::ROUNDS_MAX
        ));
    }
    let [salt, expected] = super::fields::<2>(rest).ok_or_else(malformed)?;
    if salt.len() > 16 || !is_crypt64(salt) || expected.len() != key_chars || !is_crypt64(expected) {
        return Err(malformed());
    }
    Ok(StoredHash::ShaCrypt {
        sha512,
        rounds,
        hash: text,
    })
}

fn yescrypt_hash<'a>(rest: &str, text: &'a str) -> Result<StoredHash<'a>, String> {
    let malformed = || "malformed yescrypt hash: expected $y$PARAMS$SALT$HASH".to_owned();
    let [params, salt, expected] = super::fields::<3>(rest).ok_or_else(malformed)?;
    if salt.is_empty() || !is_crypt64(salt) || expected.len() != 43 || !is_crypt64(expected) {
        return Err(malformed());
    }
    let decoded =
        YescryptParams::decode(params).ok_or_else(|| format!("malformed yescrypt parameters '{}'", shown(params)))?;
    if params.parse::<yescrypt::Params>().is_err() {
        return Err(format!("unsupported yescrypt parameters {decoded}"));
    }
    Ok(StoredHash::Yescrypt {
        params: decoded,
        hash: text,
    })
}

/// The cost parameters of a yescrypt hash, decoded from its `$y$` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YescryptParams {
    /// N (a power of two).
    pub n: u64,
    /// Block size.
    pub r: u32,
    /// Parallelism.
    pub p: u32,
    /// Extra time factor.
    pub t: u32,
}

impl YescryptParams {
    /// Decodes yescrypt's packed parameters: flavor, log2 N, r, then (when present) a bit set
    /// saying which of p, t, g and NROM follow. Each is a variable-length number of crypt base64
    /// digits, as yescrypt's `decode64_uint32` reads them.
    fn decode(field: &str) -> Option<Self> {
        let mut digits = field.bytes();
        let mut next = |min: u32| decode64_uint32(&mut digits, min);
        let _flavor = next(0)?;
        let log_n = next(1)?;
        let r = next(1)?;
        let (mut p, mut t) = (1, 0);
        if let Some(have) = next(1) {
            if have & 1 != 0 {
                p = next(2)?;
            }
            if have & 2 != 0 {
                t = next(1)?;
            }
        }
        (log_n < 64).then(|| YescryptParams { n: 1 << log_n, r, p, t })
    }

    /// The 128·r-byte blocks its SMix passes over, and the memory it takes: N·r blocks written
    /// once, then read and written again a third of N times at t=0, two thirds at t=1, t-1 times
    /// N at t≥2 (the `Nloop` of yescrypt's `smix`).
    pub fn work(&self) -> (u128, u128) {
        let (n, r) = (u128::from(self.n), u128::from(self.r));
        let thirds = match self.t {
            0 => 4,
            1 => 5,
            t => 3 * u128::from(t),
        };
        (n * r * thirds / 3, 128 * r * (n + u128::from(self.p)))
    }
}

impl fmt::Display for YescryptParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let YescryptParams { n, r, p, t } = self;
        write!(f, "yescrypt N={n} r={r} p={p} t={t}")
    }
}

/// One number of yescrypt's parameter encoding (a port of its `decode64_uint32`).
fn decode64_uint32(digits: &mut impl Iterator<Item = u8>, min: u32) -> Option<u32> {
    let value = |digit: u8| CRYPT64.iter().position(|&c| c == digit).map(|v| v as u32);
    let first = value(digits.next()?)?;
    let (mut start, mut end, mut chars, mut bits) = (0u32, 47u32, 1u32, 0u32);
    let mut number = u64::from(min);
    while first > end {
        number += u64::from(end + 1 - start) << bits;
        start = end + 1;
        end = start + (62 - end) / 2;
        chars += 1;
        bits += 6;
    }
    number += u64::from(first - start) << bits;
    while chars > 1 {
        chars -= 1;
        bits -= 6;
        number += u64::from(value(digits.next()?)?) << bits;
    }
    u32::try_from(number).ok()
}

/// md5-crypt of `password` with `magic` (`$1$` or `$apr1$`) and `salt` (at most 8 characters):
/// the 22 characters of its checksum.
pub(super) fn md5_crypt(password: &[u8], magic: &str, salt: &str) -> String {
    let salt = salt.as_bytes();
    let alternate = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut context = Md5::new().chain_update(password).chain_update(magic).chain_update(salt);
    // As many bytes of the alternate digest as the password has, repeating it.
    for start in (0..password.len()).step_by(16) {
        context.update(&alternate[..16.min(password.len() - start)]);
    }
    // The bits of the length pick a NUL byte or the first byte of the password (C's `pw[0]`,
    // also NUL for an empty password).
    let mut length = password.len();
    while length > 0 {
        let byte = if length & 1 == 1 {
            0
        } else {
            password.first().copied().unwrap_or(0)
        };
        context.update([byte]);
        length >>= 1;
    }
    let mut digest = context.finalize();
    for round in 0..1000 {
        let mut context = Md5::new();
        if round % 2 == 1 {
            context.update(password);
        } else {
            context.update(digest);
        }
        if round % 3 != 0 {
            context.update(salt);
        }
        if round % 7 != 0 {
            context.update(password);
        }
        if round % 2 == 1 {
            context.update(digest);
        } else {
            context.update(password);
        }
        digest = context.finalize();
    }
    let d = digest;
    let mut out = String::with_capacity(22);
    let mut push = |value: u32, count: usize| {
        for i in 0..count {
            out.push(CRYPT64[((value >> (6 * i)) & 0x3f) as usize] as char);
        }
    };
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        push(u32::from(d[a]) << 16 | u32::from(d[b]) << 8 | u32::from(d[c]), 4);
    }
    push(u32::from(d[11]), 2);
    out
}

/// Whether `password` matches a `$5$` or `$6$` hash (compared in constant time by `sha-crypt`).
pub(super) fn sha_crypt_matches(password: &[u8], hash: &str) -> bool {
    sha_crypt::ShaCrypt::default().verify_password(password, hash).is_ok()
}

/// Whether `password` matches a `$y$` hash (compared in constant time by `yescrypt`).
pub(super) fn yescrypt_matches(password: &[u8], hash: &str) -> bool {
    yescrypt::Yescrypt::default().verify_password(password, hash).is_ok()
}

#[cfg(test)]
mod tests {
    use super::super::StoredHash;
    use super::super::tests::{PASSWORD, assert_verifies};
    use super::YescryptParams;

    /// Recorded from the real tools of Debian 12: `mkpasswd` (whois 5.5.17), `openssl passwd`
    /// (OpenSSL 3.0.19), `htpasswd` (apache2-utils 2.4.71), each given PASSWORD.
    const UNIX: &[(&str, &str)] = &[
        ("md5-crypt", "$1$oiwF1SUY$WDsMzkBgyReF.6lpcJgiQ1"), // mkpasswd -m md5crypt
        ("md5-crypt", "$1$gL9J.Ojq$lEZZfqZCdPgyfijUbw7YL."), // openssl passwd -1
        ("md5-crypt", "$1$ab$JPIcyCxjnn15eBNqz2gaM0"),       // openssl passwd -1 -salt ab
        ("apr1-md5", "$apr1$Igxa3eyU$eRyHMWg.gdBQFcSf5now8."), // openssl passwd -apr1
        ("apr1-md5", "$apr1$s8PSU/Om$bbIfMFoBsRuafNkeeq5Wl0"), // htpasswd -m
        ("apr1-md5", "$apr1$x$N3zB.pqFHfKoUZPpZosnU/"),      // openssl passwd -apr1 -salt x
        // mkpasswd -m sha256crypt, and with -R 1000
        (
            "sha256-crypt",
            "$5$bUYfvfNB/LEeuq.A$mQXw53ZZb0brlh7DUD8pXNXQTRM0iMboPuIW42lSh.5",
        ),
        (
            "sha256-crypt",
            "$5$rounds=1000$YRE6o3Rk892J0Bks$PxpOcMfCQctrWWgduH1og9663CugMhuCONtfFA6T7DA",
        ),
        (
            "sha256-crypt",
            "$5$A2xsuxPC.VYoDL/A$OjO53OzX93NIoCo56dOgoJaAsUBb9nZrzx.4tzqjaR5",
        ), // openssl passwd -5
        // mkpasswd -m sha512crypt, with -R 1000, openssl passwd -6, htpasswd -5
        (
            "sha512-crypt",
            "$6$d5N1GFzipfGbkQw8$QU.35n3bTj6x0vxgUKSLEUvAtGPSZWfKeJDnsx1qqLW55CS8lcvOoolPQjt4Eg2U8OjFockIS88d8mqFg6hz/0",
        ),
        (
            "sha512-crypt",
            "$6$rounds=1000$V2PAnNvr/1m5Snek$fTXjzcZt97PKp84IuJtYRZKrFi/gx.f2eYgZSbmtsncJ/QjkVZhsPlj3JZxh.8IHxiYqiiSiHXMFmbVGaAKPn.",
        ),
        (
            "sha512-crypt",
            "$6$G5A5tH5aYVoub5o7$c1xRFXrCL9OVo4h9jueXaRekzFwEOQyvGIQOVEcOGtxB58yo.5Z9pzAapuySRosvqy2f5GXrv9dAhh4HXZoRR1",
        ),
        (
            "sha512-crypt",
            "$6$jzMfDdiQqLMTkMP5$GXEgT.z.BpWA9JufEP1nuaRhMf3J98S.SV6dyKl0Zy2WVG89yU6VboqEASf8vH6VvB.fAO7EnUMmxRiPpw2mg0",
        ),
        // mkpasswd -m yescrypt (Debian's default, N=4096 r=32), and with -R 1
        (
            "yescrypt",
            "$y$j9T$0QC32o6/qWxQNcv7DCrku.$uGxvQXvQ5P/yh8mgD9nwQUcVXgkSzgiF9gKXZTIW.E.",
        ),
        (
            "yescrypt",
            "$y$j75$0OSMYlx7F1ShMj7.FwIvF/$dgRF8k3KjLbiyi6nD4tLbPtb9pN.Qz9AbeFOwuJEGN.",
        ),
        ("bcrypt", "$2b$05$ueeBgPfzYJ1L4co41JGPruCx3PMW2yiRkFubhPJMCGIDDkkxsYWme"), // mkpasswd -m bcrypt -R 4
        ("bcrypt", "$2a$05$sh4gc6dANZKhB4lv/6Kl..w20cjNJACPZ5GH4bYkWbB2mGERH0xYC"), // mkpasswd -m bcrypt-a
        ("bcrypt", "$2y$04$kP26o7oXCqcawEWPNRfaBOvfPLHAqOTe7MGWHTURW2qNjcUE3w98."), // htpasswd -B -C 4
        ("htpasswd-sha1", "{SHA}mN7MYuzjmaIu0w1JDvMzvn/ec4U="),                     // htpasswd -s
    ];

    #[test]
    fn verifies_unix_crypt() {
        for (scheme, stored) in UNIX {
            assert_verifies(scheme, stored, PASSWORD);
        }
    }

    #[test]
    fn decodes_yescrypt_parameters() {
        let params = |field: &str| YescryptParams::decode(field).unwrap();
        assert_eq!(
            params("j9T"),
            YescryptParams {
                n: 4096,
                r: 32,
                p: 1,
                t: 0
            }
        );
        assert_eq!(
            params("j75"),
            YescryptParams {
                n: 1024,
                r: 8,
                p: 1,
                t: 0
            }
        );
        // N=2^20 r=8 p=2 t=3, encoded by yescrypt's own encode64_uint32.
        let Ok(custom) = yescrypt::Params::new_with_all_params(yescrypt::Mode::default(), 1 << 20, 8, 2, 3, 0) else {
            panic!("valid parameters")
        };
        assert_eq!(
            params(&custom.to_string()),
            YescryptParams {
                n: 1 << 20,
                r: 8,
                p: 2,
                t: 3
            }
        );
    }

    #[test]
    fn refuses_malformed_unix_hashes() {
        for bad in [
            "$1$toolongsalt$WDsMzkBgyReF.6lpcJgiQ1",
            "$1$oiwF1SUY$short",
            "$5$rounds=999$YRE6o3Rk892J0Bks$PxpOcMfCQctrWWgduH1og9663CugMhuCONtfFA6T7DA",
            "$5$rounds=x$YRE6o3Rk892J0Bks$PxpOcMfCQctrWWgduH1og9663CugMhuCONtfFA6T7DA",
            "$6$d5N1GFzipfGbkQw8$short",
            "$y$j9T$salt$short",
            "$y$!!!$0QC32o6/qWxQNcv7DCrku.$uGxvQXvQ5P/yh8mgD9nwQUcVXgkSzgiF9gKXZTIW.E.",
            "{SHA}short",
        ] {
            assert!(StoredHash::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
