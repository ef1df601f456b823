//! The account operations: each reads or writes through one storage transaction and records
//! every change of state in the audit log.

use std::cell::OnceCell;
use std::time::Instant;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::audit::{AuditEntry, AuditEvent, AuditFilter};
use crate::domain::email::{Email, normalize};
use crate::domain::import::{ImportSummary, OnConflict, PreparedRow, Problems, RowProblem, Spool};
use crate::domain::lockout::{Lockout, LockoutPolicy};
use crate::domain::mail::{Delivery, Mail, Outbox};
use crate::domain::password::{Hasher, Password, Verdict};
use crate::domain::session::{RevokeTarget, Session, SessionDurations};
use crate::domain::token::{EmailToken, SecretToken, TokenLifetimes, TokenPurpose};
use crate::domain::user::{User, UserKey, Username, email_taken, no_such_user};
use crate::error::{Error, Result};
use crate::store::{Insert, Store, Transaction};

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

/// What checking the password of a login attempt found.
enum Attempt {
    /// Refused without checking the password (no such account, or one that may not log in now).
    Refused(&'static str),
    /// The password is wrong.
    WrongPassword,
    /// The password matches the stored hash `verified`, which must be remade when a scheme is
    /// named.
    Verified {
        verified: String,
        rehash: Option<&'static str>,
    },
}

/// The account operations over one store, at one moment, on behalf of one OS user.
pub struct Accounts<'a, S: Store> {
    store: &'a mut S,
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

    /// Creates an account (the email and username must be free) and, with an outbox, mails its
    /// first confirmation token. The message goes first: when it cannot be delivered nothing is
    /// written.
    pub fn add_user(&mut self, account: NewAccount, outbox: Option<&dyn Outbox>) -> Result<(User, Option<Delivery>)> {
        if outbox.is_some() && self.store.read()?.find_user(&(&account.email).into())?.is_some() {
            return Err(email_taken(account.email.as_str()));
        }
        let password_hash = account.password.as_ref().map(|p| self.hasher.hash(p)).transpose()?;
        let user = User {
            id: Uuid::now_v7(),
            email: account.email.as_str().to_owned(),
            username: account.username.map(Username::into_string),
            password_hash,
            confirmed: account.confirmed,
            active: account.active,
            locked: false,
            created_at: self.now,
            lockout: Lockout::default(),
        };
        let confirmation = match outbox {
            Some(outbox) => Some(self.mail_token(outbox, &user, TokenPurpose::Confirm, None)?),
            None => None,
        };
        let tx = self.store.write()?;
        tx.insert_user(&user)?;
        tx.append_audit(&self.stamp.entry(AuditEvent::UserAdded, Some(&user), None))?;
        let delivery = match confirmation {
            Some((token, delivery)) => {
                tx.insert_token(&token)?;
                tx.append_audit(&self.stamp.entry(AuditEvent::ConfirmationSent, Some(&user), None))?;
                Some(delivery)
            }
            None => None,
        };
        tx.commit()?;
        Ok((user, delivery))
    }

    /// The user named by `key`.
    pub fn user(&mut self, key: &UserKey) -> Result<User> {
        self.store.read()?.find_user(key)?.ok_or_else(|| no_such_user(key))
    }

    /// Calls `each` for every user, in creation order, streaming.
    pub fn for_each_user(&mut self, each: &mut dyn FnMut(User) -> Result<()>) -> Result<()> {
        self.store.read()?.for_each_user(each)
    }

    /// Deletes an account; its sessions and emailed tokens go with it.
    pub fn remove_user(&mut self, key: &UserKey) -> Result<User> {
        let tx = self.store.write()?;
        let user = tx.find_user(key)?.ok_or_else(|| no_such_user(key))?;
        tx.delete_user(user.id)?;
        tx.append_audit(&self.stamp.entry(AuditEvent::UserRemoved, Some(&user), None))?;
        tx.commit()?;
        Ok(user)
    }

