//! An application's own SQLite database, managed in place (`db adopt`).
//!
//! authctl's state lives in a side database of its own, `<file>.authctl` beside the
//! application's file: the recorded [`AppMapping`], sessions, tokens, the audit log, and what the
//! application's table has no column for (failed logins, lockouts, creation times, a lock kept
//! through the active column). The application's file is attached to it as `app`, so that each
//! command is one transaction over both. Against the application's file authctl runs no DDL and
//! no PRAGMA that persists (its journal mode stays the application's): only the reads and
//! writes of the users it manages.
//!
//! An account's id is the application's integer id in a UUID (`…-00000000002a` for 42). The
//! side state of an account is bound to its address too ([`tx`]): an id the application gives
//! to another account after deleting one never hands the old account's sessions or tokens on.

mod inspect;
mod tx;

use std::cell::Cell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{SqliteTx, from_millis};
use crate::domain::app::{AppMapping, Role};
use crate::domain::error::{Error, Result};
use crate::domain::lockout::Lockout;
use crate::domain::store::Store;
use crate::domain::user::{User, UsernameCase};
pub use inspect::{Adoption, adopt};
pub use tx::AdoptedTx;

/// The side database's schema, and its version.
const SIDE_SCHEMA: &str = include_str!("../../../../migrations/adopted/0001_side.sql");
pub const SIDE_SCHEMA_VERSION: u32 = 1;
/// The side database's `application_id` ("atsd"): a native open refuses the file by it.
pub const SIDE_APPLICATION_ID: i32 = 0x6174_7364;

/// The side database of the application database at `app`: `<app>.authctl`, beside the file
/// `app` resolves to (a symbolic link or another spelling of the path finds the same one).
pub fn side_path(app: &Path) -> PathBuf {
    let app = app.canonicalize().unwrap_or_else(|_| app.to_owned());
    let mut name = app.into_os_string();
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
    /// Whether the application's file is in a rollback-journal mode (not WAL).
    rollback_journal: bool,
}

/// What the application's table is like beyond the mapping, read at every opening.
#[derive(Debug, Default)]
struct Shape {
    /// The roles whose column is NOT NULL without a default: authctl must always write them.
    not_null: BTreeSet<Role>,
    /// Whether the creation column holds numbers (Unix seconds) rather than text.
    created_in_seconds: bool,
}

/// The recorded mapping, and the SQL it makes.
struct AppTable {
    mapping: AppMapping,
    shape: Shape,
    /// The table, quoted and in the `app` schema.
    name: String,
    /// The select list of a [`User`], over `u` (the table) and `a` (the side `accounts`).
    columns: String,
    /// Whether the account of `u` is locked, in SQL.
    locked: String,
    /// Whether the account of `u` is active, in SQL.
    active: String,
    /// Whether the address of `u` is confirmed, in SQL.
    confirmed: String,
    /// When the database was adopted: the creation time shown for an account the application
    /// made when its table has no creation column.
    adopted_at: DateTime<Utc>,
}

