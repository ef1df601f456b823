//! The account operations: each reads or writes through one storage transaction and records
//! every change of state in the audit log. By concern: `admin` (what administrators do),
//! `login` (login, lockout, re-authentication, sessions) and `tokens` (the emailed-token
//! flows).

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::audit::{
    AuditCursor, AuditEntry, AuditEvent, AuditFilter, AuditRecord, AuditSink, AuditSubject, FOLLOW_WINDOW, NoAuditSink,
};
use crate::domain::email::Email;
use crate::domain::error::{Error, Result};
use crate::domain::lockout::{Lockout, LockoutPolicy};
use crate::domain::mail::{Delivery, Mail, Outbox};
use crate::domain::password::{Hasher, Password};
use crate::domain::policy::PasswordPolicy;
use crate::domain::session::{Session, SessionDurations};
use crate::domain::store::{Store, Transaction};
use crate::domain::token::{SecretToken, TokenLifetimes};
use crate::domain::user::{User, UserKey, UserQuery, UserSelection, Username, no_such_user};

mod admin;
mod login;
mod tokens;

/// What a session file claims: a token, valid only in the database it names.
#[derive(Debug)]
pub struct SessionClaim {
    /// The identity of the database the session was made in.
    pub database_id: String,
    /// The secret session token.
    pub token: SecretToken,
}

/// A new account as asked for by `user add`.
#[derive(Debug)]
pub struct NewAccount {
    /// The validated address.
    pub email: Email,
    /// An optional validated username.
    pub username: Option<Username>,
    /// The password, already checked against the policy; `None` cannot log in.
    pub password: Option<Password>,
    /// Whether the address counts as confirmed already.
    pub confirmed: bool,
    /// Whether the account may log in.
    pub active: bool,
}

/// The token `user add` mails before it creates the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstMail {
    /// The first confirmation token (`--send-confirmation`).
    Confirmation,
    /// A reset token, with which an invited user sets their own password (`--send-reset`).
    Reset,
}

/// What `user edit` changes: each field given is set; `None` leaves it as it is.
#[derive(Debug, Default)]
pub struct AccountEdit {
    /// A new validated address.
    pub email: Option<Email>,
    /// A new username, or `Some(None)` to remove it.
    pub username: Option<Option<Username>>,
    /// Whether the address counts as confirmed.
    pub confirmed: Option<bool>,
    /// Whether the account may log in.
    pub active: Option<bool>,
}

impl AccountEdit {
    /// Whether no field is given at all.
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.username.is_none() && self.confirmed.is_none() && self.active.is_none()
    }
}

/// A successful login: the user, the session recorded, and the claim for the session file.
#[derive(Debug)]
pub struct Login {
    /// Who logged in.
    pub user: User,
    /// The session recorded in the database.
    pub session: Session,
    /// What the session file must hold; only the token's hash is in the database.
    pub claim: SessionClaim,
}

/// What `session revoke` ended.
#[derive(Debug)]
pub struct Revoked {
    /// The sessions revoked.
    pub sessions: Vec<Uuid>,
    /// Whether the current session was one of them.
    pub current: bool,
}

/// The rules the operations apply, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// How long sessions last.
    pub sessions: SessionDurations,
    /// How long emailed tokens last.
    pub tokens: TokenLifetimes,
    /// Whether unconfirmed accounts are refused at login.
    pub require_confirmation: bool,
    /// The rules relating a new password to its account.
    pub passwords: PasswordPolicy,
    /// When consecutive failed logins lock an account out.
    pub lockout: LockoutPolicy,
    /// The least time a failed login or re-authentication takes (`login_failure_delay`).
    pub failure_delay: std::time::Duration,
}

/// A change whose security notice was mailed after the fact: the change stands even when the
/// notice could not be delivered.
#[derive(Debug)]
pub struct Noticed<T> {
    /// The result of the change.
    pub value: T,
    /// Where the notice went, or why it could not be delivered.
    pub notice: Result<Delivery>,
}

/// The one answer for every unusable token: unknown, expired, used, or for another purpose.
pub fn invalid_token() -> Error {
    Error::AuthFailed("The token is invalid or has expired.".to_owned())
}

/// The account operations over one store, at one moment, on behalf of one OS user.
pub struct Accounts<'a, S: Store> {
    store: &'a mut S,
    sink: &'a dyn AuditSink,
    hasher: &'a Hasher,
    policy: Policy,
    now: DateTime<Utc>,
    stamp: Stamp,
}

/// When and by whom: what every audit row of one command shares. The operating-system user is
/// looked up only when a row is written (read-only commands such as whoami never pay for it).
struct Stamp {
    now: DateTime<Utc>,
    os_user: OnceCell<String>,
    lookup_os_user: fn() -> String,
}

impl Stamp {
    fn entry(&self, event: AuditEvent, user: Option<&User>, detail: Option<String>) -> AuditEntry {
        AuditEntry {
            at: self.now,
            event,
            user_id: user.map(|u| u.id),
            email: user.map(|u| u.email.clone()),
            os_user: self.os_user.get_or_init(self.lookup_os_user).clone(),
            detail,
        }
    }
}

