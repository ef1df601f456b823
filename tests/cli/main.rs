//! Integration tests: the built binary, driven as a user or a script would.

mod engine;
mod util;

mod accounts;
mod adopted;
mod architecture;
mod attack;
mod audit;
mod backup;
mod conformance;
mod contract;
mod docs;
mod editing;
mod formats;
mod invites;
mod limits;
mod lockout;
mod mail;
mod messages;
mod output;
mod passwords;
mod races;
mod rejects;
mod sessions;
mod storage;
mod terminal;
mod tokens;
mod transfer;
mod usernames;
mod verify;
