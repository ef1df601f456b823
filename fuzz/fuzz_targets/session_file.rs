//! The session file's content (the file itself is read at most 4 KiB, as text).
#![no_main]

use authctl::session_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(claim) = session_file::parse(text) {
        let id = &claim.database_id;
        assert!(
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "database id {id:?}"
        );
    }
});
