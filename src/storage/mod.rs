//! The storage engines: SQLite and PostgreSQL implementations of the domain's
//! [`Store`] and [`Transaction`] traits, and [`Engine`], the one the command line opened.
//!
//! All SQL lives below this module.

#[cfg(test)]
mod domain_tests;
pub mod postgres;
pub mod sqlite;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::audit::{AuditEntry, AuditFilter, AuditRecord};
use crate::domain::email::AddressHash;
use crate::domain::error::Result;
use crate::domain::lockout::Lockout;
use crate::domain::session::Session;
use crate::domain::store::{BatchMark, Insert, Store, Transaction};
use crate::domain::token::{EmailToken, TokenHash, TokenPurpose};
use crate::domain::user::{User, UserKey, UserOrder, UserSelection, UsernameCase};

/// What opening a database accepts. Only [`SchemaCheck::Create`] makes a database: every other
/// command refuses a missing or empty one (exit 7), naming `authctl init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaCheck {
    /// `init`: a missing SQLite file is created (with its directory) and an empty database
    /// migrated; an existing one is accepted at any version up to this binary's.
    Create,
    /// Everyday commands: the schema must be current.
    Current,
    /// `db status`, `db migrate`, `db backup`, `db check`: any version up to this binary's.
    UpToThisBinary,
}

/// The refusal of a database that does not exist yet, or holds no authctl tables.
pub fn no_database(location: &str) -> crate::domain::error::Error {
    crate::domain::error::Error::storage(format!(
        "No authctl database at {location}: run `authctl init` to create it (or check --db)."
    ))
}

/// The username comparison recorded in `meta` (`username_case`): a database made before schema
/// version 6 has none and compares usernames case-insensitively, as authctl then did.
fn username_case_from_meta(value: Option<String>) -> Result<UsernameCase> {
    value.map_or(Ok(UsernameCase::Insensitive), |name| {
        UsernameCase::from_name(&name).ok_or_else(|| {
            crate::domain::error::Error::storage(format!(
                "The database records an unknown username comparison '{name}' (meta.username_case)."
            ))
        })
    })
}

/// The ORDER BY terms of a listing, for an engine whose order of insertion is the column
/// `insertion` and whose names compare byte by byte with `collate` after them (PostgreSQL's
/// default collation follows the locale). Ties, where there can be any, go in the order of
/// insertion; accounts without a username go last either way.
fn user_order(order: UserOrder, descending: bool, insertion: &str, collate: &str) -> String {
    let direction = if descending { "DESC" } else { "ASC" };
    match order {
        UserOrder::Added => format!("{insertion} {direction}"),
        UserOrder::Created => format!("created_at {direction}, {insertion} {direction}"),
        UserOrder::Email => format!("email_normalized{collate} {direction}"),
        UserOrder::Username => {
            format!("username_normalized IS NULL, username_normalized{collate} {direction}, {insertion} {direction}")
        }
    }
}

/// The query of the audit rows that pass `conditions` (a WHERE clause), oldest first; with a
/// `limit`, the most recent ones only (found newest first through the index on the time, then
/// put back in order). The same SQL on both engines.
fn audit_query(conditions: &str, limit: Option<u64>) -> String {
    let select = "SELECT id, at, event, user_id, email, os_user, detail FROM audit";
    match limit {
        None => format!("{select} WHERE {conditions} ORDER BY at, id"),
        Some(limit) => format!(
            "SELECT * FROM ({select} WHERE {conditions} ORDER BY at DESC, id DESC LIMIT {}) AS recent \
             ORDER BY at, id",
            limit.min(i64::MAX as u64)
        ),
    }
}

/// The database a command works on, of either engine. `Store` has a generic associated type, so
/// the command line holds this enum rather than a trait object.
pub enum Engine {
    /// An SQLite file.
    Sqlite(sqlite::SqliteStore),
    /// A PostgreSQL database (boxed: its connection is much larger than an SQLite handle).
    Postgres(Box<postgres::PostgresStore>),
    /// An application's own SQLite database, managed in place (`db adopt`; boxed: it keeps
    /// the mapping and its SQL).
    Adopted(Box<sqlite::adopted::AdoptedStore>),
}

impl Engine {
    /// The file or the URL (without password) of the database, for messages and `db status`.
    pub fn location(&self) -> String {
        match self {
            Engine::Sqlite(store) => store.path().display().to_string(),
            Engine::Postgres(store) => store.shown().to_owned(),
            Engine::Adopted(store) => store.path().display().to_string(),
        }
    }

