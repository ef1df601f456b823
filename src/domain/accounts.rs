//! The account operations: each reads or writes through one storage transaction and records
//! every change of state in the audit log.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::audit::{AuditEntry, AuditEvent, AuditFilter};
use crate::domain::email::Email;
use crate::domain::password::{Hasher, Password, Verdict};
use crate::domain::session::{RevokeTarget, Session, SessionDurations};
use crate::domain::token::SecretToken;
use crate::domain::user::{User, UserKey, Username, no_such_user};
use crate::error::{Error, Result};
use crate::store::{Store, Transaction};

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

/// The account operations over one store, at one moment, on behalf of one OS user.
pub struct Accounts<'a, S: Store> {
    store: &'a mut S,
    hasher: &'a Hasher,
    durations: SessionDurations,
    now: DateTime<Utc>,
    stamp: Stamp,
}

/// When and by whom: what every audit row of one command shares.
struct Stamp {
    now: DateTime<Utc>,
    os_user: String,
}

impl Stamp {
    fn entry(&self, event: AuditEvent, user: Option<&User>, detail: Option<String>) -> AuditEntry {
        AuditEntry {
            at: self.now,
            event,
            user_id: user.map(|u| u.id),
            email: user.map(|u| u.email.clone()),
            os_user: self.os_user.clone(),
            detail,
        }
    }
}

impl<'a, S: Store> Accounts<'a, S> {
    /// Operations at `now` (the clock is read once, by the caller) run by `os_user`.
    pub fn new(
        store: &'a mut S,
        hasher: &'a Hasher,
        durations: SessionDurations,
        now: DateTime<Utc>,
        os_user: String,
    ) -> Self {
        Accounts {
            store,
            hasher,
            durations,
            now,
            stamp: Stamp { now, os_user },
        }
    }

    /// Creates an account; the email and username must be free.
    pub fn add_user(&mut self, account: NewAccount) -> Result<User> {
        let password_hash = account.password.as_ref().map(|p| self.hasher.hash(p)).transpose()?;
        let user = User {
            id: Uuid::new_v4(),
            email: account.email.as_str().to_owned(),
            username: account.username.map(Username::into_string),
            password_hash,
            confirmed: account.confirmed,
            active: account.active,
            locked: false,
            created_at: self.now,
        };
        let tx = self.store.write()?;
        tx.insert_user(&user)?;
        tx.append_audit(&self.stamp.entry(AuditEvent::UserAdded, Some(&user), None))?;
        tx.commit()?;
        Ok(user)
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
        let user = self
            .store
            .read()?
            .find_user(&UserKey::Email(email.normalized().to_owned()))?;
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
            Verdict::MatchNeedsRehash => Some(self.hasher.hash(password)?),
            _ => None,
        };
        let token = SecretToken::generate()?;
        let lifetime = if remember {
            self.durations.remember
        } else {
            self.durations.session
        };
        let session = Session {
            id: Uuid::new_v4(),
            user_id: user.id,
            token_hash: token.hash(),
            remember,
            created_at: self.now,
            expires_at: self
                .now
                .checked_add_signed(lifetime)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
            revoked_at: None,
        };
        let tx = self.store.write()?;
        if let Some(hash) = rehash {
            user.password_hash = Some(hash);
            tx.update_user(&user)?;
            tx.append_audit(&self.stamp.entry(
                AuditEvent::PasswordRehashed,
                Some(&user),
                Some("upgraded to the current argon2id parameters".to_owned()),
            ))?;
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

    /// Calls `each` for every audit row that passes `filter`.
    pub fn for_each_audit(
        &mut self,
        filter: &AuditFilter,
        each: &mut dyn FnMut(AuditEntry) -> Result<()>,
    ) -> Result<()> {
        self.store.read()?.for_each_audit(filter, each)
    }
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
