//! The SQLite backend: WAL, `BEGIN IMMEDIATE` writes, a busy timeout, embedded migrations.

use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};
use uuid::Uuid;

use crate::domain::audit::{AuditEntry, AuditEvent, AuditFilter, AuditRecord};
use crate::domain::email::AddressHash;
use crate::domain::email::normalize;
use crate::domain::error::{Error, Result};
use crate::domain::lockout::Lockout;
use crate::domain::session::Session;
use crate::domain::store::{BatchMark, Insert, Store, Transaction};
use crate::domain::token::{EmailToken, TokenHash, TokenPurpose};
use crate::domain::user::{User, UserKey, UserSelection, UsernameCase, email_taken};

pub mod adopted;
mod maintenance;
pub use maintenance::{BackupSummary, CheckReport, MAX_LISTED_PROBLEMS};

/// The schema migrations, in order; migration N brings the schema to version N.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/sqlite/0001_initial.sql"),
    include_str!("../../../migrations/sqlite/0002_email_tokens.sql"),
    include_str!("../../../migrations/sqlite/0003_lockout.sql"),
    include_str!("../../../migrations/sqlite/0004_reset_requests.sql"),
    include_str!("../../../migrations/sqlite/0005_nfkc_names.sql"),
    include_str!("../../../migrations/sqlite/0006_username_case.sql"),
    include_str!("../../../migrations/sqlite/0007_audit_user_id.sql"),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Audit rows deleted per statement by a prune (all in one transaction).
const PRUNE_BATCH: i64 = 10_000;

pub use crate::storage::SchemaCheck;
use crate::storage::{audit_query, no_database, user_order, username_case_from_meta};

/// An open SQLite database of accounts.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens the database at `path`; with [`SchemaCheck::Create`], a missing one is created (with
    /// its directory) and migrated, otherwise a missing or empty one is refused untouched.
    ///
    /// An existing file is first looked at through a read-only connection: another
    /// application's database, or a schema newer than this binary, is refused with nothing
    /// changed (not even the journal mode).
    pub fn open(path: &Path, busy_timeout: Duration, check: SchemaCheck) -> Result<Self> {
        let cannot_open = |e: &dyn std::fmt::Display| {
            Error::storage_from(format!("cannot open the database {}", path.display()), e.to_string())
        };
        let refused = |io: std::io::Error| match io.kind() {
            std::io::ErrorKind::PermissionDenied => cannot_open(
                &"permission denied: authctl reads and writes the file, and makes its -wal and -shm files \
                  beside it, so it needs write access to the file and its directory (run it as their \
                  owner, or change their permissions)",
            ),
            _ => cannot_open(&io),
        };
        if path.try_exists().map_err(refused)? {
            // Read-write but query-only, not read-only: a read-only connection to a WAL database
            // leaves the -wal and -shm files it creates behind; this one removes them on close.
            let reader = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(|e| {
                // SQLite says only "unable to open database file": the file system says why.
                match fs::OpenOptions::new().read(true).write(true).open(path) {
                    Err(io) => refused(io),
                    Ok(_) => cannot_open(&e),
                }
            })?;
            reader.busy_timeout(busy_timeout)?;
            reader.pragma_update(None, "query_only", true)?;
            if identify(&reader, path)? == 0 && check != SchemaCheck::Create {
                return Err(no_database(&path.display().to_string()));
            }
        } else if check != SchemaCheck::Create {
            return Err(no_database(&path.display().to_string()));
        } else if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| {
                Error::storage_from(format!("cannot create the database directory {}", dir.display()), e)
            })?;
        }
        let conn = Connection::open(path).map_err(|e| cannot_open(&e))?;
        let mut store = SqliteStore {
            conn,
            path: path.to_owned(),
        };
        store.configure(busy_timeout)?;
        let version = store.schema_version()?;
        if version == 0 {
            store.migrate()?;
        } else if version < SCHEMA_VERSION && check == SchemaCheck::Current {
            return Err(Error::storage(format!(
                "The database {} has schema version {version}; this authctl needs {SCHEMA_VERSION}. Run `authctl db migrate`.",
                path.display()
            )));
        }
        Ok(store)
    }

    /// The file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version recorded in the database (0 for an empty database).
    pub fn schema_version(&self) -> Result<u32> {
        Ok(self.conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    /// Applies every pending migration in one transaction; returns the versions before and after.
    pub fn migrate(&mut self) -> Result<(u32, u32)> {
        // Migration 5 recomputes stored comparison forms with the domain's own normalisation.
        self.conn.create_scalar_function(
            "authctl_normalize",
            1,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            |context| Ok(context.get::<Option<String>>(0)?.as_deref().map(normalize)),
        )?;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Checked again under the write lock: another process may have changed the file since.
        let before = identify(&tx, &self.path)?;
        for sql in &MIGRATIONS[before as usize..] {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()?;
        Ok((before, SCHEMA_VERSION))
    }

    fn configure(&mut self, busy_timeout: Duration) -> Result<()> {
        self.conn.busy_timeout(busy_timeout)?;
        // The header check first: a file that is not a database fails here, before any write.
        self.conn
            .pragma_query_value(None, "schema_version", |row| row.get::<_, i64>(0))?;
        let mode: String = self
            .conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::storage(format!(
                "cannot switch the database to WAL mode (it is in {mode} mode)"
            )));
        }
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        // Up to 64 MiB of page cache (allocated only as used): a large import then keeps its
        // index pages in memory instead of spilling them to the WAL and reading them back.
        self.conn.pragma_update(None, "cache_size", -65536)?;
        Ok(())
    }
}

