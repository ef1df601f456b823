//! An application's own SQLite database, managed in place (`db adopt`).
//!
//! authctl's state lives in a side database of its own, `<file>.authctl` beside the
//! application's file: the recorded [`AppMapping`], sessions, tokens, the audit log, and what the
//! application's table has no column for (failed logins, lockouts, creation times). The
//! application's file is attached to it as `app`, so that each command is one transaction over
//! both. Against the application's file authctl runs no DDL and no PRAGMA that persists (its
//! journal mode stays the application's): only the reads and writes of the users it manages.
//!
//! An account's id is the application's integer id in a UUID (`…-00000000002a` for 42).

mod inspect;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};
use uuid::Uuid;

use super::{SqliteTx, from_millis, listing_params, millis};
use crate::domain::app::{AppMapping, FillValue, Role};
use crate::domain::audit::{AuditEntry, AuditFilter, AuditRecord};
use crate::domain::email::{AddressHash, normalize};
use crate::domain::error::{Error, Result};
use crate::domain::lockout::Lockout;
use crate::domain::session::Session;
use crate::domain::store::{BatchMark, Insert, Store, Transaction};
use crate::domain::token::{EmailToken, TokenHash, TokenPurpose};
use crate::domain::user::{User, UserKey, UserSelection, UsernameCase, email_taken};
use crate::storage::user_order;
pub use inspect::{Adoption, adopt};

/// The side database's schema, and its version.
const SIDE_SCHEMA: &str = include_str!("../../../../migrations/adopted/0001_side.sql");
pub const SIDE_SCHEMA_VERSION: u32 = 1;

/// The side database of the application database at `app`: `<app>.authctl`, beside it.
pub fn side_path(app: &Path) -> PathBuf {
    let mut name = app.as_os_str().to_owned();
    name.push(".authctl");
    PathBuf::from(name)
}

/// Whether the application database at `app` has been adopted (its side database exists).
pub fn is_adopted(app: &Path) -> bool {
    side_path(app).is_file()
}

/// The UUID of the application's account `app_id`.
pub fn app_uuid(app_id: i64) -> Uuid {
    Uuid::from_u64_pair(0, app_id as u64)
}

/// The application's id in `id`, when it is one of [`app_uuid`]'s.
fn app_id_of(id: Uuid) -> Option<i64> {
    match id.as_u64_pair() {
        (0, low) => Some(low as i64),
        _ => None,
    }
}

/// An adopted application database, with its side database.
pub struct AdoptedStore {
    conn: Connection,
    path: PathBuf,
    table: AppTable,
}

/// The recorded mapping, and the SQL it makes.
struct AppTable {
    mapping: AppMapping,
    /// The table, quoted and in the `app` schema.
    name: String,
    /// The select list of a [`User`], over `u` (the table) and `a` (the side `accounts`).
    columns: String,
    /// When the database was adopted: the creation time shown for an account the application
    /// made when its table has no creation column.
    adopted_at: DateTime<Utc>,
}

