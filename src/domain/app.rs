//! An application's own users table, managed in place: which table and columns hold what, the
//! values authctl gives the columns it does not know, and the hash format the application
//! verifies. `db adopt` finds and records an [`AppMapping`]; the config file's `[app]` section
//! ([`AppHints`]) says what it cannot guess.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::shown;

/// The tables looked for, in order, when the config file names none: Flask-SQLAlchemy's
/// `users` (the Flask-Login book's) and `user` (its default name), and Django's `auth_user`.
pub const TABLE_CANDIDATES: [&str; 3] = ["users", "user", "auth_user"];

/// What a column of the application's users table holds for authctl.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Id,
    Email,
    Username,
    Password,
    Confirmed,
    Active,
    Locked,
    Created,
}

impl Role {
    /// Every role, in the order `db adopt` shows them.
    pub const ALL: [Role; 8] = [
        Role::Id,
        Role::Email,
        Role::Username,
        Role::Password,
        Role::Confirmed,
        Role::Active,
        Role::Locked,
        Role::Created,
    ];

    /// The key of the `[app]` section that names this role's column: `email_column`, …
    pub fn key(self) -> &'static str {
        match self {
            Role::Id => "id_column",
            Role::Email => "email_column",
            Role::Username => "username_column",
            Role::Password => "password_column",
            Role::Confirmed => "confirmed_column",
            Role::Active => "active_column",
            Role::Locked => "locked_column",
            Role::Created => "created_column",
        }
    }

    /// The role's name, as `db adopt` shows it.
    pub fn name(self) -> &'static str {
        self.key().trim_end_matches("_column")
    }

    /// The column names Flask-SQLAlchemy applications and Django use for this role, in the order
    /// they are looked for.
    pub fn candidates(self) -> &'static [&'static str] {
        match self {
            Role::Id => &["id"],
            Role::Email => &["email"],
            Role::Username => &["username"],
            Role::Password => &["password_hash", "password"],
            Role::Confirmed => &["confirmed", "email_confirmed", "is_confirmed"],
            Role::Active => &["active", "is_active"],
            Role::Locked => &["locked", "is_locked"],
            Role::Created => &["created_at", "member_since", "date_joined", "created"],
        }
    }

    /// Whether authctl cannot work without this column.
    pub fn required(self) -> bool {
        matches!(self, Role::Id | Role::Email | Role::Password)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value authctl writes into a column it does not otherwise fill, when it adds an account
/// (a NOT NULL column without a default, such as a `role_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FillValue {
    Boolean(bool),
    Integer(i64),
    Real(f64),
    Text(String),
}

impl fmt::Display for FillValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FillValue::Boolean(flag) => write!(f, "{flag}"),
            FillValue::Integer(number) => write!(f, "{number}"),
            FillValue::Real(number) => write!(f, "{number}"),
            FillValue::Text(text) => write!(f, "\"{}\"", shown(text)),
        }
    }
}

/// What the config file's `[app]` section says: the table, columns by role, the password
/// scheme and fill values (`[app.defaults]`). Anything left out, `db adopt` guesses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppHints {
    pub table: Option<String>,
    pub columns: BTreeMap<Role, String>,
    /// The name of an [`crate::domain::hashes::AppScheme`].
    pub password_scheme: Option<String>,
    pub lowercase_emails: Option<bool>,
    pub defaults: BTreeMap<String, FillValue>,
}

/// The mapping `db adopt` recorded: how authctl reads and writes the application's users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppMapping {
    /// The users table.
    pub table: String,
    /// The column of each role the table has (the id, email and password always).
    pub columns: BTreeMap<Role, String>,
    /// The name of the [`crate::domain::hashes::AppScheme`] new hashes are written in.
    pub password_scheme: String,
    /// Whether addresses are stored lower-cased, as the application does (Flasky lower-cases
    /// at registration and at login: an address stored otherwise could never log in).
    #[serde(default)]
    pub lowercase_emails: bool,
    /// Values for the NOT NULL columns without a default that no role fills.
    pub defaults: BTreeMap<String, FillValue>,
    /// A stored hash of the scheme with its key zeroed: what a login of an unknown address
    /// verifies, to cost what the application's accounts cost.
    #[serde(default)]
    pub decoy: Option<String>,
}

impl AppMapping {
    /// The column of `role`, if the table has one.
    pub fn column(&self, role: Role) -> Option<&str> {
        self.columns.get(&role).map(String::as_str)
    }
}
