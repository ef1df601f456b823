//! The domain: accounts, passwords, sessions, tokens and their policies.
//!
//! Nothing here runs SQL, touches a file or prints: storage is reached through
//! [`crate::storage::Store`], and the command layer turns results into output.

pub mod accounts;
pub mod audit;
pub mod common_passwords;
pub mod email;
pub mod error;
pub mod hashes;
pub mod import;
pub mod lockout;
pub mod mail;
pub mod password;
pub mod policy;
pub mod session;
pub mod store;
pub mod token;
pub mod user;

/// The one boolean syntax of authctl, for settings and import columns alike: `true`/`false`,
/// `1`/`0` or `yes`/`no`, in any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}
