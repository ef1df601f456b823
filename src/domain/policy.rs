//! The rules a new password must pass that relate it to its account: it must not contain the
//! username or the name part of the email address, and (when `min_password_score` is set) it
//! must reach that zxcvbn strength score. The rules about the password alone (length, the list
//! of common passwords) are in [`Password::new_checked`].

use std::ops::RangeInclusive;

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::domain::error::{Error, Result};
use crate::domain::password::Password;

/// The allowed values of the `min_password_score` setting (0 turns the check off).
pub const MIN_PASSWORD_SCORE: RangeInclusive<u8> = 0..=4;

/// Pieces of an identifier shorter than this are not looked for inside a password: a local part
/// such as "a" in `a@x.org` (or "ada" in `ada.lovelace@…`) would otherwise forbid every
/// password holding that letter, while saying little about the password's strength.
pub const MIN_IDENTIFIER_CHARS: usize = 4;

/// The account-related rules, with their settings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// The zxcvbn score (0 to 4) a new password needs; 0 turns the check off.
    pub min_score: u8,
}

impl PasswordPolicy {
    /// Checks `password`, new for the account of `email` (and `username`), against the rules;
    /// the refusal names the rule, never the password.
    pub fn check(&self, password: &Password, email: &str, username: Option<&str>) -> Result<()> {
        let local_part = email.rsplit_once('@').map_or(email, |(local, _)| local);
        let identifiers: Vec<String> = [Some(local_part), username]
            .into_iter()
            .flatten()
            .map(|identifier| identifier.nfkc().collect::<String>().to_lowercase())
            .collect();
        let lowered = Zeroizing::new(password.normalized().to_lowercase());
        if identifiers
            .iter()
            .flat_map(|identifier| pieces(identifier))
            .any(|piece| lowered.contains(piece))
        {
            return Err(Error::Usage(
                "Password rejected: it contains the account's username or the name in its email address.".to_owned(),
            ));
        }
        if self.min_score > 0 {
            let inputs: Vec<&str> = identifiers.iter().map(String::as_str).chain([email]).collect();
            let score = u8::from(zxcvbn::zxcvbn(password.normalized(), &inputs).score());
            if score < self.min_score {
                return Err(Error::Usage(format!(
                    "Password rejected: it is too easy to guess (strength {score} of 4; min_password_score is {}).",
                    self.min_score
                )));
            }
        }
        Ok(())
    }
}

/// What of an identifier may not appear in a password: the whole of it and each run of letters
/// and digits in it, when at least [`MIN_IDENTIFIER_CHARS`] long (of "ada.lovelace":
/// "ada.lovelace" and "lovelace").
fn pieces(identifier: &str) -> impl Iterator<Item = &str> {
    std::iter::once(identifier)
        .chain(identifier.split(|c: char| !c.is_alphanumeric()))
        .filter(|piece| piece.chars().count() >= MIN_IDENTIFIER_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(policy: PasswordPolicy, password: &str, email: &str, username: Option<&str>) -> Result<()> {
        policy.check(&Password::new(password), email, username)
    }

    #[test]
    fn refuses_the_username_and_the_email_name_in_any_case_and_form() {
        let policy = PasswordPolicy::default();
        for (password, email, username) in [
            ("Ada.Lovelace-2024", "ada.lovelace@example.com", None),
            ("my-lovelace-pw", "ada.lovelace@example.com", None),
            ("xx-ADMIN-xx-yy", "root@example.com", Some("admin")),
            // Fullwidth letters are NFKC-equivalent to ASCII ones.
            ("ｂａｂｂａｇｅ engine", "charles@example.com", Some("babbage")),
            ("engine babbage", "charles@example.com", Some("ｂａｂｂａｇｅ")),
        ] {
            let error = check(policy, password, email, username).unwrap_err();
            assert_eq!(error.exit_code(), 2);
            assert!(
                error.to_string().contains("username or the name in its email"),
                "{error}"
            );
            assert!(!error.to_string().contains(password));
        }
    }

    #[test]
    fn short_identifiers_are_not_looked_for() {
        let policy = PasswordPolicy::default();
        assert!(check(policy, "a quiet river", "a@x.org", Some("bob")).is_ok());
        assert!(check(policy, "ada river stone", "ada.l@x.org", None).is_ok());
    }

    #[test]
    fn min_score_uses_zxcvbn_and_is_off_at_zero() {
        let weak = "abcdefgh12";
        assert!(check(PasswordPolicy { min_score: 0 }, weak, "x@example.com", None).is_ok());
        let error = check(PasswordPolicy { min_score: 3 }, weak, "x@example.com", None).unwrap_err();
        assert!(error.to_string().contains("min_password_score is 3"), "{error}");
        assert!(
            check(
                PasswordPolicy { min_score: 4 },
                "vivid-otter-quarry-47-lantern",
                "x@example.com",
                None
            )
            .is_ok()
        );
    }
}