impl<'a, S: Store> Accounts<'a, S> {
    /// Operations at `now` (the clock is read once, by the caller) run by the operating-system
    /// user that `os_user` names when an audit row needs it.
    pub fn new(
        store: &'a mut S,
        hasher: &'a Hasher,
        policy: Policy,
        now: DateTime<Utc>,
        os_user: fn() -> String,
    ) -> Self {
        Accounts {
            store,
            sink: &NoAuditSink,
            hasher,
            policy,
            now,
            stamp: Stamp {
                now,
                os_user: OnceCell::new(),
                lookup_os_user: os_user,
            },
        }
    }

    /// Passes every audit row these operations commit on to `sink` as well.
    pub fn with_audit_sink(mut self, sink: &'a dyn AuditSink) -> Self {
        self.sink = sink;
        self
    }

    /// The user named by `key`.
    pub fn user(&mut self, key: &UserKey) -> Result<User> {
        self.store.read()?.find_user(key)?.ok_or_else(|| no_such_user(key))
    }

    /// Calls `each` for every user `query` selects, in its order, streaming (or, where reads
    /// block writers, once the whole listing is read and the transaction over).
    pub fn for_each_user(&mut self, query: UserQuery, each: &mut dyn FnMut(User) -> Result<()>) -> Result<()> {
        let buffered = self.store.reads_block_writers();
        let tx = self.store.read()?;
        let selection = UserSelection::new(query, tx.username_case()?);
        if !buffered {
            return tx.for_each_user(&selection, each);
        }
        let mut users = Vec::new();
        tx.for_each_user(&selection, &mut |user| {
            users.push(user);
            Ok(())
        })?;
        drop(tx);
        users.into_iter().try_for_each(each)
    }

    /// Calls `each` for every audit row that passes `filter`.
    pub fn for_each_audit(
        &mut self,
        filter: &AuditFilter,
        each: &mut dyn FnMut(AuditRecord) -> Result<()>,
    ) -> Result<()> {
        self.store.read()?.for_each_audit(filter, each)
    }

    /// Starts following the audit log: calls `each` for the rows that pass `filter` (as
    /// [`Accounts::for_each_audit`]) and returns where the follower is, all in one snapshot.
    pub fn follow_audit(
        &mut self,
        filter: &AuditFilter,
        each: &mut dyn FnMut(AuditRecord) -> Result<()>,
    ) -> Result<AuditCursor> {
        let tx = self.store.read()?;
        let last = tx.last_audit_seq()?;
        tx.for_each_audit(filter, each)?;
        let mut cursor = AuditCursor {
            last,
            seen: BTreeSet::new(),
        };
        tx.for_each_audit(&follow_window(filter, last), &mut |record| {
            cursor.seen.insert(record.seq);
            Ok(())
        })?;
        Ok(cursor)
    }

    /// Calls `each` for the rows that pass `filter` (its limit aside) and became visible since
    /// the follower at `cursor` last looked, oldest first, and moves the cursor past them.
    pub fn follow_audit_more(
        &mut self,
        filter: &AuditFilter,
        cursor: &mut AuditCursor,
        each: &mut dyn FnMut(AuditRecord) -> Result<()>,
    ) -> Result<()> {
        let tx = self.store.read()?;
        let last = tx.last_audit_seq()?;
        let mut seen = BTreeSet::new();
        tx.for_each_audit(&follow_window(filter, cursor.last), &mut |record| {
            seen.insert(record.seq);
            if cursor.seen.contains(&record.seq) {
                return Ok(());
            }
            each(record)
        })?;
        let floor = last.saturating_sub(FOLLOW_WINDOW);
        seen.retain(|seq| *seq > floor);
        *cursor = AuditCursor { last, seen };
        Ok(())
    }

    /// Deletes every audit row written before `before` and records, in the same transaction, an
    /// `audit_pruned` row saying how many went; returns how many.
    pub fn prune_audit(&mut self, before: DateTime<Utc>) -> Result<u64> {
        let tx = Audited::new(self.store.write()?, self.sink);
        let pruned = tx.prune_audit(before)?;
        let detail = format!(
            "{pruned} event{} before {} deleted",
            if pruned == 1 { "" } else { "s" },
            crate::domain::timestamp::format(before)
        );
        tx.append_audit(&self.stamp.entry(AuditEvent::AuditPruned, None, Some(detail)))?;
        tx.commit()?;
        Ok(pruned)
    }