impl AdoptedStore {
    /// Opens the application database at `path` through its side database, and checks that the
    /// table and columns of the recorded mapping are still there.
    pub fn open(path: &Path, busy_timeout: Duration) -> Result<Self> {
        let side = side_path(path);
        let again = |what: &str| {
            Error::Usage(format!(
                "{} {what}: run `authctl --db {} db adopt` again.",
                side.display(),
                path.display()
            ))
        };
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
        let application_id: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
        match conn.pragma_query_value(None, "user_version", |row| row.get::<_, u32>(0))? {
            SIDE_SCHEMA_VERSION if application_id == SIDE_APPLICATION_ID => {}
            0 => return Err(again("is empty: the adoption did not complete")),
            version => {
                return Err(Error::storage(format!(
                    "{} is not a side database this authctl knows (schema version {version}, expected {SIDE_SCHEMA_VERSION}).",
                    side.display()
                )));
            }
        }
        let meta = |key: &str| -> Result<Option<String>> {
            Ok(conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))
                .optional()?)
        };
        let mapping = meta("app_mapping")?.ok_or_else(|| again("records no mapping"))?;
        let mapping: AppMapping = serde_json::from_str(&mapping).map_err(|_| again("records an unreadable mapping"))?;
        let adopted_at = meta("adopted_at")?
            .and_then(|ms| ms.parse().ok())
            .ok_or_else(|| again("records no adoption time"))?;
        // Per connection, not recorded in either file: the application's own constraints hold
        // for every change authctl makes.
        conn.pragma_update(None, "foreign_keys", "ON")?;
        register_functions(&conn)?;
        attach(&conn, path)?;
        let shape = inspect::check_mapping(&conn, &mapping)?;
        let journal: String = conn.pragma_query_value(Some("app"), "journal_mode", |row| row.get(0))?;
        Ok(AdoptedStore {
            rollback_journal: !journal.eq_ignore_ascii_case("wal"),
            conn,
            path: path.to_owned(),
            table: AppTable::new(mapping, shape, from_millis(adopted_at, 0)?),
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

/// The comparison forms authctl uses, as SQL functions (the application's table stores names
/// only as typed), and `authctl_fingerprint`, the SHA-256 of a stored password hash. Each takes
/// any value: a number, a blob or text that is not UTF-8 is read as text, lossily, so that one
/// odd row cannot fail every look-up.
fn register_functions(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    for case in [UsernameCase::Insensitive, UsernameCase::Sensitive] {
        conn.create_scalar_function(key_function(case), 1, flags, move |context| {
            Ok(lossy_text(context.get_raw(0)).map(|name| case.key(&name)))
        })?;
    }
    conn.create_scalar_function("authctl_fingerprint", 1, flags, |context| {
        Ok(lossy_text(context.get_raw(0)).map(|hash| Sha256::digest(hash.as_bytes()).to_vec()))
    })?;
    Ok(())
}

/// A value of the application's table as text: numbers written out, blobs and text that is not
/// UTF-8 read lossily.
fn lossy_text(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(number) => Some(number.to_string()),
        ValueRef::Real(number) => Some(number.to_string()),
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
    }
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
    fn new(mapping: AppMapping, shape: Shape, adopted_at: DateTime<Utc>) -> Self {
        let column = |role: Role| mapping.column(role).map(|name| format!("u.{}", quoted(name)));
        let flag = |role: Role, absent: &str, null: &str| {
            column(role).map_or(absent.to_owned(), |c| format!("coalesce({c}, {null}) <> 0"))
        };
        // NULL is inactive, as Flask-Login's `is_active` takes it.
        let active = flag(Role::Active, "1", "0");
        let locked = match (column(Role::Locked), column(Role::Active)) {
            (Some(locked), _) => format!("coalesce({locked}, 0) <> 0"),
            // A lock authctl keeps through the active column, while the account is inactive.
            (None, Some(_)) => format!("(coalesce(a.locked, 0) <> 0 AND NOT {active})"),
            (None, None) => "0".to_owned(),
        };
        let or_null = |role: Role| column(role).unwrap_or_else(|| "NULL".to_owned());
        // No confirmed column: the application has no such thing, every address counts.
        let confirmed = flag(Role::Confirmed, "1", "0");
        let columns = [
            column(Role::Id).unwrap_or_default(),
            or_null(Role::Email),
            or_null(Role::Username),
            or_null(Role::Password),
            confirmed.clone(),
            active.clone(),
            locked.clone(),
            or_null(Role::Created),
            "a.created_at".to_owned(),
            "coalesce(a.failed_logins, 0)".to_owned(),
            "a.locked_out_until".to_owned(),
        ]
        .join(", ");
        AppTable {
            name: format!("app.{}", quoted(&mapping.table)),
            mapping,
            shape,
            columns,
            locked,
            active,
            confirmed,
            adopted_at,
        }
    }

    /// The quoted column of `role`, if the table has one.
    fn column(&self, role: Role) -> Option<String> {
        self.mapping.column(role).map(quoted)
    }

    /// The quoted column of `role`, or the refusal of `what` naming it.
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

    /// The quoted column of a role every mapping has (the id, email and password).
    fn always(&self, role: Role) -> String {
        self.column(role).unwrap_or_default()
    }

    fn id(&self) -> String {
        self.always(Role::Id)
    }

    /// The comparison form of the address of `u`, in SQL.
    fn email_key(&self) -> String {
        format!("coalesce(authctl_normalize(u.{}), '')", self.always(Role::Email))
    }

    /// Whether the side state `a` is bound to the account `u` (see [`tx`]), in SQL.
    fn bound_to(&self) -> String {
        format!(
            "a.app_id = u.{} AND a.email_normalized = {} AND a.password_fp IS authctl_fingerprint(u.{})",
            self.id(),
            self.email_key(),
            self.always(Role::Password)
        )
    }

    /// `SELECT` of users with `tail` (a WHERE clause, an ORDER BY…) after the join. The side
    /// state joins only while it is bound to the account.
    fn select(&self, extra: &str, tail: &str) -> String {
        format!(
            "SELECT {}{extra} FROM {} AS u LEFT JOIN main.accounts AS a ON {} {tail}",
            self.columns,
            self.name,
            self.bound_to()
        )
    }

    /// A user from a row of [`AppTable::select`]. A password Django marks unusable (`!…`) is
    /// no password.
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
            email: lossy_text(row.get_ref(1)?).unwrap_or_default(),
            username: lossy_text(row.get_ref(2)?),
            password_hash: lossy_text(row.get_ref(3)?).filter(|hash| !hash.starts_with('!')),
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

impl Store for AdoptedStore {
    type Tx<'a> = AdoptedTx<'a>;

    fn reads_block_writers(&self) -> bool {
        self.rollback_journal
    }

    fn read(&mut self) -> Result<AdoptedTx<'_>> {
        let side = SqliteTx(
            self.conn.transaction_with_behavior(TransactionBehavior::Deferred)?,
            Cell::new(None),
        );
        Ok(AdoptedTx::new(side, &self.table))
    }

    /// `BEGIN IMMEDIATE` takes the write lock of both files: the application's too, for as
    /// long as the transaction lasts, which is short (passwords are hashed before it).
    fn write(&mut self) -> Result<AdoptedTx<'_>> {
        let side = SqliteTx(
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?,
            Cell::new(None),
        );
        Ok(AdoptedTx::new(side, &self.table))
    }
}
