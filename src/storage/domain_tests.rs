//! The domain's account scenarios, run over the SQLite engine: clocks that pass lifetimes,
//! lockouts, and an administrator's write landing in the middle of a login.

use std::cell::RefCell;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::accounts::*;
use crate::domain::audit::{AuditEvent, AuditFilter};
use crate::domain::email::Email;
use crate::domain::error::Result;
use crate::domain::hashes::AppScheme;
use crate::domain::lockout::{Lockout, LockoutPolicy};
use crate::domain::mail::{Delivery, Mail, Outbox};
use crate::domain::password::{HashParams, Verdict};
use crate::domain::password::{Hasher, Password};
use crate::domain::policy::PasswordPolicy;
use crate::domain::session::SessionDurations;
use crate::domain::store::{Store, Transaction};
use crate::domain::token::{SecretToken, TokenLifetimes};
use crate::domain::user::{User, UserKey, UserQuery, UserSelection, UsernameCase};
use crate::storage::sqlite::{SchemaCheck, SqliteStore, SqliteTx};

/// An outbox that keeps the tokens it was asked to send.
#[derive(Default)]
struct Captured(RefCell<Vec<String>>);

impl Outbox for Captured {
    fn send(&self, mail: &Mail<'_>) -> Result<Delivery> {
        if let Mail::ConfirmAccount { token, .. }
        | Mail::ResetPassword { token, .. }
        | Mail::ConfirmNewEmail { token, .. } = mail
        {
            self.0.borrow_mut().push(token.expose().to_owned());
        }
        Ok(Delivery {
            to: mail.to().to_owned(),
            transport: "test".to_owned(),
            file: None,
        })
    }
}

fn policy() -> Policy {
    Policy {
        sessions: SessionDurations {
            session: chrono::Duration::hours(1),
            remember: chrono::Duration::days(30),
        },
        tokens: TokenLifetimes {
            confirm: chrono::Duration::hours(24),
            reset: chrono::Duration::hours(1),
            email_change: chrono::Duration::hours(24),
        },
        require_confirmation: false,
        passwords: PasswordPolicy::default(),
        lockout: LockoutPolicy {
            max_failures: 3,
            duration: chrono::Duration::minutes(15),
        },
        failure_delay: Duration::ZERO,
    }
}

fn setup() -> (tempfile::TempDir, SqliteStore, Hasher) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db"), Duration::from_secs(1), SchemaCheck::Create).unwrap();
    let hasher = Hasher::new(HashParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    })
    .unwrap();
    (dir, store, hasher)
}

fn ada() -> NewAccount {
    NewAccount {
        email: Email::parse("ada@example.com").unwrap(),
        username: None,
        password: Some(Password::new_checked("correct horse").unwrap()),
        confirmed: false,
        active: true,
    }
}

#[test]
fn sessions_end_when_the_clock_passes_their_lifetime() {
    let (_dir, mut store, hasher) = setup();
    let start = Utc::now();
    Accounts::new(&mut store, &hasher, policy(), start, || "test".to_owned())
        .add_user(ada(), None)
        .unwrap();
    let claim = login_claim(&mut store, &hasher, start);
    let mut at = |minutes: i64| {
        let now = start + chrono::Duration::minutes(minutes);
        Accounts::new(&mut store, &hasher, policy(), now, || "test".to_owned())
            .current(&claim)
            .map(|_| ())
    };
    assert!(at(59).is_ok());
    assert_eq!(at(61).unwrap_err().exit_code(), 3);
}

fn login_claim(store: &mut SqliteStore, hasher: &Hasher, now: DateTime<Utc>) -> SessionClaim {
    let mut accounts = Accounts::new(store, hasher, policy(), now, || "test".to_owned());
    let email = Email::parse("ada@example.com").unwrap();
    accounts
        .login(&email, &Password::new("correct horse"), false)
        .unwrap()
        .claim
}

