//! The PostgreSQL backend: one connection, TLS through rustls, embedded migrations.
//!
//! Concurrency is the engine's own: a write transaction runs at READ COMMITTED and takes a row lock
//! (`SELECT … FOR UPDATE`) on every user and token it reads, so the domain's check-then-act
//! sequences (a token checked then used, a user checked then changed) hold the rows they checked
//! until they commit. A second transaction that wants the same row waits, and then reads the row as
//! the first one left it: of two processes racing one token, the second sees it used. What a check
//! cannot lock, an absent row (an email that is still free), is guarded by the unique constraints,
//! recognised by SQLSTATE 23505 and their names. Waiting is bounded by `lock_timeout` (the
//! `busy_timeout` setting); a lock wait that times out, a deadlock and a serialization failure are
//! storage errors (exit 7) after which nothing was written. An import inserts a chunk of rows that
//! was found to meet no account with a plain `INSERT` in a savepoint: an email or username that
//! another process registered between that check and the insert undoes it, and the chunk goes the
//! per-run way instead, with the outcomes of row-by-row inserts.
//!
//! Each method is a small function of its own over one SQL statement or two, so that a change of
//! the [`Transaction`] trait maps onto it one for one.

mod connect;
mod import;

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, IsolationLevel, Row, Statement};
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
use crate::storage::{SchemaCheck, audit_query, no_database, user_order, username_case_from_meta};
use connect::{Target, tls_config};
use import::{changed_during_import, in_batch, qualified};

/// The schema migrations, in order; migration N brings the schema to version N.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_initial.sql"),
    include_str!("../../../migrations/postgres/0002_email_tokens.sql"),
    include_str!("../../../migrations/postgres/0003_lockout.sql"),
    include_str!("../../../migrations/postgres/0004_reset_requests.sql"),
    include_str!("../../../migrations/postgres/0005_nfkc_names.sql"),
    include_str!("../../../migrations/postgres/0006_username_case.sql"),
    include_str!("../../../migrations/postgres/0007_audit_user_id.sql"),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The advisory lock that serialises migrations of one database ("authctl" in ASCII).
const MIGRATION_LOCK: i64 = 0x0061_7574_6863_746c;

/// Rows fetched per round trip when streaming users or audit rows: memory stays bounded.
const FETCH_ROWS: i32 = 1000;
/// How many usernames a change of their comparison reads at a time.
const USERNAME_CHUNK: i64 = 10_000;

/// An open PostgreSQL database of accounts.
pub struct PostgresStore {
    client: Client,
    /// The URL without its password, for messages.
    shown: String,
    /// Statements prepared on this connection, by their SQL.
    statements: HashMap<String, Statement>,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://` or `postgresql://`), waiting up to `busy_timeout` for the
    /// connection and, later, for each row lock. An empty database is migrated with
    /// [`SchemaCheck::Create`] and refused otherwise; a schema
    /// newer than this binary, or a database with tables that are not authctl's, is refused before
    /// anything is written.
    pub fn connect(url: &str, busy_timeout: Duration, check: SchemaCheck) -> Result<Self> {
        let target = Target::parse(url)?;
        let shown = target.shown();
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(target.root_cert.as_ref(), &shown)?);
        let mut config = target.config;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(busy_timeout);
        }
        config.application_name("authctl");
        let mut client = config
            .connect(tls)
            .map_err(|e| Error::storage_from(format!("Cannot connect to the PostgreSQL database {shown}"), e))?;
        // Whole milliseconds: PostgreSQL's `SET` takes no bind parameters.
        let lock_ms = busy_timeout.as_millis().clamp(1, i32::MAX as u128);
        client.batch_execute(&format!("SET lock_timeout = {lock_ms}"))?;
        let mut store = PostgresStore {
            client,
            shown,
            statements: HashMap::new(),
        };
        let version = store.schema_version()?;
        if version > SCHEMA_VERSION {
            return Err(Error::storage(format!(
                "The database {} has schema version {version}, newer than this authctl supports ({SCHEMA_VERSION}). Upgrade authctl.",
                store.shown
            )));
        }
        if version == 0 && check != SchemaCheck::Create {
            return Err(no_database(&store.shown));
        }
        if version == 0 {
            store.migrate()?;
        } else if version < SCHEMA_VERSION && check == SchemaCheck::Current {
            return Err(Error::storage(format!(
                "The database {} has schema version {version}; this authctl needs {SCHEMA_VERSION}. Run `authctl db migrate`.",
                store.shown
            )));
        }
        Ok(store)
    }

    /// The database URL without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The schema version recorded in the database (0 for a database without authctl's tables).
    pub fn schema_version(&mut self) -> Result<u32> {
        let mut tx = self.client.transaction()?;
        schema_version_in(&mut tx, &self.shown)
    }

    /// Applies every pending migration in one transaction; returns the versions before and after.
    /// Two processes migrating at once take turns on an advisory lock.
    pub fn migrate(&mut self) -> Result<(u32, u32)> {
        let mut tx = self.client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        let before = schema_version_in(&mut tx, &self.shown)?;
        if before > SCHEMA_VERSION {
            return Err(Error::storage(format!(
                "The database {} has schema version {before}, newer than this authctl supports ({SCHEMA_VERSION}).",
                self.shown
            )));
        }
        for sql in &MIGRATIONS[before as usize..] {
            tx.batch_execute(sql)?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&SCHEMA_VERSION.to_string()],
        )?;
        tx.commit()?;
        Ok((before, SCHEMA_VERSION))
    }
}

