//! Passwords: the policy they must pass, and argon2id hashing in PHC strings.

use std::fmt;

use std::cell::RefCell;

use argon2::password_hash::{Output, PasswordHash, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::domain::hashes::StoredHash;
use crate::domain::token::random_bytes;
use crate::error::{Error, Result};

/// Shortest accepted password, in characters after NFKC normalisation.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted password, in characters after NFKC normalisation.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// A password, NFKC-normalised (and as typed, for hashes made by other systems, which did not
/// normalise). Its `Debug` never shows it and it is zeroed on drop.
pub struct Password {
    normalized: Zeroizing<String>,
    typed: Zeroizing<String>,
}

impl Password {
    /// Normalises a typed password without judging it (for logging in with an existing one).
    pub fn new(typed: &str) -> Self {
        Password {
            normalized: Zeroizing::new(typed.nfkc().collect()),
            typed: Zeroizing::new(typed.to_owned()),
        }
    }

    /// Normalises a new password and checks it against the policy: 8 to 1024 characters, any
    /// characters at all, no composition rules.
    pub fn new_checked(typed: &str) -> Result<Self> {
        let password = Password::new(typed);
        let chars = password.normalized.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(Error::Usage(format!(
                "Password rejected: it must be at least {MIN_PASSWORD_CHARS} characters long."
            )));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(Error::Usage(format!(
                "Password rejected: it must be at most {MAX_PASSWORD_CHARS} characters long."
            )));
        }
        Ok(password)
    }

    fn as_bytes(&self) -> &[u8] {
        self.normalized.as_bytes()
    }

    /// The spellings to try against a stored hash: normalised, then as typed when that differs.
    fn spellings(&self) -> impl Iterator<Item = &[u8]> {
        let typed = (*self.typed != *self.normalized).then_some(self.typed.as_bytes());
        std::iter::once(self.normalized.as_bytes()).chain(typed)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
thread_local! {
    /// Password-hash evaluations made by this thread: tests compare the work of two paths with it.
    pub(crate) static EVALUATIONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts one evaluation of a password hash (in tests; nothing otherwise).
fn evaluated() {
    #[cfg(test)]
    EVALUATIONS.with(|count| count.set(count.get() + 1));
}

/// argon2id cost parameters; the defaults are OWASP's (m=19456 KiB, t=2, p=1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory cost in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Degree of parallelism (lanes).
    pub parallelism: u32,
}

impl Default for HashParams {
    fn default() -> Self {
        HashParams {
            memory_kib: 19456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// What verifying a password against a stored hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The password is wrong (or the stored hash is unusable).
    Mismatch,
    /// The password is right and the hash uses the current parameters.
    Match,
    /// The password is right but the hash, of the scheme named, should be remade with the
    /// current argon2id parameters.
    MatchNeedsRehash(&'static str),
}

/// Hashes and verifies passwords with one set of argon2id parameters.
#[derive(Clone)]
pub struct Hasher {
    params: HashParams,
    argon2: Argon2<'static>,
    /// A PHC string with the current parameters that no password matches: verifying against it
    /// is exactly the work of a wrong password for an account with a current hash.
    decoy: String,
}

impl Hasher {
    /// A hasher for `params`, refusing parameters argon2 cannot use.
    pub fn new(params: HashParams) -> Result<Self> {
        let argon_params = Params::new(params.memory_kib, params.iterations, params.parallelism, None)
            .map_err(|e| Error::Usage(format!("Invalid argon2 parameters {params:?}: {e}")))?;
        let invalid =
            |e: argon2::password_hash::Error| Error::Usage(format!("Invalid argon2 parameters {params:?}: {e}"));
        let salt = SaltString::encode_b64(&[0u8; 16]).map_err(invalid)?;
        let decoy = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: (&argon_params).try_into().map_err(invalid)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&[0u8; Params::DEFAULT_OUTPUT_LEN]).map_err(invalid)?),
        }
        .to_string();
        Ok(Hasher {
            params,
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params),
            decoy,
        })
    }

    /// The parameters new hashes are made with.
    pub fn params(&self) -> HashParams {
        self.params
    }

    /// Hashes `password` with a fresh random salt into a PHC string.
    ///
    /// Each thread keeps its argon2 block memory between hashes: a bulk import then costs the
    /// hashing alone, not a fresh 19 MiB allocation (and its page faults) per password.
    pub fn hash(&self, password: &Password) -> Result<String> {
        thread_local! {
            static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
        }
        let failed = |e: &dyn std::fmt::Display| Error::Storage(format!("cannot hash password: {e}"));
        let salt_bytes = random_bytes::<16>()?;
        let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| failed(&e))?;
        let params = self.argon2.params();
        evaluated();
        let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
        BLOCKS.with_borrow_mut(|blocks| {
            blocks.resize(params.block_count(), Block::default());
            self.argon2
                .hash_password_into_with_memory(password.as_bytes(), &salt_bytes, &mut output, &mut blocks[..])
                .map_err(|e| failed(&e))
        })?;
        let hash = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: params.try_into().map_err(|e| failed(&e))?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&output).map_err(|e| failed(&e))?),
        };
        Ok(hash.to_string())
    }

    /// Verifies `password` against a stored hash: an argon2 PHC string with any parameters, or
    /// one of the foreign formats of [`StoredHash`] (which always need a rehash).
    pub fn verify(&self, password: &Password, stored: &str) -> Verdict {
        let parsed = match StoredHash::parse(stored) {
            Ok(StoredHash::Argon2(parsed)) => parsed,
            Ok(foreign) => {
                let matches = |spelling| {
                    evaluated();
                    foreign.matches_foreign(spelling)
                };
                return if password.spellings().any(matches) {
                    Verdict::MatchNeedsRehash(foreign.scheme())
                } else {
                    Verdict::Mismatch
                };
            }
            Err(_) => {
                self.spend_equal_time(password);
                return Verdict::Mismatch;
            }
        };
        let argon2 = Argon2::default();
        let matches = |spelling| {
            evaluated();
            argon2.verify_password(spelling, &parsed).is_ok()
        };
        if !password.spellings().any(matches) {
            return Verdict::Mismatch;
        }
        if self.is_current(&parsed) {
            Verdict::Match
        } else {
            Verdict::MatchNeedsRehash("argon2")
        }
    }

    /// Does the work of a wrong password for an account with a current argon2id hash, spelling
    /// for spelling, so that an unknown account (or one refused without checking the password)
    /// answers as slowly as a known one.
    pub fn spend_equal_time(&self, password: &Password) {
        let _ = self.verify(password, &self.decoy);
    }

    fn is_current(&self, parsed: &PasswordHash<'_>) -> bool {
        let same_params = Params::try_from(parsed).is_ok_and(|p| {
            p.m_cost() == self.params.memory_kib
                && p.t_cost() == self.params.iterations
                && p.p_cost() == self.params.parallelism
        });
        parsed.algorithm == Algorithm::Argon2id.ident() && parsed.version == Some(Version::V0x13.into()) && same_params
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: HashParams = HashParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[test]
    fn policy_counts_characters_not_bytes() {
        assert!(Password::new_checked("short").is_err());
        assert!(Password::new_checked("ééééééé").is_err());
        assert!(Password::new_checked("éééééééé").is_ok());
        assert!(Password::new_checked(&"x".repeat(1024)).is_ok());
        assert!(Password::new_checked(&"x".repeat(1025)).is_err());
    }

    #[test]
    fn nfkc_makes_equivalent_spellings_equal() {
        let hasher = Hasher::new(CHEAP).unwrap();
        // "ﬁ" (U+FB01) is NFKC-equivalent to "fi"; "é" composed vs decomposed.
        let stored = hasher.hash(&Password::new("ﬁle-caf\u{e9}")).unwrap();
        assert_eq!(
            hasher.verify(&Password::new("file-cafe\u{301}"), &stored),
            Verdict::Match
        );
    }

    #[test]
    fn verifies_and_detects_stale_parameters() {
        let hasher = Hasher::new(CHEAP).unwrap();
        let stored = hasher.hash(&Password::new("correct horse")).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert_eq!(hasher.verify(&Password::new("correct horse"), &stored), Verdict::Match);
        assert_eq!(hasher.verify(&Password::new("wrong horse"), &stored), Verdict::Mismatch);
        assert_eq!(hasher.verify(&Password::new("x"), "not a hash"), Verdict::Mismatch);

        let stronger = Hasher::new(HashParams {
            memory_kib: 128,
            ..CHEAP
        })
        .unwrap();
        assert_eq!(
            stronger.verify(&Password::new("correct horse"), &stored),
            Verdict::MatchNeedsRehash("argon2")
        );
    }

    #[test]
    fn foreign_hashes_match_and_ask_for_a_rehash() {
        let hasher = Hasher::new(CHEAP).unwrap();
        let werkzeug = "pbkdf2:sha256:1000$saltsalt$daf2eb9b12bc60544e9c64cbea88a73b86df4f4da0bd3a697856f3ec75b3e57d";
        assert_eq!(
            hasher.verify(&Password::new("correct horse battery"), werkzeug),
            Verdict::MatchNeedsRehash("werkzeug-pbkdf2")
        );
        assert_eq!(
            hasher.verify(&Password::new("correct horse"), werkzeug),
            Verdict::Mismatch
        );
    }

    #[test]
    fn default_parameters_are_owasp() {
        let hasher = Hasher::new(HashParams::default()).unwrap();
        let stored = hasher.hash(&Password::new("correct horse")).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
    }

    #[test]
    fn redacts_debug() {
        assert_eq!(format!("{:?}", Password::new("hunter22")), "Password(<redacted>)");
    }
}
