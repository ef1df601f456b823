//! The account operations: each reads or writes through one storage transaction and records
//! every change of state in the audit log.

use std::cell::OnceCell;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::audit::{AuditEntry, AuditEvent, AuditFilter};
use crate::domain::email::{Email, normalize};
use crate::domain::import::{ImportSummary, OnConflict, Problems, RowProblem, Spool};
use crate::domain::mail::{Delivery, Mail, Outbox};
use crate::domain::password::{Hasher, Password, Verdict};
use crate::domain::policy::PasswordPolicy;
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
    /// The rules relating a new password to its account.
    pub passwords: PasswordPolicy,
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
        if let Some(password) = &account.password {
            let username = account.username.clone().map(Username::into_string);
            self.policy
                .passwords
                .check(password, account.email.as_str(), username.as_deref())?;
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

    /// Deletes an account and its sessions.
    pub fn remove_user(&mut self, key: &UserKey) -> Result<User> {
        let tx = self.store.write()?;
        let user = tx.find_user(key)?.ok_or_else(|| no_such_user(key))?;
        tx.delete_user(user.id)?;
        tx.append_audit(&self.stamp.entry(AuditEvent::UserRemoved, Some(&user), None))?;
        tx.commit()?;
        Ok(user)
    }

    /// Locks (ending every session) or unlocks an account.
    pub fn set_locked(&mut self, key: &UserKey, locked: bool) -> Result<User> {
        let tx = self.store.write()?;
        let mut user = tx.find_user(key)?.ok_or_else(|| no_such_user(key))?;
        user.locked = locked;
        tx.update_user(&user)?;
        let (event, detail) = if locked {
            let ended = tx.revoke_sessions(user.id, None, self.now)?;
            (AuditEvent::UserLocked, Some(format!("{ended} sessions revoked")))
        } else {
            (AuditEvent::UserUnlocked, None)
        };
        tx.append_audit(&self.stamp.entry(event, Some(&user), detail))?;
        tx.commit()?;
        Ok(user)
    }

    /// An administrator sets a new password; every session of the user ends.
    pub fn set_password(&mut self, key: &UserKey, password: &Password) -> Result<User> {
        let hash = self.hasher.hash(password)?;
        let tx = self.store.write()?;
        let mut user = tx.find_user(key)?.ok_or_else(|| no_such_user(key))?;
        self.policy
            .passwords
            .check(password, &user.email, user.username.as_deref())?;
        user.password_hash = Some(hash);
        tx.update_user(&user)?;
        let ended = tx.revoke_sessions(user.id, None, self.now)?;
        tx.append_audit(&self.stamp.entry(
            AuditEvent::PasswordSet,
            Some(&user),
            Some(format!("by an administrator; {ended} sessions revoked")),
        ))?;
        tx.commit()?;
        Ok(user)
    }

    /// Checks the password and records a new session. Every failure is the same
    /// [`Error::invalid_credentials`], after the same amount of hashing.
    pub fn login(&mut self, email: &Email, password: &Password, remember: bool) -> Result<Login> {
        let user = self.store.read()?.find_user(&email.into())?;
        let verdict = match user.as_ref().and_then(|u| u.password_hash.as_deref()) {
            Some(stored) => self.hasher.verify(password, stored),
            None => {
                self.hasher.spend_equal_time(password);
                Verdict::Mismatch
            }
        };
        let refusal = match (&user, verdict) {
            (None, _) => Some("unknown email"),
            (Some(_), Verdict::Mismatch) => Some("wrong password"),
            (Some(u), _) if u.locked => Some("account locked"),
            (Some(u), _) if !u.active => Some("account inactive"),
            (Some(u), _) if self.policy.require_confirmation && !u.confirmed => Some("account unconfirmed"),
            _ => None,
        };
        let (Some(mut user), None) = (user, refusal) else {
            let mut entry = self
                .stamp
                .entry(AuditEvent::LoginFailed, None, refusal.map(str::to_owned));
            entry.email = Some(email.as_str().to_owned());
            let tx = self.store.write()?;
            tx.append_audit(&entry)?;
            tx.commit()?;
            return Err(Error::invalid_credentials());
        };
        let rehash = match verdict {
            Verdict::MatchNeedsRehash(scheme) => Some((scheme, self.hasher.hash(password)?)),
            _ => None,
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
        if let Some((scheme, hash)) = rehash {
            user.password_hash = Some(hash);
            tx.update_user(&user)?;
            let detail = format!("{scheme} hash upgraded to argon2id with the current parameters");
            tx.append_audit(
                &self
                    .stamp
                    .entry(AuditEvent::PasswordRehashed, Some(&user), Some(detail)),
            )?;
        }
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
        let (_, mut user) = consume(&tx, token, TokenPurpose::Confirm, self.now)?;
        user.confirmed = true;
        tx.update_user(&user)?;
        tx.append_audit(&self.stamp.entry(AuditEvent::AccountConfirmed, Some(&user), None))?;
        tx.commit()?;
        Ok(user)
    }

    /// `passwd`: checks the current password, sets the new one, ends every other session and
    /// every unused reset token, then mails a notice.
    pub fn change_password(
        &mut self,
        claim: &SessionClaim,
        current: &Password,
        new: &Password,
        outbox: &dyn Outbox,
    ) -> Result<Noticed<User>> {
        let (user, _) = self.current(claim)?;
        self.reauthenticate(&user, current, "wrong current password (passwd)")?;
        let hash = self.hasher.hash(new)?;
        let tx = self.store.write()?;
        let (mut user, session) = check_session(&tx, claim, self.now)?;
        self.policy
            .passwords
            .check(new, &user.email, user.username.as_deref())?;
        user.password_hash = Some(hash);
        tx.update_user(&user)?;
        let ended = tx.revoke_sessions(user.id, Some(session.id), self.now)?;
        tx.delete_unused_tokens(user.id, TokenPurpose::Reset)?;
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
        usable_token(&self.store.read()?, token, TokenPurpose::Reset, self.now).map(drop)
    }

    /// `reset confirm`: sets the new password, ends every session and every other reset token,
    /// and confirms the account (the mailbox was proven).
    pub fn reset_password(&mut self, token: &SecretToken, password: &Password) -> Result<User> {
        let hash = self.hasher.hash(password)?;
        let tx = self.store.write()?;
        let (_, mut user) = consume(&tx, token, TokenPurpose::Reset, self.now)?;
        self.policy
            .passwords
            .check(password, &user.email, user.username.as_deref())?;
        user.password_hash = Some(hash);
        user.confirmed = true;
        tx.update_user(&user)?;
        let ended = tx.revoke_sessions(user.id, None, self.now)?;
        tx.delete_unused_tokens(user.id, TokenPurpose::Reset)?;
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
        let (user, _) = self.current(claim)?;
        self.reauthenticate(&user, password, "wrong password (email change)")?;
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
    /// free; otherwise nothing changes (the token stays unused).
    pub fn confirm_email_change(&mut self, token: &SecretToken) -> Result<User> {
        let tx = self.store.write()?;
        let (record, mut user) = consume(&tx, token, TokenPurpose::EmailChange, self.now)?;
        let new_email = record.new_email.ok_or_else(invalid_token)?;
        let taken = tx.find_user(&UserKey::Email(normalize(&new_email)))?;
        if taken.is_some_and(|other| other.id != user.id) {
            return Err(email_taken(&new_email));
        }
        let detail = format!("from {}", user.email);
        user.email = new_email;
        tx.update_user(&user)?;
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
                Insert::EmailTaken(mut existing) => match on_conflict {
                    OnConflict::Fail => problems.push(RowProblem {
                        conflict: true,
                        ..problem(format!("the email {} is already registered", row.email))
                    }),
                    OnConflict::Skip => summary.skipped += 1,
                    OnConflict::Update => {
                        existing.email = row.email;
                        existing.username = row.username.or(existing.username);
                        existing.password_hash = row.password_hash.or(existing.password_hash);
                        existing.confirmed = row.confirmed.unwrap_or(existing.confirmed);
                        existing.active = row.active.unwrap_or(existing.active);
                        match tx.update_user(&existing) {
                            Ok(()) => summary.updated += 1,
                            Err(Error::Conflict(message)) => problems.push(problem(message)),
                            Err(other) => return Err(other),
                        }
                    }
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

    /// Fails with the login failure (audited) unless `password` is the user's.
    fn reauthenticate(&mut self, user: &User, password: &Password, why: &str) -> Result<()> {
        let verdict = match user.password_hash.as_deref() {
            Some(stored) => self.hasher.verify(password, stored),
            None => Verdict::Mismatch,
        };
        if verdict != Verdict::Mismatch {
            return Ok(());
        }
        let tx = self.store.write()?;
        tx.append_audit(
            &self
                .stamp
                .entry(AuditEvent::LoginFailed, Some(user), Some(why.to_owned())),
        )?;
        tx.commit()?;
        Err(Error::invalid_credentials())
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

    /// Mails a token, then stores it (replacing the user's older unused ones of its purpose).
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
        tx.insert_token(&record)?;
        let detail = new_email.map(|email| format!("to {}", email.as_str()));
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

/// The stored record of `token` if it can be used for `purpose` at `now`; unknown, expired,
/// used and wrong-purpose tokens all give [`invalid_token`].
fn usable_token(
    tx: &impl Transaction,
    token: &SecretToken,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<EmailToken> {
    tx.find_token(&token.hash())?
        .filter(|record| record.is_usable_for(purpose, now))
        .ok_or_else(invalid_token)
}

/// Uses up a token of `purpose`; a token of a removed user is as invalid as any other.
fn consume(
    tx: &impl Transaction,
    token: &SecretToken,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<(EmailToken, User)> {
    let record = usable_token(tx, token, purpose, now)?;
    let user = tx.find_user(&UserKey::Id(record.user_id))?.ok_or_else(invalid_token)?;
    tx.mark_token_used(&record.hash, now)?;
    Ok((record, user))
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
    use crate::store::sqlite::{SchemaCheck, SqliteStore};

    /// An outbox that keeps the tokens it was asked to send.
    #[derive(Default)]
    struct Captured(RefCell<Vec<String>>);

    impl Outbox for Captured {
        fn send(&self, mail: &Mail<'_>) -> Result<Delivery> {
            if let Mail::ConfirmAccount { token, .. } | Mail::ResetPassword { token, .. } = mail {
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
            passwords: PasswordPolicy::default(),
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
}
