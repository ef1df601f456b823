//! User accounts and the ways to name one.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use crate::domain::email::normalize;
use crate::domain::error::{Error, Result};
use crate::domain::lockout::Lockout;
use crate::text::shown;

/// A user account as stored. The password hash is never serialised.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// Stable identifier, a random UUID.
    pub id: Uuid,
    /// The address as typed when it was registered.
    pub email: String,
    /// Optional unique username.
    pub username: Option<String>,
    /// PHC string (or, for imported accounts, a foreign hash); `None` cannot log in.
    #[serde(skip)]
    pub password_hash: Option<String>,
    /// Whether the address has been confirmed.
    pub confirmed: bool,
    /// Inactive accounts cannot log in (Flask-Login's `is_active`).
    pub active: bool,
    /// Locked by an administrator: cannot log in.
    pub locked: bool,
    /// When the account was created.
    #[serde(serialize_with = "crate::domain::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// Consecutive failed logins and the temporary lockout they caused.
    #[serde(flatten)]
    pub lockout: Lockout,
}

impl User {
    /// Flask-Login's `is_active`: an inactive or locked account cannot log in (the temporary
    /// lockout, which ends by itself, is checked at login only).
    pub fn may_log_in(&self) -> bool {
        self.active && !self.locked
    }
}

/// Which accounts a listing holds, in which order, which page of them.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    /// Only accounts that cannot log in for a lock: an administrator's, or a lockout running
    /// at this time.
    pub locked_at: Option<DateTime<Utc>>,
    /// Only accounts whose address is not confirmed.
    pub unconfirmed: bool,
    /// Only accounts whose email or username contains this text, compared as names are.
    pub search: Option<String>,
    pub order: UserOrder,
    /// Last first.
    pub descending: bool,
    /// At most this many accounts.
    pub limit: Option<u64>,
    /// Leave out this many accounts first.
    pub offset: u64,
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserOrder {
    /// The order the accounts were added in.
    #[default]
    Added,
    /// Time of creation (imported accounts keep their own), then the order they were added in.
    Created,
    /// Email address, compared as stored for uniqueness, character by character.
    Email,
    /// Username, the same way; accounts without one after the others.
    Username,
}

/// A [`UserQuery`] as an engine runs it: the search text in the comparison forms of the
/// database's columns.
#[derive(Debug, Clone)]
pub struct UserSelection {
    pub query: UserQuery,
    /// The search text as email addresses are compared.
    pub email_search: Option<String>,
    /// The search text as this database compares usernames.
    pub username_search: Option<String>,
}

impl UserSelection {
    /// `query` on a database that compares usernames as `case` says.
    pub fn new(query: UserQuery, case: UsernameCase) -> Self {
        UserSelection {
            email_search: query.search.as_deref().map(normalize),
            username_search: query.search.as_deref().map(|text| case.key(text)),
            query,
        }
    }
}

/// How a command names a user: by id when the text is a UUID, by email when it holds an `@`
/// (no username can), otherwise by username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserKey {
    /// The user's UUID.
    Id(Uuid),
    /// The normalised email address.
    Email(String),
    /// A username as given: the database compares it in its own way ([`UsernameCase`]).
    Username(String),
}

impl UserKey {
    /// Reads `EMAIL|USERNAME|ID` as given on the command line.
    pub fn parse(text: &str) -> Self {
        match Uuid::parse_str(text) {
            Ok(id) => UserKey::Id(id),
            Err(_) if text.contains('@') => UserKey::Email(normalize(text)),
            Err(_) => UserKey::Username(text.to_owned()),
        }
    }
}

impl fmt::Display for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserKey::Id(id) => write!(f, "{id}"),
            UserKey::Email(email) => f.write_str(email),
            UserKey::Username(name) => f.write_str(name),
        }
    }
}

impl From<&crate::domain::email::Email> for UserKey {
    fn from(email: &crate::domain::email::Email) -> Self {
        UserKey::Email(email.normalized().to_owned())
    }
}

/// The error for an email address another account already has.
pub fn email_taken(email: &str) -> Error {
    Error::EmailTaken {
        email: email.to_owned(),
    }
}