    /// Locks an account (ending every session and unused emailed token), or lifts both the
    /// administrator's lock and any lockout by failed logins.
    pub fn set_locked(&mut self, key: &UserKey, locked: bool) -> Result<User> {
        let tx = self.store.write()?;
        let mut user = tx.find_user(key)?.ok_or_else(|| no_such_user(key))?;
        tx.set_locked(user.id, locked)?;
        user.locked = locked;
        let (event, detail) = if locked {
            let ended = end_sessions_and_tokens(&tx, user.id, None, self.now)?;
            (AuditEvent::UserLocked, Some(format!("{ended} sessions revoked")))
        } else {
            let detail = format!("{} failed logins cleared", user.lockout.failures);
            tx.set_lockout(user.id, Lockout::default())?;
            user.lockout = Lockout::default();
            (AuditEvent::UserUnlocked, Some(detail))
        };
        tx.append_audit(&self.stamp.entry(event, Some(&user), detail))?;
        tx.commit()?;
        Ok(user)
    }

    /// An administrator sets a new password; every session and unused emailed token of the user
    /// ends, and failed logins are forgotten.
    pub fn set_password(&mut self, key: &UserKey, password: &Password) -> Result<User> {
        let hash = self.hasher.hash(password)?;
        let tx = self.store.write()?;
        let mut user = tx.find_user(key)?.ok_or_else(|| no_such_user(key))?;
        let expected = user.password_hash.clone();
        let ended = replace_password(&tx, &mut user, hash, expected.as_deref(), None, self.now)?
            .ok_or_else(changed_meanwhile)?;
        tx.append_audit(&self.stamp.entry(
            AuditEvent::PasswordSet,
            Some(&user),
            Some(format!("by an administrator; {ended} sessions revoked")),
        ))?;
        tx.commit()?;
        Ok(user)
    }

    /// Checks the password and records a new session. Every failure is the same
    /// [`Error::invalid_credentials`], after the same hashing work, no sooner than the failure
    /// delay. The password is verified outside any transaction (it is slow); the session is
    /// recorded only if the account is, in the write transaction, still the one verified.
    pub fn login(&mut self, email: &Email, password: &Password, remember: bool) -> Result<Login> {
        let started = Instant::now();
        let found = self.store.read()?.find_user(&email.into())?;
        let attempt = match &found {
            Some(user) => self.attempt(user, password),
            None => {
                self.hasher.spend_equal_time(password);
                Attempt::Refused("unknown email")
            }
        };
        let (user, verified, rehash) = match (found, attempt) {
            (Some(user), Attempt::Verified { verified, rehash }) => (user, verified, rehash),
            (found, Attempt::Refused(why)) => {
                return self.fail_login(started, found.as_ref(), email.as_str(), why, false);
            }
            (found, _) => {
                return self.fail_login(started, found.as_ref(), email.as_str(), "wrong password", true);
            }
        };
        if self.policy.require_confirmation && !user.confirmed {
            return self.fail_login(started, Some(&user), email.as_str(), "account unconfirmed", false);
        }
        let upgrade = match rehash {
            Some(scheme) => Some((scheme, self.hasher.hash(password)?)),
            None => None,
        };
        let token = SecretToken::generate()?;
        let lifetime = if remember {
            self.policy.sessions.remember
        } else {
            self.policy.sessions.session
        };
        let session = Session {
            id: Uuid::now_v7(),
            user_id: user.id,
            token_hash: token.hash(),
            remember,
            created_at: self.now,
            expires_at: self.expiry(lifetime),
            revoked_at: None,
        };
        let tx = self.store.write()?;
        // Verifying took time: an administrator may have removed, locked or deactivated the
        // account or set a new password meanwhile, and that must stand.
        let current = match tx.find_user(&UserKey::Id(user.id))? {
            None => Err("account removed during login"),
            Some(now) if now.password_hash.as_deref() != Some(verified.as_str()) => {
                Err("password changed during login")
            }
            Some(now) if !now.may_log_in() => Err("account locked or deactivated during login"),
            Some(now) if now.lockout.is_active(self.now) => Err("account locked out during login"),
            Some(now) => Ok(now),
        };
        let mut user = match current {
            Ok(current) => current,
            Err(why) => {
                drop(tx);
                return self.fail_login(started, Some(&user), email.as_str(), why, false);
            }
        };
        if let Some((scheme, hash)) = upgrade
            && tx.set_password_hash(user.id, &hash, Some(&verified))?
        {
            user.password_hash = Some(hash);
            let detail = format!("{scheme} hash upgraded to argon2id with the current parameters");
            tx.append_audit(
                &self
                    .stamp
                    .entry(AuditEvent::PasswordRehashed, Some(&user), Some(detail)),
            )?;
        }
        if user.lockout != Lockout::default() {
            tx.set_lockout(user.id, Lockout::default())?;
            user.lockout = Lockout::default();
        }
        // Sessions past their expiry can never log anyone in again: drop the user's old ones.
        tx.delete_expired_sessions(user.id, self.now)?;
        tx.insert_session(&session)?;
        let database_id = tx.database_id()?;
        let detail = if remember { "remember" } else { "session" };
        tx.append_audit(
            &self
                .stamp
                .entry(AuditEvent::LoginSucceeded, Some(&user), Some(detail.to_owned())),
        )?;
        tx.commit()?;
        Ok(Login {
            user,
            session,
            claim: SessionClaim { database_id, token },
        })
    }