/// The schema version of the authctl database behind `conn`, 0 for an empty database (no
/// schema objects at all). Refuses, by reading only, another application's database (objects
/// but no authctl `meta` table, or no version) and a schema newer than this binary.
fn identify(conn: &Connection, path: &Path) -> Result<u32> {
    // The first read of the header: a file that is not a database fails here.
    let version: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let (objects, meta): (i64, bool) = conn.query_row(
        "SELECT count(*), coalesce(sum(type = 'table' AND name = 'meta'), 0) > 0 FROM sqlite_master",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    if objects == 0 && version == 0 {
        return Ok(0);
    }
    let application_id: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    if application_id == adopted::SIDE_APPLICATION_ID {
        let app = path.to_string_lossy();
        return Err(Error::Usage(format!(
            "{} is authctl's side database of an adopted application database: use --db {}.",
            path.display(),
            app.strip_suffix(".authctl").unwrap_or(&app)
        )));
    }
    if !meta || version == 0 {
        return Err(Error::Usage(format!(
            "{path} is not an authctl database: it holds another application's tables, and authctl \
             changes nothing in it. To manage that application's accounts in place, run \
             `authctl --db {path} db adopt`; to keep authctl's accounts apart, choose another --db.",
            path = path.display()
        )));
    }
    if version > SCHEMA_VERSION {
        return Err(Error::storage(format!(
            "The database {} has schema version {version}, newer than this authctl supports ({SCHEMA_VERSION}). Upgrade authctl.",
            path.display()
        )));
    }
    Ok(version)
}

impl Store for SqliteStore {
    type Tx<'a> = SqliteTx<'a>;

    fn read(&mut self) -> Result<SqliteTx<'_>> {
        Ok(SqliteTx(
            self.conn.transaction_with_behavior(TransactionBehavior::Deferred)?,
            Cell::new(None),
        ))
    }

    fn write(&mut self) -> Result<SqliteTx<'_>> {
        Ok(SqliteTx(
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?,
            Cell::new(None),
        ))
    }
}

/// A transaction on a [`SqliteStore`]; rolls back when dropped uncommitted. It keeps the
/// database's username comparison once read: a write transaction holds the write lock, so no
/// other process can change it meanwhile.
pub struct SqliteTx<'a>(rusqlite::Transaction<'a>, Cell<Option<UsernameCase>>);

const USER_COLUMNS: &str =
    "id, email, username, password_hash, confirmed, active, locked, created_at, failed_logins, locked_out_until";
const SESSION_COLUMNS: &str = "id, user_id, token_hash, remember, created_at, expires_at, revoked_at";
const TOKEN_COLUMNS: &str = "token_hash, user_id, purpose, new_email, created_at, expires_at, used_at";