    /// The engine's name, as `db status` shows it.
    pub fn name(&self) -> &'static str {
        match self {
            Engine::Sqlite(_) => "sqlite",
            Engine::Postgres(_) => "postgres",
            Engine::Adopted(_) => "sqlite-adopted",
        }
    }

    /// The schema version recorded in the database.
    pub fn schema_version(&mut self) -> Result<u32> {
        match self {
            Engine::Sqlite(store) => store.schema_version(),
            Engine::Postgres(store) => store.schema_version(),
            Engine::Adopted(store) => store.schema_version(),
        }
    }

    /// The schema version this binary writes on this engine.
    pub fn latest_schema_version(&self) -> u32 {
        match self {
            Engine::Sqlite(_) => sqlite::SCHEMA_VERSION,
            Engine::Postgres(_) => postgres::SCHEMA_VERSION,
            Engine::Adopted(_) => sqlite::adopted::SIDE_SCHEMA_VERSION,
        }
    }

    /// Applies every pending migration; returns the versions before and after. An adopted
    /// database's side database has one version, made by `db adopt`.
    pub fn migrate(&mut self) -> Result<(u32, u32)> {
        match self {
            Engine::Sqlite(store) => store.migrate(),
            Engine::Postgres(store) => store.migrate(),
            Engine::Adopted(store) => store.schema_version().map(|version| (version, version)),
        }
    }

    /// The recorded mapping of an adopted application database.
    pub fn app_mapping(&self) -> Option<&crate::domain::app::AppMapping> {
        match self {
            Engine::Adopted(store) => Some(store.mapping()),
            _ => None,
        }
    }
}

impl Store for Engine {
    type Tx<'a> = EngineTx<'a>;

    fn reads_block_writers(&self) -> bool {
        match self {
            Engine::Adopted(store) => store.reads_block_writers(),
            Engine::Sqlite(_) | Engine::Postgres(_) => false,
        }
    }

    fn read(&mut self) -> Result<EngineTx<'_>> {
        Ok(match self {
            Engine::Sqlite(store) => EngineTx::Sqlite(store.read()?),
            Engine::Postgres(store) => EngineTx::Postgres(store.read()?),
            Engine::Adopted(store) => EngineTx::Adopted(store.read()?),
        })
    }

    fn write(&mut self) -> Result<EngineTx<'_>> {
        Ok(match self {
            Engine::Sqlite(store) => EngineTx::Sqlite(store.write()?),
            Engine::Postgres(store) => EngineTx::Postgres(store.write()?),
            Engine::Adopted(store) => EngineTx::Adopted(store.write()?),
        })
    }
}

