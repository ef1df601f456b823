//! The audit log: every change of state, who made it, never a secret.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::error::{Error, Result};
use crate::text::shown;

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
    AuditPruned,
}

impl AuditEvent {
    /// Every event, in the order of the documentation.
    pub const ALL: [AuditEvent; 22] = [
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
        AuditEvent::AuditPruned,
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
            AuditEvent::AuditPruned => "audit_pruned",
        }
    }

    /// The event of a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|event| event.as_str() == name)
    }
}

/// Where audit rows go besides the database (the `audit_syslog` setting: syslog or journald).
/// It is told of each row once the transaction that wrote it has committed, never of a row rolled
/// back. It cannot fail the command: a transport reports its own failures.
pub trait AuditSink {
    /// Passes `entry` on.
    fn send(&self, entry: &AuditEntry);
}

/// Rows go to the database only.
pub struct NoAuditSink;

impl AuditSink for NoAuditSink {
    fn send(&self, _entry: &AuditEntry) {}
}

/// One row of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// When it happened.
    #[serde(serialize_with = "crate::domain::timestamp::serialize")]
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
    /// Only rows before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only rows of these events (all events when empty).
    pub events: Vec<AuditEvent>,
    /// Only the most recent rows, this many at most (still given oldest first).
    pub limit: Option<u64>,
    /// Only rows written after the row of this sequence number.
    pub after: Option<i64>,
}

/// Where a follower of the audit log is: the last row written when it last looked, and the
/// matching rows it has already seen among the [`FOLLOW_WINDOW`] rows before that one.
#[derive(Debug, Clone, Default)]
pub struct AuditCursor {
    pub(crate) last: i64,
    pub(crate) seen: BTreeSet<i64>,
}

/// How far back a follower looks again for rows that became visible late: on PostgreSQL a
/// transaction that took its sequence number before another's may commit after it. A row that
/// commits after this many later rows were written is missed by a follower.
pub const FOLLOW_WINDOW: i64 = 1000;

/// What `--since`, `--until` and `--before` accept, for messages.
pub const MOMENT_FORMS: &str = "a date (2026-11-30, midnight UTC), a date-time (2026-11-30T08:00:00Z, \
     2026-11-30T09:00:00+01:00, or 2026-11-30 08:00:00 UTC as tables show it) or a duration back from now \
     (90m, 36h, 7d, 2weeks)";

/// Reads the moment `text` names (given as `flag`), relative to `now` for a duration: a date
/// (midnight UTC), an RFC 3339 date-time, a time as tables print it, or a duration back from now.
/// A duration further back than the calendar goes is the earliest moment there is.
pub fn parse_moment(flag: &str, text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let trimmed = text.trim();
    if let Ok(date) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        return Ok(date.and_time(NaiveTime::MIN).and_utc());
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(trimmed) {
        return Ok(time.with_timezone(&Utc));
    }
    if let Ok(time) = NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%d %H:%M:%S UTC") {
        return Ok(time.and_utc());
    }
    match humantime::parse_duration(trimmed) {
        Ok(back) => Ok(chrono::Duration::from_std(back)
            .ok()
            .and_then(|back| now.checked_sub_signed(back))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)),
        Err(_) => Err(Error::Usage(format!(
            "{flag} '{}' is not a moment: give {MOMENT_FORMS}.",
            shown(text)
        ))),
    }
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

    #[test]
    fn moments_are_dates_date_times_or_durations_back() {
        let now = DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z").unwrap().to_utc();
        let moment = |text: &str| parse_moment("--since", text, now).unwrap().to_rfc3339();
        assert_eq!(moment("2026-11-30"), "2026-11-30T00:00:00+00:00");
        assert_eq!(moment("2026-11-30T08:00:00+01:00"), "2026-11-30T07:00:00+00:00");
        assert_eq!(moment("2026-11-30 08:00:00 UTC"), "2026-11-30T08:00:00+00:00");
        assert_eq!(moment("90m"), "2026-12-01T10:30:00+00:00");
        assert_eq!(moment("1d"), "2026-11-30T12:00:00+00:00");
        assert_eq!(
            parse_moment("--since", "300000y", now).unwrap(),
            DateTime::<Utc>::MIN_UTC
        );
        let error = parse_moment("--until", "yesterday", now).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(
            error
                .to_string()
                .starts_with("--until 'yesterday' is not a moment: give a date"),
            "{error}"
        );
        assert!(parse_moment("--since", "2026-02-30", now).is_err());
    }
}
