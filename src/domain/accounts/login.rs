//! Login with lockout and a failure floor, re-authentication, passwd, and the session
//! operations.

use std::time::Instant;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Accounts, Audited, Login, Noticed, Revoked, SessionClaim, replace_password};
use crate::domain::audit::AuditEvent;
use crate::domain::email::Email;
use crate::domain::error::{Error, Result};
use crate::domain::hashes::AppScheme;
use crate::domain::lockout::Lockout;
use crate::domain::mail::{Mail, Outbox};
use crate::domain::password::{Password, Verdict};
use crate::domain::session::{RevokeTarget, Session};
use crate::domain::store::{Store, Transaction};
use crate::domain::token::SecretToken;
use crate::domain::user::{User, UserKey};

impl<S: Store> Accounts<'_, S> {
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
        let tx = Audited::new(self.store.write()?, self.sink);
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
            let detail = match self.hasher.scheme() {
                AppScheme::Argon2 => format!("{scheme} hash upgraded to argon2id with the current parameters"),
                target => format!("{scheme} hash upgraded to {target} with the current parameters"),
            };
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

    /// `user verify`: whether `password` would log the account of `key` in, without logging it
    /// in: no session, no hash upgrade, and on success nothing written at all (earlier failures
    /// are not forgotten). A refusal is a failed login in every other way: the same
    /// [`Error::invalid_credentials`] whatever the reason (an unknown user included), after the
    /// same hashing work, no sooner than the failure delay, audited, and a wrong password counts
    /// towards a lockout.
    pub fn verify_password(&mut self, key: &UserKey, password: &Password) -> Result<User> {
        let started = Instant::now();
        let found = self.store.read()?.find_user(key)?;
        let attempt = match &found {
            Some(user) => self.attempt(user, password),
            None => {
                self.hasher.spend_equal_time(password);
                Attempt::Refused("unknown user")
            }
        };
        let named = found
            .as_ref()
            .map_or_else(|| key.to_string(), |user| user.email.clone());
        let (found, why, counts) = match (found, attempt) {
            (Some(user), Attempt::Verified { .. }) if self.policy.require_confirmation && !user.confirmed => {
                (Some(user), "account unconfirmed", false)
            }
            (Some(user), Attempt::Verified { .. }) => return Ok(user),
            (found, Attempt::Refused(why)) => (found, why, false),
            (found, _) => (found, "wrong password", true),
        };
        self.fail_login(started, found.as_ref(), &named, &format!("{why} (user verify)"), counts)
    }

    /// The user and session of a session file, if it still logs someone in.
    pub fn current(&mut self, claim: &SessionClaim) -> Result<(User, Session)> {
        let tx = self.store.read()?;
        check_session(&tx, claim, self.now)
    }

    /// Ends the current session.
    pub fn logout(&mut self, claim: &SessionClaim) -> Result<User> {
        let tx = Audited::new(self.store.write()?, self.sink);
        let (user, session) = check_session(&*tx, claim, self.now)?;
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
        let tx = Audited::new(self.store.write()?, self.sink);
        let (user, current) = check_session(&*tx, claim, self.now)?;
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
        let tx = Audited::new(self.store.write()?, self.sink);
        let (mut user, session) = check_session(&*tx, claim, self.now)?;
        self.policy
            .passwords
            .check(new, &user.email, user.username.as_deref())?;
        let Some(ended) = replace_password(&*tx, &mut user, hash, Some(&verified), Some(session.id), self.now)? else {
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
}

impl<S: Store> Accounts<'_, S> {
    /// Checks `password` for a login attempt on `user`. An account that may not log in now is
    /// refused without checking the password; every path does the hashing work of a wrong
    /// password for a current hash in the hasher's scheme (another hash costs what its own scheme
    /// costs).
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
        let tx = Audited::new(self.store.write()?, self.sink);
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
                detail.push_str(&format!(
                    "; locked out until {}",
                    crate::domain::timestamp::format(until)
                ));
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
    pub(super) fn reauthenticate(
        &mut self,
        started: Instant,
        user: &User,
        password: &Password,
        why: &str,
    ) -> Result<String> {
        let verified = match self.attempt(user, password) {
            Attempt::Verified { verified, .. } => verified,
            Attempt::Refused(refusal) => {
                let why = format!("{why}: {refusal}");
                return self.fail_login(started, Some(user), &user.email, &why, false);
            }
            Attempt::WrongPassword => return self.fail_login(started, Some(user), &user.email, why, true),
        };
        if user.lockout != Lockout::default() {
            let tx = Audited::new(self.store.write()?, self.sink);
            tx.set_lockout(user.id, Lockout::default())?;
            tx.commit()?;
        }
        Ok(verified)
    }
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