impl AdoptedStore {
    /// Opens the application database at `path` through its side database, and checks that the
    /// table and columns of the recorded mapping are still there.
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<Self> {
        let side = side_path(path);
        if !path.is_file() {
            return Err(Error::storage(format!(
                "The application database {} is missing, but {} records its adoption.",
                path.display(),
                side.display()
            )));
        }
        let conn = Connection::open_with_flags(&side, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .map_err(|e| Error::storage_from(format!("cannot open authctl's side database {}", side.display()), e))?;
        conn.busy_timeout(busy_timeout)?;
        let version: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if version != SIDE_SCHEMA_VERSION {
            return Err(Error::storage(format!(
                "{} is not a side database this authctl knows (schema version {version}, expected {SIDE_SCHEMA_VERSION}).",
                side.display()
            )));
        }
        let mapping: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'app_mapping'", [], |row| row.get(0))
            .optional()?
            .ok_or_else(|| {
                Error::storage(format!(
                    "{} records no mapping: run `authctl db adopt`.",
                    side.display()
                ))
            })?;
        let mapping: AppMapping = serde_json::from_str(&mapping)
            .map_err(|e| Error::storage_from(format!("the mapping recorded in {} is unreadable", side.display()), e))?;
        let adopted_at: String =
            conn.query_row("SELECT value FROM meta WHERE key = 'adopted_at'", [], |row| row.get(0))?;
        let adopted_at = adopted_at.parse().map_err(|e| {
            Error::storage_from(
                format!("the adoption time recorded in {} is unreadable", side.display()),
                e,
            )
        })?;
        // Per connection, not recorded in either file: the application's own constraints hold
        // for every change authctl makes.
        conn.pragma_update(None, "foreign_keys", "ON")?;
        register_functions(&conn)?;
        attach(&conn, path)?;
        inspect::check_mapping(&conn, &mapping, path)?;
        Ok(AdoptedStore {
            conn,
            path: path.to_owned(),
            table: AppTable::new(mapping, from_millis(adopted_at, 0)?),
        })
    }

    /// The application's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The recorded mapping.
    pub fn mapping(&self) -> &AppMapping {
        &self.table.mapping
    }

    /// The side database's schema version.
    pub fn schema_version(&self) -> Result<u32> {
        Ok(self.conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
    }
}

/// Attaches the application's file as `app`.
fn attach(conn: &Connection, path: &Path) -> Result<()> {
    let name = path.to_str().ok_or_else(|| {
        Error::Usage(format!(
            "The path {} is not UTF-8: SQLite cannot attach it.",
            path.display()
        ))
    })?;
    conn.execute("ATTACH DATABASE ?1 AS app", [name])
        .map_err(|e| Error::storage_from(format!("cannot open the application database {}", path.display()), e))?;
    Ok(())
}

/// The comparison forms authctl uses, as SQL functions: the application's table stores names
/// only as typed.
fn register_functions(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    for case in [UsernameCase::Insensitive, UsernameCase::Sensitive] {
        conn.create_scalar_function(key_function(case), 1, flags, move |context| {
            Ok(context.get::<Option<String>>(0)?.as_deref().map(|name| case.key(name)))
        })?;
    }
    Ok(())
}

/// The SQL function that computes a name's comparison form under `case` (an email address is
/// always compared case-insensitively).
fn key_function(case: UsernameCase) -> &'static str {
    match case {
        UsernameCase::Insensitive => "authctl_normalize",
        UsernameCase::Sensitive => "authctl_nfkc",
    }
}

/// `name` as an SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl AppTable {
    fn new(mapping: AppMapping, adopted_at: DateTime<Utc>) -> Self {
        let column = |role: Role| mapping.column(role).map(|name| format!("u.{}", quoted(name)));
        let flag = |role: Role, absent: &str, null: &str| {
            column(role).map_or(absent.to_owned(), |c| format!("coalesce({c}, {null}) <> 0"))
        };
        let columns = [
            column(Role::Id).unwrap_or_default(),
            column(Role::Email).unwrap_or_default(),
            column(Role::Username).unwrap_or_else(|| "NULL".to_owned()),
            column(Role::Password).unwrap_or_default(),
            // No confirmed column: the application has no such thing, every address counts.
            flag(Role::Confirmed, "1", "0"),
            // NULL is inactive, as Flask-Login's `is_active` takes it.
            flag(Role::Active, "1", "0"),
            flag(Role::Locked, "0", "0"),
            column(Role::Created).unwrap_or_else(|| "NULL".to_owned()),
            "a.created_at".to_owned(),
            "coalesce(a.failed_logins, 0)".to_owned(),
            "a.locked_out_until".to_owned(),
        ]
        .join(", ");
        AppTable {
            name: format!("app.{}", quoted(&mapping.table)),
            mapping,
            columns,
            adopted_at,
        }
    }

    /// The quoted column of `role`, if the table has one.
    fn column(&self, role: Role) -> Option<String> {
        self.mapping.column(role).map(quoted)
    }

    /// The quoted column of `role`, or the refusal of `command` naming it.
    fn needed(&self, role: Role, what: &str) -> Result<String> {
        self.column(role).ok_or_else(|| {
            Error::Usage(format!(
                "The application's table {} has no {role} column, which {what} needs: \
                 name it with {} in the config file's [app] section and run `authctl db adopt` again.",
                self.mapping.table,
                role.key()
            ))
        })
    }

    fn id(&self) -> String {
        self.column(Role::Id).unwrap_or_default()
    }

