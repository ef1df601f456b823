//! Tests that attack: many processes at once, and processes killed (SIGKILL) at random points.
//! After each, `db check` passes and every account is entirely as before or entirely as after.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{PASSWORD, World, take_mail};

/// Kills per command kind.
const KILLS: usize = 30;

/// authctl as a plain process (so that it can be killed), with this world's environment and
/// the session file `session`.
fn authctl(world: &World, session: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authctl"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", world.path("home"))
        .env("XDG_CONFIG_HOME", world.path("config"))
        .env("XDG_DATA_HOME", world.path("data"))
        .env("XDG_STATE_HOME", world.path("state"))
        .env("AUTHCTL_DB", world.db())
        .env("AUTHCTL_SESSION_FILE", session)
        .env("AUTHCTL_ARGON2_MEMORY_KIB", "64")
        .env("AUTHCTL_ARGON2_ITERATIONS", "1")
        .current_dir(world.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `args` with `stdin`, to the end.
fn run(world: &World, session: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = authctl(world, session).args(args).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// Runs `args` expecting exit `code`; a mismatch shows the command and what it printed.
fn expect(world: &World, session: &Path, args: &[&str], stdin: &str, code: i32) -> Output {
    let output = run(world, session, args, stdin);
    assert_eq!(
        output.status.code(),
        Some(code),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `db check` must pass. It checks an SQLite file; on PostgreSQL the engine keeps its own
/// constraints, and each test's assertions about the accounts are the check.
fn assert_sound(world: &World, context: &str) {
    if !world.is_sqlite() {
        return;
    }
    let output = run(world, &world.session_file(), &["db", "check"], "");
    assert!(
        output.status.success(),
        "{context}: db check failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A small deterministic generator (xorshift64*) for kill delays; the seed is printed with any
/// failure so that a run can be replayed.
struct Delays {
    state: u64,
    longest: Duration,
}

impl Delays {
    /// Delays up to `longest`, seeded from the clock unless `AUTHCTL_ATTACK_SEED` is set.
    fn new(longest: Duration) -> (Self, u64) {
        let seed = std::env::var("AUTHCTL_ATTACK_SEED")
            .ok()
            .and_then(|seed| seed.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            })
            | 1;
        (Delays { state: seed, longest }, seed)
    }

    fn next(&mut self) -> Duration {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let fraction = (self.state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64;
        self.longest.mul_f64(fraction)
    }

    /// Whether the run was killed. A run that finished before its kill means the calibration
    /// overestimated a run (it ran while the machine was busier): later delays are drawn from a
    /// shorter span, so that kills keep landing inside runs.
    fn observe(&mut self, status: &ExitStatus) -> bool {
        let killed = status.signal() == Some(9);
        if !killed {
            self.longest = self.longest.mul_f64(0.7);
        }
        killed
    }
}

/// Starts `args` with `stdin` written and closed, waits `delay`, then SIGKILLs it (if it is still
/// running); returns how it ended.
fn kill_after(world: &World, session: &Path, args: &[&str], stdin: &str, delay: Duration) -> ExitStatus {
    let mut child = authctl(world, session)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The process may be killed before it reads its input: a broken pipe is expected then.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    std::thread::sleep(delay);
    let _ = child.kill();
    child.wait().unwrap()
}

/// How long `args` takes when not killed, measured on a run that also prepares the next state;
/// kills are spread over up to 1.5 times this.
fn timed(world: &World, session: &Path, args: &[&str], stdin: &str) -> Duration {
    let start = Instant::now();
    expect(world, session, args, stdin, 0);
    start.elapsed().mul_f64(1.5)
}

/// Per worker: users created by one import, and the ones of them taken through a cycle of
/// login, passwd, a login with the old password (refused) and one with the new.
const WORKERS: usize = 8;
const USERS_PER_WORKER: usize = 200;
const CYCLES_PER_WORKER: usize = 40;

#[test]
fn eight_processes_of_two_hundred_users_log_in_and_change_passwords_at_once() {
    let world = World::new();
    expect(&world, &world.session_file(), &["init"], "", 0);
    std::thread::scope(|scope| {
        for worker in 0..WORKERS {
            let world = &world;
            scope.spawn(move || {
                let session = world.path(&format!("session-{worker}"));
                let mut rows = String::from("email,password\n");
                for i in 0..USERS_PER_WORKER {
                    rows.push_str(&format!("w{worker}u{i}@example.com,{PASSWORD}\n"));
                }
                expect(world, &session, &["user", "import", "--format", "csv", "-"], &rows, 0);
                for i in 0..CYCLES_PER_WORKER {
                    let email = format!("w{worker}u{i}@example.com");
                    let new = format!("rotated secret {worker}.{i}");
                    let login = ["login", email.as_str(), "--password-stdin"];
                    expect(world, &session, &login, &format!("{PASSWORD}\n"), 0);
                    expect(
                        world,
                        &session,
                        &["passwd", "--password-stdin"],
                        &format!("{PASSWORD}\n{new}\n"),
                        0,
                    );
                    expect(world, &session, &login, &format!("{PASSWORD}\n"), 1);
                    expect(world, &session, &login, &format!("{new}\n"), 0);
                }
            });
        }
    });

    let cycles = (WORKERS * CYCLES_PER_WORKER) as i64;
    assert_eq!(
        world.count("SELECT count(*) FROM users"),
        (WORKERS * USERS_PER_WORKER) as i64
    );
    // Two sessions per cycle; each login ends the session its session file held before, so one
    // per worker stays live.
    assert_eq!(world.count("SELECT count(*) FROM sessions"), 2 * cycles);
    assert_eq!(
        world.count("SELECT count(*) FROM sessions WHERE revoked_at IS NULL"),
        WORKERS as i64
    );
    let audit = |event: &str| world.count(&format!("SELECT count(*) FROM audit WHERE event = '{event}'"));
    assert_eq!(audit("users_imported"), WORKERS as i64);
    assert_eq!(audit("login_succeeded"), 2 * cycles);
    assert_eq!(audit("logout"), 2 * cycles - WORKERS as i64);
    assert_eq!(audit("login_failed"), cycles);
    assert_eq!(audit("password_changed"), cycles);
    assert_eq!(world.count("SELECT count(*) FROM audit"), 6 * cycles);
    assert_sound(&world, "after the load");
}

#[test]
fn an_import_killed_at_any_point_writes_all_its_rows_or_none() {
    const ROWS: usize = 3000;
    let world = World::new();
    let session = world.session_file();
    expect(&world, &session, &["init"], "", 0);
    let file = |batch: usize| {
        let mut rows = String::from("email,password\n");
        for i in 0..ROWS {
            rows.push_str(&format!("k{batch}-{i}@example.com,{PASSWORD}\n"));
        }
        rows
    };
    let import = ["user", "import", "--format", "csv", "-"];
    let (mut delays, seed) = Delays::new(timed(&world, &session, &import, &file(KILLS)));
    let mut killed = 0;
    let mut expected_users = ROWS as i64;
    for batch in 0..KILLS {
        let delay = delays.next();
        let status = kill_after(&world, &session, &import, &file(batch), delay);
        killed += usize::from(delays.observe(&status));
        let context = format!("seed {seed}, kill {batch} after {delay:?}");
        assert_sound(&world, &context);
        let imported = world.count(&format!("SELECT count(*) FROM users WHERE email LIKE 'k{batch}-%'"));
        assert!(
            imported == 0 || imported == ROWS as i64,
            "{context}: {imported} rows of {ROWS}"
        );
        expected_users += imported;
        assert_eq!(world.count("SELECT count(*) FROM users"), expected_users, "{context}");
    }
    assert!(killed > 0, "seed {seed}: every import finished before its kill");
}

#[test]
fn passwd_killed_at_any_point_leaves_the_old_password_or_the_new() {
    let world = World::new();
    let session = world.session_file();
    world.add_user("ada@example.com");
    let login = |password: &str| {
        run(
            &world,
            &session,
            &["login", "ada@example.com", "--password-stdin"],
            &format!("{password}\n"),
        )
    };
    assert!(login(PASSWORD).status.success());
    let passwd = ["passwd", "--password-stdin"];
    let mut current = "calibration password".to_owned();
    let (mut delays, seed) = Delays::new(timed(&world, &session, &passwd, &format!("{PASSWORD}\n{current}\n")));
    let mut killed = 0;
    for kill in 0..KILLS {
        let new = format!("replacement password {kill}");
        let delay = delays.next();
        let status = kill_after(&world, &session, &passwd, &format!("{current}\n{new}\n"), delay);
        killed += usize::from(delays.observe(&status));
        let context = format!("seed {seed}, kill {kill} after {delay:?}");
        assert_sound(&world, &context);
        // Exactly one of the two works; logging in with it also gives the next round a session.
        let old_works = login(&current).status.success();
        let new_works = login(&new).status.success();
        assert!(
            old_works != new_works,
            "{context}: old works {old_works}, new works {new_works}"
        );
        if new_works {
            current = new;
        } else {
            assert!(login(&current).status.success(), "{context}");
        }
    }
    assert!(killed > 0, "seed {seed}: every passwd finished before its kill");
}

#[test]
fn email_confirm_killed_at_any_point_leaves_the_old_address_or_the_new() {
    let world = World::new();
    let session = world.session_file();
    world.add_user("ada@example.com");
    let mail_dir = world.mail_dir();
    let mut address = "ada@example.com".to_owned();
    // Logs in with `address` and asks to move to `new`; returns the mailed token.
    let request = |address: &str, new: &str| -> String {
        expect(
            &world,
            &session,
            &["login", address, "--password-stdin"],
            &format!("{PASSWORD}\n"),
            0,
        );
        expect(
            &world,
            &session,
            &["email", "change", new, "--password-stdin"],
            &format!("{PASSWORD}\n"),
            0,
        );
        take_mail(&mail_dir)
            .into_iter()
            .find(|mail| mail.is_to(new))
            .expect("a message to the new address")
            .token("email confirm")
    };
    let confirm = ["email", "confirm"];
    let token = request(&address, "calibration@example.com");
    let (mut delays, seed) = Delays::new(timed(&world, &session, &confirm, &format!("{token}\n")));
    address = "calibration@example.com".to_owned();
    let mut killed = 0;
    for kill in 0..KILLS {
        let new = format!("moved{kill}@example.com");
        let token = request(&address, &new);
        let delay = delays.next();
        let status = kill_after(&world, &session, &confirm, &format!("{token}\n"), delay);
        killed += usize::from(delays.observe(&status));
        let context = format!("seed {seed}, kill {kill} after {delay:?}");
        assert_sound(&world, &context);
        let show = |email: &str| run(&world, &session, &["user", "show", email], "").status.code();
        match (show(&address), show(&new)) {
            (Some(0), Some(4)) => {}
            (Some(4), Some(0)) => address = new,
            other => panic!("{context}: user show old/new exited {other:?}"),
        }
        assert_eq!(world.count("SELECT count(*) FROM users"), 1, "{context}");
    }
    assert!(killed > 0, "seed {seed}: every email confirm finished before its kill");
}
