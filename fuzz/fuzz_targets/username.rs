//! Usernames as given to `user add --username` or in an import file.
#![no_main]

use authctl::domain::user::Username;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(name) = Username::parse(text) {
        let name = name.into_string();
        assert!((1..=64).contains(&name.chars().count()), "{name:?}");
    }
});