/// The schema version as seen by `tx`: 0 when there is no `meta` table, an error when the current
/// schema holds tables but not authctl's (another application's database is never changed).
fn schema_version_in(tx: &mut postgres::Transaction<'_>, shown: &str) -> Result<u32> {
    let has_meta: bool = tx
        .query_one("SELECT to_regclass('meta') IS NOT NULL", &[])?
        .try_get(0)?;
    if !has_meta {
        let tables: i64 = tx
            .query_one(
                "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()",
                &[],
            )?
            .try_get(0)?;
        if tables > 0 {
            return Err(Error::storage(format!(
                "The database {shown} has tables but is not an authctl database; it was left unchanged."
            )));
        }
        return Ok(0);
    }
    let value: Option<String> = tx
        .query_opt("SELECT value FROM meta WHERE key = 'schema_version'", &[])?
        .map(|row| row.try_get(0))
        .transpose()?;
    let value = value.ok_or_else(|| {
        Error::storage(format!(
            "The database {shown} has a meta table without a schema version; it is not an authctl database."
        ))
    })?;
    value.parse().map_err(|_| {
        Error::storage(format!(
            "The database {shown} has a malformed schema version '{value}'."
        ))
    })
}

impl Store for PostgresStore {
    type Tx<'a> = PostgresTx<'a>;

    /// A read-only REPEATABLE READ transaction: one snapshot for every statement.
    fn read(&mut self) -> Result<PostgresTx<'_>> {
        let tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        Ok(PostgresTx::new(tx, &mut self.statements, false))
    }

    /// A READ COMMITTED transaction whose reads of users and tokens lock the rows they return.
    fn write(&mut self) -> Result<PostgresTx<'_>> {
        let tx = self.client.transaction()?;
        Ok(PostgresTx::new(tx, &mut self.statements, true))
    }
}

/// A transaction on a [`PostgresStore`]; rolls back when dropped uncommitted.
pub struct PostgresTx<'a>(RefCell<Inner<'a>>);

struct Inner<'a> {
    tx: postgres::Transaction<'a>,
    statements: &'a mut HashMap<String, Statement>,
    /// Whether reads of users and tokens take row locks (write transactions).
    locking: bool,
    /// Whether this transaction has made its import batch table.
    batch_table: bool,
    /// The database's username comparison, once read.
    username_case: Option<UsernameCase>,
}