    /// The user and session of a session file, if it still logs someone in.
    pub fn current(&mut self, claim: &SessionClaim) -> Result<(User, Session)> {
        let tx = self.store.read()?;
        check_session(&tx, claim, self.now)
    }

    /// Ends the current session.
    pub fn logout(&mut self, claim: &SessionClaim) -> Result<User> {
        let tx = self.store.write()?;
        let (user, session) = check_session(&tx, claim, self.now)?;
        tx.revoke_session(user.id, session.id, self.now)?;
        tx.append_audit(&self.stamp.entry(AuditEvent::Logout, Some(&user), None))?;
        tx.commit()?;
        Ok(user)
    }

    /// The live sessions of the logged-in user and the id of the current one.
    pub fn sessions(&mut self, claim: &SessionClaim) -> Result<(Uuid, Vec<Session>)> {
        let tx = self.store.read()?;
        let (user, current) = check_session(&tx, claim, self.now)?;
        Ok((current.id, tx.live_sessions(user.id, self.now)?))
    }

    /// Revokes one session of the logged-in user, or all but the current one.
    pub fn revoke(&mut self, claim: &SessionClaim, target: RevokeTarget) -> Result<Revoked> {
        let tx = self.store.write()?;
        let (user, current) = check_session(&tx, claim, self.now)?;
        let revoked: Vec<Uuid> = match target {
            RevokeTarget::One(id) => {
                if !tx.revoke_session(user.id, id, self.now)? {
                    return Err(Error::NotFound(format!("No such session: {id}.")));
                }
                vec![id]
            }
            RevokeTarget::AllOthers => {
                let others: Vec<Uuid> = tx
                    .live_sessions(user.id, self.now)?
                    .into_iter()
                    .map(|s| s.id)
                    .filter(|id| *id != current.id)
                    .collect();
                tx.revoke_sessions(user.id, Some(current.id), self.now)?;
                others
            }
        };
        for id in &revoked {
            tx.append_audit(
                &self
                    .stamp
                    .entry(AuditEvent::SessionRevoked, Some(&user), Some(format!("session {id}"))),
            )?;
        }
        tx.commit()?;
        Ok(Revoked {
            current: revoked.contains(&current.id),
            sessions: revoked,
        })
    }

    /// Mails a fresh confirmation token to the logged-in user; `None` when already confirmed.
    pub fn resend_confirmation(&mut self, claim: &SessionClaim, outbox: &dyn Outbox) -> Result<Option<Delivery>> {
        let (user, _) = self.current(claim)?;
        if user.confirmed {
            return Ok(None);
        }
        self.issue_token(outbox, &user, TokenPurpose::Confirm, None, AuditEvent::ConfirmationSent)
            .map(Some)
    }

    /// Marks the account of a confirmation token confirmed.
    pub fn confirm(&mut self, token: &SecretToken) -> Result<User> {
        let tx = self.store.write()?;
        let (record, mut user) = match usable_token(&tx, token, TokenPurpose::Confirm, self.now)? {
            Ok(found) => found,
            Err(rejected) => return reject_token(tx, &self.stamp, TokenPurpose::Confirm, rejected),
        };
        tx.mark_token_used(&record.hash, self.now)?;
        tx.set_confirmed(user.id, true)?;
        user.confirmed = true;
        tx.append_audit(&self.stamp.entry(AuditEvent::AccountConfirmed, Some(&user), None))?;
        tx.commit()?;
        Ok(user)
    }

