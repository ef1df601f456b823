//! A slow login racing an administrator (defect 1 of issue 8): whatever the order, the
//! administrator's change stands and no session outlives it.

use std::process::Output;
use std::thread::sleep;
use std::time::Duration;

use authctl::domain::store::{Store, Transaction};
use authctl::domain::user::UserKey;
use chrono::Utc;

use crate::util::{PASSWORD, World};

/// [`PASSWORD`] under Werkzeug's pbkdf2 with 3,000,000 rounds (about a second to verify), made
/// with Python's `hashlib.pbkdf2_hmac('sha256', PASSWORD, b'slowsalt', 3000000)`.
const SLOW_HASH: &str =
    "pbkdf2:sha256:3000000$slowsalt$385dd8c064cd36905e50c3e14696cf5a58524720e462000e12304a58a9d8355f";

/// Imports ada@example.com with [`SLOW_HASH`], as a migration from Flask would.
fn import_slow_user(world: &World) {
    let file = world.path("users.csv");
    std::fs::write(
        &file,
        format!("email,password_hash,confirmed\nada@example.com,{SLOW_HASH},true\n"),
    )
    .unwrap();
    world
        .cmd()
        .args(["user", "import", file.to_str().unwrap()])
        .assert()
        .success();
}

/// Starts `login` with [`PASSWORD`], runs the administrator's `admin` 0.2 s later (with `stdin`),
/// and waits for both.
fn race(world: &World, admin: &[&str], stdin: &str) -> (Output, Output) {
    std::thread::scope(|scope| {
        let login = scope.spawn(|| {
            world
                .cmd()
                .args(["login", "ada@example.com", "--password-stdin"])
                .write_stdin(format!("{PASSWORD}\n"))
                .output()
                .unwrap()
        });
        sleep(Duration::from_millis(200));
        let admin = world.cmd().args(admin).write_stdin(stdin).output().unwrap();
        (login.join().unwrap(), admin)
    })
}

fn live_sessions(world: &World) -> usize {
    let mut store = world.store();
    let tx = store.read().unwrap();
    // A removed user has no sessions left.
    let Some(ada) = tx.find_user(&UserKey::Email("ada@example.com".to_owned())).unwrap() else {
        return 0;
    };
    tx.live_sessions(ada.id, Utc::now()).unwrap().len()
}

#[test]
fn a_login_upgrading_its_hash_cannot_undo_a_lock() {
    let world = World::new();
    import_slow_user(&world);
    let (login, lock) = race(&world, &["user", "lock", "ada@example.com"], "");
    assert!(lock.status.success(), "{}", String::from_utf8_lossy(&lock.stderr));
    assert!(
        matches!(login.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    assert_eq!(world.json(&["user", "show", "ada@example.com"])["locked"], true);
    assert_eq!(live_sessions(&world), 0);
}

#[test]
fn a_login_cannot_undo_a_new_password() {
    let world = World::new();
    import_slow_user(&world);
    let new = "a brand new password";
    let (login, set) = race(
        &world,
        &["user", "set-password", "ada@example.com", "--password-stdin"],
        &format!("{new}\n"),
    );
    assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    assert!(matches!(login.status.code(), Some(0 | 1)));
    assert_eq!(
        live_sessions(&world),
        0,
        "no session made with the old password survives"
    );
    world.login("ada@example.com", PASSWORD, &[]).code(1);
    world.login("ada@example.com", new, &[]).success();
}

#[test]
fn a_login_racing_remove_fails_cleanly() {
    let world = World::new();
    import_slow_user(&world);
    let (login, remove) = race(&world, &["user", "remove", "ada@example.com", "--yes"], "");
    assert!(remove.status.success(), "{}", String::from_utf8_lossy(&remove.stderr));
    assert!(
        matches!(login.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        login.status.code(),
        String::from_utf8_lossy(&login.stderr)
    );
    world.cmd().args(["user", "show", "ada@example.com"]).assert().code(4);
    assert_eq!(live_sessions(&world), 0);
}
