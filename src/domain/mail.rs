//! What the domain mails, and the [`Outbox`] that delivers it (implemented over lettre in
//! [`crate::mail`]).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::error::Result;
use crate::domain::token::SecretToken;

/// A message the account flows send.
#[derive(Debug)]
pub enum Mail<'a> {
    /// The token that confirms a new account.
    ConfirmAccount {
        /// The account's address.
        to: &'a str,
        /// The confirmation token.
        token: &'a SecretToken,
        /// When the token stops working.
        expires_at: DateTime<Utc>,
    },
    /// The token that resets a forgotten password.
    ResetPassword {
        /// The account's address.
        to: &'a str,
        /// The reset token.
        token: &'a SecretToken,
        /// When the token stops working.
        expires_at: DateTime<Utc>,
    },
    /// The token that proves the new address of an email change, sent to that address.
    ConfirmNewEmail {
        /// The new address.
        to: &'a str,
        /// The email-change token.
        token: &'a SecretToken,
        /// When the token stops working.
        expires_at: DateTime<Utc>,
    },
    /// A notice to the account's address that its password was changed.
    PasswordChanged {
        /// The account's address.
        to: &'a str,
    },
    /// The answer to a reset request that cannot reset anything, sent to the address asked for
    /// so that the request does the same work, and meets the same failures, as one that can.
    ResetUnavailable {
        /// The address the reset was requested for.
        to: &'a str,
        /// Why there is nothing to reset.
        why: NoReset,
    },
    /// A notice to the old address that a change to `new_email` was requested.
    EmailChangeRequested {
        /// The current (old) address.
        to: &'a str,
        /// The address asked for.
        new_email: &'a str,
    },
}

impl Mail<'_> {
    /// The recipient.
    pub fn to(&self) -> &str {
        match self {
            Mail::ConfirmAccount { to, .. }
            | Mail::ResetPassword { to, .. }
            | Mail::ConfirmNewEmail { to, .. }
            | Mail::PasswordChanged { to }
            | Mail::ResetUnavailable { to, .. }
            | Mail::EmailChangeRequested { to, .. } => to,
        }
    }
}

/// Why a reset request has no account to reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoReset {
    /// No account uses the address.
    NoAccount,
    /// The account is locked or inactive.
    AccountDisabled,
}

/// Where a message went.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// The recipient.
    pub to: String,
    /// The transport, without credentials (`smtp://host:port`, `sendmail`, `file:DIR`).
    pub transport: String,
    /// For the file transport, the `.eml` file written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

/// Delivers messages. A failure is [`crate::Error::Mail`] with the transport's reason.
pub trait Outbox {
    /// Delivers `mail`.
    fn send(&self, mail: &Mail<'_>) -> Result<Delivery>;
}
