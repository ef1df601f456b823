//! Tokens as a user types them (`reset confirm TOKEN`, `email confirm`, `confirm`).
#![no_main]

use authctl::domain::token::SecretToken;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(token) = SecretToken::parse(text) {
        // What is kept is the token itself: it parses again to the same hash.
        let again = SecretToken::parse(token.expose()).expect("an accepted token parses again");
        assert_eq!(again.hash(), token.hash());
        assert!(!format!("{token:?}").contains(token.expose()), "Debug shows the token");
    }
});
