//! Email addresses as typed on the command line or found in an import file.
#![no_main]

use authctl::domain::email::{Email, normalize};
use authctl::domain::user::UserKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = UserKey::parse(text);
    if let Ok(email) = Email::parse(text) {
        assert_eq!(email.as_str(), text);
        assert_eq!(email.normalized(), normalize(text));
        assert!(!text.chars().any(char::is_control), "a control character was accepted");
    }
});