impl Transaction for SqliteTx<'_> {
    fn database_id(&self) -> Result<String> {
        Ok(self
            .0
            .query_row("SELECT value FROM meta WHERE key = 'database_id'", [], |row| row.get(0))?)
    }

    fn count_users(&self) -> Result<u64> {
        let count: i64 = self.0.query_row("SELECT count(*) FROM users", [], |row| row.get(0))?;
        Ok(count.unsigned_abs())
    }

    fn username_case(&self) -> Result<UsernameCase> {
        if let Some(case) = self.1.get() {
            return Ok(case);
        }
        let value: Option<String> = self
            .0
            .prepare_cached("SELECT value FROM meta WHERE key = 'username_case'")?
            .query_row([], |row| row.get(0))
            .optional()?;
        let case = username_case_from_meta(value)?;
        self.1.set(Some(case));
        Ok(case)
    }

    fn set_username_case(&self, case: UsernameCase) -> Result<Option<Vec<String>>> {
        // The new forms go to a temporary table first, streamed: a collision is found before
        // anything changes, and memory stays bounded whatever the number of users.
        self.0.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS username_keys (id TEXT PRIMARY KEY NOT NULL, key TEXT NOT NULL);
             DELETE FROM temp.username_keys;",
        )?;
        {
            let mut select = self
                .0
                .prepare("SELECT id, username FROM users WHERE username IS NOT NULL")?;
            let mut insert = self
                .0
                .prepare("INSERT INTO temp.username_keys (id, key) VALUES (?1, ?2)")?;
            let mut rows = select.query([])?;
            while let Some(row) = rows.next()? {
                let (id, username): (String, String) = (row.get(0)?, row.get(1)?);
                insert.execute(params![id, case.key(&username)])?;
            }
        }
        let collision: Option<String> = self
            .0
            .query_row(
                "SELECT group_concat(u.username, char(10)) FROM temp.username_keys k JOIN users u ON u.id = k.id \
                 GROUP BY k.key HAVING count(*) > 1 LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()?;
        if collision.is_none() {
            // Emptied first: rewritten row by row, two forms could meet half-way.
            self.0.execute_batch(
                "UPDATE users SET username_normalized = NULL WHERE username IS NOT NULL;
                 UPDATE users SET username_normalized = (SELECT key FROM temp.username_keys k WHERE k.id = users.id)
                  WHERE username IS NOT NULL;",
            )?;
            self.0.execute(
                "INSERT INTO meta (key, value) VALUES ('username_case', ?1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [case.as_str()],
            )?;
        }
        self.0.execute_batch("DROP TABLE temp.username_keys")?;
        if collision.is_none() {
            self.1.set(Some(case));
        }
        Ok(collision.map(|names| names.lines().map(str::to_owned).collect()))
    }

    fn find_user(&self, key: &UserKey) -> Result<Option<User>> {
        let (column, value) = match key {
            UserKey::Id(id) => ("id", id.to_string()),
            UserKey::Email(email) => ("email_normalized", email.clone()),
            UserKey::Username(name) => ("username_normalized", self.username_key(name)?),
        };
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {column} = ?1");
        Ok(self
            .0
            .prepare_cached(&sql)?
            .query_row([value], user_from_row)
            .optional()?)
    }

    fn for_each_user(&self, selection: &UserSelection, each: &mut dyn FnMut(User) -> Result<()>) -> Result<()> {
        let query = &selection.query;
        let mut statement = self.0.prepare_cached(&format!(
            "SELECT {USER_COLUMNS} FROM users
              WHERE (?1 IS NULL OR locked <> 0 OR locked_out_until > ?1)
                AND (?2 = 0 OR confirmed = 0)
                AND (?3 IS NULL OR instr(email_normalized, ?3) > 0 OR instr(username_normalized, ?4) > 0)
              ORDER BY {}
              LIMIT ?5 OFFSET ?6",
            user_order(query.order, query.descending, "rowid", "")
        ))?;
        let mut rows = statement.query(listing_params(selection))?;
        while let Some(row) = rows.next()? {
            each(user_from_row(row)?)?;
        }
        Ok(())
    }

    fn insert_user(&self, user: &mut User) -> Result<()> {
        let username_key = self.username_key_of(user)?;
        self.execute_insert(user, username_key.as_deref(), "")
            .map_err(|e| self.conflict_or_storage(e, Some(&user.email), user.username.as_deref()))?;
        Ok(())
    }

    fn batch_mark(&self) -> Result<BatchMark> {
        Ok(BatchMark(self.0.query_row(
            "SELECT coalesce(max(rowid), 0) FROM users",
            [],
            |row| row.get(0),
        )?))
    }

    fn insert_user_unless_taken(&self, user: &User, mark: BatchMark) -> Result<Insert> {
        let username_key = self.username_key_of(user)?;
        let inserted = self.execute_insert(user, username_key.as_deref(), "ON CONFLICT DO NOTHING")?;
        if inserted == 1 {
            return Ok(Insert::Created);
        }
        let by_email = self
            .0
            .prepare_cached(&format!(
                "SELECT rowid, {USER_COLUMNS} FROM users WHERE email_normalized = ?1"
            ))?
            .query_row([normalize(&user.email)], |row| {
                Ok((row.get::<_, i64>(0)?, user_from_row_at(row, 1)?))
            })
            .optional()?;
        if let Some((rowid, existing)) = by_email {
            return Ok(if rowid > mark.0 {
                Insert::EmailInBatch
            } else {
                Insert::EmailTaken(existing)
            });
        }
        let rowid: i64 = self
            .0
            .prepare_cached("SELECT rowid FROM users WHERE username_normalized = ?1")?
            .query_row([username_key], |row| row.get(0))?;
        Ok(if rowid > mark.0 {
            Insert::UsernameInBatch
        } else {
            Insert::UsernameTaken
        })
    }

    fn set_password_hash(&self, id: Uuid, new: &str, expected: Option<&str>) -> Result<bool> {
        let changed = self
            .0
            .prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1 AND password_hash IS ?3")?
            .execute(params![id.to_string(), new, expected])?;
        Ok(changed == 1)
    }

    fn set_locked(&self, id: Uuid, locked: bool) -> Result<()> {
        self.set_column(id, "locked", locked)
    }

    fn set_active(&self, id: Uuid, active: bool) -> Result<()> {
        self.set_column(id, "active", active)
    }

    fn set_confirmed(&self, id: Uuid, confirmed: bool) -> Result<()> {
        self.set_column(id, "confirmed", confirmed)
    }

    fn set_email(&self, id: Uuid, email: &str) -> Result<()> {
        self.0
            .prepare_cached("UPDATE users SET email = ?2, email_normalized = ?3 WHERE id = ?1")?
            .execute(params![id.to_string(), email, normalize(email)])
            .map_err(|e| self.conflict_or_storage(e, Some(email), None))?;
        Ok(())
    }

    fn set_username(&self, id: Uuid, username: Option<&str>) -> Result<()> {
        let key = username.map(|name| self.username_key(name)).transpose()?;
        self.0
            .prepare_cached("UPDATE users SET username = ?2, username_normalized = ?3 WHERE id = ?1")?
            .execute(params![id.to_string(), username, key])
            .map_err(|e| self.conflict_or_storage(e, None, username))?;
        Ok(())
    }

    fn set_lockout(&self, id: Uuid, lockout: Lockout) -> Result<()> {
        self.0
            .prepare_cached("UPDATE users SET failed_logins = ?2, locked_out_until = ?3 WHERE id = ?1")?
            .execute(params![id.to_string(), lockout.failures, lockout.until.map(millis)])?;
        Ok(())
    }

    fn delete_user(&self, id: Uuid) -> Result<()> {
        self.0.execute("DELETE FROM users WHERE id = ?1", [id.to_string()])?;
        Ok(())
    }

    fn insert_session(&self, session: &Session) -> Result<()> {
        self.0
            .prepare_cached(&format!(
                "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ))?
            .execute(params![
                session.id.to_string(),
                session.user_id.to_string(),
                &session.token_hash.0[..],
                session.remember,
                millis(session.created_at),
                millis(session.expires_at),
                session.revoked_at.map(millis),
            ])?;
        Ok(())
    }

    fn delete_expired_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<usize> {
        Ok(self
            .0
            .prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND expires_at <= ?2")?
            .execute(params![user_id.to_string(), millis(now)])?)
    }

    fn find_session(&self, token: &TokenHash) -> Result<Option<Session>> {
        Ok(self
            .0
            .prepare_cached(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ?1"))?
            .query_row([&token.0[..]], session_from_row)
            .optional()?)
    }

    fn live_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<Vec<Session>> {
        let mut statement = self.0.prepare_cached(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions \
             WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2 ORDER BY created_at DESC"
        ))?;
        let sessions = statement
            .query_map(params![user_id.to_string(), millis(now)], session_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(sessions)
    }

    fn revoke_sessions(&self, user_id: Uuid, keep: Option<Uuid>, now: DateTime<Utc>) -> Result<usize> {
        Ok(self.0.execute(
            "UPDATE sessions SET revoked_at = ?3 \
             WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?3 AND id IS NOT ?2",
            params![user_id.to_string(), keep.map(|id| id.to_string()), millis(now)],
        )?)
    }

    fn revoke_session(&self, user_id: Uuid, session_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let changed = self.0.execute(
            "UPDATE sessions SET revoked_at = ?3 \
             WHERE user_id = ?1 AND id = ?2 AND revoked_at IS NULL AND expires_at > ?3",
            params![user_id.to_string(), session_id.to_string(), millis(now)],
        )?;
        Ok(changed == 1)
    }

    fn insert_token(&self, token: &EmailToken) -> Result<()> {
        self.0
            .prepare_cached(&format!(
                "INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ))?
            .execute(params![
                &token.hash.0[..],
                token.user_id.to_string(),
                token.purpose.as_str(),
                token.new_email,
                millis(token.created_at),
                millis(token.expires_at),
                token.used_at.map(millis),
            ])?;
        Ok(())
    }

    fn find_token(&self, hash: &TokenHash) -> Result<Option<EmailToken>> {
        Ok(self
            .0
            .prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = ?1"))?
            .query_row([&hash.0[..]], token_from_row)
            .optional()?)
    }

    fn mark_token_used(&self, hash: &TokenHash, now: DateTime<Utc>) -> Result<()> {
        self.0.execute(
            "UPDATE tokens SET used_at = ?2 WHERE token_hash = ?1",
            params![&hash.0[..], millis(now)],
        )?;
        Ok(())
    }

    fn delete_unused_tokens(&self, user_id: Uuid, purpose: Option<TokenPurpose>) -> Result<usize> {
        Ok(self.0.execute(
            "DELETE FROM tokens WHERE user_id = ?1 AND (?2 IS NULL OR purpose = ?2) AND used_at IS NULL",
            params![user_id.to_string(), purpose.map(TokenPurpose::as_str)],
        )?)
    }

    fn count_reset_requests(&self, address: &AddressHash, since: DateTime<Utc>) -> Result<u64> {
        let count: i64 = self
            .0
            .prepare_cached("SELECT count(*) FROM reset_requests WHERE address_hash = ?1 AND at > ?2")?
            .query_row(params![&address.0[..], millis(since)], |row| row.get(0))?;
        Ok(count.unsigned_abs())
    }

    fn record_reset_request(
        &self,
        address: &AddressHash,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<()> {
        self.0
            .prepare_cached("DELETE FROM reset_requests WHERE at <= ?1")?
            .execute([millis(forget_before)])?;
        self.0
            .prepare_cached("INSERT INTO reset_requests (address_hash, at) VALUES (?1, ?2)")?
            .execute(params![&address.0[..], millis(at)])?;
        Ok(())
    }

    fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        self.0
            .prepare_cached(
                "INSERT INTO audit (at, event, user_id, email, email_normalized, os_user, detail) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                millis(entry.at),
                entry.event.as_str(),
                entry.user_id.map(|id| id.to_string()),
                entry.email,
                entry.email.as_deref().map(normalize),
                entry.os_user,
                entry.detail,
            ])?;
        Ok(())
    }

    fn for_each_audit(&self, filter: &AuditFilter, each: &mut dyn FnMut(AuditRecord) -> Result<()>) -> Result<()> {
        let (conditions, values) = audit_conditions(filter);
        let sql = audit_query(&conditions, filter.limit);
        let mut statement = self.0.prepare(&sql)?;
        let mut rows = statement.query(rusqlite::params_from_iter(values))?;
        while let Some(row) = rows.next()? {
            let event: String = row.get(2)?;
            each(AuditRecord {
                seq: row.get(0)?,
                entry: AuditEntry {
                    at: time(row.get(1)?)?,
                    event: AuditEvent::from_name(&event)
                        .ok_or_else(|| Error::storage(format!("unknown audit event '{event}' in the database")))?,
                    user_id: row.get::<_, Option<String>>(3)?.map(|id| parse_uuid(&id)).transpose()?,
                    email: row.get(4)?,
                    os_user: row.get(5)?,
                    detail: row.get(6)?,
                },
            })?;
        }
        Ok(())
    }

    fn last_audit_seq(&self) -> Result<i64> {
        Ok(self
            .0
            .prepare_cached("SELECT coalesce(max(id), 0) FROM audit")?
            .query_row([], |row| row.get(0))?)
    }

    fn prune_audit(&self, before: DateTime<Utc>) -> Result<u64> {
        // In batches: one DELETE of every row would first gather all their rowids in memory.
        let mut statement = self.0.prepare_cached(
            "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ?1 ORDER BY at LIMIT ?2)",
        )?;
        let mut pruned = 0u64;
        loop {
            let deleted = statement.execute(params![millis(before), PRUNE_BATCH])? as u64;
            pruned = pruned.saturating_add(deleted);
            if deleted < PRUNE_BATCH as u64 {
                return Ok(pruned);
            }
        }
    }

    fn audit_user_ids(&self, email: &str) -> Result<Vec<Uuid>> {
        let mut statement = self
            .0
            .prepare_cached("SELECT DISTINCT user_id FROM audit WHERE email_normalized = ?1 AND user_id IS NOT NULL")?;
        let ids = statement
            .query_map([email], |row| row.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        ids.iter().map(|id| parse_uuid(id)).collect()
    }

    fn commit(self) -> Result<()> {
        Ok(self.0.commit()?)
    }
}

impl SqliteTx<'_> {
    /// The comparison form of `name` in this database.
    fn username_key(&self, name: &str) -> Result<String> {
        Ok(self.username_case()?.key(name))
    }

    /// The comparison form of `user`'s username, if it has one.
    fn username_key_of(&self, user: &User) -> Result<Option<String>> {
        user.username.as_deref().map(|name| self.username_key(name)).transpose()
    }

    /// Turns a constraint violation on users into the conflict it is: SQLite names the index
    /// only in its message, so this re-reads, in the same transaction, which of `email` and
    /// `username` another account holds.
    fn conflict_or_storage(&self, error: rusqlite::Error, email: Option<&str>, username: Option<&str>) -> Error {
        if error.sqlite_error_code() != Some(rusqlite::ErrorCode::ConstraintViolation) {
            return error.into();
        }
        let taken = |column: &str, key: Result<String>| -> Result<bool> {
            let sql = format!("SELECT EXISTS (SELECT 1 FROM users WHERE {column} = ?1)");
            Ok(self.0.prepare_cached(&sql)?.query_row([key?], |row| row.get(0))?)
        };
        if let Some(email) = email {
            match taken("email_normalized", Ok(normalize(email))) {
                Ok(true) => return email_taken(email),
                Ok(false) => {}
                Err(reread) => return reread,
            }
        }
        if let Some(username) = username {
            match taken("username_normalized", self.username_key(username)) {
                Ok(true) => {
                    return Error::UsernameTaken {
                        username: username.to_owned(),
                    };
                }
                Ok(false) => {}
                Err(reread) => return reread,
            }
        }
        error.into()
    }

    /// Sets one boolean column of a user; `column` is one of this file's constants.
    fn set_column(&self, id: Uuid, column: &str, value: bool) -> Result<()> {
        self.0
            .prepare_cached(&format!("UPDATE users SET {column} = ?2 WHERE id = ?1"))?
            .execute(params![id.to_string(), value])?;
        Ok(())
    }

    /// Inserts `user`; `on_conflict` is empty or an upsert clause.
    fn execute_insert(&self, user: &User, username_key: Option<&str>, on_conflict: &str) -> rusqlite::Result<usize> {
        self.0
            .prepare_cached(&format!(
                "INSERT INTO users (id, email, email_normalized, username, username_normalized, \
                 password_hash, confirmed, active, locked, created_at, failed_logins, locked_out_until) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) {on_conflict}"
            ))?
            .execute(params![
                user.id.to_string(),
                user.email,
                normalize(&user.email),
                user.username,
                username_key,
                user.password_hash,
                user.confirmed,
                user.active,
                user.locked,
                millis(user.created_at),
                user.lockout.failures,
                user.lockout.until.map(millis),
            ])
    }
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => Error::Busy {
                context: "The database stayed locked by another process past the busy timeout".to_owned(),
                source: error.into(),
            },
            _ => Error::storage_from("Database error", error),
        }
    }
}

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    user_from_row_at(row, 0)
}