impl Inner<'_> {
    /// The prepared form of `sql`, prepared once per connection.
    fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.tx.prepare(sql)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, postgres::Error> {
        let statement = self.statement(sql)?;
        self.tx.execute(&statement, params)
    }

    /// Runs `sql` inside a savepoint: when it fails (a unique violation the domain reports and
    /// goes on from), the transaction stays usable, as it does on SQLite. Without the savepoint
    /// PostgreSQL would refuse every later statement of the transaction (SQLSTATE 25P02).
    fn execute_may_conflict(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, postgres::Error> {
        let statement = self.statement(sql)?;
        let mut savepoint = self.tx.savepoint("may_conflict")?;
        let changed = savepoint.execute(&statement, params)?;
        savepoint.commit()?;
        Ok(changed)
    }

    fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let statement = self.statement(sql)?;
        Ok(self.tx.query(&statement, params)?)
    }

    fn query_opt(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>> {
        let statement = self.statement(sql)?;
        Ok(self.tx.query_opt(&statement, params)?)
    }

    /// Calls `each` on every row of `sql`, fetched [`FETCH_ROWS`] at a time through a portal.
    fn for_each_row(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        each: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        let statement = self.statement(sql)?;
        let portal = self.tx.bind(&statement, params)?;
        loop {
            let rows = self.tx.query_portal(&portal, FETCH_ROWS)?;
            for row in &rows {
                each(row)?;
            }
            if rows.len() < FETCH_ROWS as usize {
                return Ok(());
            }
        }
    }

    /// The database's username comparison. A write transaction reads it `FOR SHARE`: a change
    /// of it (which updates that row first) waits for this transaction to end, and this one
    /// for it.
    fn username_case(&mut self) -> Result<UsernameCase> {
        if let Some(case) = self.username_case {
            return Ok(case);
        }
        let share = if self.locking { " FOR SHARE" } else { "" };
        let value: Option<String> = self
            .query_opt(
                &format!("SELECT value FROM meta WHERE key = 'username_case'{share}"),
                &[],
            )?
            .map(|row| row.try_get(0))
            .transpose()?;
        let case = username_case_from_meta(value)?;
        self.username_case = Some(case);
        Ok(case)
    }

    /// The comparison form of `name` in this database.
    fn username_key(&mut self, name: Option<&str>) -> Result<Option<String>> {
        let case = self.username_case()?;
        Ok(name.map(|name| case.key(name)))
    }

    /// ` FOR UPDATE` in a write transaction.
    fn lock_clause(&self) -> &'static str {
        if self.locking { " FOR UPDATE" } else { "" }
    }
}

impl<'a> PostgresTx<'a> {
    fn new(tx: postgres::Transaction<'a>, statements: &'a mut HashMap<String, Statement>, locking: bool) -> Self {
        PostgresTx(RefCell::new(Inner {
            tx,
            statements,
            locking,
            batch_table: false,
            username_case: None,
        }))
    }

    fn inner(&self) -> RefMut<'_, Inner<'a>> {
        self.0.borrow_mut()
    }

    /// Sets one boolean column of the user (`column` is one of this file's literals).
    fn set_flag(&self, id: Uuid, column: &str, value: bool) -> Result<()> {
        self.inner()
            .execute(&format!("UPDATE users SET {column} = $2 WHERE id = $1"), &[&id, &value])?;
        Ok(())
    }
}

const USER_COLUMNS: &str =
    "id, email, username, password_hash, confirmed, active, locked, created_at, failed_logins, locked_out_until";
const SESSION_COLUMNS: &str = "id, user_id, token_hash, remember, created_at, expires_at, revoked_at";
const TOKEN_COLUMNS: &str = "token_hash, user_id, purpose, new_email, created_at, expires_at, used_at";
/// The columns an insert into `users` gives.
const INSERT_COLUMNS: &str = "id, email, email_normalized, username, username_normalized, password_hash, confirmed, \
     active, locked, created_at, failed_logins, locked_out_until";
