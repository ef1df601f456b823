//! The interactive side, through a pseudo-terminal: hidden prompts, new passwords asked twice
//! and again after a refusal, confirmation before removal.

use crate::util::{PASSWORD, World, in_terminal};

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