    /// `passwd`: checks the current password (a login attempt: counted, refused during a
    /// lockout), sets the new one if the current one is still the one checked, ends every other
    /// session and every unused emailed token, then mails a notice.
    pub fn change_password(
        &mut self,
        claim: &SessionClaim,
        current: &Password,
        new: &Password,
        outbox: &dyn Outbox,
    ) -> Result<Noticed<User>> {
        let started = Instant::now();
        let (user, _) = self.current(claim)?;
        let verified = self.reauthenticate(started, &user, current, "wrong current password (passwd)")?;
        let hash = self.hasher.hash(new)?;
        let tx = self.store.write()?;
        let (mut user, session) = check_session(&tx, claim, self.now)?;
        let Some(ended) = replace_password(&tx, &mut user, hash, Some(&verified), Some(session.id), self.now)? else {
            drop(tx);
            return self.fail_login(
                started,
                Some(&user),
                &user.email,
                "password changed during passwd",
                false,
            );
        };
        let detail = format!("{ended} other sessions revoked");
        tx.append_audit(&self.stamp.entry(AuditEvent::PasswordChanged, Some(&user), Some(detail)))?;
        tx.commit()?;
        let notice = self.notify(outbox, &user, &Mail::PasswordChanged { to: &user.email });
        Ok(Noticed { value: user, notice })
    }

    /// `reset request`: mails a reset token when `email` names an account that may log in. For
    /// any other address it checks the transport instead, so the answer is the same either way.
    pub fn request_reset(&mut self, email: &Email, outbox: &dyn Outbox) -> Result<()> {
        let user = self.store.read()?.find_user(&email.into())?;
        match user.filter(User::may_log_in) {
            Some(user) => {
                self.issue_token(
                    outbox,
                    &user,
                    TokenPurpose::Reset,
                    None,
                    AuditEvent::PasswordResetRequested,
                )?;
            }
            None => {
                outbox.check()?;
                let mut entry = self.stamp.entry(
                    AuditEvent::PasswordResetRequested,
                    None,
                    Some("no active account: nothing sent".to_owned()),
                );
                entry.email = Some(email.as_str().to_owned());
                let tx = self.store.write()?;
                tx.append_audit(&entry)?;
                tx.commit()?;
            }
        }
        Ok(())
    }

    /// Fails unless `token` is a usable reset token (checked before asking for a new password).
    pub fn check_reset_token(&mut self, token: &SecretToken) -> Result<()> {
        let found = usable_token(&self.store.read()?, token, TokenPurpose::Reset, self.now)?;
        match found {
            Ok(_) => Ok(()),
            Err(rejected) => reject_token(self.store.write()?, &self.stamp, TokenPurpose::Reset, rejected),
        }
    }

    /// `reset confirm`: sets the new password, ends every session and every other emailed token,
    /// forgets failed logins (a lockout ends: the mailbox was proven), and confirms the account.
    pub fn reset_password(&mut self, token: &SecretToken, password: &Password) -> Result<User> {
        let hash = self.hasher.hash(password)?;
        let tx = self.store.write()?;
        let (record, mut user) = match usable_token(&tx, token, TokenPurpose::Reset, self.now)? {
            Ok(found) => found,
            Err(rejected) => return reject_token(tx, &self.stamp, TokenPurpose::Reset, rejected),
        };
        tx.mark_token_used(&record.hash, self.now)?;
        let expected = user.password_hash.clone();
        let ended = replace_password(&tx, &mut user, hash, expected.as_deref(), None, self.now)?
            .ok_or_else(changed_meanwhile)?;
        tx.set_confirmed(user.id, true)?;
        user.confirmed = true;
        let detail = format!("{ended} sessions revoked");
        tx.append_audit(&self.stamp.entry(AuditEvent::PasswordReset, Some(&user), Some(detail)))?;
        tx.commit()?;
        Ok(user)
    }