/// The import batch table's columns after `ord`: those of [`INSERT_COLUMNS`], typed as in `users`.
impl Transaction for PostgresTx<'_> {
    fn database_id(&self) -> Result<String> {
        let row = self
            .inner()
            .query_opt("SELECT value FROM meta WHERE key = 'database_id'", &[])?
            .ok_or_else(|| Error::storage("The database has no identity (meta.database_id)."))?;
        Ok(row.try_get(0)?)
    }

    fn count_users(&self) -> Result<u64> {
        let rows = self.inner().query("SELECT count(*) FROM users", &[])?;
        let count: i64 = rows.first().map(|row| row.try_get(0)).transpose()?.unwrap_or(0);
        Ok(count.unsigned_abs())
    }

    fn username_case(&self) -> Result<UsernameCase> {
        self.inner().username_case()
    }

    fn set_username_case(&self, case: UsernameCase) -> Result<Option<Vec<String>>> {
        let mut inner = self.inner();
        let before = inner.username_case()?;
        // The row first: writers that compare usernames read it FOR SHARE, so from here on none
        // is half-way, and none starts until this transaction ends.
        inner.execute(
            "INSERT INTO meta (key, value) VALUES ('username_case', $1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&case.as_str()],
        )?;
        // The new forms go to a temporary table first, a chunk at a time: a collision is found
        // before any user changes, and memory stays bounded whatever the number of users.
        inner.tx.batch_execute(
            "CREATE TEMPORARY TABLE username_keys (id uuid PRIMARY KEY, key text NOT NULL) ON COMMIT DROP",
        )?;
        let mut after = 0_i64;
        loop {
            let rows = inner.query(
                "SELECT seq, id, username FROM users WHERE username IS NOT NULL AND seq > $1 ORDER BY seq LIMIT $2",
                &[&after, &USERNAME_CHUNK],
            )?;
            let Some(last) = rows.last() else { break };
            after = last.try_get(0)?;
            let mut ids = Vec::with_capacity(rows.len());
            let mut keys = Vec::with_capacity(rows.len());
            for row in &rows {
                ids.push(row.try_get::<_, Uuid>(1)?);
                keys.push(case.key(row.try_get(2)?));
            }
            inner.execute(
                "INSERT INTO username_keys (id, key) SELECT * FROM unnest($1::uuid[], $2::text[])",
                &[&ids, &keys],
            )?;
        }
        let collision = inner.query_opt(
            "SELECT string_agg(u.username, E'\\n') FROM username_keys k JOIN users u ON u.id = k.id \
             GROUP BY k.key HAVING count(*) > 1 LIMIT 1",
            &[],
        )?;
        if let Some(row) = collision {
            inner.tx.batch_execute("DROP TABLE username_keys")?;
            inner.execute(
                "UPDATE meta SET value = $1 WHERE key = 'username_case'",
                &[&before.as_str()],
            )?;
            let names: String = row.try_get(0)?;
            return Ok(Some(names.lines().map(str::to_owned).collect()));
        }
        // Emptied first: rewritten row by row, two forms could meet half-way.
        inner.tx.batch_execute(
            "UPDATE users SET username_normalized = NULL WHERE username IS NOT NULL;
             UPDATE users u SET username_normalized = k.key FROM username_keys k WHERE u.id = k.id;
             DROP TABLE username_keys;",
        )?;
        inner.username_case = Some(case);
        Ok(None)
    }

    fn find_user(&self, key: &UserKey) -> Result<Option<User>> {
        let mut inner = self.inner();
        let lock = inner.lock_clause();
        let row = match key {
            UserKey::Id(id) => {
                inner.query_opt(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1{lock}"), &[id])?
            }
            UserKey::Email(email) => inner.query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE email_normalized = $1{lock}"),
                &[email],
            )?,
            UserKey::Username(name) => {
                let key = inner.username_key(Some(name))?;
                inner.query_opt(
                    &format!("SELECT {USER_COLUMNS} FROM users WHERE username_normalized = $1{lock}"),
                    &[&key],
                )?
            }
        };
        row.map(|row| user_from_row(&row, 0)).transpose()
    }

    fn for_each_user(&self, selection: &UserSelection, each: &mut dyn FnMut(User) -> Result<()>) -> Result<()> {
        let query = &selection.query;
        let count = |count: u64| i64::try_from(count).unwrap_or(i64::MAX);
        self.inner().for_each_row(
            &format!(
                "SELECT {USER_COLUMNS} FROM users
                  WHERE ($1::timestamptz IS NULL OR locked OR locked_out_until > $1)
                    AND (NOT $2 OR NOT confirmed)
                    AND ($3::text IS NULL OR strpos(email_normalized, $3) > 0
                         OR strpos(username_normalized, $4) > 0)
                  ORDER BY {}
                  LIMIT $5 OFFSET $6",
                user_order(query.order, query.descending, "seq", " COLLATE \"C\"")
            ),
            &[
                &query.locked_at,
                &query.unconfirmed,
                &selection.email_search,
                &selection.username_search,
                &query.limit.map(count),
                &count(query.offset),
            ],
            &mut |row| each(user_from_row(row, 0)?),
        )
    }

    fn insert_user(&self, user: &mut User) -> Result<()> {
        let mut inner = self.inner();
        let case = inner.username_case()?;
        insert(&mut inner, user, case, "")
            .map_err(|e| conflict_or_storage(e, &user.email, user.username.as_deref()))?;
        Ok(())
    }

    fn batch_mark(&self) -> Result<BatchMark> {
        let rows = self.inner().query("SELECT coalesce(max(seq), 0) FROM users", &[])?;
        let mark: i64 = rows.first().map(|row| row.try_get(0)).transpose()?.unwrap_or(0);
        Ok(BatchMark(mark))
    }

    fn insert_user_unless_taken(&self, user: &User, mark: BatchMark) -> Result<Insert> {
        let mut inner = self.inner();
        let case = inner.username_case()?;
        if insert(&mut inner, user, case, "ON CONFLICT DO NOTHING")? == 1 {
            return Ok(Insert::Created);
        }
        let by_email = inner.query_opt(
            &format!(
                "SELECT {}, {} FROM users u WHERE email_normalized = $1",
                in_batch("u", "$2"),
                qualified("u", USER_COLUMNS)
            ),
            &[&normalize(&user.email), &mark.0],
        )?;
        if let Some(row) = by_email {
            return Ok(if row.try_get(0)? {
                Insert::EmailInBatch
            } else {
                Insert::EmailTaken(user_from_row(&row, 1)?)
            });
        }
        let by_username = inner.query_opt(
            &format!(
                "SELECT {} FROM users u WHERE username_normalized = $1",
                in_batch("u", "$2")
            ),
            &[&user.username.as_deref().map(|name| case.key(name)), &mark.0],
        )?;
        match by_username {
            Some(row) if row.try_get(0)? => Ok(Insert::UsernameInBatch),
            Some(_) => Ok(Insert::UsernameTaken),
            None => Err(changed_during_import(user)),
        }
    }

    fn insert_users_unless_taken(
        &self,
        users: &[User],
        mark: BatchMark,
        outcome: &mut dyn FnMut(usize, Insert) -> Result<()>,
    ) -> Result<()> {
        import::insert_users_unless_taken(self, users, mark, outcome)
    }

    fn set_password_hash(&self, id: Uuid, new: &str, expected: Option<&str>) -> Result<bool> {
        let changed = self.inner().execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash IS NOT DISTINCT FROM $3",
            &[&id, &new, &expected],
        )?;
        Ok(changed == 1)
    }

    fn set_locked(&self, id: Uuid, locked: bool) -> Result<()> {
        self.set_flag(id, "locked", locked)
    }

    fn set_active(&self, id: Uuid, active: bool) -> Result<()> {
        self.set_flag(id, "active", active)
    }

    fn set_confirmed(&self, id: Uuid, confirmed: bool) -> Result<()> {
        self.set_flag(id, "confirmed", confirmed)
    }

    fn set_email(&self, id: Uuid, email: &str) -> Result<()> {
        self.inner()
            .execute_may_conflict(
                "UPDATE users SET email = $2, email_normalized = $3 WHERE id = $1",
                &[&id, &email, &normalize(email)],
            )
            .map_err(|e| conflict_or_storage(e, email, None))?;
        Ok(())
    }

    fn set_username(&self, id: Uuid, username: Option<&str>) -> Result<()> {
        let mut inner = self.inner();
        let key = inner.username_key(username)?;
        inner
            .execute_may_conflict(
                "UPDATE users SET username = $2, username_normalized = $3 WHERE id = $1",
                &[&id, &username, &key],
            )
            .map_err(|e| conflict_or_storage(e, "", username))?;
        Ok(())
    }

    fn set_lockout(&self, id: Uuid, lockout: Lockout) -> Result<()> {
        self.inner().execute(
            "UPDATE users SET failed_logins = $2, locked_out_until = $3 WHERE id = $1",
            &[&id, &failures_column(lockout.failures), &lockout.until.map(millis)],
        )?;
        Ok(())
    }

    fn delete_user(&self, id: Uuid) -> Result<()> {
        self.inner().execute("DELETE FROM users WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn insert_session(&self, session: &Session) -> Result<()> {
        self.inner().execute(
            &format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            &[
                &session.id,
                &session.user_id,
                &&session.token_hash.0[..],
                &session.remember,
                &millis(session.created_at),
                &millis(session.expires_at),
                &session.revoked_at.map(millis),
            ],
        )?;
        Ok(())
    }

    fn delete_expired_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<usize> {
        let deleted = self.inner().execute(
            "DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2",
            &[&user_id, &millis(now)],
        )?;
        Ok(deleted as usize)
    }

    /// No row lock: every later write to a session re-checks its state in its own `WHERE`.
    fn find_session(&self, token: &TokenHash) -> Result<Option<Session>> {
        let row = self.inner().query_opt(
            &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1"),
            &[&&token.0[..]],
        )?;
        row.map(|row| session_from_row(&row)).transpose()
    }

    fn live_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<Vec<Session>> {
        self.inner()
            .query(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions \
                     WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY created_at DESC"
                ),
                &[&user_id, &millis(now)],
            )?
            .iter()
            .map(session_from_row)
            .collect()
    }

    fn revoke_sessions(&self, user_id: Uuid, keep: Option<Uuid>, now: DateTime<Utc>) -> Result<usize> {
        let changed = self.inner().execute(
            "UPDATE sessions SET revoked_at = $3 \
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $3 AND id IS DISTINCT FROM $2",
            &[&user_id, &keep, &millis(now)],
        )?;
        Ok(changed as usize)
    }

    fn revoke_session(&self, user_id: Uuid, session_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let changed = self.inner().execute(
            "UPDATE sessions SET revoked_at = $3 \
             WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL AND expires_at > $3",
            &[&user_id, &session_id, &millis(now)],
        )?;
        Ok(changed == 1)
    }

    fn insert_token(&self, token: &EmailToken) -> Result<()> {
        self.inner().execute(
            &format!("INSERT INTO tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            &[
                &&token.hash.0[..],
                &token.user_id,
                &token.purpose.as_str(),
                &token.new_email,
                &millis(token.created_at),
                &millis(token.expires_at),
                &token.used_at.map(millis),
            ],
        )?;
        Ok(())
    }

    /// In a write transaction, locks the token's user before the token: every write that starts
    /// from the user (lock, passwd, remove) takes the user first and then its tokens, and the
    /// opposite order would deadlock with it.
    fn find_token(&self, hash: &TokenHash) -> Result<Option<EmailToken>> {
        let mut inner = self.inner();
        if inner.locking {
            inner.query(
                "SELECT 1 FROM users WHERE id = (SELECT user_id FROM tokens WHERE token_hash = $1) FOR UPDATE",
                &[&&hash.0[..]],
            )?;
        }
        let lock = inner.lock_clause();
        let row = inner.query_opt(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = $1{lock}"),
            &[&&hash.0[..]],
        )?;
        row.map(|row| token_from_row(&row)).transpose()
    }

    fn mark_token_used(&self, hash: &TokenHash, now: DateTime<Utc>) -> Result<()> {
        self.inner().execute(
            "UPDATE tokens SET used_at = $2 WHERE token_hash = $1",
            &[&&hash.0[..], &millis(now)],
        )?;
        Ok(())
    }

    fn delete_unused_tokens(&self, user_id: Uuid, purpose: Option<TokenPurpose>) -> Result<usize> {
        let deleted = self.inner().execute(
            "DELETE FROM tokens WHERE user_id = $1 AND ($2::text IS NULL OR purpose = $2) AND used_at IS NULL",
            &[&user_id, &purpose.map(TokenPurpose::as_str)],
        )?;
        Ok(deleted as usize)
    }

    /// In a write transaction, first takes a transaction-scoped advisory lock on the address: the
    /// domain counts, then records, and READ COMMITTED alone would let concurrent requests all
    /// count the same number and all pass the limit. (SQLite's write lock does this there.)
    fn count_reset_requests(&self, address: &AddressHash, since: DateTime<Utc>) -> Result<u64> {
        let mut inner = self.inner();
        if inner.locking {
            let mut key = [0; 8];
            key.copy_from_slice(&address.0[..8]);
            inner.execute("SELECT pg_advisory_xact_lock($1)", &[&i64::from_be_bytes(key)])?;
        }
        let rows = inner.query(
            "SELECT count(*) FROM reset_requests WHERE address_hash = $1 AND at > $2",
            &[&&address.0[..], &millis(since)],
        )?;
        let count: i64 = rows.first().map(|row| row.try_get(0)).transpose()?.unwrap_or(0);
        Ok(count.unsigned_abs())
    }

    fn record_reset_request(
        &self,
        address: &AddressHash,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<()> {
        let mut inner = self.inner();
        inner.execute("DELETE FROM reset_requests WHERE at <= $1", &[&millis(forget_before)])?;
        inner.execute(
            "INSERT INTO reset_requests (address_hash, at) VALUES ($1, $2)",
            &[&&address.0[..], &millis(at)],
        )?;
        Ok(())
    }

    fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        self.inner().execute(
            "INSERT INTO audit (at, event, user_id, email, email_normalized, os_user, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &millis(entry.at),
                &entry.event.as_str(),
                &entry.user_id,
                &entry.email,
                &entry.email.as_deref().map(normalize),
                &entry.os_user,
                &entry.detail,
            ],
        )?;
        Ok(())
    }

    fn for_each_audit(&self, filter: &AuditFilter, each: &mut dyn FnMut(AuditRecord) -> Result<()>) -> Result<()> {
        let (conditions, values) = audit_conditions(filter);
        let sql = audit_query(&conditions, filter.limit);
        let params: Vec<&(dyn ToSql + Sync)> = values.iter().map(|value| value.as_ref()).collect();
        self.inner().for_each_row(&sql, &params, &mut |row| {
            let event: String = row.try_get(2)?;
            each(AuditRecord {
                seq: row.try_get(0)?,
                entry: AuditEntry {
                    at: row.try_get(1)?,
                    event: AuditEvent::from_name(&event)
                        .ok_or_else(|| Error::storage(format!("unknown audit event '{event}' in the database")))?,
                    user_id: row.try_get(3)?,
                    email: row.try_get(4)?,
                    os_user: row.try_get(5)?,
                    detail: row.try_get(6)?,
                },
            })
        })
    }

    fn last_audit_seq(&self) -> Result<i64> {
        let row = self.inner().query_opt("SELECT coalesce(max(id), 0) FROM audit", &[])?;
        Ok(row.map(|row| row.try_get(0)).transpose()?.unwrap_or(0))
    }

    fn prune_audit(&self, before: DateTime<Utc>) -> Result<u64> {
        // One statement: the server deletes without sending the rows anywhere.
        let before = before.max(earliest_timestamp());
        Ok(self
            .inner()
            .execute("DELETE FROM audit WHERE at < $1", &[&millis(before)])?)
    }

    fn audit_user_ids(&self, email: &str) -> Result<Vec<Uuid>> {
        let rows = self.inner().query(
            "SELECT DISTINCT user_id FROM audit WHERE email_normalized = $1 AND user_id IS NOT NULL",
            &[&email],
        )?;
        rows.iter().map(|row| Ok(row.try_get(0)?)).collect()
    }

    fn commit(self) -> Result<()> {
        Ok(self.0.into_inner().tx.commit()?)
    }
}