/// A user from the [`USER_COLUMNS`] of `row`, starting at column `first`.
fn user_from_row_at(row: &Row<'_>, first: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: row_uuid(row, first)?,
        email: row.get(first + 1)?,
        username: row.get(first + 2)?,
        password_hash: row.get(first + 3)?,
        confirmed: row.get(first + 4)?,
        active: row.get(first + 5)?,
        locked: row.get(first + 6)?,
        created_at: row_time(row, first + 7)?,
        lockout: Lockout {
            failures: row.get(first + 8)?,
            until: row
                .get::<_, Option<i64>>(first + 9)?
                .map(|ms| from_millis(ms, first + 9))
                .transpose()?,
        },
    })
}

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session {
        id: row_uuid(row, 0)?,
        user_id: row_uuid(row, 1)?,
        token_hash: TokenHash(blob32(row, 2)?),
        remember: row.get(3)?,
        created_at: row_time(row, 4)?,
        expires_at: row_time(row, 5)?,
        revoked_at: row.get::<_, Option<i64>>(6)?.map(|ms| from_millis(ms, 6)).transpose()?,
    })
}

fn token_from_row(row: &Row<'_>) -> rusqlite::Result<EmailToken> {
    let purpose: String = row.get(2)?;
    Ok(EmailToken {
        hash: TokenHash(blob32(row, 0)?),
        user_id: row_uuid(row, 1)?,
        purpose: TokenPurpose::from_name(&purpose)
            .ok_or_else(|| rusqlite::Error::InvalidColumnType(2, purpose, rusqlite::types::Type::Text))?,
        new_email: row.get(3)?,
        created_at: row_time(row, 4)?,
        expires_at: row_time(row, 5)?,
        used_at: row.get::<_, Option<i64>>(6)?.map(|ms| from_millis(ms, 6)).transpose()?,
    })
}