    /// `email change`: re-authenticates, mails a token to the new address (which must be free)
    /// and a notice to the current one.
    pub fn request_email_change(
        &mut self,
        claim: &SessionClaim,
        password: &Password,
        new_email: &Email,
        outbox: &dyn Outbox,
    ) -> Result<Noticed<Delivery>> {
        let started = Instant::now();
        let (user, _) = self.current(claim)?;
        self.reauthenticate(started, &user, password, "wrong password (email change)")?;
        if self.store.read()?.find_user(&new_email.into())?.is_some() {
            return Err(email_taken(new_email.as_str()));
        }
        let delivery = self.issue_token(
            outbox,
            &user,
            TokenPurpose::EmailChange,
            Some(new_email),
            AuditEvent::EmailChangeRequested,
        )?;
        let mail = Mail::EmailChangeRequested {
            to: &user.email,
            new_email: new_email.as_str(),
        };
        let notice = self.notify(outbox, &user, &mail);
        Ok(Noticed {
            value: delivery,
            notice,
        })
    }

    /// `email confirm`: switches the account to the address the token proved, if it is still
    /// free, and ends the user's other unused emailed tokens; otherwise nothing changes (the
    /// token stays unused).
    pub fn confirm_email_change(&mut self, token: &SecretToken) -> Result<User> {
        let tx = self.store.write()?;
        let (record, mut user) = match usable_token(&tx, token, TokenPurpose::EmailChange, self.now)? {
            Ok(found) => found,
            Err(rejected) => return reject_token(tx, &self.stamp, TokenPurpose::EmailChange, rejected),
        };
        tx.mark_token_used(&record.hash, self.now)?;
        let new_email = record.new_email.ok_or_else(invalid_token)?;
        let taken = tx.find_user(&UserKey::Email(normalize(&new_email)))?;
        if taken.is_some_and(|other| other.id != user.id) {
            return Err(email_taken(&new_email));
        }
        let detail = format!("from {}", user.email);
        tx.set_email(user.id, &new_email)?;
        user.email = new_email;
        tx.delete_unused_tokens(user.id, None)?;
        tx.append_audit(&self.stamp.entry(AuditEvent::EmailChanged, Some(&user), Some(detail)))?;
        tx.commit()?;
        Ok(user)
    }

    /// Phase two of an import: writes the prepared rows in one transaction. Rows that repeat an
    /// email or username of an earlier row, or (with [`OnConflict::Fail`]) whose email is
    /// registered, are problems; with any problem, or in a dry run, nothing is written.
    pub fn import(
        &mut self,
        spool: Spool,
        on_conflict: OnConflict,
        dry_run: bool,
        mut problems: Problems,
        source: &str,
        progress: &dyn Fn(u64),
    ) -> Result<ImportSummary> {
        let mut summary = ImportSummary {
            dry_run,
            ..ImportSummary::default()
        };
        let tx = self.store.write()?;
        let mark = tx.batch_mark()?;
        for (done, row) in spool.drain()?.enumerate() {
            let row = row?;
            let user = User {
                id: Uuid::now_v7(),
                email: row.email.clone(),
                username: row.username.clone(),
                password_hash: row.password_hash.clone(),
                confirmed: row.confirmed.unwrap_or(false),
                active: row.active.unwrap_or(true),
                locked: false,
                created_at: self.now,
                lockout: Lockout::default(),
            };
            let problem = |message: String| RowProblem::invalid(row.line, message);
            match tx.insert_user_unless_taken(&user, mark)? {
                Insert::Created => summary.created += 1,
                Insert::EmailInBatch => problems.push(problem(format!("{} appears earlier in the file", row.email))),
                Insert::UsernameInBatch => problems.push(problem(format!(
                    "username {} appears earlier in the file",
                    row.username.unwrap_or_default()
                ))),
                Insert::UsernameTaken => problems.push(problem(format!(
                    "the username {} is already taken",
                    row.username.unwrap_or_default()
                ))),
                Insert::EmailTaken(existing) => match on_conflict {
                    OnConflict::Fail => problems.push(RowProblem {
                        conflict: true,
                        ..problem(format!("the email {} is already registered", row.email))
                    }),
                    OnConflict::Skip => summary.skipped += 1,
                    OnConflict::Update => match update_imported(&tx, existing, &row, self.now) {
                        Ok(()) => summary.updated += 1,
                        Err(Error::Conflict(message)) => problems.push(problem(message)),
                        Err(other) => return Err(other),
                    },
                },
            }
            if done % 4096 == 4095 {
                progress(done as u64 + 1);
            }
        }
        if let Some(refusal) = problems.into_error() {
            return Err(refusal);
        }
        if dry_run {
            return Ok(summary);
        }
        let detail = format!(
            "from {source}: {} created, {} skipped, {} updated",
            summary.created, summary.skipped, summary.updated
        );
        tx.append_audit(&self.stamp.entry(AuditEvent::UsersImported, None, Some(detail)))?;
        tx.commit()?;
        Ok(summary)
    }