/// The values of a user's row, in the order of [`INSERT_COLUMNS`]: the comparison forms and the
/// stored times worked out once, for an INSERT and for the COPY of an import alike.
struct UserRow<'a> {
    user: &'a User,
    email_normalized: String,
    username_normalized: Option<String>,
    created_at: DateTime<Utc>,
    failed_logins: i32,
    locked_out_until: Option<DateTime<Utc>>,
}

impl<'a> UserRow<'a> {
    fn of(user: &'a User, case: UsernameCase) -> Self {
        UserRow {
            user,
            email_normalized: normalize(&user.email),
            username_normalized: user.username.as_deref().map(|name| case.key(name)),
            created_at: millis(user.created_at),
            failed_logins: failures_column(user.lockout.failures),
            locked_out_until: user.lockout.until.map(millis),
        }
    }

    fn values(&self) -> [&(dyn ToSql + Sync); 12] {
        [
            &self.user.id,
            &self.user.email,
            &self.email_normalized,
            &self.user.username,
            &self.username_normalized,
            &self.user.password_hash,
            &self.user.confirmed,
            &self.user.active,
            &self.user.locked,
            &self.created_at,
            &self.failed_logins,
            &self.locked_out_until,
        ]
    }
}

/// Inserts `user`; `on_conflict` is empty (a conflict is an error, in a savepoint) or an upsert
/// clause.
fn insert(inner: &mut Inner<'_>, user: &User, case: UsernameCase, on_conflict: &str) -> Result<u64, postgres::Error> {
    let sql = format!(
        "INSERT INTO users ({INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) {on_conflict}"
    );
    let row = UserRow::of(user, case);
    let params = row.values();
    if on_conflict.is_empty() {
        inner.execute_may_conflict(&sql, &params)
    } else {
        inner.execute(&sql, &params)
    }
}