    /// `SELECT` of users with `tail` (a WHERE clause, an ORDER BY…) after the join.
    fn select(&self, extra: &str, tail: &str) -> String {
        format!(
            "SELECT {}{extra} FROM {} AS u LEFT JOIN main.accounts AS a ON a.app_id = u.{} {tail}",
            self.columns,
            self.name,
            self.id()
        )
    }

    /// A user from a row of [`AppTable::select`].
    fn user(&self, row: &Row<'_>) -> rusqlite::Result<User> {
        let app_id: i64 = row.get(0)?;
        let created_at = match app_time(row.get_ref(7)?) {
            Some(time) => time,
            None => match row.get::<_, Option<i64>>(8)? {
                Some(ms) => from_millis(ms, 8)?,
                None => self.adopted_at,
            },
        };
        Ok(User {
            id: app_uuid(app_id),
            email: row.get(1)?,
            username: row.get(2)?,
            password_hash: row.get(3)?,
            confirmed: row.get(4)?,
            active: row.get(5)?,
            locked: row.get(6)?,
            created_at,
            lockout: Lockout {
                failures: row.get(9)?,
                until: row
                    .get::<_, Option<i64>>(10)?
                    .map(|ms| from_millis(ms, 10))
                    .transpose()?,
            },
        })
    }
}

/// A creation time as applications store it: SQLAlchemy's and Django's text
/// (`2026-12-04 10:00:00.123456`, UTC), ISO 8601 with an offset, or Unix seconds.
fn app_time(value: ValueRef<'_>) -> Option<DateTime<Utc>> {
    match value {
        ValueRef::Integer(seconds) => DateTime::from_timestamp(seconds, 0),
        ValueRef::Real(seconds) => DateTime::from_timestamp_millis((seconds * 1000.0) as i64),
        ValueRef::Text(bytes) => {
            let text = std::str::from_utf8(bytes).ok()?.trim();
            DateTime::parse_from_rfc3339(text)
                .map(|time| time.to_utc())
                .ok()
                .or_else(|| {
                    [
                        "%Y-%m-%d %H:%M:%S%.f",
                        "%Y-%m-%dT%H:%M:%S%.f",
                        "%Y-%m-%d %H:%M:%S%.f%:z",
                    ]
                    .iter()
                    .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
                    .map(|naive| naive.and_utc())
                })
        }
        ValueRef::Null | ValueRef::Blob(_) => None,
    }
}

/// A time as SQLAlchemy and Django write it into SQLite: UTC text with microseconds.
fn app_time_text(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

impl Store for AdoptedStore {
    type Tx<'a> = AdoptedTx<'a>;

    fn read(&mut self) -> Result<AdoptedTx<'_>> {
        Ok(AdoptedTx {
            side: SqliteTx(
                self.conn.transaction_with_behavior(TransactionBehavior::Deferred)?,
                Cell::new(None),
            ),
            table: &self.table,
        })
    }

    /// `BEGIN IMMEDIATE` takes the write lock of both files: the application's too, for as
    /// long as the transaction lasts, which is short (passwords are hashed before it).
    fn write(&mut self) -> Result<AdoptedTx<'_>> {
        Ok(AdoptedTx {
            side: SqliteTx(
                self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?,
                Cell::new(None),
            ),
            table: &self.table,
        })
    }
}

/// A transaction over an adopted database: the users in the application's table, the rest in
/// the side database (through the native engine's own code).
pub struct AdoptedTx<'a> {
    side: SqliteTx<'a>,
    table: &'a AppTable,
}

