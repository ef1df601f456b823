//! What administrators do: add, remove, lock and unlock accounts, set passwords, import.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    AccountEdit, Accounts, Audited, FirstMail, NewAccount, changed_meanwhile, end_sessions_and_tokens, replace_password,
};
use crate::domain::audit::AuditEvent;
use crate::domain::email::normalize;
use crate::domain::error::{Error, Result, RowProblem};
use crate::domain::import::{ImportSummary, OnConflict, PreparedRow, Problems, Spool};
use crate::domain::lockout::Lockout;
use crate::domain::mail::{Delivery, Outbox};
use crate::domain::password::Password;
use crate::domain::session::Session;
use crate::domain::store::{Insert, Store, Transaction};
use crate::domain::token::TokenPurpose;
use crate::domain::user::{User, UserKey, Username, email_taken, no_such_user};

/// Rows of an import handed to the store at a time: memory stays bounded however long the file.
const IMPORT_CHUNK: usize = 8192;

impl<S: Store> Accounts<'_, S> {
    /// Creates an account (the email and username must be free) and, when `mail` names an
    /// outbox, mails its first token: a confirmation, or a reset with which an invited user
    /// without a password sets their own. The message goes first: when it cannot be delivered
    /// nothing is written.
    pub fn add_user(
        &mut self,
        account: NewAccount,
        mail: Option<(&dyn Outbox, FirstMail)>,
    ) -> Result<(User, Option<Delivery>)> {
        if mail.is_some() && self.store.read()?.find_user(&(&account.email).into())?.is_some() {
            return Err(email_taken(account.email.as_str()));
        }
        if let Some(password) = &account.password {
            let username = account.username.clone().map(Username::into_string);
            self.policy
                .passwords
                .check(password, account.email.as_str(), username.as_deref())?;
        }
        let password_hash = account.password.as_ref().map(|p| self.hasher.hash(p)).transpose()?;
        let mut user = User {
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
        let first = match mail {
            Some((outbox, FirstMail::Confirmation)) => Some((
                self.mail_token(outbox, &user, TokenPurpose::Confirm, None)?,
                AuditEvent::ConfirmationSent,
                None,
            )),
            Some((outbox, FirstMail::Reset)) => Some((
                self.mail_token(outbox, &user, TokenPurpose::Reset, None)?,
                AuditEvent::PasswordResetRequested,
                Some("invitation by an administrator".to_owned()),
            )),
            None => None,
        };
        let tx = Audited::new(self.store.write()?, self.sink);
        tx.insert_user(&mut user)?;
        tx.append_audit(&self.stamp.entry(AuditEvent::UserAdded, Some(&user), None))?;
        let delivery = match first {
            Some(((mut token, delivery), event, detail)) => {
                token.user_id = user.id;
                tx.insert_token(&token)?;
                tx.append_audit(&self.stamp.entry(event, Some(&user), detail))?;
                Some(delivery)
            }
            None => None,
        };
        tx.commit()?;
        Ok((user, delivery))
    }

    /// Deletes an account; its sessions and emailed tokens go with it.
    pub fn remove_user(&mut self, key: &UserKey) -> Result<User> {
        let tx = Audited::new(self.store.write()?, self.sink);
        let user = tx.find_user(key)?.ok_or_else(|| no_such_user(key))?;
        tx.delete_user(user.id)?;
        tx.append_audit(&self.stamp.entry(AuditEvent::UserRemoved, Some(&user), None))?;
        tx.commit()?;
        Ok(user)
    }

    /// Locks an account (ending every session and unused emailed token), or lifts both the
    /// administrator's lock and any lockout by failed logins.
    pub fn set_locked(&mut self, key: &UserKey, locked: bool) -> Result<User> {
        let tx = Audited::new(self.store.write()?, self.sink);
        let mut user = tx.find_user(key)?.ok_or_else(|| no_such_user(key))?;
        tx.set_locked(user.id, locked)?;
        user.locked = locked;
        let (event, detail) = if locked {
            let ended = end_sessions_and_tokens(&*tx, user.id, None, self.now)?;
            (AuditEvent::UserLocked, Some(format!("{ended} sessions revoked")))
        } else {
            let detail = format!("{} failed logins cleared", user.lockout.failures);
            tx.set_lockout(user.id, Lockout::default())?;
            user.lockout = Lockout::default();
            (AuditEvent::UserUnlocked, Some(detail))
        };
        // As stored: an application's table may hold the lock otherwise (through its active
        // column, which an account the application deactivated keeps).
        let user = tx.find_user(&UserKey::Id(user.id))?.unwrap_or(user);
        tx.append_audit(&self.stamp.entry(event, Some(&user), detail))?;
        tx.commit()?;
        Ok(user)
    }

    /// `user edit`: sets each field `edit` gives that differs from the account's, in one
    /// transaction, audited as one `user_edited` row naming the changes. A new address (not just
    /// a new spelling of the same one) ends every unused emailed token, since each was mailed to
    /// the old address or asks to leave it, and is unconfirmed unless `edit` confirms it;
    /// deactivating ends every session and unused token, as a lock does. Returns the account and
    /// whether anything changed: when nothing did, nothing is written.
    pub fn edit_user(&mut self, key: &UserKey, edit: AccountEdit) -> Result<(User, bool)> {
        let tx = Audited::new(self.store.write()?, self.sink);
        let mut user = tx.find_user(key)?.ok_or_else(|| no_such_user(key))?;
        let mut changes = Vec::new();
        // The username and the address go first: they are the changes another account can
        // refuse, and a refused edit (the transaction dropped, rolled back) changes nothing.
        if let Some(username) = edit.username.map(|name| name.map(Username::into_string))
            && username != user.username
        {
            tx.set_username(user.id, username.as_deref())?;
            let shown = |name: &Option<String>| name.clone().unwrap_or_else(|| "none".to_owned());
            changes.push(format!(
                "username from {} to {}",
                shown(&user.username),
                shown(&username)
            ));
            user.username = username;
        }
        let mut confirmed = edit.confirmed;
        let mut new_address = false;
        if let Some(email) = edit.email.filter(|email| email.as_str() != user.email) {
            tx.set_email(user.id, email.as_str())?;
            changes.push(format!("email from {} to {}", user.email, email.as_str()));
            if email.normalized() != normalize(&user.email) {
                tx.delete_unused_tokens(user.id, None)?;
                confirmed = confirmed.or(Some(false));
                new_address = true;
            }
            user.email = email.as_str().to_owned();
        }
        if let Some(confirmed) = confirmed.filter(|confirmed| *confirmed != user.confirmed) {
            tx.set_confirmed(user.id, confirmed)?;
            changes.push(format!("confirmed to {confirmed}"));
            user.confirmed = confirmed;
        }
        if let Some(active) = edit.active.filter(|active| *active != user.active) {
            tx.set_active(user.id, active)?;
            changes.push(format!("active to {active}"));
            user.active = active;
            if !active {
                let ended = end_sessions_and_tokens(&*tx, user.id, None, self.now)?;
                changes.push(format!("{ended} sessions revoked and unused tokens ended"));
            }
        }
        if changes.is_empty() {
            return Ok((user, false));
        }
        if new_address {
            changes.push("unused tokens of the old address ended".to_owned());
        }
        // As stored: an application's table may keep an address lower-cased, or a lock through
        // the active column.
        let user = tx.find_user(&UserKey::Id(user.id))?.unwrap_or(user);
        tx.append_audit(
            &self
                .stamp
                .entry(AuditEvent::UserEdited, Some(&user), Some(changes.join("; "))),
        )?;
        tx.commit()?;
        Ok((user, true))
    }

    /// An administrator's view of the live sessions of the user `key` names, newest first.
    pub fn user_sessions(&mut self, key: &UserKey) -> Result<(User, Vec<Session>)> {
        let tx = self.store.read()?;
        let user = tx.find_user(key)?.ok_or_else(|| no_such_user(key))?;
        let sessions = tx.live_sessions(user.id, self.now)?;
        Ok((user, sessions))
    }

    /// An administrator revokes every live session of the user `key` names, each audited;
    /// returns the user and the sessions revoked.
    pub fn revoke_user_sessions(&mut self, key: &UserKey) -> Result<(User, Vec<Uuid>)> {
        let tx = Audited::new(self.store.write()?, self.sink);
        let user = tx.find_user(key)?.ok_or_else(|| no_such_user(key))?;
        let live: Vec<Uuid> = tx
            .live_sessions(user.id, self.now)?
            .into_iter()
            .map(|session| session.id)
            .collect();
        tx.revoke_sessions(user.id, None, self.now)?;
        for id in &live {
            let detail = format!("session {id} by an administrator");
            tx.append_audit(&self.stamp.entry(AuditEvent::SessionRevoked, Some(&user), Some(detail)))?;
        }
        tx.commit()?;
        Ok((user, live))
    }

    /// An administrator sets a new password; every session and unused emailed token of the user
    /// ends, and failed logins are forgotten.
    pub fn set_password(&mut self, key: &UserKey, password: &Password) -> Result<User> {
        let hash = self.hasher.hash(password)?;
        let tx = Audited::new(self.store.write()?, self.sink);
        let mut user = tx.find_user(key)?.ok_or_else(|| no_such_user(key))?;
        self.policy
            .passwords
            .check(password, &user.email, user.username.as_deref())?;
        let expected = user.password_hash.clone();
        let ended = replace_password(&*tx, &mut user, hash, expected.as_deref(), None, self.now)?
            .ok_or_else(changed_meanwhile)?;
        tx.append_audit(&self.stamp.entry(
            AuditEvent::PasswordSet,
            Some(&user),
            Some(format!("by an administrator; {ended} sessions revoked")),
        ))?;
        tx.commit()?;
        Ok(user)
    }

    /// Phase two of an import: writes the prepared rows in one transaction, handing them to the
    /// store [`IMPORT_CHUNK`] at a time. Rows that repeat an email or username of an earlier row,
    /// or (with [`OnConflict::Fail`]) whose email is registered, are problems; with any problem,
    /// or in a dry run, nothing is written. When `problems` keeps every rejected row, the valid
    /// rows are written all the same (a rejected row changes nothing) and the summary counts the
    /// rejected ones.
    pub fn import(
        &mut self,
        spool: Spool,
        on_conflict: OnConflict,
        dry_run: bool,
        problems: &mut Problems,
        source: &str,
        progress: &dyn Fn(u64),
    ) -> Result<ImportSummary> {
        let mut summary = ImportSummary {
            dry_run,
            ..ImportSummary::default()
        };
        problems.next_phase()?;
        let tx = Audited::new(self.store.write()?, self.sink);
        let mark = tx.batch_mark()?;
        let mut rows = spool.drain()?;
        let mut chunk: Vec<PreparedRow> = Vec::with_capacity(IMPORT_CHUNK);
        let mut users: Vec<User> = Vec::with_capacity(IMPORT_CHUNK);
        let mut done = 0u64;
        loop {
            chunk.clear();
            users.clear();
            for row in rows.by_ref().take(IMPORT_CHUNK) {
                let row = row?;
                users.push(User {
                    id: Uuid::now_v7(),
                    email: row.email.clone(),
                    username: row.username.clone(),
                    password_hash: row.password_hash.clone(),
                    confirmed: row.confirmed.unwrap_or(false),
                    active: row.active.unwrap_or(true),
                    locked: false,
                    created_at: self.now,
                    lockout: Lockout::default(),
                });
                chunk.push(row);
            }
            if chunk.is_empty() {
                break;
            }
            tx.insert_users_unless_taken(&users, mark, &mut |index, outcome| {
                let row = &chunk[index];
                let problem = |message: String| RowProblem::invalid(row.line, message);
                let username = row.username.as_deref().unwrap_or_default();
                match outcome {
                    Insert::Created => summary.created += 1,
                    Insert::Refused(why) => problems.push(problem(why)),
                    Insert::EmailInBatch => {
                        problems.push(problem(format!("{} appears earlier in the file", row.email)))
                    }
                    Insert::UsernameInBatch => {
                        problems.push(problem(format!("username {username} appears earlier in the file")))
                    }
                    Insert::UsernameTaken => {
                        problems.push(problem(format!("the username {username} is already taken")))
                    }
                    Insert::EmailTaken(existing) => match on_conflict {
                        OnConflict::Fail => problems.push(RowProblem {
                            conflict: true,
                            ..problem(format!("the email {} is already registered", row.email))
                        }),
                        OnConflict::Skip => summary.skipped += 1,
                        OnConflict::Update => match update_imported(&*tx, existing, row, self.now) {
                            Ok(()) => summary.updated += 1,
                            Err(
                                conflict @ (Error::EmailTaken { .. }
                                | Error::UsernameTaken { .. }
                                | Error::ChangedMeanwhile(_)),
                            ) => problems.push(problem(conflict.to_string())),
                            Err(other) => return Err(other),
                        },
                    },
                }
                Ok(())
            })?;
            done += chunk.len() as u64;
            progress(done);
        }
        if problems.keeps_all() {
            summary.rejected = problems.total as u64;
        } else if let Some(refusal) = std::mem::take(problems).into_error() {
            return Err(refusal);
        }
        if dry_run {
            return Ok(summary);
        }
        let detail = format!(
            "from {source}: {} created, {} skipped, {} updated, {} rejected",
            summary.created, summary.skipped, summary.updated, summary.rejected
        );
        tx.append_audit(&self.stamp.entry(AuditEvent::UsersImported, None, Some(detail)))?;
        tx.commit()?;
        Ok(summary)
    }
}

/// Applies an import row's non-empty values to the account that has its email. A new password
/// hash ends the account's sessions and unused emailed tokens, as any new password does. The
/// username goes first: it is the one change another account can refuse, and a refused row
/// must change nothing.
fn update_imported(tx: &impl Transaction, mut existing: User, row: &PreparedRow, now: DateTime<Utc>) -> Result<()> {
    if row.username.is_some() && row.username != existing.username {
        tx.set_username(existing.id, row.username.as_deref())?;
    }
    if row.email != existing.email {
        tx.set_email(existing.id, &row.email)?;
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
