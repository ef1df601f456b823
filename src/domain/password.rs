//! Passwords: the policy they must pass, and hashing them: argon2id PHC strings, or the format
//! of the application whose users authctl administers.

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::domain::argon2_memory;
use crate::domain::common_passwords;
use crate::domain::error::{Error, Result};
use crate::domain::hashes::{
    AppScheme, Cost, DEFAULT_MAX_FOREIGN_HASH_COST, MAX_HASH_MEMORY_BYTES, StoredHash, flask_security_prehash,
};
use crate::domain::token::random_bytes;

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

    /// Normalises a new password and checks the rules about it alone: 8 to 1024 characters (any
    /// characters at all, no composition rules), not one of the 100,000 most common passwords.
    /// The rules relating it to its account are [`crate::domain::policy::PasswordPolicy`]'s.
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
        if common_passwords::contains(&password.normalized)? {
            return Err(Error::Usage(
                "Password rejected: it is one of the 100,000 most common passwords.".to_owned(),
            ));
        }
        Ok(password)
    }

    fn as_bytes(&self) -> &[u8] {
        self.normalized.as_bytes()
    }

    /// The password as typed: what a web application hashes and verifies (none normalises).
    fn typed(&self) -> &[u8] {
        self.typed.as_bytes()
    }

    /// The NFKC-normalised password, for the policy's checks.
    pub(crate) fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The spellings to try against a stored hash: normalised, then as typed when that differs.
    fn spellings(&self) -> impl Iterator<Item = &[u8]> {
        let typed = (*self.typed != *self.normalized).then_some(self.typed.as_bytes());
        std::iter::once(self.normalized.as_bytes()).chain(typed)
    }

    /// The NFKD form, when it differs from both spellings: Flask-Security-Too normalises every
    /// password to NFKD (its `SECURITY_PASSWORD_NORMALIZE_FORM`) before passlib hashes it.
    fn nfkd(&self) -> Option<Zeroizing<String>> {
        let nfkd: Zeroizing<String> = Zeroizing::new(self.typed.nfkd().collect());
        (*nfkd != *self.normalized && *nfkd != *self.typed).then_some(nfkd)
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

/// The allowed values of the `argon2_memory_kib` setting: argon2's minimum up to the memory cap
/// of every hash ([`MAX_HASH_MEMORY_BYTES`]).
pub const ARGON2_MEMORY_KIB: RangeInclusive<u32> = 8..=(MAX_HASH_MEMORY_BYTES / 1024) as u32;
/// The allowed values of the `argon2_iterations` setting (their product with the memory is
/// bounded by `max_foreign_hash_cost` too).
pub const ARGON2_ITERATIONS: RangeInclusive<u32> = 1..=100;
/// The allowed values of the `argon2_parallelism` setting (authctl computes the lanes on one
/// thread: more lanes add no strength, only cost).
pub const ARGON2_PARALLELISM: RangeInclusive<u32> = 1..=64;

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
    /// The password is right but the hash, of the scheme named, should be remade in the
    /// hasher's scheme with its current parameters.
    MatchNeedsRehash(&'static str),
}

/// What is taken over of the foreign formats that need a setting.
#[derive(Clone, Default)]
pub struct ForeignHashes {
    /// Whether Werkzeug's `plain$$PASSWORD` is accepted (the setting `accept_plaintext_hashes`).
    pub accept_plaintext: bool,
    /// Flask-Security-Too's `SECURITY_PASSWORD_SALT` (the setting `passlib_hmac_salt`): with it,
    /// the hashes passlib may have written are also tried with its HMAC pre-hash.
    pub passlib_hmac_salt: Option<Zeroizing<String>>,
}

impl fmt::Debug for ForeignHashes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForeignHashes")
            .field("accept_plaintext", &self.accept_plaintext)
            .field(
                "passlib_hmac_salt",
                &self.passlib_hmac_salt.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Hashes passwords in one scheme (argon2id with one set of parameters by default) and verifies
/// them, verifying no stored hash that would cost more than its limit.
#[derive(Clone)]
pub struct Hasher {
    params: HashParams,
    argon2: Argon2<'static>,
    scheme: AppScheme,
    /// Whether the hashes are an application's ([`Hasher::with_scheme`]): an import then takes
    /// over only the formats its library verifies.
    application: bool,
    /// A hash in the scheme with the current parameters that no password matches: verifying
    /// against it is exactly the work of a wrong password for an account with a current hash.
    decoy: String,
    max_cost: Duration,
    foreign: ForeignHashes,
}

impl Hasher {
    /// A hasher for `params` that verifies hashes costing up to the default
    /// `max_foreign_hash_cost`.
    pub fn new(params: HashParams) -> Result<Self> {
        Hasher::with_max_cost(params, DEFAULT_MAX_FOREIGN_HASH_COST)
    }

    /// A hasher for `params` that verifies stored hashes costing up to `max_cost` (and
    /// [`MAX_HASH_MEMORY_BYTES`]); refuses parameters argon2 cannot use or whose own hashes would
    /// cost more than that.
    pub fn with_max_cost(params: HashParams, max_cost: Duration) -> Result<Self> {
        let HashParams {
            memory_kib,
            iterations,
            parallelism,
        } = params;
        let settings = format!(
            "argon2_memory_kib={memory_kib} with argon2_iterations={iterations} and argon2_parallelism={parallelism}"
        );
        let invalid = |e: &dyn fmt::Display| {
            Error::Usage(format!(
                "Invalid argon2 settings {settings}: {e} (argon2 needs at least 8 KiB of memory per lane: \
                 argon2_memory_kib of 8 x argon2_parallelism or more)."
            ))
        };
        let argon_params = Params::new(memory_kib, iterations, parallelism, None).map_err(|e| invalid(&e))?;
        Cost::argon2(memory_kib, iterations, parallelism)
            .check(&settings, max_cost)
            .map_err(|e| Error::Usage(format!("Invalid argon2 settings: {e}.")))?;
        let decoy = argon2_decoy(&argon_params).map_err(|e| invalid(&e))?;
        Ok(Hasher {
            params,
            argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params),
            scheme: AppScheme::Argon2,
            application: false,
            decoy,
            max_cost,
            foreign: ForeignHashes::default(),
        })
    }

    /// This hasher, writing new hashes in `scheme` (with authctl's argon2 parameters for the
    /// argon2 ones); refuses a scheme whose own hashes would cost more than the limit to verify.
    pub fn with_scheme(self, scheme: AppScheme) -> Result<Self> {
        let argon2 = argon2_decoy(self.argon2.params())
            .map_err(|e| Error::storage_from("cannot make the decoy hash", e.to_string()))?;
        let decoy = scheme.decoy(&argon2, self.max_cost)?;
        Ok(Hasher {
            scheme,
            decoy,
            application: true,
            ..self
        })
    }

    /// This hasher, whose decoy is `decoy` (an application's hash with a zero key, from
    /// [`AppScheme::decoy_like`]): an unknown account then costs what the application's
    /// accounts do, not what a hash authctl writes would.
    pub fn with_decoy(self, decoy: Option<&str>) -> Self {
        match decoy.filter(|decoy| self.check_stored(decoy).is_ok()) {
            Some(decoy) => Hasher {
                decoy: decoy.to_owned(),
                ..self
            },
            None => self,
        }
    }

    /// This hasher, taking over the foreign formats that need a setting as `foreign` says.
    pub fn with_foreign(self, foreign: ForeignHashes) -> Self {
        Hasher { foreign, ..self }
    }

    /// Parses a stored hash (from an import, say) and checks that verifying it would cost no more
    /// than this hasher's limit; otherwise says what is wrong with it.
    pub fn check_stored<'h>(&self, stored: &'h str) -> std::result::Result<StoredHash<'h>, String> {
        let hash = StoredHash::parse_within(stored, self.max_cost)?;
        if matches!(hash, StoredHash::Plaintext { .. }) && !self.foreign.accept_plaintext {
            return Err(
                "Werkzeug's plain$$ format holds the password itself, not a hash: refused \
                        unless the setting accept_plaintext_hashes is on"
                    .to_owned(),
            );
        }
        Ok(hash)
    }

    /// [`Hasher::check_stored`] for a hash an import would write: for an application's
    /// database, also one of the formats its library verifies.
    pub fn check_importable<'h>(&self, stored: &'h str) -> std::result::Result<StoredHash<'h>, String> {
        let hash = self.check_stored(stored)?;
        let library = self.scheme.library();
        // `pbkdf2:sha256$SALT$HEX` leaves the count out: Werkzeug 3 reads its own default then,
        // not the 1000 of the Werkzeug that wrote it, and would refuse the password.
        let omitted_count = stored
            .split('$')
            .next()
            .is_some_and(|method| method.starts_with("pbkdf2:") && method.matches(':').count() == 1);
        if self.application && omitted_count {
            return Err(
                "a Werkzeug pbkdf2 hash without its iteration count, which today's Werkzeug reads with another count"
                    .to_owned(),
            );
        }
        if self.application && AppScheme::of(&hash).map(AppScheme::library) != Some(library) {
            return Err(format!(
                "the hash is {}, which the application cannot verify: it verifies {library} hashes only",
                hash.scheme()
            ));
        }
        Ok(hash)
    }

    /// The argon2 parameters new hashes are made with (in the argon2 schemes).
    pub fn params(&self) -> HashParams {
        self.params
    }

    /// The scheme new hashes are written in.
    pub fn scheme(&self) -> AppScheme {
        self.scheme
    }

    /// Hashes `password` in the hasher's scheme with a fresh random salt: authctl's own argon2id
    /// PHC string hashes it NFKC-normalised; the application formats hash it as typed, as the
    /// application will when the user logs in there.
    pub fn hash(&self, password: &Password) -> Result<String> {
        evaluated();
        match self.scheme {
            AppScheme::Argon2 => self.hash_argon2(password.as_bytes()),
            scheme => scheme.hash(password.typed(), |typed| self.hash_argon2(typed)),
        }
    }

    /// Hashes `password` with a fresh random salt into an argon2id PHC string.
    ///
    /// Each thread keeps its argon2 block memory between hashes: a bulk import then costs the
    /// hashing alone, not a fresh 19 MiB allocation (and its page faults) per password.
    fn hash_argon2(&self, password: &[u8]) -> Result<String> {
        let failed = |e: &dyn std::fmt::Display| Error::storage_from("cannot hash password", e.to_string());
        let salt_bytes = random_bytes::<16>()?;
        let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| failed(&e))?;
        let params = self.argon2.params();
        let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
        argon2_memory::with_blocks(params.block_count(), |blocks| {
            self.argon2
                .hash_password_into_with_memory(password, &salt_bytes, &mut output, blocks)
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

    /// Verifies `password` against a stored hash: an argon2 PHC string, or one of the foreign
    /// formats of [`StoredHash`]; any but a hash in the hasher's scheme with its current
    /// parameters needs a rehash. A hash that cannot be verified or would cost more than the
    /// limit (written by another program, or before the limit was lowered) is not computed: it
    /// is a mismatch, after the time of a wrong password.
    ///
    /// A hash that passlib may have written (not an argon2id hash with the current parameters,
    /// authctl's own) is also tried in NFKD when that differs, as Flask-Security-Too normalises;
    /// and with `passlib_hmac_salt` set, each spelling is tried as it is and then with
    /// Flask-Security-Too's pre-hash.
    pub fn verify(&self, password: &Password, stored: &str) -> Verdict {
        let hash = match self.check_stored(stored) {
            Ok(hash) => hash,
            Err(_) => {
                self.spend_equal_time(password);
                return Verdict::Mismatch;
            }
        };
        let longest = password.spellings().map(<[u8]>::len).max().unwrap_or(0);
        if hash.cost_for_password(longest).time > self.max_cost {
            self.spend_equal_time(password);
            return Verdict::Mismatch;
        }
        let own = hash.standard_argon2().is_some_and(|phc| self.is_current(phc));
        let passlib = !own && hash.passlib_may_have_written();
        let salt = self.foreign.passlib_hmac_salt.as_ref().filter(|_| passlib);
        let nfkd = passlib.then(|| password.nfkd()).flatten();
        let matches = |spelling: &[u8]| {
            evaluated();
            if hash.matches(spelling) {
                return true;
            }
            salt.is_some_and(|salt| {
                evaluated();
                hash.matches(&flask_security_prehash(salt, spelling))
            })
        };
        if !password
            .spellings()
            .chain(nfkd.as_ref().map(|nfkd| nfkd.as_bytes()))
            .any(matches)
        {
            return Verdict::Mismatch;
        }
        if self.scheme.is_current(&hash, |phc| self.is_current(phc)) {
            Verdict::Match
        } else {
            Verdict::MatchNeedsRehash(hash.scheme())
        }
    }

    /// Does the work of a wrong password for an account with a current hash in the hasher's
    /// scheme, spelling for spelling, so that an unknown account (or one refused without checking
    /// the password) answers as slowly as a known one.
    pub fn spend_equal_time(&self, password: &Password) {
        let _ = self.verify(password, &self.decoy);
    }

    /// Whether an argon2 PHC string is argon2id with the current parameters. An application's
    /// own argon2id hash of any parameters is current: argon2-cffi's `check_needs_rehash`
    /// upgrades it to the application's parameters at its logins, and rewriting it back to
    /// authctl's would undo that at every login.
    fn is_current(&self, parsed: &PasswordHash<'_>) -> bool {
        if self.application {
            return parsed.algorithm == Algorithm::Argon2id.ident();
        }
        let same_params = Params::try_from(parsed).is_ok_and(|p| {
            p.m_cost() == self.params.memory_kib
                && p.t_cost() == self.params.iterations
                && p.p_cost() == self.params.parallelism
        });
        parsed.algorithm == Algorithm::Argon2id.ident() && parsed.version == Some(Version::V0x13.into()) && same_params
    }
}

/// An argon2id PHC string with `params` that no password matches: a zero salt and a zero hash.
fn argon2_decoy(params: &Params) -> std::result::Result<String, argon2::password_hash::Error> {
    let salt = SaltString::encode_b64(&[0u8; 16])?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: params.try_into()?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&[0u8; Params::DEFAULT_OUTPUT_LEN])?),
    }
    .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::hashes;

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
    fn plaintext_hashes_need_the_setting() {
        let plain = "plain$$correct horse battery";
        let refusing = Hasher::new(CHEAP).unwrap();
        assert!(
            refusing
                .check_stored(plain)
                .unwrap_err()
                .contains("refused unless the setting accept_plaintext_hashes is on")
        );
        assert_eq!(
            refusing.verify(&Password::new("correct horse battery"), plain),
            Verdict::Mismatch
        );
        let accepting = Hasher::new(CHEAP).unwrap().with_foreign(ForeignHashes {
            accept_plaintext: true,
            ..ForeignHashes::default()
        });
        assert_eq!(
            accepting.verify(&Password::new("correct horse battery"), plain),
            Verdict::MatchNeedsRehash("werkzeug-plain")
        );
        assert_eq!(
            accepting.verify(&Password::new("correct horse batter"), plain),
            Verdict::Mismatch
        );
    }

    /// Flask-Security-Too hashed `get_hmac(password)` with passlib (vectors recorded in
    /// `hashes::passlib`); authctl's own hashes are never pre-hashed.
    #[test]
    fn passlib_hmac_salt_applies_the_flask_security_pre_hash() {
        let bcrypt = "$2b$04$8zzgitde1e3bxsfMkzwJ2e2XbuDHeHs1HnmwD9aqWY3wbpIIBerRC";
        let argon2 = "$argon2id$v=19$m=64,t=1,p=1$TwnhvJeSkvKec24NoRTCeA$YdUXebqNRVtEa6XI4z2G2yo7eWIC/Rnqjyn331/Wx1w";
        let password = Password::new("correct horse battery");
        let plain = Hasher::new(CHEAP).unwrap();
        // Not CHEAP: an argon2id hash with the hasher's own parameters is taken as authctl's.
        let params = HashParams {
            memory_kib: 128,
            ..CHEAP
        };
        let salted = |salt: &str| {
            Hasher::new(params).unwrap().with_foreign(ForeignHashes {
                passlib_hmac_salt: Some(Zeroizing::new(salt.to_owned())),
                ..ForeignHashes::default()
            })
        };
        for (stored, scheme) in [(bcrypt, "bcrypt"), (argon2, "argon2")] {
            assert_eq!(plain.verify(&password, stored), Verdict::Mismatch);
            assert_eq!(salted("another salt").verify(&password, stored), Verdict::Mismatch);
            assert_eq!(
                salted("flask-security-salt").verify(&password, stored),
                Verdict::MatchNeedsRehash(scheme)
            );
        }
        // authctl's own hash: the password as typed, one evaluation for a wrong one.
        let hasher = salted("flask-security-salt");
        let own = hasher.hash(&password).unwrap();
        assert_eq!(hasher.verify(&password, &own), Verdict::Match);
        EVALUATIONS.with(|count| count.set(0));
        assert_eq!(
            hasher.verify(&Password::new("wrong horse battery"), &own),
            Verdict::Mismatch
        );
        assert_eq!(EVALUATIONS.with(|count| count.get()), 1);
        assert!(!format!("{:?}", hasher.foreign).contains("flask-security-salt"));
    }

    /// sha-crypt hashes the password in every round: a long password against a costly hash is
    /// not computed, a short one is.
    #[test]
    fn sha_crypt_is_priced_for_the_password_given() {
        let hasher = Hasher::new(CHEAP).unwrap();
        // sha512-crypt with 1,000,000 rounds: about 0.25 s for a short password, more than the
        // 1s limit for one of 1000 bytes.
        let stored = "$6$rounds=1000000$saltsalt$".to_owned() + &"A".repeat(86);
        assert!(hasher.check_stored(&stored).is_ok());
        let hash = StoredHash::parse(&stored).unwrap();
        assert!(hash.cost_for_password(21).time < Duration::from_millis(500));
        assert!(hash.cost_for_password(1000).time > Duration::from_secs(1));
        EVALUATIONS.with(|count| count.set(0));
        let long = "x".repeat(1000);
        assert_eq!(hasher.verify(&Password::new(&long), &stored), Verdict::Mismatch);
        // Only the decoy's argon2 was computed.
        assert_eq!(EVALUATIONS.with(|count| count.get()), 1);
    }

    /// passlib's `pbkdf2_sha256.using(rounds=1000).hash(nfkd)` (libpass 1.9.4), `nfkd` being the
    /// NFKD form of "crème brûlée battery", as Flask-Security-Too normalises before hashing: the
    /// password typed in NFC logs in.
    #[test]
    fn passlib_hashes_are_also_tried_in_nfkd() {
        let hasher = Hasher::new(CHEAP).unwrap();
        let stored = "$pbkdf2-sha256$1000$1drbm7OW8h4DAOA8x1irdQ$ALgy7LZNg.snEZSLPFBxSjd3jTz318A1Ig95B5VYvW8";
        assert_eq!(
            hasher.verify(&Password::new("cr\u{e8}me br\u{fb}l\u{e9}e battery"), stored),
            Verdict::MatchNeedsRehash("passlib-pbkdf2")
        );
        assert_eq!(
            hasher.verify(&Password::new("creme brulee battery"), stored),
            Verdict::Mismatch
        );
    }

    #[test]
    fn default_parameters_are_owasp() {
        let hasher = Hasher::new(HashParams::default()).unwrap();
        let stored = hasher.hash(&Password::new("correct horse")).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
    }

    /// Hashes another program wrote into the database: computing any of them would abort the
    /// process (m=4294967295 KiB), run for minutes or hours, or take 8 GiB. Each is a mismatch,
    /// answered without computing it (or this test would not finish).
    #[test]
    fn hostile_stored_hashes_are_mismatches_without_being_computed() {
        let hasher = Hasher::new(CHEAP).unwrap();
        let key = "A".repeat(43);
        for stored in [
            format!("$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ${key}"),
            format!("$argon2id$v=19$m=4294967295,t=1,p=16777215$c2FsdHNhbHQ${key}"),
            format!("$argon2i$v=19$m=8,t=100000000,p=1$c2FsdHNhbHQ${key}"),
            format!("$2b$31${}", &bcrypt::hash("x", 4).unwrap()[7..]),
            format!("scrypt:1048576:64:1$salt${}", "0".repeat(128)),
            format!("pbkdf2:sha256:4000000000$salt${}", "0".repeat(64)),
        ] {
            assert_eq!(
                hasher.verify(&Password::new("correct horse battery"), &stored),
                Verdict::Mismatch,
                "{stored}"
            );
        }
    }

    /// A hash over the limit is not computed even with the right password: lowering
    /// max_foreign_hash_cost makes it unusable.
    #[test]
    fn the_limit_applies_at_verification() {
        let password = "correct horse battery";
        // Werkzeug's scrypt with N=65536, r=8: about 140 ms by the cost model.
        let mut key = [0u8; 64];
        let params = scrypt::Params::new(16, 8, 1).unwrap();
        scrypt::scrypt(password.as_bytes(), b"salt", &params, &mut key).unwrap();
        let hex: String = key.iter().map(|byte| format!("{byte:02x}")).collect();
        let stored = format!("scrypt:65536:8:1$salt${hex}");
        let default = Hasher::new(CHEAP).unwrap();
        assert_eq!(
            default.verify(&Password::new(password), &stored),
            Verdict::MatchNeedsRehash("werkzeug-scrypt")
        );
        let strict = Hasher::with_max_cost(CHEAP, Duration::from_millis(100)).unwrap();
        assert_eq!(strict.verify(&Password::new(password), &stored), Verdict::Mismatch);
        assert!(
            strict
                .check_stored(&stored)
                .unwrap_err()
                .contains("scrypt N=65536 r=8 p=1 would take about 141ms")
        );
    }

    #[test]
    fn own_parameters_must_fit_the_limit() {
        let costly = HashParams {
            memory_kib: 262_144,
            iterations: 10,
            parallelism: 1,
        };
        let error = Hasher::new(costly).err().unwrap();
        assert_eq!(error.exit_code(), 2);
        assert!(
            error
                .to_string()
                .contains("argon2_memory_kib=262144 with argon2_iterations=10"),
            "{error}"
        );
        assert!(Hasher::with_max_cost(costly, Duration::from_secs(10)).is_ok());
        assert!(Hasher::new(HashParams::default()).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for common in ["password1", "Iloveyou2", "QWERTYUIOP"] {
            let error = Password::new_checked(common).unwrap_err();
            assert_eq!(error.exit_code(), 2);
            assert_eq!(
                error.to_string(),
                "Password rejected: it is one of the 100,000 most common passwords."
            );
        }
        assert!(Password::new_checked("correct horse battery").is_ok());
    }

    /// A hasher with cheap argon2 parameters writing `scheme`.
    fn writing(scheme: AppScheme) -> Hasher {
        Hasher::new(CHEAP).unwrap().with_scheme(scheme).unwrap()
    }

    #[test]
    fn django_pbkdf2_hashes_of_a_supported_django_are_current() {
        // Django 5.1's count: Django 5.1 rehashes to it at login, and must not meet authctl
        // rehashing back at the next. (Computed with Python's hashlib.pbkdf2_hmac.)
        let stored = "pbkdf2_sha256$870000$pepper$WgvGequ7oW/tQ+a+GNLISldplKvPzETc/ck4giZCNZk=";
        let password = Password::new("correct horse battery");
        assert_eq!(
            writing(AppScheme::DjangoPbkdf2Sha256).verify(&password, stored),
            Verdict::Match
        );
    }

    #[test]
    fn an_application_s_argon2_hashes_of_any_parameters_are_current() {
        // Django rewrites its argon2 hashes to its own parameters at its next login: were
        // authctl to rewrite them back to its own, each would undo the other at every login.
        let password = Password::new("correct horse battery");
        let other = Hasher::new(HashParams {
            memory_kib: 128,
            ..CHEAP
        })
        .unwrap();
        let stored = format!("argon2{}", other.hash(&password).unwrap());
        assert_eq!(
            writing(AppScheme::DjangoArgon2).verify(&password, &stored),
            Verdict::Match
        );
        // So are an argon2-cffi application's; authctl's own database rehashes to its parameters.
        let plain = other.hash(&password).unwrap();
        assert_eq!(writing(AppScheme::Argon2).verify(&password, &plain), Verdict::Match);
        assert_eq!(
            Hasher::new(CHEAP).unwrap().verify(&password, &plain),
            Verdict::MatchNeedsRehash("argon2")
        );
    }

    /// `scheme`'s hashes: their format and salt, readable by [`StoredHash`] and detected; and
    /// when `verified`, matching as current and not matching a wrong password.
    fn assert_writes(scheme: AppScheme, prefix: &str, salt_field: usize, salt_chars: usize, verified: bool) {
        let hasher = writing(scheme);
        assert_eq!(hasher.scheme(), scheme);
        let stored = hasher.hash(&Password::new("correct horse battery")).unwrap();
        assert!(stored.starts_with(prefix), "{stored}");
        let salt = stored.split('$').nth(salt_field).unwrap();
        assert_eq!(salt.len(), salt_chars, "{stored}");
        assert!(StoredHash::parse(&stored).is_ok(), "{stored}");
        assert_eq!(AppScheme::detect(&stored), Some(scheme), "{stored}");
        if !verified {
            return;
        }
        for (password, verdict) in [
            ("correct horse battery", Verdict::Match),
            ("wrong horse battery", Verdict::Mismatch),
        ] {
            assert_eq!(hasher.verify(&Password::new(password), &stored), verdict, "{stored}");
        }
    }

    #[test]
    fn every_scheme_writes_current_hashes() {
        for (scheme, prefix, salt_field, salt_chars) in [
            (AppScheme::Argon2, "$argon2id$v=19$m=64,t=1,p=1$", 4, 22),
            (AppScheme::WerkzeugScrypt, "scrypt:32768:8:1$", 1, 16),
            (AppScheme::Bcrypt, "$2b$12$", 3, 53),
            (AppScheme::DjangoArgon2, "argon2$argon2id$v=19$m=64,t=1,p=1$", 4, 22),
        ] {
            assert_writes(scheme, prefix, salt_field, salt_chars, true);
        }
        assert_eq!(Hasher::new(CHEAP).unwrap().scheme(), AppScheme::Argon2);
    }

    // A million pbkdf2 iterations take about 2 s in the debug build (pbkdf2's generic code is
    // compiled at authctl's own opt-level): these hashes are made and verified once each, apart
    // so that they run side by side. That their writer gives what Werkzeug and Django give is
    // tested in `hashes::app_scheme`, that a wrong password is refused by the vectors with 1000
    // iterations in `hashes`.

    #[test]
    fn werkzeug_pbkdf2_writes_current_hashes() {
        assert_writes(AppScheme::WerkzeugPbkdf2, "pbkdf2:sha256:1000000$", 1, 16, false);
    }

    #[test]
    fn django_pbkdf2_writes_current_hashes() {
        assert_writes(AppScheme::DjangoPbkdf2Sha256, "pbkdf2_sha256$1000000$", 2, 22, false);
    }

    /// A matching hash of another scheme, or of the scheme with other parameters, is upgraded.
    #[test]
    fn other_schemes_and_parameters_need_a_rehash() {
        let argon2 = Hasher::new(CHEAP).unwrap();
        let own = argon2.hash(&Password::new("correct horse battery")).unwrap();
        let django_argon2 = format!("argon2{own}");
        let bcrypt = "$2b$04$8zzgitde1e3bxsfMkzwJ2e2XbuDHeHs1HnmwD9aqWY3wbpIIBerRC";
        let bcrypt_cost_4 = bcrypt::hash("correct horse battery", 4).unwrap();
        for (scheme, stored, found) in [
            (
                AppScheme::WerkzeugPbkdf2,
                "pbkdf2:sha256:1000$saltsalt$daf2eb9b12bc60544e9c64cbea88a73b86df4f4da0bd3a697856f3ec75b3e57d",
                "werkzeug-pbkdf2",
            ),
            (
                AppScheme::WerkzeugPbkdf2,
                "pbkdf2:sha1:1000$0VQDIdsevYIKzI1v$78748c66723b748d2818784499767e380f426ec3",
                "werkzeug-pbkdf2",
            ),
            (
                AppScheme::WerkzeugScrypt,
                "scrypt:1024:8:1$emn9ZreATYZib5Nt$d6a331e40e8f1cf38ad665dc4aab4cfc22e37c8143bafce04a6684a03b50\
                 bea114a910ef7bfcc7bafe398a89ed5625137a51c007775247af559ebd227494cfe9",
                "werkzeug-scrypt",
            ),
            (AppScheme::WerkzeugScrypt, &own, "argon2"),
            (
                AppScheme::DjangoPbkdf2Sha256,
                "pbkdf2_sha256$1000$pepper$gedcPL0GaEi5iRBONs6pjoZ7T4F4YBQdhznvbVGSheE=",
                "django-pbkdf2",
            ),
            (AppScheme::Bcrypt, &bcrypt_cost_4, "bcrypt"),
            (AppScheme::DjangoArgon2, &own, "argon2"),
            (AppScheme::Argon2, &django_argon2, "django-argon2"),
            (AppScheme::Bcrypt, &django_argon2, "django-argon2"),
        ] {
            assert_eq!(
                writing(scheme).verify(&Password::new("correct horse battery"), stored),
                Verdict::MatchNeedsRehash(found),
                "{scheme}: {stored}"
            );
        }
        // Flask-Security-Too's pre-hash still applies to bcrypt hashes when writing bcrypt.
        let salted = writing(AppScheme::Bcrypt).with_foreign(ForeignHashes {
            passlib_hmac_salt: Some(Zeroizing::new("flask-security-salt".to_owned())),
            ..ForeignHashes::default()
        });
        assert_eq!(
            salted.verify(&Password::new("correct horse battery"), bcrypt),
            Verdict::MatchNeedsRehash("bcrypt")
        );
    }

    /// `stored`, recorded from a real library with its defaults, is `scheme`'s and current.
    fn assert_current(scheme: AppScheme, stored: &str) {
        assert_eq!(AppScheme::detect(stored), Some(scheme), "{stored}");
        assert_eq!(
            writing(scheme).verify(&Password::new("correct horse battery"), stored),
            Verdict::Match,
            "{stored}"
        );
    }

    #[test]
    fn verifies_what_werkzeug_writes_as_current() {
        assert_current(AppScheme::WerkzeugScrypt, hashes::WERKZEUG_SCRYPT);
        assert_current(AppScheme::WerkzeugPbkdf2, hashes::WERKZEUG_PBKDF2);
    }

    #[test]
    fn verifies_what_django_writes_as_current() {
        assert_current(AppScheme::DjangoPbkdf2Sha256, hashes::DJANGO_PBKDF2);
    }

    /// The web application hashes the password as typed: so do its formats here, while
    /// authctl's own argon2id hashes the NFKC form.
    #[test]
    fn application_formats_hash_the_password_as_typed() {
        let typed = "\u{FB01}le-caf\u{e9}";
        let hasher = writing(AppScheme::WerkzeugScrypt);
        let stored = hasher.hash(&Password::new(typed)).unwrap();
        let parsed = StoredHash::parse(&stored).unwrap();
        assert!(parsed.matches(typed.as_bytes()));
        assert!(!parsed.matches("file-caf\u{e9}".as_bytes()));
    }

    /// Refusing an unknown account costs a wrong password against a current hash of the scheme:
    /// the decoy is one, within the limit, and computed once per spelling.
    #[test]
    fn the_decoy_is_a_current_hash_of_the_scheme() {
        for scheme in AppScheme::ALL {
            let hasher = writing(scheme);
            let decoy = StoredHash::parse(&hasher.decoy).unwrap();
            assert!(
                hasher.scheme.is_current(&decoy, |phc| hasher.is_current(phc)),
                "{scheme}"
            );
            assert!(hasher.check_stored(&hasher.decoy).is_ok(), "{scheme}");
        }
        let hasher = writing(AppScheme::WerkzeugScrypt);
        EVALUATIONS.with(|count| count.set(0));
        hasher.spend_equal_time(&Password::new("\u{FB01}ne horse"));
        assert_eq!(EVALUATIONS.with(|count| count.get()), 2);
    }

    #[test]
    fn the_scheme_must_fit_the_limit() {
        for scheme in AppScheme::ALL {
            assert!(
                Hasher::new(HashParams::default()).unwrap().with_scheme(scheme).is_ok(),
                "{scheme}"
            );
        }
        let strict = Hasher::with_max_cost(CHEAP, Duration::from_millis(100)).unwrap();
        assert!(strict.clone().with_scheme(AppScheme::WerkzeugPbkdf2).is_ok());
        let error = strict.with_scheme(AppScheme::Bcrypt).err().unwrap();
        assert_eq!(error.exit_code(), 2);
        assert!(
            error
                .to_string()
                .starts_with("Cannot write bcrypt hashes: bcrypt cost 12"),
            "{error}"
        );
    }

    #[test]
    fn redacts_debug() {
        assert_eq!(format!("{:?}", Password::new("hunter22")), "Password(<redacted>)");
    }
}
