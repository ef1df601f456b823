//! The audit log: every change of state, who made it, never a secret.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// Something that happened to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    UserAdded,
    UserRemoved,
    UserLocked,
    UserUnlocked,
    PasswordSet,
    PasswordRehashed,
    LoginSucceeded,
    LoginFailed,
    Logout,
    SessionRevoked,
    ConfirmationSent,
    AccountConfirmed,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    EmailChangeRequested,
    EmailChanged,
    MailFailed,
    UsersImported,
    TokenRejected,
    UserEdited,
}

impl AuditEvent {
    const ALL: [AuditEvent; 21] = [
        AuditEvent::UserAdded,
        AuditEvent::UserRemoved,
        AuditEvent::UserLocked,
        AuditEvent::UserUnlocked,
        AuditEvent::PasswordSet,
        AuditEvent::PasswordRehashed,
        AuditEvent::LoginSucceeded,
        AuditEvent::LoginFailed,
        AuditEvent::Logout,
        AuditEvent::SessionRevoked,
        AuditEvent::ConfirmationSent,
        AuditEvent::AccountConfirmed,
        AuditEvent::PasswordChanged,
        AuditEvent::PasswordResetRequested,
        AuditEvent::PasswordReset,
        AuditEvent::EmailChangeRequested,
        AuditEvent::EmailChanged,
        AuditEvent::MailFailed,
        AuditEvent::UsersImported,
        AuditEvent::TokenRejected,
        AuditEvent::UserEdited,
    ];

    /// The stable name stored and printed for this event.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::UserAdded => "user_added",
            AuditEvent::UserRemoved => "user_removed",
            AuditEvent::UserLocked => "user_locked",
            AuditEvent::UserUnlocked => "user_unlocked",
            AuditEvent::PasswordSet => "password_set",
            AuditEvent::PasswordRehashed => "password_rehashed",
            AuditEvent::LoginSucceeded => "login_succeeded",
            AuditEvent::LoginFailed => "login_failed",
            AuditEvent::Logout => "logout",
            AuditEvent::SessionRevoked => "session_revoked",
            AuditEvent::ConfirmationSent => "confirmation_sent",
            AuditEvent::AccountConfirmed => "account_confirmed",
            AuditEvent::PasswordChanged => "password_changed",
            AuditEvent::PasswordResetRequested => "password_reset_requested",
            AuditEvent::PasswordReset => "password_reset",
            AuditEvent::EmailChangeRequested => "email_change_requested",
            AuditEvent::EmailChanged => "email_changed",
            AuditEvent::MailFailed => "mail_failed",
            AuditEvent::UsersImported => "users_imported",
            AuditEvent::TokenRejected => "token_rejected",
            AuditEvent::UserEdited => "user_edited",
        }
    }

    /// The event of a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|event| event.as_str() == name)
    }
}

/// One row of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub event: AuditEvent,
    /// The account concerned, when there is one.
    pub user_id: Option<Uuid>,
    /// The account's address at the time (kept after the account is removed).
    pub email: Option<String>,
    /// The operating-system user who ran the command.
    pub os_user: String,
    /// A short non-secret detail, such as why a login failed.
    pub detail: Option<String>,
}

/// One stored row of the audit log and its place in it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRecord {
    /// The row's sequence number: increasing in the order rows were written (a follower reads
    /// the rows after the last one it saw). Not part of the printed shape.
    #[serde(skip)]
    pub seq: i64,
    /// The row.
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// Whose rows `audit --user` shows: the rows recorded with one of these user ids, and the rows
/// about this normalised address (those of an address no account had, such as a failed login of
/// an unknown email, included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditSubject {
    /// The ids of the accounts meant.
    pub user_ids: Vec<Uuid>,
    /// The normalised address meant, when an address was given.
    pub email: Option<String>,
}

/// Which audit rows to show.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only rows about this user (or address).
    pub subject: Option<AuditSubject>,
    /// Only rows at or after this time.
    pub since: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for event in AuditEvent::ALL {
            assert_eq!(AuditEvent::from_name(event.as_str()), Some(event));
            assert_eq!(serde_json::to_value(event).unwrap(), event.as_str());
        }
    }
}