#[test]
fn tokens_are_single_use_and_expire_by_the_clock() {
    let (_dir, mut store, hasher) = setup();
    let outbox = Captured::default();
    let start = Utc::now();
    let mut accounts = Accounts::new(&mut store, &hasher, policy(), start, || "test".to_owned());
    accounts
        .add_user(ada(), Some((&outbox, FirstMail::Confirmation)))
        .unwrap();
    let email = Email::parse("ada@example.com").unwrap();
    accounts.request_reset(&email, &outbox, 3).unwrap();
    accounts.request_reset(&email, &outbox, 3).unwrap();
    let sent = outbox.0.borrow().clone();
    let (confirm, old_reset, reset) = (&sent[0], &sent[1], &sent[2]);
    let token = |text: &str| SecretToken::parse(text).unwrap();

    // The newer reset token replaced the older one; a confirmation token is not a reset token.
    assert_eq!(
        accounts.check_reset_token(&token(old_reset)).unwrap_err().exit_code(),
        1
    );
    assert!(accounts.check_reset_token(&token(confirm)).is_err());

    let later = start + chrono::Duration::minutes(61);
    let mut accounts = Accounts::new(&mut store, &hasher, policy(), later, || "test".to_owned());
    assert!(
        accounts.check_reset_token(&token(reset)).is_err(),
        "expired after reset_token_ttl"
    );
    let user = accounts.confirm(&token(confirm)).unwrap();
    assert!(user.confirmed, "the confirmation token lives 24 hours");
    assert!(accounts.confirm(&token(confirm)).is_err(), "single use");
}

/// A store that lets an administrator act on a second connection just before the first
/// write transaction starts: the moment a slow login has verified the password.
struct Interfering<F: FnOnce()> {
    inner: SqliteStore,
    interfere: Option<F>,
}

impl<F: FnOnce()> Store for Interfering<F> {
    type Tx<'a>
        = SqliteTx<'a>
    where
        Self: 'a;

    fn read(&mut self) -> Result<SqliteTx<'_>> {
        self.inner.read()
    }

    fn write(&mut self) -> Result<SqliteTx<'_>> {
        if let Some(interfere) = self.interfere.take() {
            interfere();
        }
        self.inner.write()
    }
}

fn os() -> String {
    "test".to_owned()
}

