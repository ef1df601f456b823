//! Login sessions: "remember me" or short-lived, as in Flask-Login.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::token::TokenHash;

/// A login session as stored: only the hash of its token is kept.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    /// Identifier shown by `session list` and taken by `session revoke`.
    pub id: Uuid,
    /// The user logged in.
    #[serde(skip)]
    pub user_id: Uuid,
    /// SHA-256 of the secret token held in the session file.
    #[serde(skip)]
    pub token_hash: TokenHash,
    /// Whether the session was made with `--remember`.
    pub remember: bool,
    /// When the user logged in.
    #[serde(serialize_with = "crate::domain::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When the session stops being valid.
    #[serde(serialize_with = "crate::domain::timestamp::serialize")]
    pub expires_at: DateTime<Utc>,
    /// When it was revoked (logout, `session revoke`, a password change), if it was.
    #[serde(serialize_with = "crate::domain::timestamp::serialize_option")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Session {
    /// Whether the session still logs its user in at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// How long sessions last: `session_duration` without `--remember`, `remember_duration` with it.
#[derive(Debug, Clone, Copy)]
pub struct SessionDurations {
    /// Lifetime of a session made without `--remember`.
    pub session: chrono::Duration,
    /// Lifetime of a session made with `--remember`.
    pub remember: chrono::Duration,
}

/// Which of the current user's sessions `session revoke` ends.
#[derive(Debug, Clone, Copy)]
pub enum RevokeTarget {
    /// One session, by id.
    One(Uuid),
    /// Every live session but the current one.
    AllOthers,
}
