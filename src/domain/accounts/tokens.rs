//! The emailed-token flows: confirmation, password reset, email change.

use std::time::Instant;

use chrono::{DateTime, Utc};

use super::{Accounts, Audited, Noticed, SessionClaim, Stamp, changed_meanwhile, invalid_token, replace_password};
use crate::domain::audit::{AuditEntry, AuditEvent};
use crate::domain::email::{AddressHash, Email, normalize};
use crate::domain::error::Result;
use crate::domain::mail::{Delivery, Mail, NoReset, Outbox};
use crate::domain::password::Password;
use crate::domain::store::{Store, Transaction};
use crate::domain::token::{EmailToken, SecretToken, TokenPurpose};
use crate::domain::user::{User, UserKey, email_taken};

impl<S: Store> Accounts<'_, S> {
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
        let tx = Audited::new(self.store.write()?, self.sink);
        let (record, mut user) = match usable_token(&*tx, token, TokenPurpose::Confirm, self.now)? {
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

    /// `reset request`: mails a reset token when `email` names an account that may log in, and
    /// to any other address a message saying that there is nothing to reset. Both go through the
    /// same transport in the same kind of transaction, so neither the exit code nor the time
    /// tells registered addresses from others. At most `per_hour` requests an address are
    /// mailed in any hour; past that nothing is sent, and the answer is the same.
    pub fn request_reset(&mut self, email: &Email, outbox: &dyn Outbox, per_hour: u32) -> Result<()> {
        let user = self.store.read()?.find_user(&email.into())?;
        if !self.count_reset_request(email, user.as_ref(), per_hour)? {
            return Ok(());
        }
        let why = match &user {
            Some(user) if user.may_log_in() => {
                self.issue_token(
                    outbox,
                    user,
                    TokenPurpose::Reset,
                    None,
                    AuditEvent::PasswordResetRequested,
                )?;
                return Ok(());
            }
            Some(_) => NoReset::AccountDisabled,
            None => NoReset::NoAccount,
        };
        let mail = Mail::ResetUnavailable {
            to: email.as_str(),
            why,
        };
        let (event, detail) = match outbox.send(&mail) {
            Ok(_) => (
                AuditEvent::PasswordResetRequested,
                "no account that may log in: told so by mail".to_owned(),
            ),
            Err(error) => {
                self.audit_reset_request(user.as_ref(), email, AuditEvent::MailFailed, error.message())?;
                return Err(error);
            }
        };
        self.audit_reset_request(user.as_ref(), email, event, detail)
    }

    /// Counts a reset request for `email` in the past hour and says whether it may be mailed:
    /// false (audited) once `per_hour` were counted. Requests are counted by a hash of the
    /// normalised address, for registered and unknown addresses alike, and forgotten after an
    /// hour.
    fn count_reset_request(&mut self, email: &Email, user: Option<&User>, per_hour: u32) -> Result<bool> {
        let hour_ago = self
            .now
            .checked_sub_signed(chrono::Duration::hours(1))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let detail = format!("over reset_requests_per_hour ({per_hour}): nothing sent");
        let over_limit = self.reset_request_entry(user, email, AuditEvent::PasswordResetRequested, detail);
        let tx = Audited::new(self.store.write()?, self.sink);
        let address = AddressHash::of(email, &tx.database_id()?);
        let allowed = tx.count_reset_requests(&address, hour_ago)? < u64::from(per_hour);
        if allowed {
            tx.record_reset_request(&address, self.now, hour_ago)?;
        } else {
            tx.append_audit(&over_limit)?;
        }
        tx.commit()?;
        Ok(allowed)
    }

    fn audit_reset_request(
        &mut self,
        user: Option<&User>,
        email: &Email,
        event: AuditEvent,
        detail: String,
    ) -> Result<()> {
        let entry = self.reset_request_entry(user, email, event, detail);
        let tx = Audited::new(self.store.write()?, self.sink);
        tx.append_audit(&entry)?;
        tx.commit()
    }

    /// An audit row about a reset request: about the account when there is one, otherwise
    /// about the address asked for, without a user id.
    fn reset_request_entry(&self, user: Option<&User>, email: &Email, event: AuditEvent, detail: String) -> AuditEntry {
        let mut entry = self.stamp.entry(event, user, Some(detail));
        if user.is_none() {
            entry.email = Some(email.as_str().to_owned());
        }
        entry
    }

    /// Fails unless `token` is a usable reset token (checked before asking for a new password).
    pub fn check_reset_token(&mut self, token: &SecretToken) -> Result<()> {
        let found = usable_token(&self.store.read()?, token, TokenPurpose::Reset, self.now)?;
        match found {
            Ok(_) => Ok(()),
            Err(rejected) => reject_token(
                Audited::new(self.store.write()?, self.sink),
                &self.stamp,
                TokenPurpose::Reset,
                rejected,
            ),
        }
    }

    /// `reset confirm`: sets the new password, ends every session and every other emailed token,
    /// forgets failed logins (a lockout ends: the mailbox was proven), and confirms the account.
    pub fn reset_password(&mut self, token: &SecretToken, password: &Password) -> Result<User> {
        let hash = self.hasher.hash(password)?;
        let tx = Audited::new(self.store.write()?, self.sink);
        let (record, mut user) = match usable_token(&*tx, token, TokenPurpose::Reset, self.now)? {
            Ok(found) => found,
            Err(rejected) => return reject_token(tx, &self.stamp, TokenPurpose::Reset, rejected),
        };
        self.policy
            .passwords
            .check(password, &user.email, user.username.as_deref())?;
        tx.mark_token_used(&record.hash, self.now)?;
        let expected = user.password_hash.clone();
        let ended = replace_password(&*tx, &mut user, hash, expected.as_deref(), None, self.now)?
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
        let tx = Audited::new(self.store.write()?, self.sink);
        let (record, mut user) = match usable_token(&*tx, token, TokenPurpose::EmailChange, self.now)? {
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
}

impl<S: Store> Accounts<'_, S> {
    /// Makes a token and mails it; nothing is stored yet, so a failed delivery leaves no live
    /// token. The caller stores the returned record.
    pub(super) fn mail_token(
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
        let tx = Audited::new(self.store.write()?, self.sink);
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
fn reject_token<T, X: Transaction>(
    tx: Audited<'_, X>,
    stamp: &Stamp,
    purpose: TokenPurpose,
    rejected: Rejected,
) -> Result<T> {
    let detail = format!("{} token: {}", purpose.as_str(), rejected.why);
    tx.append_audit(&stamp.entry(AuditEvent::TokenRejected, rejected.user.as_ref(), Some(detail)))?;
    tx.commit()?;
    Err(invalid_token())
}
