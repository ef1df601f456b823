//! Integration tests: the built binary, driven as a user or a script would.

mod util;

mod accounts;
mod attack;
mod backup;
mod contract;
mod mail;
mod sessions;
mod storage;
mod terminal;
mod transfer;
