//! The domain: accounts, passwords, sessions, tokens and their policies.
//!
//! Nothing here runs SQL, touches a file or prints: storage is reached through
//! [`store::Store`], and the command layer turns results into output.

pub mod accounts;
pub mod app;
mod argon2_memory;
pub mod audit;
pub mod common_passwords;
pub mod email;
pub mod error;
pub mod hashes;
pub mod import;
pub mod lockout;
pub mod mail;
pub mod password;
pub mod policy;
pub mod rejects;
pub mod session;
pub mod store;
pub mod timestamp;
pub mod token;
pub mod user;
