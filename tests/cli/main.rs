//! Integration tests: the built binary, driven as a user or a script would.

mod util;

mod accounts;
mod contract;
mod docs;
mod limits;
mod mail;
mod sessions;
mod storage;
mod terminal;
mod transfer;
