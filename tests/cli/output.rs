//! Output that fits (issue 12, item 4): `user list` filters, order, pages and columns; tables
//! fitted to a terminal and tab-separated columns for a pipe; `--quiet`; one time format in JSON.

use serde_json::Value;

use crate::util::{PASSWORD, World, terminal_command};

/// ada (confirmed), Bob (unconfirmed), carol (confirmed, no username, locked by an admin) and
/// dave (unconfirmed, locked out by a failed login), added in that order.
fn four_accounts() -> World {
    let world = World::new();
    world.add_user_with("ada@example.com", &["--username", "ada", "--confirmed"]);
    world.add_user_with("Bob@Example.org", &["--username", "Bob"]);
    world.add_user_with("carol@example.org", &["--confirmed"]);
    world.add_user_with("dave@example.com", &["--username", "dave"]);
    world
        .cmd()
        .args(["user", "lock", "carol@example.org"])
        .assert()
        .success();
    world
        .cmd()
        .env("AUTHCTL_MAX_FAILED_LOGINS", "1")
        .args(["login", "dave@example.com", "--password-stdin"])
        .write_stdin("not the password\n")
        .assert()
        .code(1);
    world
}

/// The emails `user list ARGS --json` prints, in order.
fn emails(world: &World, args: &[&str]) -> Vec<String> {
    let list = world.json(&[&["user", "list"], args].concat());
    list.as_array()
        .unwrap()
        .iter()
        .map(|user| user["email"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn user_list_filters_orders_and_pages() {
    let world = four_accounts();
    let all = [
        "ada@example.com",
        "Bob@Example.org",
        "carol@example.org",
        "dave@example.com",
    ];
    assert_eq!(emails(&world, &[]), all);
    assert_eq!(emails(&world, &["--sort", "created"]), all);
    assert_eq!(emails(&world, &["--locked"]), ["carol@example.org", "dave@example.com"]);
    assert_eq!(
        emails(&world, &["--unconfirmed"]),
        ["Bob@Example.org", "dave@example.com"]
    );
    // Compared as names are: in any case, in the email or the username.
    assert_eq!(
        emails(&world, &["--search", "EXAMPLE.ORG"]),
        ["Bob@Example.org", "carol@example.org"]
    );
    assert_eq!(
        emails(&world, &["--search", "Da"]),
        ["ada@example.com", "dave@example.com"]
    );
    assert_eq!(emails(&world, &["--search", "%"]), Vec::<String>::new());
    assert_eq!(
        emails(&world, &["--sort", "email", "--reverse"]),
        [
            "dave@example.com",
            "carol@example.org",
            "Bob@Example.org",
            "ada@example.com"
        ]
    );
    // Accounts without a username come last, either way.
    assert_eq!(
        emails(&world, &["--sort", "username"]),
        [
            "ada@example.com",
            "Bob@Example.org",
            "dave@example.com",
            "carol@example.org"
        ]
    );
    assert_eq!(
        emails(&world, &["--sort", "username", "--reverse"]),
        [
            "dave@example.com",
            "Bob@Example.org",
            "ada@example.com",
            "carol@example.org"
        ]
    );
    assert_eq!(
        emails(&world, &["--limit", "2", "--offset", "1"]),
        ["Bob@Example.org", "carol@example.org"]
    );
    assert_eq!(emails(&world, &["--offset", "4"]), Vec::<String>::new());
    assert_eq!(
        emails(
            &world,
            &["--unconfirmed", "--sort", "email", "--reverse", "--limit", "1"]
        ),
        ["dave@example.com"]
    );
    world
        .cmd()
        .args(["user", "list", "--sort", "password"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "possible values: added, created, email, username",
        ));
}

#[test]
fn fields_choose_the_columns_and_the_json_keys() {
    let world = four_accounts();
    let list = world.json(&["user", "list", "--fields", "email,failed_logins", "--locked"]);
    let keys: Vec<Vec<&str>> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user.as_object().unwrap().keys().map(String::as_str).collect())
        .collect();
    assert_eq!(keys, [["email", "failed_logins"], ["email", "failed_logins"]]);
    assert_eq!(list[1]["failed_logins"], 1);

    let output = world
        .cmd()
        .args(["user", "list", "--fields", "email,locked_out_until", "--locked"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[..2], ["EMAIL\tLOCKED OUT UNTIL", "carol@example.org\t"], "{text}");
    assert!(
        lines[2].starts_with("dave@example.com\t20") && lines[2].ends_with(" UTC"),
        "{text}"
    );

    world
        .cmd()
        .args(["user", "list", "--fields", "email,password_hash"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid value 'password_hash' for '--fields"));
    world
        .cmd()
        .args(["--json", "user", "list", "--fields", "email,id,email"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains("--fields names email twice"));
}

/// A pipe gets plain tab-separated columns under one header line, without box characters;
/// an empty list, the header line alone.
#[test]
fn a_pipe_gets_tab_separated_columns() {
    let world = World::new();
    let header = "ID\tEMAIL\tUSERNAME\tCONFIRMED\tACTIVE\tLOCKED\tCREATED AT\n";
    world.cmd().args(["user", "list"]).assert().success().stdout(header);
    world.add_user("carol@example.org");
    let output = world.cmd().args(["user", "list"]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_eq!(format!("{}\n", lines[0]), header);
    let cells: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(cells[1..6], ["carol@example.org", "", "no", "yes", "no"], "{text}");
    assert!(!text.contains(['│', '┌', '─']), "{text}");
}

/// On a terminal, tables fit its width (long cells wrap, never to nothing) and keep their pages
/// of 1,000 rows.
#[test]
fn tables_on_a_terminal_fit_its_width() {
    let world = World::new();
    let long = "a-very-long-address-that-would-not-fit-in-the-column@example.com";
    world.add_user_with(long, &["--username", "long_enough_to_wrap_as_well"]);
    world.add_many_users(1000);
    // Below 7 columns × (4 characters + 3 of border) + 1, the table keeps that width (the
    // terminal wraps its lines) rather than wrap cells away to nothing.
    for (columns, widest_allowed) in [("10", 50), ("60", 60), ("200", 200)] {
        let output = terminal_command(&world, &[], &["user", "list"])
            .env("PTY_COLUMNS", columns)
            .output()
            .unwrap();
        let screen = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{screen}");
        let widest = screen.lines().map(|line| line.chars().count()).max().unwrap();
        assert!(widest <= widest_allowed, "{columns} columns, a line of {widest}");
        assert!(screen.contains("yes") && !screen.contains('\u{fffd}'), "{screen}");
        assert_eq!(screen.matches("│ ID").count(), 2, "two pages, each with its header");
        // Wide enough, no cell wraps.
        if columns == "200" {
            assert!(
                screen.contains(long) && screen.contains("u1000@example.com"),
                "{screen}"
            );
        }
    }
}

/// `--quiet` leaves out the remarks on stderr, not the result or the errors.
#[test]
fn quiet_silences_the_notes_for_cron() {
    let world = World::new();
    world.add_user_with("ada@example.com", &["--confirmed"]);
    let edit = ["user", "edit", "ada@example.com", "--confirmed", "true"];
    world
        .cmd()
        .args(edit)
        .assert()
        .success()
        .stderr(predicates::str::contains("nothing changed"));
    world
        .cmd()
        .arg("--quiet")
        .args(edit)
        .assert()
        .success()
        .stdout(predicates::str::contains("ada@example.com"))
        .stderr("");
    world
        .cmd()
        .args(["-q", "user", "show", "nobody@example.com"])
        .assert()
        .code(4)
        .stderr(predicates::str::contains("nobody@example.com"));
}

/// Every time in JSON, whatever the engine stored: `2026-12-01T09:30:00.123Z`.
#[test]
fn every_json_time_has_one_format() {
    let world = four_accounts();
    world
        .cmd()
        .args(["login", "ada@example.com", "--password-stdin", "--remember"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    world
        .cmd()
        .args(["session", "revoke", "--user", "ada@example.com", "--all"])
        .assert()
        .success();
    world
        .cmd()
        .args(["login", "ada@example.com", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
    let mut times = Vec::new();
    // And a time quoted in an audit row's detail.
    let audit = world.json(&["audit"]);
    let quoted = audit
        .as_array()
        .unwrap()
        .iter()
        .find_map(|entry| entry["detail"].as_str()?.split("locked out until ").nth(1))
        .unwrap();
    times.push(quoted.to_owned());
    for args in [
        &["whoami"][..],
        &["session", "list", "--user", "ada@example.com"],
        &["user", "list"],
        &["user", "show", "dave@example.com"],
        &["audit"],
    ] {
        collect_times(&world.json(args), &mut times);
    }
    // created_at of 4 users twice, a lockout twice, 2 sessions of 3 times (one revoked) and
    // the whoami session, audit rows.
    assert!(times.len() > 20, "{times:?}");
    for time in &times {
        let shape: String = time.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
        assert_eq!(shape, "9999-99-99T99:99:99.999Z", "{time}");
    }
}

/// The values of every key that holds a time (`*_at`, `at`, `*_until`) in `value`.
fn collect_times(value: &Value, times: &mut Vec<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|item| collect_times(item, times)),
        Value::Object(map) => {
            for (key, item) in map {
                let is_time = key == "at" || key.ends_with("_at") || key.ends_with("_until");
                match item {
                    Value::String(text) if is_time => times.push(text.clone()),
                    _ => collect_times(item, times),
                }
            }
        }
        _ => {}
    }
}