impl From<postgres::Error> for Error {
    fn from(error: postgres::Error) -> Self {
        let Some(code) = error.code() else {
            if error.is_closed() {
                return Error::storage_from("The connection to the PostgreSQL server was lost", error);
            }
            return Error::storage_from("Database error", error);
        };
        let busy = |context: &str, error: postgres::Error| Error::Busy {
            context: context.to_owned(),
            source: error.into(),
        };
        if *code == SqlState::LOCK_NOT_AVAILABLE {
            busy(
                "A row stayed locked by another process past the busy timeout; nothing was written",
                error,
            )
        } else if *code == SqlState::T_R_DEADLOCK_DETECTED || *code == SqlState::T_R_SERIALIZATION_FAILURE {
            busy(
                "The command collided with a concurrent change and nothing was written; run it again",
                error,
            )
        } else {
            Error::storage_from("Database error", error)
        }
    }
}

/// Turns a unique violation on users (SQLSTATE 23505, by constraint name) into a conflict naming
/// what is taken.
fn conflict_or_storage(error: postgres::Error, email: &str, username: Option<&str>) -> Error {
    if let Some(db) = error.as_db_error()
        && *db.code() == SqlState::UNIQUE_VIOLATION
    {
        match db.constraint() {
            Some("users_email_normalized") => return email_taken(email),
            Some("users_username_normalized") => {
                return Error::UsernameTaken {
                    username: username.unwrap_or_default().to_owned(),
                };
            }
            _ => {}
        }
    }
    error.into()
}