impl AdoptedTx<'_> {
    fn conn(&self) -> &rusqlite::Transaction<'_> {
        &self.side.0
    }

    /// The SQL comparison form of the username column under the database's comparison.
    fn username_key_sql(&self) -> Result<Option<String>> {
        let function = key_function(self.side.username_case()?);
        Ok(self.table.column(Role::Username).map(|c| format!("{function}(u.{c})")))
    }

    fn user_where(&self, condition: &str, value: &dyn rusqlite::ToSql) -> Result<Option<User>> {
        let sql = self
            .table
            .select("", &format!("WHERE {condition} ORDER BY u.{} LIMIT 1", self.table.id()));
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row([value], |row| self.table.user(row))
            .optional()?)
    }

    /// The application's id of the account with the address `email`, other than `except`.
    fn email_holder(&self, email: &str, except: Option<i64>) -> Result<Option<i64>> {
        let t = self.table;
        let sql = format!(
            "SELECT {id} FROM {name} WHERE authctl_normalize({email}) = ?1 AND {id} IS NOT ?2 ORDER BY {id} LIMIT 1",
            id = t.id(),
            name = t.name,
            email = t.column(Role::Email).unwrap_or_default()
        );
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row(params![normalize(email), except], |row| row.get(0))
            .optional()?)
    }

    /// The application's id of the account with the username `name`, other than `except`.
    fn username_holder(&self, name: &str, except: Option<i64>) -> Result<Option<i64>> {
        let Some(column) = self.table.column(Role::Username) else {
            return Ok(None);
        };
        let t = self.table;
        let case = self.side.username_case()?;
        let sql = format!(
            "SELECT {id} FROM {name} WHERE {function}({column}) = ?1 AND {id} IS NOT ?2 ORDER BY {id} LIMIT 1",
            id = t.id(),
            name = t.name,
            function = key_function(case)
        );
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .query_row(params![case.key(name), except], |row| row.get(0))
            .optional()?)
    }

    /// Inserts `user` into the application's table; returns the id it was given.
    fn insert_row(&self, user: &User) -> Result<i64> {
        let t = self.table;
        let mut columns = vec![t.id()];
        let mut values: Vec<Value> = vec![Value::Null];
        let mut set = |column: String, value: Value| {
            columns.push(column);
            values.push(value);
        };
        set(
            t.column(Role::Email).unwrap_or_default(),
            Value::Text(user.email.clone()),
        );
        if let Some(name) = &user.username {
            set(t.needed(Role::Username, "a username")?, Value::Text(name.clone()));
        }
        set(
            t.column(Role::Password).unwrap_or_default(),
            user.password_hash.clone().map_or(Value::Null, Value::Text),
        );
        // Without a confirmed column the application has no such thing: every address counts
        // as confirmed, a new account's too.
        if let Some(column) = t.column(Role::Confirmed) {
            set(column, Value::Integer(user.confirmed.into()));
        }
        match t.column(Role::Active) {
            Some(column) => set(column, Value::Integer(user.active.into())),
            None if !user.active => {
                t.needed(Role::Active, "an inactive account")?;
            }
            None => {}
        }
        if let Some(column) = t.column(Role::Locked) {
            set(column, Value::Integer(user.locked.into()));
        }
        if let Some(column) = t.column(Role::Created) {
            set(column, Value::Text(app_time_text(user.created_at)));
        }
        for (column, value) in &t.mapping.defaults {
            set(
                quoted(column),
                match value {
                    FillValue::Boolean(flag) => Value::Integer((*flag).into()),
                    FillValue::Integer(number) => Value::Integer(*number),
                    FillValue::Real(number) => Value::Real(*number),
                    FillValue::Text(text) => Value::Text(text.clone()),
                },
            );
        }
        let placeholders = (1..=columns.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({placeholders})",
            t.name,
            columns.join(", ")
        );
        self.conn()
            .prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(values))
            .map_err(|e| {
                refused(
                    e,
                    format!(
                        "The application's table {} refused the account {}",
                        t.mapping.table, user.email
                    ),
                )
            })?;
        let app_id = self.conn().last_insert_rowid();
        // An id the application used before (and freed) must not hand the old account's
        // sessions, tokens or lockout to the new one.
        self.forget(app_id)?;
        self.conn().execute(
            "INSERT INTO main.accounts (app_id, created_at) VALUES (?1, ?2)",
            params![app_id, millis(user.created_at)],
        )?;
        Ok(app_id)
    }

    /// Deletes authctl's side state of the account `app_id`.
    fn forget(&self, app_id: i64) -> Result<()> {
        let id = app_uuid(app_id).to_string();
        self.conn()
            .execute("DELETE FROM main.sessions WHERE user_id = ?1", [&id])?;
        self.conn()
            .execute("DELETE FROM main.tokens WHERE user_id = ?1", [&id])?;
        self.conn()
            .execute("DELETE FROM main.accounts WHERE app_id = ?1", [app_id])?;
        Ok(())
    }

    /// Sets `column` of the account `id` to `value`.
    fn update(&self, id: Uuid, column: &str, value: &dyn rusqlite::ToSql) -> Result<usize> {
        let Some(app_id) = app_id_of(id) else {
            return Ok(0);
        };
        let sql = format!(
            "UPDATE {} SET {column} = ?2 WHERE {} = ?1",
            self.table.name,
            self.table.id()
        );
        self.conn()
            .prepare_cached(&sql)?
            .execute(params![app_id, value])
            .map_err(|e| {
                refused(
                    e,
                    format!(
                        "The application's table {} refused the change",
                        self.table.mapping.table
                    ),
                )
            })
    }
}