    /// Whose audit rows `key` means: an id is that account (removed or not); an address is the
    /// account that has it now and every account that had it when a row was written (so an
    /// account is found by a past address, and a removed one by the address its rows
    /// recorded), plus the rows about the address itself; a username is the account that has
    /// it now (rows do not record usernames: an unknown one is [`Error::NotFound`]).
    pub fn audit_subject(&mut self, key: &UserKey) -> Result<AuditSubject> {
        let tx = self.store.read()?;
        match key {
            UserKey::Id(id) => Ok(AuditSubject {
                user_ids: vec![*id],
                email: None,
            }),
            UserKey::Email(email) => {
                let mut user_ids: Vec<Uuid> = tx.find_user(key)?.map(|user| user.id).into_iter().collect();
                for id in tx.audit_user_ids(email)? {
                    if !user_ids.contains(&id) {
                        user_ids.push(id);
                    }
                }
                Ok(AuditSubject {
                    user_ids,
                    email: Some(email.clone()),
                })
            }
            UserKey::Username(_) => {
                let user = tx.find_user(key)?.ok_or_else(|| {
                    Error::NotFound(format!(
                        "{} The audit log keeps ids and addresses, not usernames: give the email or \
                         the id of a removed account.",
                        no_such_user(key)
                    ))
                })?;
                Ok(AuditSubject {
                    user_ids: vec![user.id],
                    email: None,
                })
            }
        }
    }
}

impl<S: Store> Accounts<'_, S> {
    /// When something made now with `lifetime` stops being valid: at the latest the end of
    /// year 9999, the last moment RFC 3339 can write, whatever the lifetime.
    fn expiry(&self, lifetime: chrono::Duration) -> DateTime<Utc> {
        const LATEST: DateTime<Utc> = match DateTime::from_timestamp(253_402_300_799, 0) {
            Some(time) => time,
            None => panic!("9999-12-31T23:59:59Z is a valid time"),
        };
        self.now
            .checked_add_signed(lifetime)
            .map_or(LATEST, |time| time.min(LATEST))
    }

    /// Mails a notice whose failure does not undo the change it reports (but is audited).
    fn notify(&mut self, outbox: &dyn Outbox, user: &User, mail: &Mail<'_>) -> Result<Delivery> {
        let sent = outbox.send(mail);
        if let Err(error) = &sent {
            self.audit_mail_failure(user, error)?;
        }
        sent
    }

    fn audit_mail_failure(&mut self, user: &User, error: &Error) -> Result<()> {
        let tx = Audited::new(self.store.write()?, self.sink);
        tx.append_audit(
            &self
                .stamp
                .entry(AuditEvent::MailFailed, Some(user), Some(error.message())),
        )?;
        tx.commit()
    }
}

/// The rows of `filter` (its limit aside) among the last [`FOLLOW_WINDOW`] before the row `last`
/// and after it: where a follower looks for rows it has not seen.
fn follow_window(filter: &AuditFilter, last: i64) -> AuditFilter {
    AuditFilter {
        limit: None,
        after: Some(last.saturating_sub(FOLLOW_WINDOW)),
        ..filter.clone()
    }
}

/// A write transaction whose audit rows also go to the [`AuditSink`] once it commits. Every
/// write of the account operations goes through one; the other methods of the transaction are
/// reached through it.
struct Audited<'s, T: Transaction> {
    tx: T,
    sink: &'s dyn AuditSink,
    pending: RefCell<Vec<AuditEntry>>,
}

impl<'s, T: Transaction> Audited<'s, T> {
    fn new(tx: T, sink: &'s dyn AuditSink) -> Self {
        Audited {
            tx,
            sink,
            pending: RefCell::new(Vec::new()),
        }
    }

    /// Appends a row to the audit log, to be passed on if the transaction commits.
    fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        self.tx.append_audit(entry)?;
        self.pending.borrow_mut().push(entry.clone());
        Ok(())
    }

    /// Commits, then passes the transaction's audit rows on.
    fn commit(self) -> Result<()> {
        self.tx.commit()?;
        for entry in self.pending.into_inner() {
            self.sink.send(&entry);
        }
        Ok(())
    }
}

impl<T: Transaction> std::ops::Deref for Audited<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.tx
    }
}

/// Ends what the user's old credential or state allowed: every live session but `keep`, and
/// every unused emailed token of any purpose. Returns how many sessions ended.
fn end_sessions_and_tokens(
    tx: &impl Transaction,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<usize> {
    tx.delete_unused_tokens(user_id, None)?;
    tx.revoke_sessions(user_id, keep, now)
}

/// Gives `user` the password `hash` if their stored hash is still `expected`, forgets failed
/// logins, and ends every session but `keep` and every unused emailed token. Returns how many
/// sessions ended, or `None` (nothing written) when the stored hash had changed.
fn replace_password(
    tx: &impl Transaction,
    user: &mut User,
    hash: String,
    expected: Option<&str>,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Option<usize>> {
    if !tx.set_password_hash(user.id, &hash, expected)? {
        return Ok(None);
    }
    user.password_hash = Some(hash);
    tx.set_lockout(user.id, Lockout::default())?;
    user.lockout = Lockout::default();
    end_sessions_and_tokens(tx, user.id, keep, now).map(Some)
}

/// The error for a password that another command replaced between the read and the write (a
/// backend whose transactions do not hold the row).
fn changed_meanwhile() -> Error {
    Error::ChangedMeanwhile("The password was changed by another command at the same time; nothing was changed.")
}