fn blob32(row: &Row<'_>, index: usize) -> rusqlite::Result<[u8; 32]> {
    let bytes: Vec<u8> = row.get(index)?;
    bytes
        .try_into()
        .map_err(|_| rusqlite::Error::InvalidColumnType(index, "hash".into(), rusqlite::types::Type::Blob))
}

fn row_uuid(row: &Row<'_>, index: usize) -> rusqlite::Result<Uuid> {
    let text: String = row.get(index)?;
    Uuid::parse_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into()))
}

fn row_time(row: &Row<'_>, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    from_millis(row.get(index)?, index)
}

fn from_millis(ms: i64, index: usize) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or(rusqlite::Error::IntegralValueOutOfRange(index, ms))
}

/// The WHERE clause of `filter` over the audit table and its values, in order. Every condition
/// can use an index: `audit_user_id (user_id, at)`, `audit_email_normalized (email_normalized,
/// at)` and `audit_at (at)`.
fn audit_conditions(filter: &AuditFilter) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut conditions = vec!["1".to_owned()];
    let mut values = Vec::new();
    if let Some(subject) = &filter.subject {
        let mut either = Vec::new();
        if !subject.user_ids.is_empty() {
            let marks = vec!["?"; subject.user_ids.len()].join(", ");
            either.push(format!("user_id IN ({marks})"));
            values.extend(subject.user_ids.iter().map(|id| Value::Text(id.to_string())));
        }
        if let Some(email) = &subject.email {
            either.push("email_normalized = ?".to_owned());
            values.push(Value::Text(email.clone()));
        }
        if either.is_empty() {
            either.push("0".to_owned());
        }
        conditions.push(format!("({})", either.join(" OR ")));
    }
    if let Some(since) = filter.since {
        conditions.push("at >= ?".to_owned());
        values.push(Value::Integer(millis(since)));
    }
    if let Some(after) = filter.after {
        conditions.push("id > ?".to_owned());
        values.push(Value::Integer(after));
    }
    if let Some(until) = filter.until {
        conditions.push("at < ?".to_owned());
        values.push(Value::Integer(millis(until)));
    }
    if !filter.events.is_empty() {
        let marks = vec!["?"; filter.events.len()].join(", ");
        conditions.push(format!("event IN ({marks})"));
        values.extend(filter.events.iter().map(|event| Value::Text(event.as_str().to_owned())));
    }
    (conditions.join(" AND "), values)
}