/// A constraint of the application's database that refused a change (exit 5), or another
/// failure as it is.
fn refused(error: rusqlite::Error, context: String) -> Error {
    if error.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
        Error::Constrained {
            context,
            source: error.into(),
        }
    } else {
        error.into()
    }
}

impl Transaction for AdoptedTx<'_> {
    fn database_id(&self) -> Result<String> {
        self.side.database_id()
    }

    fn count_users(&self) -> Result<u64> {
        let count: i64 = self
            .conn()
            .query_row(&format!("SELECT count(*) FROM {}", self.table.name), [], |row| {
                row.get(0)
            })?;
        Ok(count.unsigned_abs())
    }

    fn username_case(&self) -> Result<UsernameCase> {
        self.side.username_case()
    }

    fn set_username_case(&self, case: UsernameCase) -> Result<Option<Vec<String>>> {
        if let Some(column) = self.table.column(Role::Username) {
            let collision: Option<String> = self
                .conn()
                .query_row(
                    &format!(
                        "SELECT group_concat({column}, char(10)) FROM {} WHERE {column} IS NOT NULL \
                         GROUP BY {}({column}) HAVING count(*) > 1 LIMIT 1",
                        self.table.name,
                        key_function(case)
                    ),
                    [],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(names) = collision {
                return Ok(Some(names.lines().map(str::to_owned).collect()));
            }
        }
        self.conn().execute(
            "INSERT INTO main.meta (key, value) VALUES ('username_case', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [case.as_str()],
        )?;
        self.side.1.set(Some(case));
        Ok(None)
    }

    fn find_user(&self, key: &UserKey) -> Result<Option<User>> {
        match key {
            UserKey::Id(id) => match app_id_of(*id) {
                Some(app_id) => self.user_where(&format!("u.{} = ?1", self.table.id()), &app_id),
                None => Ok(None),
            },
            UserKey::Email(email) => {
                let column = self.table.column(Role::Email).unwrap_or_default();
                self.user_where(&format!("authctl_normalize(u.{column}) = ?1"), email)
            }
            UserKey::Username(name) => match self.username_key_sql()? {
                Some(key) => self.user_where(&format!("{key} = ?1"), &self.side.username_key(name)?),
                None => Ok(None),
            },
        }
    }

    fn for_each_user(&self, selection: &UserSelection, each: &mut dyn FnMut(User) -> Result<()>) -> Result<()> {
        let query = &selection.query;
        let t = self.table;
        let username_key = self.username_key_sql()?.unwrap_or_else(|| "NULL".to_owned());
        let email = t.column(Role::Email).unwrap_or_default();
        let created = t
            .column(Role::Created)
            .map_or("a.created_at".to_owned(), |c| format!("u.{c}"));
        let extra = format!(
            ", authctl_normalize(u.{email}) AS email_normalized, {username_key} AS username_normalized, \
             {created} AS created_at"
        );
        let tail = format!(
            "WHERE (?1 IS NULL OR {locked} OR a.locked_out_until > ?1)
               AND (?2 = 0 OR NOT {confirmed})
               AND (?3 IS NULL OR instr(authctl_normalize(u.{email}), ?3) > 0 OR instr({username_key}, ?4) > 0)
             ORDER BY {}
             LIMIT ?5 OFFSET ?6",
            user_order(query.order, query.descending, &format!("u.{}", t.id()), ""),
            locked = t
                .column(Role::Locked)
                .map_or("0".to_owned(), |c| format!("coalesce(u.{c}, 0) <> 0")),
            confirmed = t
                .column(Role::Confirmed)
                .map_or("1".to_owned(), |c| format!("coalesce(u.{c}, 0) <> 0")),
        );
        let mut statement = self.conn().prepare_cached(&t.select(&extra, &tail))?;
        let mut rows = statement.query(listing_params(selection))?;
        while let Some(row) = rows.next()? {
            each(t.user(row)?)?;
        }
        Ok(())
    }

    fn insert_user(&self, user: &mut User) -> Result<()> {
        if self.email_holder(&user.email, None)?.is_some() {
            return Err(email_taken(&user.email));
        }
        if let Some(name) = &user.username
            && self.username_holder(name, None)?.is_some()
        {
            return Err(Error::UsernameTaken { username: name.clone() });
        }
        user.id = app_uuid(self.insert_row(user)?);
        Ok(())
    }

    fn batch_mark(&self) -> Result<BatchMark> {
        let sql = format!("SELECT coalesce(max({}), 0) FROM {}", self.table.id(), self.table.name);
        Ok(BatchMark(self.conn().query_row(&sql, [], |row| row.get(0))?))
    }

    fn insert_user_unless_taken(&self, user: &User, mark: BatchMark) -> Result<Insert> {
        if let Some(holder) = self.email_holder(&user.email, None)? {
            if holder > mark.0 {
                return Ok(Insert::EmailInBatch);
            }
            let existing = self.find_user(&UserKey::Id(app_uuid(holder)))?;
            return Ok(existing.map_or(Insert::EmailInBatch, Insert::EmailTaken));
        }
        if let Some(name) = &user.username
            && let Some(holder) = self.username_holder(name, None)?
        {
            return Ok(if holder > mark.0 {
                Insert::UsernameInBatch
            } else {
                Insert::UsernameTaken
            });
        }
        self.insert_row(user)?;
        Ok(Insert::Created)
    }

    fn set_password_hash(&self, id: Uuid, new: &str, expected: Option<&str>) -> Result<bool> {
        let Some(app_id) = app_id_of(id) else {
            return Ok(false);
        };
        let t = self.table;
        let column = t.column(Role::Password).unwrap_or_default();
        let sql = format!(
            "UPDATE {} SET {column} = ?2 WHERE {} = ?1 AND {column} IS ?3",
            t.name,
            t.id()
        );
        Ok(self
            .conn()
            .prepare_cached(&sql)?
            .execute(params![app_id, new, expected])?
            == 1)
    }

    /// With no locked column, an active column holds the lock (a locked account is inactive,
    /// which Flask-Login and Django refuse at login).
    fn set_locked(&self, id: Uuid, locked: bool) -> Result<()> {
        match (self.table.column(Role::Locked), self.table.column(Role::Active)) {
            (Some(column), _) => self.update(id, &column, &locked)?,
            (None, Some(column)) => self.update(id, &column, &!locked)?,
            (None, None) => {
                return Err(Error::Usage(format!(
                    "The application's table {} has neither a locked nor an active column, which locking \
                     an account needs: name one with locked_column or active_column in the config file's \
                     [app] section and run `authctl db adopt` again.",
                    self.table.mapping.table
                )));
            }
        };
        Ok(())
    }

    fn set_active(&self, id: Uuid, active: bool) -> Result<()> {
        let column = self
            .table
            .needed(Role::Active, "changing whether an account is active")?;
        self.update(id, &column, &active)?;
        Ok(())
    }

    fn set_confirmed(&self, id: Uuid, confirmed: bool) -> Result<()> {
        match self.table.column(Role::Confirmed) {
            Some(column) => {
                self.update(id, &column, &confirmed)?;
            }
            None if confirmed => {}
            None => {
                self.table.needed(Role::Confirmed, "an unconfirmed address")?;
            }
        }
        Ok(())
    }

    fn set_email(&self, id: Uuid, email: &str) -> Result<()> {
        if self.email_holder(email, app_id_of(id))?.is_some() {
            return Err(email_taken(email));
        }
        let column = self.table.column(Role::Email).unwrap_or_default();
        self.update(id, &column, &email)?;
        Ok(())
    }

    fn set_username(&self, id: Uuid, username: Option<&str>) -> Result<()> {
        let column = match (self.table.column(Role::Username), username) {
            (Some(column), _) => column,
            (None, None) => return Ok(()),
            (None, Some(_)) => self.table.needed(Role::Username, "a username")?,
        };
        if let Some(name) = username
            && self.username_holder(name, app_id_of(id))?.is_some()
        {
            return Err(Error::UsernameTaken {
                username: name.to_owned(),
            });
        }
        self.update(id, &column, &username)?;
        Ok(())
    }

    fn set_lockout(&self, id: Uuid, lockout: Lockout) -> Result<()> {
        let Some(app_id) = app_id_of(id) else {
            return Ok(());
        };
        self.conn()
            .prepare_cached(
                "INSERT INTO main.accounts (app_id, failed_logins, locked_out_until) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (app_id) DO UPDATE SET failed_logins = excluded.failed_logins, \
                 locked_out_until = excluded.locked_out_until",
            )?
            .execute(params![app_id, lockout.failures, lockout.until.map(millis)])?;
        Ok(())
    }

    fn delete_user(&self, id: Uuid) -> Result<()> {
        let Some(app_id) = app_id_of(id) else {
            return Ok(());
        };
        let t = self.table;
        self.conn()
            .execute(&format!("DELETE FROM {} WHERE {} = ?1", t.name, t.id()), [app_id])
            .map_err(|e| refused(e, format!("The application's database refuses to delete the account {app_id}: rows of its other tables reference it")))?;
        self.forget(app_id)
    }

    fn insert_session(&self, session: &Session) -> Result<()> {
        self.side.insert_session(session)
    }

    fn delete_expired_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<usize> {
        self.side.delete_expired_sessions(user_id, now)
    }

    fn find_session(&self, token: &TokenHash) -> Result<Option<Session>> {
        self.side.find_session(token)
    }

    fn live_sessions(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<Vec<Session>> {
        self.side.live_sessions(user_id, now)
    }

    fn revoke_sessions(&self, user_id: Uuid, keep: Option<Uuid>, now: DateTime<Utc>) -> Result<usize> {
        self.side.revoke_sessions(user_id, keep, now)
    }

    fn revoke_session(&self, user_id: Uuid, session_id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        self.side.revoke_session(user_id, session_id, now)
    }

    fn insert_token(&self, token: &EmailToken) -> Result<()> {
        self.side.insert_token(token)
    }

    fn find_token(&self, hash: &TokenHash) -> Result<Option<EmailToken>> {
        self.side.find_token(hash)
    }

    fn mark_token_used(&self, hash: &TokenHash, now: DateTime<Utc>) -> Result<()> {
        self.side.mark_token_used(hash, now)
    }

    fn delete_unused_tokens(&self, user_id: Uuid, purpose: Option<TokenPurpose>) -> Result<usize> {
        self.side.delete_unused_tokens(user_id, purpose)
    }

    fn count_reset_requests(&self, address: &AddressHash, since: DateTime<Utc>) -> Result<u64> {
        self.side.count_reset_requests(address, since)
    }

    fn record_reset_request(
        &self,
        address: &AddressHash,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<()> {
        self.side.record_reset_request(address, at, forget_before)
    }

    fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        self.side.append_audit(entry)
    }

    fn for_each_audit(&self, filter: &AuditFilter, each: &mut dyn FnMut(AuditRecord) -> Result<()>) -> Result<()> {
        self.side.for_each_audit(filter, each)
    }

    fn last_audit_seq(&self) -> Result<i64> {
        self.side.last_audit_seq()
    }

    fn prune_audit(&self, before: DateTime<Utc>) -> Result<u64> {
        self.side.prune_audit(before)
    }

    fn audit_user_ids(&self, email: &str) -> Result<Vec<Uuid>> {
        self.side.audit_user_ids(email)
    }

    /// A deferred foreign key of the application (Django declares its own so) is checked here:
    /// its refusal is a conflict, and nothing is written.
    fn commit(self) -> Result<()> {
        let table = self.table.mapping.table.clone();
        self.side.0.commit().map_err(|e| {
            refused(e, format!("The application's database refuses the change to its table {table}: rows of its other tables reference the account"))
        })
    }
}
