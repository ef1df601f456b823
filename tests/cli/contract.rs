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
    for code in 0..=8 {
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
        &["audit", "prune"],
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
        .args(["--json", "init"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(status["path"].as_str().unwrap().ends_with("from-config.db"));

    // The environment wins over the file, the flag over the environment.
    let by_env = world
        .bare()
        .env("AUTHCTL_CONFIG", &config)
        .env("AUTHCTL_DB", world.path("from-env.db"))
        .args(["--json", "init"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&by_env.stdout).contains("from-env.db"));
    let by_flag = world
        .bare()
        .env("AUTHCTL_CONFIG", &config)
        .env("AUTHCTL_DB", world.path("from-env.db"))
        .args(["--db", "from-flag.db", "--json", "init"])
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
    world.bare().arg("init").assert().success();
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

/// Issue 12: the documentation offline: authctl(1) with ENVIRONMENT (every setting's variable),
/// FILES and EXIT STATUS, and a page per command, printed or written to a directory.
#[test]
fn man_pages_cover_settings_files_exit_codes_and_every_command() {
    let world = World::new();
    let root = world.cmd().arg("man").output().unwrap();
    let root = String::from_utf8(root.stdout).unwrap();
    for section in [
        ".SH ENVIRONMENT",
        ".SH FILES",
        ".SH \"EXIT STATUS\"",
        ".SH \"SEE ALSO\"",
    ] {
        assert!(root.contains(section), "{section} missing");
    }
    for setting in authctl::settings::SETTINGS {
        let variable = setting.about().variable;
        assert!(root.contains(&variable), "{variable} missing from ENVIRONMENT");
    }
    assert!(
        root.contains("config.toml") && root.contains("\\fB8\\fR"),
        "exit code 8 missing"
    );
    let add = world.cmd().args(["man", "user", "add"]).output().unwrap();
    let add = String::from_utf8(add.stdout).unwrap();
    assert!(add.starts_with(".ie") && add.contains(".TH authctl-user-add 1") && add.contains("password\\-stdin"));
    world.cmd().args(["man", "user", "frobnicate"]).assert().code(2);

    let dir = world.path("man1");
    std::fs::create_dir(&dir).unwrap();
    world.cmd().arg("man").arg("--dir").arg(&dir).assert().success();
    for page in [
        "authctl.1",
        "authctl-user.1",
        "authctl-user-add.1",
        "authctl-db-status.1",
        "authctl-man.1",
    ] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        assert!(text.contains(".SH \"EXIT STATUS\""), "{page}");
    }
    world
        .cmd()
        .arg("man")
        .arg("--dir")
        .arg(world.path("missing"))
        .assert()
        .code(7);
}

/// Defect 8: every setting has a range, checked at load; values past it (which used to panic,
/// abort, hang or start 20,000 threads) exit 2 naming the setting, the value and the range.
#[test]
fn settings_out_of_range_exit_2_naming_setting_value_and_range() {
    let world = World::new();
    world.add_user("ada@example.com");
    for (variable, value, setting, range) in [
        ("AUTHCTL_BUSY_TIMEOUT", "30d", "busy_timeout", "from 1ms to 1h"),
        ("AUTHCTL_JOBS", "20000", "jobs", "from 1 to 256"),
        (
            "AUTHCTL_SESSION_DURATION",
            "300000y",
            "session_duration",
            "from 1s to 10years",
        ),
        (
            "AUTHCTL_REMEMBER_DURATION",
            "300000y",
            "remember_duration",
            "from 1s to 10years",
        ),
        (
            "AUTHCTL_CONFIRM_TOKEN_TTL",
            "300000y",
            "confirm_token_ttl",
            "from 1s to 30days",
        ),
        ("AUTHCTL_RESET_TOKEN_TTL", "31d", "reset_token_ttl", "from 1s to 30days"),
        (
            "AUTHCTL_EMAIL_TOKEN_TTL",
            "300000y",
            "email_token_ttl",
            "from 1s to 30days",
        ),
        ("AUTHCTL_SMTP_TIMEOUT", "300000y", "smtp_timeout", "from 1s to 10m"),
        (
            "AUTHCTL_ARGON2_MEMORY_KIB",
            "4294967295",
            "argon2_memory_kib",
            "from 8 to 262144",
        ),
        (
            "AUTHCTL_ARGON2_ITERATIONS",
            "4294967295",
            "argon2_iterations",
            "from 1 to 100",
        ),
        ("AUTHCTL_ARGON2_PARALLELISM", "65", "argon2_parallelism", "from 1 to 64"),
    ] {
        // `user list` opens the database, `login` hashes: both would reach the bad value.
        world
            .cmd()
            .env(variable, value)
            .args(["user", "list"])
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2)
            .stderr(
                contains(setting)
                    .and(contains(format!("'{value}'")))
                    .and(contains(range)),
            );
    }
    // The flag that also sets `jobs` has the same range.
    world
        .cmd()
        .args(["user", "import", "--format", "csv", "--jobs", "20000"])
        .write_stdin("email\n")
        .assert()
        .code(2)
        .stderr(contains("jobs").and(contains("from 1 to 256")));
    world
        .cmd()
        .env("AUTHCTL_ARGON2_ITERATIONS", "4294967295")
        .args(["login", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2);
}

/// Defect 8: `audit --since` further back than the calendar goes means the whole log.
#[test]
fn audit_since_before_the_calendar_shows_everything() {
    let world = World::new();
    world.add_user("ada@example.com");
    let entries = world.json(&["audit", "--since", "300000y"]);
    assert_eq!(entries.as_array().unwrap().len(), 1);
    world
        .cmd()
        .args(["audit", "--since", "300000y"])
        .assert()
        .success()
        .stdout(contains("user_added"));
}

/// Defect 5: the config file is read only when it is a regular file of at most 1 MiB.
#[test]
fn config_files_that_are_not_small_regular_files_are_refused() {
    let world = World::new();
    let big = world.path("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(1024 * 1024))).unwrap();
    let fifo = world.path("fifo.toml");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    for (config, expected) in [
        (std::path::PathBuf::from("/dev/zero"), "not a regular file"),
        (fifo, "not a regular file"),
        (world.path("."), "not a regular file"),
        (big, "larger than 1 MiB"),
    ] {
        world
            .cmd()
            .arg("--config")
            .arg(&config)
            .arg("whoami")
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2)
            .stderr(contains(expected));
    }
}

/// Defect 7: a broken config file is reported by line and column, never by echoing the line
/// (the `mail` URL can hold a password); a value of the wrong type is not echoed either.
#[test]
fn config_errors_do_not_echo_values() {
    let world = World::new();
    let config = world.path("authctl.toml");
    for text in [
        "mail = \"smtp://ada:s3cret@mail.example.com\n",
        "mail = smtp://ada:s3cret@mail.example.com\n",
        "mail = [\"smtp://ada:s3cret@mail.example.com\"]\n",
        "mail = { url = \"smtp://ada:s3cret@mail.example.com\" }\n",
    ] {
        std::fs::write(&config, text).unwrap();
        let output = world.cmd().arg("--config").arg(&config).arg("whoami").output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{text}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("authctl.toml"), "{stderr}");
        assert!(!stderr.contains("s3cret"), "{text} echoed: {stderr}");
    }
}

/// Issue 9: input that cannot be read is bad input (exit 2, its cause in the message), not a
/// storage failure: a missing import file, and a standard input whose every read fails.
#[test]
fn unreadable_input_exits_2_naming_its_cause() {
    let world = World::new();
    let output = world
        .cmd()
        .args(["--json", "user", "import"])
        .arg(world.path("missing.csv"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let error = json_error(&output.stderr);
    assert_eq!(error["kind"], "usage");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("missing.csv") && message.contains("No such file"),
        "{message}"
    );

    let commands: [&[&str]; 2] = [
        &["user", "import", "--format", "csv"],
        &["user", "add", "ada@example.com", "--password-stdin"],
    ];
    for args in commands {
        // A directory as stdin: opening it works, every read fails with EISDIR.
        let cmd = world.cmd();
        let mut run = std::process::Command::new(cmd.get_program());
        run.env_clear().current_dir(world.path("."));
        for (key, value) in cmd.get_envs() {
            value.map(|value| run.env(key, value));
        }
        let stdin = std::fs::File::open(world.path(".")).unwrap();
        let output = run.arg("--json").args(args).stdin(stdin).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = json_error(&output.stderr)["message"].as_str().unwrap().to_owned();
        assert!(message.contains("Is a directory"), "{args:?}: {message}");
    }
}

/// Issue 12: `config show` says every setting's value and where it came from, with the user's
/// file above the system's (XDG_CONFIG_DIRS), the environment above both and flags above all;
/// an invalid value is shown and flagged, a password never.
#[test]
fn config_show_names_the_origin_of_every_setting() {
    let world = World::new();
    let system = world.path("xdg");
    std::fs::create_dir_all(system.join("authctl")).unwrap();
    std::fs::write(
        system.join("authctl/config.toml"),
        "busy_timeout = \"7s\"\nsmtp_timeout = \"20s\"\nmail = \"smtp://bob:s3cret@mail.example.com\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(world.path("config/authctl")).unwrap();
    std::fs::write(world.path("config/authctl/config.toml"), "smtp_timeout = \"30s\"\n").unwrap();
    let output = world
        .cmd()
        .env("XDG_CONFIG_DIRS", &system)
        .env("AUTHCTL_LOCKOUT_DURATION", "soon")
        .args(["--json", "--db", "flag.db", "config", "show"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let setting = |key: &str| {
        shown
            .as_array()
            .unwrap()
            .iter()
            .find(|setting| setting["key"] == key)
            .unwrap()
            .clone()
    };
    let system_file = format!("file {}", system.join("authctl/config.toml").display());
    let user_file = format!("file {}", world.path("config/authctl/config.toml").display());
    assert_eq!(
        (setting("db")["value"].clone(), setting("db")["origin"].clone()),
        ("flag.db".into(), "flag --db".into())
    );
    assert_eq!(setting("busy_timeout")["origin"], system_file.as_str());
    assert_eq!(setting("smtp_timeout")["value"], "30s");
    assert_eq!(setting("smtp_timeout")["origin"], user_file.as_str());
    assert_eq!(
        setting("lockout_duration")["origin"],
        "environment AUTHCTL_LOCKOUT_DURATION"
    );
    assert_eq!(setting("lockout_duration")["valid"], false);
    assert_eq!(setting("session_duration")["origin"], "default");
    assert_eq!(setting("mail")["value"], "smtp://bob:***@mail.example.com");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("s3cret"));
    assert_eq!(shown.as_array().unwrap().len(), authctl::settings::SETTINGS.len());
    // The other commands refuse the invalid value; the system file applies to them too.
    world
        .cmd()
        .env("XDG_CONFIG_DIRS", &system)
        .env("AUTHCTL_LOCKOUT_DURATION", "soon")
        .arg("whoami")
        .assert()
        .code(2);
}
