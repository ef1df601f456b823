//! The interactive side, through a pseudo-terminal: hidden prompts, new passwords asked twice
//! and again after a refusal, confirmation before removal, the progress of an import.

use std::fs;
use std::path::Path;

use crate::util::{PASSWORD, World, in_terminal, python};

#[test]
fn user_add_asks_twice_and_hides_the_password() {
    let world = World::new();
    let (code, screen) = in_terminal(&world, &[PASSWORD, PASSWORD], &["user", "add", "ada@example.com"]);
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("Password: ") && screen.contains("Repeat the password: "),
        "{screen}"
    );
    assert!(!screen.contains(PASSWORD), "the password was echoed:\n{screen}");
    world.login("ada@example.com", PASSWORD, &[]).success();

    // Like passwd: a rejected or mistyped password is asked again, three times at most.
    let (code, screen) = in_terminal(
        &world,
        &["short", PASSWORD, "something else", PASSWORD, PASSWORD],
        &["user", "add", "bob@example.com"],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("at least 8 characters"), "{screen}");
    assert!(screen.contains("The passwords do not match."), "{screen}");
    world.login("bob@example.com", PASSWORD, &[]).success();

    let (code, screen) = in_terminal(
        &world,
        &["short", "short", "short"],
        &["user", "add", "carl@example.com"],
    );
    assert_eq!(code, 2, "{screen}");
    assert_eq!(screen.matches("at least 8 characters").count(), 3, "{screen}");
}

/// Issue 12: the rules that relate a password to its account are checked at the prompt too.
#[test]
fn a_new_password_is_checked_against_its_account_at_the_prompt() {
    let world = World::new();
    let (code, screen) = in_terminal(
        &world,
        &["carol-secret-1", PASSWORD, PASSWORD],
        &["user", "add", "carol@example.com", "--username", "carol"],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("username"), "{screen}");
}

#[test]
fn login_prompts_for_the_email_and_the_password() {
    let world = World::new();
    world.add_user("ada@example.com");
    let (code, screen) = in_terminal(&world, &["ada@example.com", PASSWORD], &["login", "--remember"]);
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("Email: ") && screen.contains("Logged in as ada@example.com."),
        "{screen}"
    );
    let (code, screen) = in_terminal(&world, &["not it", "nor this", "nor this"], &["passwd"]);
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains("Current password: "));
}

#[test]
fn remove_asks_for_confirmation_on_a_terminal() {
    let world = World::new();
    world.add_user("ada@example.com");
    let (code, screen) = in_terminal(&world, &["n"], &["user", "remove", "ada@example.com"]);
    assert_eq!(code, 0);
    assert!(
        screen.contains("Remove the user ada@example.com and all their sessions? [y/N]"),
        "{screen}"
    );
    assert!(screen.contains("Nothing removed."));
    world.cmd().args(["user", "show", "ada@example.com"]).assert().success();
    let (code, _) = in_terminal(&world, &["y"], &["user", "remove", "ada@example.com"]);
    assert_eq!(code, 0);
    world.cmd().args(["user", "show", "ada@example.com"]).assert().code(4);
}

/// `count` rows with passwords, as CSV.
fn rows_with_passwords(count: usize) -> String {
    let rows: String = (0..count)
        .map(|i| format!("user{i}@example.com,Plenty-of-entropy-{i}-xq\n"))
        .collect();
    format!("email,password\n{rows}")
}

/// Runs `user import FILE` in a terminal (with `PTY_INTERRUPT_ON` when `interrupt_on` is given);
/// returns the exit code and the screen.
fn import_in_terminal(world: &World, file: &Path, interrupt_on: Option<&str>) -> (i32, String) {
    let mut command = python();
    command
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pty_prompt.py"))
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_authctl"))
        .args(["user", "import", "--jobs", "1"])
        .arg(file)
        .env("AUTHCTL_DB", world.db())
        .env("AUTHCTL_ARGON2_MEMORY_KIB", "64")
        .env("AUTHCTL_ARGON2_ITERATIONS", "1")
        .env("HOME", world.path("home"));
    if let Some(text) = interrupt_on {
        command.env("PTY_INTERRUPT_ON", text);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// Issue 12, item 9: importing a file on a terminal shows a bar with the bytes read out of the
/// file's size, the rate and the time left, then clears it; piped, nothing of it is written.
#[test]
fn a_file_import_on_a_terminal_shows_its_progress_with_a_total() {
    let world = World::new();
    let file = world.path("users.csv");
    fs::write(&file, rows_with_passwords(3000)).unwrap();
    let size = fs::metadata(&file).unwrap().len();
    let (code, screen) = import_in_terminal(&world, &file, None);
    assert_eq!(code, 0, "{screen}");
    // The first drawing of the bar (later ones depend on the machine's speed).
    assert!(screen.contains("validating and hashing"), "{screen}");
    let total = format!("/{} (", indicatif::HumanBytes(size));
    assert!(screen.contains(&total), "no {total} in {screen}");
    assert!(
        screen.contains("/s, ") && screen.contains(" left)"),
        "no rate or time left in {screen}"
    );
    // Cleared before the summary.
    let summary = screen.find("Imported: 3000 created").unwrap();
    let last_bar = screen[..summary].rfind(" left)").unwrap();
    assert!(screen[last_bar..summary].contains("\u{1b}[2K"), "{screen:?}");

    let piped = world
        .cmd()
        .args(["user", "import", "-"])
        .write_stdin(rows_with_passwords(10).replace("user", "piped"))
        .args(["--format", "csv"])
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("validating"));
}

/// Ctrl-C during an import clears the bar, writes nothing, and exits as SIGINT does (130).
#[test]
fn ctrl_c_clears_the_import_progress_and_writes_nothing() {
    let world = World::new();
    let file = world.path("users.csv");
    fs::write(&file, rows_with_passwords(20_000)).unwrap();
    let (code, screen) = import_in_terminal(&world, &file, Some("validating and hashing"));
    assert_eq!(code, 130, "{screen}");
    let last_bar = screen.rfind("validating and hashing").unwrap();
    assert!(
        screen[last_bar..].contains("\u{1b}[2K"),
        "the bar was not cleared: {screen:?}"
    );
    assert_eq!(world.user_count(), 0);
}
