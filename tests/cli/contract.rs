//! The command-line contract: help, version, exit codes, JSON shapes, settings, generated files.

use predicates::prelude::*;
use predicates::str::contains;

use crate::util::{PASSWORD, World, json_error};

#[test]
fn no_arguments_prints_the_help() {
    World::new()
        .cmd()
        .assert()
        .success()
        .stdout(contains("Usage: authctl").and(contains("Exit codes:")));
}

#[test]
fn version_and_help_document_the_exit_codes() {
    let world = World::new();
    world
        .cmd()
        .arg("--version")
        .assert()
        .success()
        .stdout(contains(env!("CARGO_PKG_VERSION")));
    let help = world.cmd().arg("--help").assert().success();
    let help = String::from_utf8(help.get_output().stdout.clone()).unwrap();
    for code in 0..=7 {
        assert!(
            help.contains(&format!("\n  {code}  ")),
            "exit code {code} missing from --help"
        );
    }
}

/// Every leaf subcommand has a one-line description and an example in its long help.
#[test]
fn every_subcommand_has_an_example() {
    let world = World::new();
    let commands: &[&[&str]] = &[
        &["init"],
        &["db", "status"],
        &["db", "migrate"],
        &["db", "backup"],
        &["db", "check"],
        &["user", "add"],
        &["user", "list"],
        &["user", "show"],
        &["user", "remove"],
        &["user", "lock"],
        &["user", "unlock"],
        &["user", "set-password"],
        &["user", "import"],
        &["user", "export"],
        &["login"],
        &["logout"],
        &["whoami"],
        &["passwd"],
        &["confirm"],
        &["confirm", "resend"],
        &["reset", "request"],
        &["reset", "confirm"],
        &["email", "change"],
        &["email", "confirm"],
        &["session", "list"],
        &["session", "revoke"],
        &["audit"],
        &["completions"],
        &["man"],
    ];
    for command in commands {
        let output = world.cmd().args(*command).arg("--help").output().unwrap();
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(output.status.success(), "{command:?}");
        assert!(help.contains("Example"), "{command:?} has no example:\n{help}");
        assert!(
            !help.lines().next().unwrap_or_default().is_empty(),
            "{command:?} has no description"
        );
    }
}