    /// Calls `each` for every audit row that passes `filter`.
    pub fn for_each_audit(
        &mut self,
        filter: &AuditFilter,
        each: &mut dyn FnMut(AuditEntry) -> Result<()>,
    ) -> Result<()> {
        self.store.read()?.for_each_audit(filter, each)
    }
}

impl<S: Store> Accounts<'_, S> {
    /// When something made now with `lifetime` stops being valid.
    fn expiry(&self, lifetime: chrono::Duration) -> DateTime<Utc> {
        self.now
            .checked_add_signed(lifetime)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Checks `password` for a login attempt on `user`. An account that may not log in now is
    /// refused without checking the password; every path does the hashing work of a wrong
    /// password for a current argon2id hash (a foreign hash costs what its own scheme costs).
    fn attempt(&self, user: &User, password: &Password) -> Attempt {
        let refusal = if user.locked {
            Some("account locked")
        } else if !user.active {
            Some("account inactive")
        } else if user.lockout.is_active(self.now) {
            Some("account locked out")
        } else {
            None
        };
        let stored = match (refusal, &user.password_hash) {
            (None, Some(stored)) => stored,
            (refusal, _) => {
                self.hasher.spend_equal_time(password);
                return Attempt::Refused(refusal.unwrap_or("no password"));
            }
        };
        match self.hasher.verify(password, stored) {
            Verdict::Mismatch => Attempt::WrongPassword,
            Verdict::Match => Attempt::Verified {
                verified: stored.clone(),
                rehash: None,
            },
            Verdict::MatchNeedsRehash(scheme) => Attempt::Verified {
                verified: stored.clone(),
                rehash: Some(scheme),
            },
        }
    }

    /// Records a failed login on `user` (as typed: `email`), counting it towards a lockout when
    /// `counts`; then waits until the failure delay since `started` has passed and fails with
    /// [`Error::invalid_credentials`].
    fn fail_login<T>(
        &mut self,
        started: Instant,
        user: Option<&User>,
        email: &str,
        why: &str,
        counts: bool,
    ) -> Result<T> {
        let tx = self.store.write()?;
        let current = match user {
            Some(user) => tx.find_user(&UserKey::Id(user.id))?,
            None => None,
        };
        let mut detail = why.to_owned();
        // Re-read: another process may have counted a failure meanwhile, or started a lockout
        // (attempts during a lockout are not counted, see crate::domain::lockout).
        if let Some(current) = current.as_ref().filter(|u| counts && !u.lockout.is_active(self.now)) {
            let next = self.policy.lockout.after_failure(current.lockout, self.now);
            tx.set_lockout(current.id, next)?;
            if let Some(until) = next.until {
                detail.push_str(&format!("; locked out until {}", until.to_rfc3339()));
            }
        }
        let mut entry = self
            .stamp
            .entry(AuditEvent::LoginFailed, current.as_ref(), Some(detail));
        entry.email = Some(email.to_owned());
        tx.append_audit(&entry)?;
        tx.commit()?;
        let floor = self.policy.failure_delay;
        std::thread::sleep(floor.saturating_sub(started.elapsed()));
        Err(Error::invalid_credentials())
    }

    /// Fails like a login unless `password` is the user's: a re-authentication is a login
    /// attempt (counted, refused during a lockout; a success forgets earlier failures). Returns
    /// the stored hash that was verified.
    fn reauthenticate(&mut self, started: Instant, user: &User, password: &Password, why: &str) -> Result<String> {
        let verified = match self.attempt(user, password) {
            Attempt::Verified { verified, .. } => verified,
            Attempt::Refused(refusal) => {
                let why = format!("{why}: {refusal}");
                return self.fail_login(started, Some(user), &user.email, &why, false);
            }
            Attempt::WrongPassword => return self.fail_login(started, Some(user), &user.email, why, true),
        };
        if user.lockout != Lockout::default() {
            let tx = self.store.write()?;
            tx.set_lockout(user.id, Lockout::default())?;
            tx.commit()?;
        }
        Ok(verified)
    }

    /// Makes a token and mails it; nothing is stored yet, so a failed delivery leaves no live
    /// token. The caller stores the returned record.
    fn mail_token(
        &mut self,
        outbox: &dyn Outbox,
        user: &User,
        purpose: TokenPurpose,
        new_email: Option<&Email>,
    ) -> Result<(EmailToken, Delivery)> {
        let token = SecretToken::generate()?;
        let expires_at = self.expiry(self.policy.tokens.of(purpose));
        let record = EmailToken {
            hash: token.hash(),
            user_id: user.id,
            purpose,
            new_email: new_email.map(|email| email.as_str().to_owned()),
            created_at: self.now,
            expires_at,
            used_at: None,
        };
        let mail = match purpose {
            TokenPurpose::Confirm => Mail::ConfirmAccount {
                to: &user.email,
                token: &token,
                expires_at,
            },
            TokenPurpose::Reset => Mail::ResetPassword {
                to: &user.email,
                token: &token,
                expires_at,
            },
            TokenPurpose::EmailChange => Mail::ConfirmNewEmail {
                to: new_email.map_or(user.email.as_str(), Email::as_str),
                token: &token,
                expires_at,
            },
        };
        match outbox.send(&mail) {
            Ok(delivery) => Ok((record, delivery)),
            Err(error) => {
                self.audit_mail_failure(user, &error)?;
                Err(error)
            }
        }
    }

    /// Mails a token, then stores it in place of the user's older unused ones of its purpose,
    /// unless the account changed while the message was sent (removed, locked, deactivated, a
    /// new password or address): then the token is not stored, and is worthless.
    fn issue_token(
        &mut self,
        outbox: &dyn Outbox,
        user: &User,
        purpose: TokenPurpose,
        new_email: Option<&Email>,
        event: AuditEvent,
    ) -> Result<Delivery> {
        let (record, delivery) = self.mail_token(outbox, user, purpose, new_email)?;
        let tx = self.store.write()?;
        let unchanged = tx
            .find_user(&UserKey::Id(user.id))?
            .is_some_and(|now| now.may_log_in() && now.password_hash == user.password_hash && now.email == user.email);
        let mut detail = new_email.map(|email| format!("to {}", email.as_str()));
        if unchanged {
            tx.delete_unused_tokens(user.id, Some(purpose))?;
            tx.insert_token(&record)?;
        } else {
            detail = Some("not stored: the account changed while the message was sent".to_owned());
        }
        tx.append_audit(&self.stamp.entry(event, Some(user), detail))?;
        tx.commit()?;
        Ok(delivery)
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
        let tx = self.store.write()?;
        tx.append_audit(
            &self
                .stamp
                .entry(AuditEvent::MailFailed, Some(user), Some(error.to_string())),
        )?;
        tx.commit()
    }
}

