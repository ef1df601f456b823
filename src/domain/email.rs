//! Email addresses: validated at the edge, compared in NFKC and case-insensitively.

use std::str::FromStr;

use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::domain::error::{Error, Result};
use crate::text::shown;

/// A syntactically valid email address, kept as typed together with its normalised form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    typed: String,
    normalized: String,
}

impl Email {
    /// Validates `input` (RFC 5322 address syntax, no display name, and no whitespace or control
    /// character anywhere, even where quoting would allow one).
    pub fn parse(input: &str) -> Result<Self> {
        let valid = !input.chars().any(|c| c.is_whitespace() || c.is_control())
            && email_address::EmailAddress::from_str(input)
                .is_ok_and(|address| address.as_str() == input && address.display_part().is_empty());
        if !valid {
            return Err(Error::Usage(format!(
                "'{}' is not a valid email address.",
                shown(input)
            )));
        }
        Ok(Email {
            typed: input.to_owned(),
            normalized: normalize(input),
        })
    }

    /// The address as the user typed it.
    pub fn as_str(&self) -> &str {
        &self.typed
    }

    /// The form used for uniqueness and look-ups.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// The comparison form of an email address or a username, for uniqueness and look-ups:
/// NFKC-normalised and lower-cased, so that `ａｄｍｉｎ`, `Admin` and `admin` are one name.
pub fn normalize(value: &str) -> String {
    // ASCII is its own NFKC form: the fast path of nearly every address (an import normalises
    // each row's names several times).
    if value.is_ascii() {
        return value.to_ascii_lowercase();
    }
    // NFKC once more after lower-casing, which can leave a string out of normal form.
    value.nfkc().collect::<String>().to_lowercase().nfkc().collect()
}

/// What the reset-request rate limit stores of an address: a SHA-256 of its normalised form,
/// salted with the database's identity, never the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressHash(pub [u8; 32]);

impl AddressHash {
    /// The hash of `email` in the database whose identity is `database_id`.
    pub fn of(email: &Email, database_id: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(database_id.as_bytes());
        hasher.update([0]);
        hasher.update(email.normalized().as_bytes());
        AddressHash(hasher.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_case_but_compares_lowercase() {
        let email = Email::parse("Ada@Example.COM").unwrap();
        assert_eq!(email.as_str(), "Ada@Example.COM");
        assert_eq!(email.normalized(), "ada@example.com");
    }

    #[test]
    fn look_alikes_normalise_to_one_form() {
        assert_eq!(normalize("ａｄｍｉｎ"), "admin");
        assert_eq!(normalize("ＡＤＡ@Example.com"), "ada@example.com");
        assert_eq!(normalize("ﬁle"), "file");
        assert_eq!(normalize("Ä"), normalize("A\u{308}"));
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            " ada@example.com",
            "Ada <ada@example.com>",
            "ada\u{202e}moc.elpmaxe@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
