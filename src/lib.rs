//! authctl: the user-authentication system of a Flask-Login application, as a command-line
//! tool over an SQLite or PostgreSQL user database.
//!
//! Layers: [`cli`] (clap definitions and handlers) → [`domain`] (accounts, passwords, sessions,
//! tokens, and the storage traits they need; no SQL, no printing) ← [`storage`] (the SQLite and
//! PostgreSQL engines: all SQL). [`output`] renders results as human text or JSON, and
//! [`Error`] maps every failure to its exit code.

pub mod cli;
pub mod domain;
pub mod mail;
pub mod output;
pub mod private_file;
pub mod session_file;
pub mod settings;
pub mod storage;
pub mod syslog;
pub mod text;
pub mod transfer;

pub use domain::error::{Error, Result};