/// A token that cannot be used, and why (for the audit log only: the user is told
/// [`invalid_token`] whatever the reason).
struct Rejected {
    user: Option<User>,
    why: &'static str,
}

/// The stored record of `token` and its user, if it can be used for `purpose` at `now` by an
/// account that may log in; otherwise why not.
fn usable_token(
    tx: &impl Transaction,
    token: &SecretToken,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<Result<(EmailToken, User), Rejected>> {
    let Some(record) = tx.find_token(&token.hash())? else {
        return Ok(Err(Rejected {
            user: None,
            why: "unknown token",
        }));
    };
    let user = tx.find_user(&UserKey::Id(record.user_id))?;
    Ok(match user {
        Some(user) if !record.is_usable_for(purpose, now) => Err(Rejected {
            user: Some(user),
            why: "expired, used, or for another purpose",
        }),
        Some(user) if !user.may_log_in() => Err(Rejected {
            user: Some(user),
            why: "account locked or inactive",
        }),
        Some(user) => Ok((record, user)),
        None => Err(Rejected {
            user: None,
            why: "no such account",
        }),
    })
}

/// Audits a rejected token (never the token itself) in `tx` and fails with [`invalid_token`].
fn reject_token<T>(tx: impl Transaction, stamp: &Stamp, purpose: TokenPurpose, rejected: Rejected) -> Result<T> {
    let detail = format!("{} token: {}", purpose.as_str(), rejected.why);
    tx.append_audit(&stamp.entry(AuditEvent::TokenRejected, rejected.user.as_ref(), Some(detail)))?;
    tx.commit()?;
    Err(invalid_token())
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
    Error::Conflict("The password was changed by another command at the same time; nothing was changed.".to_owned())
}

/// Applies an import row's non-empty values to the account that has its email. A new password
/// hash ends the account's sessions and unused emailed tokens, as any new password does.
fn update_imported(tx: &impl Transaction, mut existing: User, row: &PreparedRow, now: DateTime<Utc>) -> Result<()> {
    if row.email != existing.email {
        tx.set_email(existing.id, &row.email)?;
    }
    if row.username.is_some() && row.username != existing.username {
        tx.set_username(existing.id, row.username.as_deref())?;
    }
    if let Some(confirmed) = row.confirmed.filter(|c| *c != existing.confirmed) {
        tx.set_confirmed(existing.id, confirmed)?;
    }
    if let Some(active) = row.active.filter(|a| *a != existing.active) {
        tx.set_active(existing.id, active)?;
    }
    if let Some(hash) = row
        .password_hash
        .clone()
        .filter(|h| existing.password_hash.as_ref() != Some(h))
    {
        let expected = existing.password_hash.clone();
        replace_password(tx, &mut existing, hash, expected.as_deref(), None, now)?.ok_or_else(changed_meanwhile)?;
    }
    Ok(())
}

/// Checks a session claim against the database: same database, known token, live session,
/// account still allowed to log in.
fn check_session(tx: &impl Transaction, claim: &SessionClaim, now: DateTime<Utc>) -> Result<(User, Session)> {
    if tx.database_id()? != claim.database_id {
        return Err(Error::NotLoggedIn(
            "Not logged in: the session file belongs to another database.".to_owned(),
        ));
    }
    let session = tx
        .find_session(&claim.token.hash())?
        .ok_or_else(|| Error::NotLoggedIn("Not logged in: the session is unknown.".to_owned()))?;
    if session.revoked_at.is_some() {
        return Err(Error::NotLoggedIn("Not logged in: the session was revoked.".to_owned()));
    }
    if !session.is_live(now) {
        return Err(Error::NotLoggedIn("Not logged in: the session has expired.".to_owned()));
    }
    let user = tx
        .find_user(&UserKey::Id(session.user_id))?
        .filter(User::may_log_in)
        .ok_or_else(|| Error::NotLoggedIn("Not logged in: the account is locked or inactive.".to_owned()))?;
    Ok((user, session))
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::time::Duration;

    use super::*;
    use crate::domain::password::HashParams;
    use crate::store::sqlite::{SchemaCheck, SqliteStore, SqliteTx};

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

        fn check(&self) -> Result<()> {
            Ok(())
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
            lockout: LockoutPolicy {
                max_failures: 3,
                duration: chrono::Duration::minutes(15),
            },
            failure_delay: Duration::ZERO,
        }
    }

    fn setup() -> (tempfile::TempDir, SqliteStore, Hasher) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db"), Duration::from_secs(1), SchemaCheck::Current).unwrap();
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
        accounts.add_user(ada(), Some(&outbox)).unwrap();
        let email = Email::parse("ada@example.com").unwrap();
        accounts.request_reset(&email, &outbox).unwrap();
        accounts.request_reset(&email, &outbox).unwrap();
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
        tx.for_each_user(&mut |user| {
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

    #[test]
    fn every_refused_login_does_the_work_of_a_wrong_password() {
        let (_dir, mut store, hasher) = setup();
        let now = Utc::now();
        let mut accounts = Accounts::new(&mut store, &hasher, policy(), now, os);
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
        let mut accounts = Accounts::new(&mut store, &hasher, policy(), now, os);

        // "ﬁ" is NFKC "fi": the known path tries both spellings.
        for (password, spellings) in [("wrong horse", 1), ("\u{FB01}ne horse", 2)] {
            let wrong = login_work(&mut accounts, "ada@example.com", password);
            assert_eq!(wrong, spellings);
            for email in [
                "nobody@example.com",
                "locked@example.com",
                "inactive@example.com",
                "lockedout@example.com",
                "nopassword@example.com",
                "unusable@example.com",
            ] {
                assert_eq!(
                    login_work(&mut accounts, email, password),
                    wrong,
                    "{email} {password:?}"
                );
            }
        }
    }
}
