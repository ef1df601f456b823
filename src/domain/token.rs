//! Secret random tokens (session and emailed tokens) and the hashes that storage keeps of them.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::domain::error::{Error, Result};

/// Bytes of randomness in every token: 264 bits, so that more than 256 remain after tokens
/// starting with `-` are redrawn.
const TOKEN_BYTES: usize = 33;

/// A secret token, printed URL-safe. Its `Debug` never shows the value and it is zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(Zeroizing<String>);

impl SecretToken {
    /// Draws a fresh token from the operating system's CSPRNG. It never starts with `-`, so that
    /// `authctl reset confirm TOKEN` cannot be taken for an option.
    pub fn generate() -> Result<Self> {
        loop {
            let mut bytes = Zeroizing::new([0u8; TOKEN_BYTES]);
            getrandom::fill(bytes.as_mut()).map_err(|e| Error::storage_from("cannot read random bytes", e))?;
            let text = Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref()));
            if !text.starts_with('-') {
                return Ok(SecretToken(text));
            }
        }
    }

    /// Accepts a token as given by a user, refusing anything that cannot be one of ours.
    pub fn parse(value: &str) -> Option<Self> {
        let decoded = URL_SAFE_NO_PAD.decode(value.trim()).ok()?;
        (decoded.len() == TOKEN_BYTES).then(|| SecretToken(Zeroizing::new(value.trim().to_owned())))
    }

    /// The URL-safe text of the token, for the one place that must hand it over.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The SHA-256 hash under which storage finds the token.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretToken(<redacted>)")
    }
}

/// The SHA-256 of a token: what the database stores instead of the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenHash(pub [u8; 32]);

/// What an emailed token may be used for; a token works for its own purpose only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// `authctl confirm TOKEN`.
    Confirm,
    /// `authctl reset confirm TOKEN`.
    Reset,
    /// `authctl email confirm TOKEN`.
    EmailChange,
}

impl TokenPurpose {
    /// The stable name stored for this purpose.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Confirm => "confirm",
            TokenPurpose::Reset => "reset",
            TokenPurpose::EmailChange => "email_change",
        }
    }

    /// The purpose of a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [TokenPurpose::Confirm, TokenPurpose::Reset, TokenPurpose::EmailChange]
            .into_iter()
            .find(|purpose| purpose.as_str() == name)
    }
}

/// How long each kind of emailed token lives.
#[derive(Debug, Clone, Copy)]
pub struct TokenLifetimes {
    /// `confirm_token_ttl`.
    pub confirm: chrono::Duration,
    /// `reset_token_ttl`.
    pub reset: chrono::Duration,
    /// `email_token_ttl`.
    pub email_change: chrono::Duration,
}

impl TokenLifetimes {
    /// The lifetime of a token of `purpose`.
    pub fn of(&self, purpose: TokenPurpose) -> chrono::Duration {
        match purpose {
            TokenPurpose::Confirm => self.confirm,
            TokenPurpose::Reset => self.reset,
            TokenPurpose::EmailChange => self.email_change,
        }
    }
}

/// An emailed token as stored: its hash, owner, purpose and lifetime.
#[derive(Debug, Clone)]
pub struct EmailToken {
    /// SHA-256 of the token that was mailed.
    pub hash: TokenHash,
    /// The user it belongs to.
    pub user_id: uuid::Uuid,
    /// What it may be used for.
    pub purpose: TokenPurpose,
    /// For an email change, the address to switch to.
    pub new_email: Option<String>,
    /// When it was issued.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it stops working.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// When it was used, if it was.
    pub used_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl EmailToken {
    /// Whether the token can still be used for `purpose` at `now`.
    pub fn is_usable_for(&self, purpose: TokenPurpose, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.purpose == purpose && self.used_at.is_none() && now < self.expires_at
    }
}

/// Random bytes for salts, from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| Error::storage_from("cannot read random bytes", e))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_url_safe_and_round_trip() {
        let a = SecretToken::generate().unwrap();
        let b = SecretToken::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 44);
        assert!(
            a.expose()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(SecretToken::parse(a.expose()).unwrap().hash(), a.hash());
        assert_eq!(format!("{a:?}"), "SecretToken(<redacted>)");
    }

    #[test]
    fn parse_refuses_garbage() {
        assert!(SecretToken::parse("hello").is_none());
        assert!(SecretToken::parse("").is_none());
        assert!(SecretToken::parse(&"A".repeat(43)).is_none());
        assert!(SecretToken::parse(&"A".repeat(44)).is_some());
    }

    #[test]
    fn tokens_never_look_like_options() {
        assert!((0..2000).all(|_| !SecretToken::generate().unwrap().expose().starts_with('-')));
    }
}
