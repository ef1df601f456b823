//! The generated documents (completions, man page) on pipes that close early, and every kind of
//! output on disks that fill.

use std::process::Command;

use crate::util::World;

/// Runs `authctl ARGS | head -c 1` and returns authctl's own exit status.
fn exit_status_into_head(world: &World, args: &str) -> String {
    let output = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{}' {args} | head -c 1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
            env!("CARGO_BIN_EXE_authctl")
        ))
        .env("HOME", world.path("home"))
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let world = World::new();
    for args in ["completions bash", "completions zsh", "man"] {
        assert_eq!(exit_status_into_head(&world, args), "0", "authctl {args} | head");
    }
}

#[test]
fn a_full_disk_exits_7() {
    let world = World::new();
    world.add_user("ada@example.com");
    // The documents, and the lists and objects every other command prints, in both forms.
    for args in [
        &["completions", "bash"][..],
        &["man"],
        &["user", "list"],
        &["--json", "user", "list"],
        &["audit"],
        &["--json", "db", "status"],
    ] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_authctl"))
            .args(args)
            .env("HOME", world.path("home"))
            .env("AUTHCTL_DB", world.db())
            .stdout(full)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(7), "authctl {args:?} > /dev/full");
    }
}
