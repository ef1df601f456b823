//! The one error type of authctl, and the single place where failures map to exit codes.

use serde::Serialize;

/// The cause below an error: a library's error, or a reason given as text.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Every failure authctl reports. Each variant belongs to one exit-code class of the public
/// contract ([`Error::exit_code`]); the failures of libraries are kept as sources.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Wrong credentials, a locked or inactive account, or an invalid token (exit 1).
    #[error("{0}")]
    AuthFailed(String),
    /// Invalid usage or input: bad arguments, a malformed email, a password the policy rejects,
    /// an invalid setting (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Input that could not be read: standard input, or a file named as input (exit 2).
    #[error("{what}")]
    Unreadable {
        /// What was being read.
        what: String,
        /// Why it could not be.
        #[source]
        source: std::io::Error,
    },
    /// No valid session: missing, expired, revoked, refused or from another database (exit 3).
    #[error("{0}")]
    NotLoggedIn(String),
    /// The named user (or session) does not exist (exit 4).
    #[error("{0}")]
    NotFound(String),
    /// Another account has the email (exit 5).
    #[error("The email {email} is already registered.")]
    EmailTaken {
        /// The address as given.
        email: String,
    },
    /// Another account has the username (exit 5).
    #[error("The username {username} is already taken.")]
    UsernameTaken {
        /// The username as given.
        username: String,
    },
    /// Another command changed the account between this one's check and its write; nothing was
    /// written (exit 5).
    #[error("{0}")]
    ChangedMeanwhile(&'static str),
    /// Usernames that a change of their comparison would make one name; nothing was changed
    /// (exit 5).
    #[error("{0}")]
    NamesCollide(String),
    /// The application's database refused a change by its own constraints (a foreign key that
    /// references the account, say); nothing was written (exit 5).
    #[error("{context}")]
    Constrained {
        /// What was refused, and why.
        context: String,
        /// The engine's error.
        #[source]
        source: Cause,
    },
    /// A message could not be delivered (exit 6).
    #[error("{context}")]
    Mail {
        /// What was being sent.
        context: String,
        /// Why it failed.
        #[source]
        source: Option<Cause>,
    },
    /// Another process held the database past the busy timeout, or the transaction collided
    /// with a concurrent one; nothing was written (exit 7).
    #[error("{context}")]
    Busy {
        /// What happened, and what to do.
        context: String,
        /// The engine's error.
        #[source]
        source: Cause,
    },
    /// The database or a file could not be read or written (exit 7).
    #[error("{context}")]
    Storage {
        /// What was being done.
        context: String,
        /// Why it failed.
        #[source]
        source: Option<Cause>,
    },
    /// `user import --rejects`: the valid rows were imported, `count` rows were rejected and
    /// written to `file` (exit 8).
    #[error("{count} row{} rejected and written to {file}; the valid rows were imported.", if *count == 1 { "" } else { "s" })]
    RowsRejected {
        /// How many rows were rejected.
        count: u64,
        /// The rejects file.
        file: String,
    },
    /// Rows of an import were refused and nothing was written: exit 2, or 5 when every problem
    /// is an email already registered.
    #[error("{summary}")]
    Rows {
        /// One line saying what happened.
        summary: String,
        /// The problems, by line (at most 100).
        rows: Vec<RowProblem>,
        /// Whether every problem was a conflict with an existing account.
        conflict: bool,
    },
}

/// One refused row of an import.
#[derive(Debug, Clone, Serialize)]
pub struct RowProblem {
    /// Line number in the file.
    pub line: u64,
    /// What is wrong.
    pub message: String,
    /// Whether it is a conflict with an existing account (the rest are invalid input).
    #[serde(skip)]
    pub conflict: bool,
}

impl RowProblem {
    /// An invalid-input problem at `line`.
    pub fn invalid(line: u64, message: impl Into<String>) -> Self {
        RowProblem {
            line,
            message: message.into(),
            conflict: false,
        }
    }
}

/// The message of every failed login, whatever the reason, so that it reveals nothing.
pub const INVALID_CREDENTIALS: &str = "Invalid username or password.";

impl Error {
    /// The failed-login error, identical for every cause.
    pub fn invalid_credentials() -> Self {
        Error::AuthFailed(INVALID_CREDENTIALS.to_owned())
    }

    /// A storage failure with no cause below it.
    pub fn storage(context: impl Into<String>) -> Self {
        Error::Storage {
            context: context.into(),
            source: None,
        }
    }

    /// A storage failure caused by `source`.
    pub fn storage_from(context: impl Into<String>, source: impl Into<Cause>) -> Self {
        Error::Storage {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    /// A delivery failure caused by `source`.
    pub fn mail_from(context: impl Into<String>, source: impl Into<Cause>) -> Self {
        Error::Mail {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    /// The message shown to the user: this error's own text, then its cause's.
    pub fn message(&self) -> String {
        match std::error::Error::source(self) {
            Some(cause) => format!("{self}: {cause}"),
            None => self.to_string(),
        }
    }

    /// The documented exit code of this class of failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::AuthFailed(_) => 1,
            Error::Usage(_) | Error::Unreadable { .. } => 2,
            Error::NotLoggedIn(_) => 3,
            Error::NotFound(_) => 4,
            Error::EmailTaken { .. }
            | Error::UsernameTaken { .. }
            | Error::ChangedMeanwhile(_)
            | Error::NamesCollide(_)
            | Error::Constrained { .. } => 5,
            Error::Mail { .. } => 6,
            Error::Busy { .. } | Error::Storage { .. } => 7,
            Error::RowsRejected { .. } => 8,
            Error::Rows { conflict: true, .. } => 5,
            Error::Rows { conflict: false, .. } => 2,
        }
    }

    /// The stable `kind` string of the `--json` error object: one per exit code.
    pub fn kind(&self) -> &'static str {
        match self.exit_code() {
            1 => "auth_failed",
            2 => "usage",
            3 => "not_logged_in",
            4 => "not_found",
            5 => "conflict",
            6 => "mail",
            7 => "storage",
            _ => "rows_rejected",
        }
    }
}

/// The result type used throughout authctl.
pub type Result<T, E = Error> = std::result::Result<T, E>;
