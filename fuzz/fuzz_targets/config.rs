//! The config file: read from disk and resolved into settings as every command does, with no
//! environment variable set.
#![no_main]

use std::sync::LazyLock;

use authctl::settings::{Flags, Settings};
use libfuzzer_sys::fuzz_target;

/// One scratch directory per fuzzing process, holding the config file of the current input.
static DIR: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().expect("a temporary directory"));

fuzz_target!(|data: &[u8]| {
    let path = DIR.path().join("config.toml");
    std::fs::write(&path, data).expect("the config file is written");
    let flags = Flags {
        config: Some(path),
        ..Flags::default()
    };
    let _ = Settings::load(&flags, &|_| None);
});