fn user_from_row(row: &Row, first: usize) -> Result<User> {
    Ok(User {
        id: row.try_get(first)?,
        email: row.try_get(first + 1)?,
        username: row.try_get(first + 2)?,
        password_hash: row.try_get(first + 3)?,
        confirmed: row.try_get(first + 4)?,
        active: row.try_get(first + 5)?,
        locked: row.try_get(first + 6)?,
        created_at: row.try_get(first + 7)?,
        lockout: Lockout {
            failures: u32::try_from(row.try_get::<_, i32>(first + 8)?)
                .map_err(|_| Error::storage("a negative failed_logins in the database"))?,
            until: row.try_get(first + 9)?,
        },
    })
}

/// The `failed_logins` column (an `integer`) for a count; the domain stops counting long before
/// `i32::MAX`, so saturating changes nothing.
fn failures_column(failures: u32) -> i32 {
    i32::try_from(failures).unwrap_or(i32::MAX)
}

fn session_from_row(row: &Row) -> Result<Session> {
    Ok(Session {
        id: row.try_get(0)?,
        user_id: row.try_get(1)?,
        token_hash: TokenHash(hash32(row, 2)?),
        remember: row.try_get(3)?,
        created_at: row.try_get(4)?,
        expires_at: row.try_get(5)?,
        revoked_at: row.try_get(6)?,
    })
}

