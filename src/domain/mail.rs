//! What the domain mails, and the [`Outbox`] that delivers it (implemented over lettre in
//! [`crate::mail`]).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::token::SecretToken;
use crate::error::Result;

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
            | Mail::EmailChangeRequested { to, .. } => to,
        }
    }
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

    /// Checks that the transport could deliver (connects to an SMTP server, prepares a mail
    /// directory) without sending anything: what a request for an unknown address does instead of
    /// sending, so that it takes a similar time and fails the same way when mail is down.
    fn check(&self) -> Result<()>;
}