fn time(ms: i64) -> Result<DateTime<Utc>> {
    Ok(from_millis(ms, 0)?)
}

fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|e| Error::storage_from(format!("malformed id '{text}' in the database"), e))
}

/// The parameters `?1` to `?6` of a listing of users: the time of a running lockout, whether
/// only unconfirmed accounts, the search text in the email's and the username's comparison
/// forms, the limit and the offset.
fn listing_params(selection: &UserSelection) -> rusqlite::ParamsFromIter<[rusqlite::types::Value; 6]> {
    use rusqlite::types::Value;
    let query = &selection.query;
    let text = |search: &Option<String>| search.clone().map_or(Value::Null, Value::Text);
    rusqlite::params_from_iter([
        query.locked_at.map_or(Value::Null, |at| Value::Integer(millis(at))),
        Value::Integer(query.unconfirmed.into()),
        text(&selection.email_search),
        text(&selection.username_search),
        Value::Integer(sql_count(query.limit)),
        Value::Integer(sql_count(Some(query.offset))),
    ])
}

/// A LIMIT or OFFSET: none, or past what SQLite counts, is no limit.
fn sql_count(count: Option<u64>) -> i64 {
    count.map_or(i64::MAX, |count| i64::try_from(count).unwrap_or(i64::MAX))
}

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        crate::storage::tests::assert_migrations_listed("sqlite", MIGRATIONS.len());
    }

    /// Rows of a schema-4 database compared names in lower case only; migrating recomputes them,
    /// so that an account named in full-width letters is found by its plain spelling.
    #[test]
    fn migrating_recomputes_the_comparison_forms_of_older_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("authctl.db");
        let mut store = SqliteStore::open(&path, Duration::from_secs(1), SchemaCheck::Create).unwrap();
        let tx = store.write().unwrap();
        tx.insert_user(&mut User {
            id: Uuid::now_v7(),
            email: "ａｄａ@example.com".to_owned(),
            username: Some("ＡＤＡ".to_owned()),
            password_hash: None,
            confirmed: false,
            active: true,
            locked: false,
            created_at: Utc::now(),
            lockout: Default::default(),
        })
        .unwrap();
        tx.commit().unwrap();
        // As schema 4 stored them: lower case only (and no username comparison recorded).
        store
            .conn
            .execute_batch(
                "UPDATE users SET email_normalized = lower(email), username_normalized = lower(username);
                 DELETE FROM meta WHERE key = 'username_case';
                 PRAGMA user_version = 4;",
            )
            .unwrap();
        let plain = UserKey::Email(normalize("ada@example.com"));
        assert!(store.read().unwrap().find_user(&plain).unwrap().is_none());
        assert_eq!(store.migrate().unwrap(), (4, SCHEMA_VERSION));
        let found = store.read().unwrap().find_user(&plain).unwrap().unwrap();
        assert_eq!(found.email, "ａｄａ@example.com");
        assert!(store.check().unwrap().problems.is_empty());
    }

    #[test]
    fn only_create_makes_a_database_which_then_refuses_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/authctl.db");
        for check in [SchemaCheck::Current, SchemaCheck::UpToThisBinary] {
            let error = SqliteStore::open(&path, Duration::from_secs(1), check).err().unwrap();
            assert_eq!(error.exit_code(), 7);
            assert!(error.to_string().contains("authctl init"), "{error}");
        }
        assert!(!dir.path().join("sub").exists(), "nothing is created but by init");
        let mut store = SqliteStore::open(&path, Duration::from_secs(1), SchemaCheck::Create).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.read().unwrap().count_users().unwrap(), 0);
        store
            .conn
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(store);
        let error = SqliteStore::open(&path, Duration::from_secs(1), SchemaCheck::Current)
            .err()
            .unwrap();
        assert_eq!(error.exit_code(), 7);
    }

    /// The check under the write lock: a database that gained another application's tables
    /// after it was looked at is not migrated.
    #[test]
    fn migrate_refuses_a_database_that_became_foreign() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT)").unwrap();
        let mut store = SqliteStore { conn, path };
        let error = store.migrate().unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("not an authctl database"), "{error}");
        let objects: i64 = store
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
            .unwrap();
        assert_eq!(objects, 1);
    }
}