fn token_from_row(row: &Row) -> Result<EmailToken> {
    let purpose: String = row.try_get(2)?;
    Ok(EmailToken {
        hash: TokenHash(hash32(row, 0)?),
        user_id: row.try_get(1)?,
        purpose: TokenPurpose::from_name(&purpose)
            .ok_or_else(|| Error::storage(format!("unknown token purpose '{purpose}' in the database")))?,
        new_email: row.try_get(3)?,
        created_at: row.try_get(4)?,
        expires_at: row.try_get(5)?,
        used_at: row.try_get(6)?,
    })
}

fn hash32(row: &Row, index: usize) -> Result<[u8; 32]> {
    let bytes: Vec<u8> = row.try_get(index)?;
    bytes
        .try_into()
        .map_err(|_| Error::storage("a token hash in the database is not 32 bytes"))
}

/// `time` to the millisecond, the precision both engines store.
fn millis(time: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(time.timestamp_millis()).unwrap_or(time)
}

/// The WHERE clause of `filter` over the audit table and its values, `$1` onwards. Every
/// condition can use an index: `audit_user_id (user_id, at)`, `audit_email_normalized
/// (email_normalized, at)` and `audit_at (at)`.
fn audit_conditions(filter: &AuditFilter) -> (String, Vec<Box<dyn ToSql + Sync>>) {
    let mut conditions = vec!["true".to_owned()];
    let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::new();
    let mut bind = |value: Box<dyn ToSql + Sync>| {
        values.push(value);
        format!("${}", values.len())
    };
    if let Some(subject) = &filter.subject {
        let mut either = Vec::new();
        if !subject.user_ids.is_empty() {
            either.push(format!("user_id = ANY({})", bind(Box::new(subject.user_ids.clone()))));
        }
        if let Some(email) = &subject.email {
            either.push(format!("email_normalized = {}", bind(Box::new(email.clone()))));
        }
        if either.is_empty() {
            either.push("false".to_owned());
        }
        conditions.push(format!("({})", either.join(" OR ")));
    }
    // PostgreSQL's timestamps start in 4713 BC: a bound before that is that bound (`--since`
    // then holds every row, `--until` none).
    let bound = |time: DateTime<Utc>| Box::new(millis(time.max(earliest_timestamp())));
    if let Some(since) = filter.since {
        conditions.push(format!("at >= {}", bind(bound(since))));
    }
    if let Some(after) = filter.after {
        conditions.push(format!("id > {}", bind(Box::new(after))));
    }
    if let Some(until) = filter.until {
        conditions.push(format!("at < {}", bind(bound(until))));
    }
    if !filter.events.is_empty() {
        let names: Vec<String> = filter.events.iter().map(|event| event.as_str().to_owned()).collect();
        conditions.push(format!("event = ANY({})", bind(Box::new(names))));
    }
    (conditions.join(" AND "), values)
}

/// PostgreSQL's earliest timestamp, 4713 BC.
fn earliest_timestamp() -> DateTime<Utc> {
    DateTime::from_timestamp(-210_866_803_200, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        crate::storage::tests::assert_migrations_listed("postgres", MIGRATIONS.len());
    }
}