/// Adds ada, runs `prepare`, then logs ada in with parameters that upgrade her hash while
/// `admin` acts between the verification and the login's write. Returns the login's result
/// and every user afterwards with their live sessions.
fn login_racing<T>(
    prepare: impl FnOnce(&mut Accounts<'_, SqliteStore>) -> T,
    admin: impl FnOnce(&mut Accounts<'_, SqliteStore>, T),
) -> (Result<Login>, Vec<(User, usize)>) {
    let (dir, mut store, hasher) = setup();
    let path = dir.path().join("t.db");
    let mut accounts = Accounts::new(&mut store, &hasher, policy(), Utc::now(), os);
    accounts.add_user(ada(), None).unwrap();
    let prepared = prepare(&mut accounts);
    let interfere = || {
        let mut other = SqliteStore::open(&path, Duration::from_secs(1), SchemaCheck::Current).unwrap();
        admin(
            &mut Accounts::new(&mut other, &hasher, policy(), Utc::now(), os),
            prepared,
        );
    };
    let mut racing = Interfering {
        inner: store,
        interfere: Some(interfere),
    };
    let upgrading = Hasher::new(HashParams {
        memory_kib: 128,
        iterations: 1,
        parallelism: 1,
    })
    .unwrap();
    let email = Email::parse("ada@example.com").unwrap();
    let result = Accounts::new(&mut racing, &upgrading, policy(), Utc::now(), os).login(
        &email,
        &Password::new("correct horse"),
        false,
    );
    let mut store = racing.inner;
    let tx = store.read().unwrap();
    let mut users = Vec::new();
    let every_user = UserSelection::new(UserQuery::default(), UsernameCase::Insensitive);
    tx.for_each_user(&every_user, &mut |user| {
        let live = tx.live_sessions(user.id, Utc::now())?.len();
        users.push((user, live));
        Ok(())
    })
    .unwrap();
    (result, users)
}

fn ada_key() -> UserKey {
    UserKey::Email("ada@example.com".to_owned())
}

#[test]
fn a_login_cannot_undo_a_lock_made_while_it_verified() {
    let (result, users) = login_racing(
        |_| (),
        |admin, ()| {
            admin.set_locked(&ada_key(), true).unwrap();
        },
    );
    assert_eq!(result.unwrap_err().exit_code(), 1);
    let (user, live) = &users[0];
    assert!(user.locked);
    assert_eq!(*live, 0);
}

#[test]
fn a_login_cannot_undo_a_new_password_set_while_it_verified() {
    let (result, users) = login_racing(
        |_| (),
        |admin, ()| {
            admin
                .set_password(&ada_key(), &Password::new_checked("a brand new password").unwrap())
                .unwrap();
        },
    );
    assert_eq!(result.unwrap_err().exit_code(), 1, "the old password made no session");
    let (user, live) = &users[0];
    assert_eq!(*live, 0);
    let hasher = setup().2;
    let stored = user.password_hash.as_deref().unwrap();
    assert_eq!(
        hasher.verify(&Password::new("a brand new password"), stored),
        Verdict::Match
    );
}

#[test]
fn a_login_cannot_undo_an_email_change_confirmed_while_it_verified() {
    let outbox = Captured::default();
    let (result, users) = login_racing(
        |accounts| {
            let claim = login_claim_of(accounts);
            let new_email = Email::parse("ada@new.example.com").unwrap();
            accounts
                .request_email_change(&claim, &Password::new("correct horse"), &new_email, &outbox)
                .unwrap();
            SecretToken::parse(outbox.0.borrow().last().unwrap()).unwrap()
        },
        |admin, token| {
            admin.confirm_email_change(&token).unwrap();
        },
    );
    assert!(result.is_ok(), "the credentials did not change");
    assert_eq!(users[0].0.email, "ada@new.example.com");
}

#[test]
fn a_login_racing_remove_is_a_failed_login() {
    let (result, users) = login_racing(
        |_| (),
        |admin, ()| {
            admin.remove_user(&ada_key()).unwrap();
        },
    );
    assert_eq!(result.unwrap_err().exit_code(), 1);
    assert!(users.is_empty());
}

fn login_claim_of(accounts: &mut Accounts<'_, SqliteStore>) -> SessionClaim {
    let email = Email::parse("ada@example.com").unwrap();
    accounts
        .login(&email, &Password::new("correct horse"), false)
        .unwrap()
        .claim
}

/// How many password-hash evaluations `login` makes on this thread.
fn login_work(accounts: &mut Accounts<'_, SqliteStore>, email: &str, password: &str) -> u64 {
    use crate::domain::password::EVALUATIONS;
    let before = EVALUATIONS.get();
    let result = accounts.login(&Email::parse(email).unwrap(), &Password::new(password), false);
    assert_eq!(result.unwrap_err().exit_code(), 1, "{email}");
    EVALUATIONS.get() - before
}

/// Adds ada (who may log in) and one account for each reason to refuse a login: locked,
/// inactive, without a password, with an unusable hash, locked out.
fn add_refusable_accounts(store: &mut SqliteStore, hasher: &Hasher, now: DateTime<Utc>) {
    let mut accounts = Accounts::new(store, hasher, policy(), now, os);
    let account = |email: &str, password: Option<&str>, active: bool| NewAccount {
        email: Email::parse(email).unwrap(),
        password: password.map(|p| Password::new_checked(p).unwrap()),
        active,
        ..ada()
    };
    accounts.add_user(ada(), None).unwrap();
    accounts
        .add_user(account("locked@example.com", Some("correct horse"), true), None)
        .unwrap();
    accounts
        .set_locked(&UserKey::Email("locked@example.com".to_owned()), true)
        .unwrap();
    accounts
        .add_user(account("inactive@example.com", Some("correct horse"), false), None)
        .unwrap();
    accounts
        .add_user(account("nopassword@example.com", None, true), None)
        .unwrap();
    let (unusable, _) = accounts
        .add_user(account("unusable@example.com", None, true), None)
        .unwrap();
    let (locked_out, _) = accounts
        .add_user(account("lockedout@example.com", Some("correct horse"), true), None)
        .unwrap();
    let tx = store.write().unwrap();
    tx.set_password_hash(unusable.id, "$argon2id$v=19$garbage", None)
        .unwrap();
    let lockout = Lockout {
        failures: 3,
        until: Some(now + chrono::Duration::hours(1)),
    };
    tx.set_lockout(locked_out.id, lockout).unwrap();
    tx.commit().unwrap();
}

/// The accounts [`add_refusable_accounts`] refuses, and one that does not exist.
const REFUSED: [&str; 6] = [
    "nobody@example.com",
    "locked@example.com",
    "inactive@example.com",
    "lockedout@example.com",
    "nopassword@example.com",
    "unusable@example.com",
];

#[test]
fn every_refused_login_does_the_work_of_a_wrong_password() {
    let (_dir, mut store, hasher) = setup();
    let now = Utc::now();
    add_refusable_accounts(&mut store, &hasher, now);
    let mut accounts = Accounts::new(&mut store, &hasher, policy(), now, os);

    // "ﬁ" is NFKC "fi": the known path tries both spellings.
    for (password, spellings) in [("wrong horse", 1), ("\u{FB01}ne horse", 2)] {
        let wrong = login_work(&mut accounts, "ada@example.com", password);
        assert_eq!(wrong, spellings);
        for email in REFUSED {
            assert_eq!(
                login_work(&mut accounts, email, password),
                wrong,
                "{email} {password:?}"
            );
        }
    }
}

/// How many password-hash evaluations `verify_password` makes on this thread for a refusal.
fn verify_work(accounts: &mut Accounts<'_, SqliteStore>, user: &str, password: &str) -> u64 {
    use crate::domain::password::EVALUATIONS;
    let before = EVALUATIONS.get();
    let result = accounts.verify_password(&UserKey::parse(user), &Password::new(password));
    assert_eq!(result.unwrap_err().exit_code(), 1, "{user}");
    EVALUATIONS.get() - before
}

#[test]
fn every_refused_verify_does_the_work_of_a_wrong_password() {
    let (_dir, mut store, hasher) = setup();
    let now = Utc::now();
    add_refusable_accounts(&mut store, &hasher, now);
    let mut accounts = Accounts::new(&mut store, &hasher, policy(), now, os);
    for (password, spellings) in [("wrong horse", 1), ("\u{FB01}ne horse", 2)] {
        let wrong = verify_work(&mut accounts, "ada@example.com", password);
        assert_eq!(wrong, spellings);
        for user in REFUSED
            .into_iter()
            .chain(["nobody", "0190a4f2-0000-7000-8000-000000000000"])
        {
            assert_eq!(verify_work(&mut accounts, user, password), wrong, "{user} {password:?}");
        }
    }
    let ada = UserKey::parse("ada@example.com");
    let user = accounts.verify_password(&ada, &Password::new("correct horse")).unwrap();
    assert_eq!(user.lockout.failures, 2, "each wrong password counts");
    assert_eq!(
        accounts.user(&ada).unwrap().lockout.failures,
        2,
        "a success writes nothing"
    );
}

/// A login upgrades a stale hash to the hasher's scheme, and the audit log says so.
#[test]
fn a_login_upgrades_to_the_hashers_scheme() {
    let (_dir, mut store, hasher) = setup();
    let now = Utc::now();
    let (ada, _) = Accounts::new(&mut store, &hasher, policy(), now, os)
        .add_user(ada(), None)
        .unwrap();
    // Werkzeug 3.1.3's generate_password_hash("correct horse", "pbkdf2:sha256:1000").
    let stale = "pbkdf2:sha256:1000$7PP5ssdeWjYGVvMO$526a3ff9732c11ce02f153be58e9dad47c51f1539851be721537bffcd089f593";
    let tx = store.write().unwrap();
    assert!(
        tx.set_password_hash(ada.id, stale, ada.password_hash.as_deref())
            .unwrap()
    );
    tx.commit().unwrap();
    let scrypt = hasher.with_scheme(AppScheme::WerkzeugScrypt).unwrap();
    let login = Accounts::new(&mut store, &scrypt, policy(), now, os)
        .login(
            &Email::parse("ada@example.com").unwrap(),
            &Password::new("correct horse"),
            false,
        )
        .unwrap();
    let upgraded = login.user.password_hash.unwrap();
    assert_eq!(
        AppScheme::detect(&upgraded),
        Some(AppScheme::WerkzeugScrypt),
        "{upgraded}"
    );
    let filter = AuditFilter {
        events: vec![AuditEvent::PasswordRehashed],
        ..AuditFilter::default()
    };
    let mut details = Vec::new();
    store
        .read()
        .unwrap()
        .for_each_audit(&filter, &mut |record| {
            details.push(record.entry.detail.unwrap_or_default());
            Ok(())
        })
        .unwrap();
    assert_eq!(
        details,
        ["werkzeug-pbkdf2 hash upgraded to werkzeug-scrypt with the current parameters"]
    );
}