#[test]
fn usage_errors_exit_2_and_are_json_with_json() {
    let world = World::new();
    world.cmd().args(["user", "frobnicate"]).assert().code(2);
    let output = world.cmd().args(["--json", "user", "add"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let error = json_error(&output.stderr);
    assert_eq!(error["kind"], "usage");
    assert!(error["message"].as_str().unwrap().contains("<EMAIL>"));
}

#[test]
fn a_password_without_terminal_or_password_stdin_fails_at_once() {
    let world = World::new();
    world.add_user("ada@example.com");
    for args in [
        &["user", "add", "ada@example.com"][..],
        &["login", "ada@example.com"],
        &["user", "set-password", "ada@example.com"],
    ] {
        world
            .cmd()
            .args(args)
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2)
            .stderr(contains("--password-stdin"));
    }
}

#[test]
fn invalid_settings_exit_2_naming_setting_and_value() {
    let world = World::new();
    for (variable, value, setting) in [
        ("AUTHCTL_SESSION_DURATION", "forever", "session_duration"),
        ("AUTHCTL_REMEMBER_DURATION", "0s", "remember_duration"),
        ("AUTHCTL_BUSY_TIMEOUT", "soon", "busy_timeout"),
        ("AUTHCTL_ARGON2_MEMORY_KIB", "lots", "argon2_memory_kib"),
        ("AUTHCTL_ARGON2_ITERATIONS", "0", "argon2_iterations"),
        ("AUTHCTL_ARGON2_PARALLELISM", "-2", "argon2_parallelism"),
    ] {
        world
            .cmd()
            .env(variable, value)
            .arg("whoami")
            .assert()
            .code(2)
            .stderr(contains(setting).and(contains(format!("'{value}'"))));
    }
    // Parameters that are numbers but that argon2 refuses.
    world
        .cmd()
        .env("AUTHCTL_ARGON2_MEMORY_KIB", "1")
        .arg("whoami")
        .assert()
        .code(2)
        .stderr(contains("argon2"));
}

#[test]
fn settings_come_from_the_config_file_below_the_environment() {
    let world = World::new();
    let config = world.path("authctl.toml");
    std::fs::write(
        &config,
        format!(
            "db = \"{}\"\nsession_duration = \"1h\"\n",
            world.path("from-config.db").display()
        ),
    )
    .unwrap();
    let status = world
        .bare()
        .arg("--config")
        .arg(&config)
        .args(["--json", "db", "status"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(status["path"].as_str().unwrap().ends_with("from-config.db"));

    // The environment wins over the file, the flag over the environment.
    let by_env = world
        .bare()
        .env("AUTHCTL_CONFIG", &config)
        .env("AUTHCTL_DB", world.path("from-env.db"))
        .args(["--json", "db", "status"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&by_env.stdout).contains("from-env.db"));
    let by_flag = world
        .bare()
        .env("AUTHCTL_CONFIG", &config)
        .env("AUTHCTL_DB", world.path("from-env.db"))
        .args(["--db", "from-flag.db", "--json", "db", "status"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&by_flag.stdout).contains("from-flag.db"));

    std::fs::write(&config, "colour = \"blue\"\n").unwrap();
    world
        .bare()
        .arg("--config")
        .arg(&config)
        .arg("whoami")
        .assert()
        .code(2)
        .stderr(contains("colour"));
}

#[test]
fn default_paths_follow_xdg() {
    let world = World::new();
    world
        .bare()
        .args(["user", "add", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    assert!(world.path("data/authctl/authctl.db").exists());

    // Without --remember the session lives under XDG_RUNTIME_DIR, with it under XDG_STATE_HOME.
    let runtime = world.path("runtime");
    std::fs::create_dir(&runtime).unwrap();
    let login = |remember: bool| {
        let mut cmd = world.bare();
        cmd.env("XDG_RUNTIME_DIR", &runtime)
            .args(["login", "ada@example.com", "--password-stdin"])
            .write_stdin(format!("{PASSWORD}\n"));
        if remember {
            cmd.arg("--remember");
        }
        cmd.assert().success();
    };
    login(false);
    assert!(runtime.join("authctl/session").exists());
    assert!(!world.path("state/authctl/session").exists());
    world
        .bare()
        .env("XDG_RUNTIME_DIR", &runtime)
        .arg("whoami")
        .assert()
        .success();
    login(true);
    assert!(
        !runtime.join("authctl/session").exists(),
        "the short session was replaced"
    );
    assert!(world.path("state/authctl/session").exists());
    world
        .bare()
        .env("XDG_RUNTIME_DIR", &runtime)
        .arg("whoami")
        .assert()
        .success()
        .stdout("ada@example.com\n");
}

#[test]
fn completions_are_fresh() {
    let world = World::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/completions");
    for (shell, file) in [("bash", "authctl.bash"), ("zsh", "_authctl"), ("fish", "authctl.fish")] {
        let output = world.cmd().args(["completions", shell]).output().unwrap();
        assert!(output.status.success());
        let path = format!("{dir}/{file}");
        if std::env::var_os("UPDATE_COMPLETIONS").is_some() {
            std::fs::write(&path, &output.stdout).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == output.stdout,
            "completions/{file} is stale: run `UPDATE_COMPLETIONS=1 cargo test completions` and commit it"
        );
    }
}

#[test]
fn man_page_is_roff() {
    World::new()
        .cmd()
        .arg("man")
        .assert()
        .success()
        .stdout(contains(".TH authctl").and(contains("whoami")));
}
