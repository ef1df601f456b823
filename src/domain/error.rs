//! The one error type of authctl, and the single place where failures map to exit codes.

use serde::Serialize;

/// Every failure authctl reports. Each variant is one exit-code class of the public contract.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Wrong credentials, a locked or inactive account, or an invalid token (exit 1).
    #[error("{0}")]
    AuthFailed(String),
    /// Invalid usage or input: bad arguments, a malformed email, a password the policy rejects,
    /// an invalid setting (exit 2).
    #[error("{0}")]
    Usage(String),
    /// No valid session: missing, expired, revoked, refused or from another database (exit 3).
    #[error("{0}")]
    NotLoggedIn(String),
    /// The named user (or session) does not exist (exit 4).
    #[error("{0}")]
    NotFound(String),
    /// The email or username is already registered (exit 5).
    #[error("{0}")]
    Conflict(String),
    /// A message could not be delivered (exit 6).
    #[error("{0}")]
    Mail(String),
    /// The database or a file could not be read or written (exit 7).
    #[error("{0}")]
    Storage(String),
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

    /// The documented exit code of this class of failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::AuthFailed(_) => 1,
            Error::Usage(_) => 2,
            Error::NotLoggedIn(_) => 3,
            Error::NotFound(_) => 4,
            Error::Conflict(_) => 5,
            Error::Mail(_) => 6,
            Error::Storage(_) => 7,
            Error::Rows { conflict: true, .. } => 5,
            Error::Rows { conflict: false, .. } => 2,
        }
    }

    /// The stable `kind` string of the `--json` error object.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::AuthFailed(_) => "auth_failed",
            Error::Usage(_) => "usage",
            Error::NotLoggedIn(_) => "not_logged_in",
            Error::NotFound(_) => "not_found",
            Error::Conflict(_) => "conflict",
            Error::Mail(_) => "mail",
            Error::Storage(_) => "storage",
            Error::Rows { conflict: true, .. } => "conflict",
            Error::Rows { conflict: false, .. } => "usage",
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Storage(error.to_string())
    }
}

/// The result type used throughout authctl.
pub type Result<T, E = Error> = std::result::Result<T, E>;
