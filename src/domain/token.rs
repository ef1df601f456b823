//! Secret random tokens (session and emailed tokens) and the hashes that storage keeps of them.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Bytes of randomness in every token: 256 bits.
const TOKEN_BYTES: usize = 32;

/// A secret token, printed URL-safe. Its `Debug` never shows the value and it is zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(Zeroizing<String>);

impl SecretToken {
    /// Draws a fresh token from the operating system's CSPRNG.
    pub fn generate() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; TOKEN_BYTES]);
        getrandom::fill(bytes.as_mut()).map_err(|e| Error::Storage(format!("cannot read random bytes: {e}")))?;
        Ok(SecretToken(Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref()))))
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

/// Random bytes for salts, from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| Error::Storage(format!("cannot read random bytes: {e}")))?;
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
        assert_eq!(a.expose().len(), 43);
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
        assert!(SecretToken::parse(&"A".repeat(44)).is_none());
    }
}