/// The error for a user that does not exist.
pub fn no_such_user(key: &UserKey) -> Error {
    Error::NotFound(format!("No such user: {}.", shown(&key.to_string())))
}

/// How a database compares usernames, recorded in it when it is made (the setting
/// `username_case_sensitive`) and changed only by `db migrate`: a comparison that changed from one
/// command to the next would make two accounts of one name, or lose one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UsernameCase {
    /// `Alice` and `alice` are one name (the default, as email addresses are compared).
    #[default]
    Insensitive,
    /// `Alice` and `alice` are two accounts, as in applications that compare usernames exactly.
    Sensitive,
}

impl UsernameCase {
    /// The comparison of the setting `username_case_sensitive`.
    pub fn from_setting(case_sensitive: bool) -> Self {
        if case_sensitive {
            UsernameCase::Sensitive
        } else {
            UsernameCase::Insensitive
        }
    }

    /// The form of `name` that uniqueness and look-ups compare: NFKC always (`ａｄａ` is `ada`
    /// either way), lower-cased too when insensitive.
    pub fn key(self, name: &str) -> String {
        match self {
            UsernameCase::Insensitive => normalize(name),
            UsernameCase::Sensitive => name.nfkc().collect(),
        }
    }

    /// The name stored in the database and shown by `db status`.
    pub fn as_str(self) -> &'static str {
        match self {
            UsernameCase::Insensitive => "insensitive",
            UsernameCase::Sensitive => "sensitive",
        }
    }

    /// Reads [`UsernameCase::as_str`] back.
    pub fn from_name(name: &str) -> Option<Self> {
        [UsernameCase::Insensitive, UsernameCase::Sensitive]
            .into_iter()
            .find(|case| case.as_str() == name)
    }
}

/// The error for usernames that would become one name: nothing was changed.
pub fn usernames_collide(names: &[String]) -> Error {
    let names: Vec<String> = names.iter().map(|name| format!("'{}'", shown(name))).collect();
    Error::NamesCollide(format!(
        "Cannot compare usernames case-insensitively: {} would be one name. Rename all but one \
         while the database still compares case-sensitively \
         (`AUTHCTL_USERNAME_CASE_SENSITIVE=true authctl user edit USER --username NEW`), then run \
         the command again; nothing was changed.",
        names.join(" and ")
    ))
}

/// A valid username: 1 to 64 characters, starting with a letter, then letters, digits, `.`, `_`
/// or `-` (the rule of the book's application, with `-` added).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Validates a username.
    pub fn parse(text: &str) -> Result<Self> {
        let mut chars = text.chars();
        let starts_with_letter = chars.next().is_some_and(|c| c.is_alphabetic());
        let rest_ok = chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !starts_with_letter || !rest_ok || text.chars().count() > 64 {
            return Err(Error::Usage(format!(
                "'{}' is not a valid username: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter.",
                shown(text)
            )));
        }
        Ok(Username(text.to_owned()))
    }

    /// The username as typed.
    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_ids_normalised_emails_or_normalised_usernames() {
        let id = Uuid::new_v4();
        assert_eq!(UserKey::parse(&id.to_string()), UserKey::Id(id));
        assert_eq!(UserKey::parse("Ada@X.org"), UserKey::Email("ada@x.org".into()));
        assert_eq!(UserKey::parse("Ada"), UserKey::Username("Ada".into()));
    }

    #[test]
    fn usernames_compare_in_nfkc_and_in_lower_case_unless_sensitive() {
        assert_eq!(UsernameCase::Insensitive.key("ＡＤＡ"), "ada");
        assert_eq!(UsernameCase::Sensitive.key("ＡＤＡ"), "ADA");
        assert_eq!(UsernameCase::Sensitive.key("Ada"), "Ada");
        for case in [UsernameCase::Insensitive, UsernameCase::Sensitive] {
            assert_eq!(UsernameCase::from_name(case.as_str()), Some(case));
        }
    }

    #[test]
    fn usernames() {
        assert!(Username::parse("ada_l.2-b").is_ok());
        for bad in ["", "2ada", "ada lovelace", "ada@x", &"a".repeat(65)] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
    }
}