/// A transaction of an [`Engine`]: every call goes to the engine's own.
pub enum EngineTx<'a> {
    /// On SQLite.
    Sqlite(sqlite::SqliteTx<'a>),
    /// On PostgreSQL.
    Postgres(postgres::PostgresTx<'a>),
    /// On an adopted application database.
    Adopted(sqlite::adopted::AdoptedTx<'a>),
}

/// Forwards a [`Transaction`] method to the engine's transaction.
macro_rules! delegate {
    ($self:ident, $tx:ident => $call:expr) => {
        match $self {
            EngineTx::Sqlite($tx) => $call,
            EngineTx::Postgres($tx) => $call,
            EngineTx::Adopted($tx) => $call,
        }
    };
}

impl Transaction for EngineTx<'_> {
    fn database_id(&self) -> Result<String> {
        delegate!(self, tx => tx.database_id())
    }

    fn count_users(&self) -> Result<u64> {
        delegate!(self, tx => tx.count_users())
    }

    fn username_case(&self) -> Result<UsernameCase> {
        delegate!(self, tx => tx.username_case())
    }

    fn set_username_case(&self, case: UsernameCase) -> Result<Option<Vec<String>>> {
        delegate!(self, tx => tx.set_username_case(case))
    }

    fn find_user(&self, key: &UserKey) -> Result<Option<User>> {
        delegate!(self, tx => tx.find_user(key))
    }

    fn for_each_user(&self, selection: &UserSelection, each: &mut dyn FnMut(User) -> Result<()>) -> Result<()> {
        delegate!(self, tx => tx.for_each_user(selection, each))
    }

    fn insert_user(&self, user: &mut User) -> Result<()> {
        delegate!(self, tx => tx.insert_user(user))
    }

    fn batch_mark(&self) -> Result<BatchMark> {
        delegate!(self, tx => tx.batch_mark())
    }

    fn insert_user_unless_taken(&self, user: &User, mark: BatchMark) -> Result<Insert> {
        delegate!(self, tx => tx.insert_user_unless_taken(user, mark))
    }

    fn insert_users_unless_taken(
        &self,
        users: &[User],
        mark: BatchMark,
        outcome: &mut dyn FnMut(usize, Insert) -> Result<()>,
    ) -> Result<()> {
        delegate!(self, tx => tx.insert_users_unless_taken(users, mark, outcome))
    }

    fn set_password_hash(&self, id: Uuid, new: &str, expected: Option<&str>) -> Result<bool> {
        delegate!(self, tx => tx.set_password_hash(id, new, expected))
    }

    fn set_locked(&self, id: Uuid, locked: bool) -> Result<()> {
        delegate!(self, tx => tx.set_locked(id, locked))
    }

    fn set_active(&self, id: Uuid, active: bool) -> Result<()> {
        delegate!(self, tx => tx.set_active(id, active))
    }

    fn set_confirmed(&self, id: Uuid, confirmed: bool) -> Result<()> {
        delegate!(self, tx => tx.set_confirmed(id, confirmed))
    }

    fn set_email(&self, id: Uuid, email: &str) -> Result<()> {
        delegate!(self, tx => tx.set_email(id, email))
    }

    fn set_username(&self, id: Uuid, username: Option<&str>) -> Result<()> {
        delegate!(self, tx => tx.set_username(id, username))
    }

    fn set_lockout(&self, id: Uuid, lockout: Lockout) -> Result<()> {
        delegate!(self, tx => tx.set_lockout(id, lockout))
    }

    fn delete_user(&self, id: Uuid) -> Result<()> {
        delegate!(self, tx => tx.delete_user(id))
    }

    fn insert_session(&self, session: &Session) -> Result<()> {
        delegate!(self, tx => tx.insert_session(session))
    }

    fn delete_expired_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<usize> {
        delegate!(self, tx => tx.delete_expired_sessions(user_id, now))
    }

    fn find_session(&self, token: &TokenHash) -> Result<Option<Session>> {
        delegate!(self, tx => tx.find_session(token))
    }

    fn live_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<Vec<Session>> {
        delegate!(self, tx => tx.live_sessions(user_id, now))
    }

    fn revoke_sessions(&self, user_id: Uuid, keep: Option<Uuid>, now: DateTime<Utc>) -> Result<usize> {
        delegate!(self, tx => tx.revoke_sessions(user_id, keep, now))
    }

    fn revoke_session(&self, user_id: Uuid, session_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        delegate!(self, tx => tx.revoke_session(user_id, session_id, now))
    }

    fn insert_token(&self, token: &EmailToken) -> Result<()> {
        delegate!(self, tx => tx.insert_token(token))
    }

    fn find_token(&self, hash: &TokenHash) -> Result<Option<EmailToken>> {
        delegate!(self, tx => tx.find_token(hash))
    }

    fn mark_token_used(&self, hash: &TokenHash, now: DateTime<Utc>) -> Result<()> {
        delegate!(self, tx => tx.mark_token_used(hash, now))
    }

    fn delete_unused_tokens(&self, user_id: Uuid, purpose: Option<TokenPurpose>) -> Result<usize> {
        delegate!(self, tx => tx.delete_unused_tokens(user_id, purpose))
    }

    fn count_reset_requests(&self, address: &AddressHash, since: DateTime<Utc>) -> Result<u64> {
        delegate!(self, tx => tx.count_reset_requests(address, since))
    }

    fn record_reset_request(
        &self,
        address: &AddressHash,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<()> {
        delegate!(self, tx => tx.record_reset_request(address, at, forget_before))
    }

    fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        delegate!(self, tx => tx.append_audit(entry))
    }

    fn for_each_audit(&self, filter: &AuditFilter, each: &mut dyn FnMut(AuditRecord) -> Result<()>) -> Result<()> {
        delegate!(self, tx => tx.for_each_audit(filter, each))
    }

    fn audit_user_ids(&self, email: &str) -> Result<Vec<Uuid>> {
        delegate!(self, tx => tx.audit_user_ids(email))
    }

    fn prune_audit(&self, before: DateTime<Utc>) -> Result<u64> {
        delegate!(self, tx => tx.prune_audit(before))
    }

    fn last_audit_seq(&self) -> Result<i64> {
        delegate!(self, tx => tx.last_audit_seq())
    }

    fn commit(self) -> Result<()> {
        delegate!(self, tx => tx.commit())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    /// Asserts that `migrations/<engine>/` holds exactly `embedded` files, numbered from 0001 in
    /// sequence, each a `.sql` file.
    pub fn assert_migrations_listed(engine: &str, embedded: usize) {
        let dir = format!("{}/migrations/{engine}", env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        assert_eq!(
            files.len(),
            embedded,
            "a file in migrations/{engine}/ is missing from MIGRATIONS"
        );
        for (index, name) in files.iter().enumerate() {
            assert!(
                name.starts_with(&format!("{:04}_", index + 1)),
                "{name} is out of sequence"
            );
            assert!(name.ends_with(".sql"));
        }
    }

    #[test]
    fn both_engines_have_the_same_schema_versions() {
        assert_eq!(super::sqlite::SCHEMA_VERSION, super::postgres::SCHEMA_VERSION);
    }
}
