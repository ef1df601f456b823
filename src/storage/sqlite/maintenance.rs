//! `authctl db backup` and `db check` on an SQLite file: whole-database operations that the
//! storage traits do not cover, since they exist on this engine only.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::{
    SCHEMA_VERSION, SESSION_COLUMNS, SqliteStore, TOKEN_COLUMNS, USER_COLUMNS, session_from_row, token_from_row,
    user_from_row_at,
};
use crate::domain::audit::AuditEvent;
use crate::domain::email::normalize;
use crate::domain::error::{Error, Result};
use crate::domain::token::TokenPurpose;
use crate::storage::username_case_from_meta;
use crate::text::shown;

/// Problems `db check` lists in full; past this many only their number is given.
pub const MAX_LISTED_PROBLEMS: usize = 100;

/// What `db check` found: nothing wrong when `total` is 0.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct CheckReport {
    /// The first [`MAX_LISTED_PROBLEMS`] problems, one sentence each.
    pub problems: Vec<String>,
    /// How many problems there were in all.
    pub total: u64,
}

impl CheckReport {
    fn push(&mut self, problem: String) {
        self.total += 1;
        if self.problems.len() < MAX_LISTED_PROBLEMS {
            self.problems.push(problem);
        }
    }

    /// Runs one check; a check that cannot even run (a corrupt page, a missing table) is itself
    /// a problem, and the other checks still run.
    fn run(&mut self, what: &str, check: impl FnOnce(&mut Self) -> rusqlite::Result<()>) {
        if let Err(error) = check(self) {
            self.push(format!("{what} could not run: {error}"));
        }
    }
}

/// What `db backup` wrote.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupSummary {
    /// The new file.
    pub path: PathBuf,
    /// The schema version of the copy.
    pub schema_version: u32,
    /// How many accounts the copy holds.
    pub users: u64,
    /// The size of the copy in bytes.
    pub bytes: u64,
}

/// Backup and check: whole-database operations of `authctl db`.
impl SqliteStore {
    /// Copies the database to a new file at `dest` (0600) with SQLite's online backup, while
    /// other processes go on using it. The copy is one consistent snapshot: it is taken in a
    /// single backup step, that is one read transaction, which in WAL mode blocks no writer.
    /// It is written beside `dest` and renamed into place, so `dest` never holds half a copy.
    /// An existing `dest` is refused unless `replace`, and never replaced when it is not a
    /// regular file or is this database itself.
    pub fn backup_to(&self, dest: &Path, replace: bool, busy_timeout: Duration) -> Result<BackupSummary> {
        let cannot = |e: &dyn std::fmt::Display| {
            Error::storage_from(format!("Cannot write the backup {}", dest.display()), e.to_string())
        };
        match fs::symlink_metadata(dest) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(cannot(&e)),
            Ok(_) if !replace => {
                return Err(Error::Usage(format!(
                    "{} already exists: choose a new path, or pass --force to replace it.",
                    dest.display()
                )));
            }
            Ok(meta) if !meta.is_file() => {
                return Err(Error::Usage(format!(
                    "{} is not a regular file: refusing to replace it.",
                    dest.display()
                )));
            }
            Ok(meta) if is_same_file(&meta, &self.path) => {
                return Err(Error::Usage(format!(
                    "{} is the database itself: choose another path.",
                    dest.display()
                )));
            }
            Ok(_) => {}
        }
        let dir = dest
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        // tempfile creates the file with mode 0600; it stays open until the copy is closed, and
        // is deleted if anything fails before the rename.
        let file = tempfile::Builder::new()
            .prefix(".authctl-backup")
            .tempfile_in(dir)
            .map_err(|e| cannot(&e))?;
        let mut copy = Connection::open(file.path()).map_err(|e| cannot(&e))?;
        {
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy).map_err(|e| cannot(&e))?;
            let deadline = std::time::Instant::now() + busy_timeout;
            loop {
                // -1: every page in one step, so that the copy is one snapshot and is never
                // restarted by a concurrent write.
                match backup.step(-1).map_err(|e| cannot(&e))? {
                    rusqlite::backup::StepResult::Done => break,
                    _ if std::time::Instant::now() >= deadline => {
                        return Err(Error::storage(format!(
                            "The database stayed locked by another process past the busy timeout; no backup was written to {}.",
                            dest.display()
                        )));
                    }
                    _ => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        }
        let schema_version: u32 = copy
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|e| cannot(&e))?;
        let users: i64 = copy
            .query_row("SELECT count(*) FROM users", [], |row| row.get(0))
            .map_err(|e| cannot(&e))?;
        copy.close().map_err(|(_, e)| cannot(&e))?;
        file.as_file().sync_all().map_err(|e| cannot(&e))?;
        let bytes = file.as_file().metadata().map_err(|e| cannot(&e))?.len();
        if replace {
            file.persist(dest).map_err(|e| cannot(&e.error))?;
        } else {
            // A file that appeared at `dest` since the check above is still not overwritten.
            file.persist_noclobber(dest).map_err(|e| match e.error.kind() {
                std::io::ErrorKind::AlreadyExists => {
                    Error::Usage(format!("{} already exists: refusing to replace it.", dest.display()))
                }
                _ => cannot(&e.error),
            })?;
        }
        Ok(BackupSummary {
            path: dest.to_owned(),
            schema_version,
            users: users.unsigned_abs(),
            bytes,
        })
    }

    /// Checks the database: SQLite's `integrity_check` and `foreign_key_check`, then authctl's
    /// own invariants (schema version, database identity, rows every command can read, stored
    /// normalised forms that match, tokens and audit events of known kinds). Reads only, in one
    /// snapshot.
    pub fn check(&mut self) -> Result<CheckReport> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let mut report = CheckReport::default();
        report.run("integrity_check", |report| {
            let mut statement = tx.prepare("PRAGMA integrity_check(100)")?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                let text: String = row.get(0)?;
                // One result row may hold several lines, headed by the name of the schema.
                for line in text
                    .lines()
                    .filter(|line| *line != "ok" && !line.starts_with("*** in database"))
                {
                    report.push(format!("integrity: {line}"));
                }
            }
            Ok(())
        });
        report.run("foreign_key_check", |report| {
            let mut statement = tx.prepare("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                let (table, rowid, parent): (String, Option<i64>, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
                let rowid = rowid.map_or_else(|| "?".to_owned(), |id| id.to_string());
                report.push(format!(
                    "{table} row {rowid} refers to a {parent} row that does not exist"
                ));
            }
            Ok(())
        });
        report.run("the schema version check", |report| {
            let version: u32 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
            if version != SCHEMA_VERSION {
                report.push(format!(
                    "schema version {version}, this authctl expects {SCHEMA_VERSION} (run `authctl db migrate`)"
                ));
            }
            Ok(())
        });
        report.run("the database identity check", |report| {
            let ids: Vec<String> = tx
                .prepare("SELECT value FROM meta WHERE key = 'database_id'")?
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let well_formed =
                |id: &String| id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if ids.len() != 1 || !ids.iter().all(well_formed) {
                report.push("meta: the database_id is missing, repeated or malformed".to_owned());
            }
            Ok(())
        });
        report.run("the users check", |report| {
            let case: Option<String> = tx
                .query_row("SELECT value FROM meta WHERE key = 'username_case'", [], |row| {
                    row.get(0)
                })
                .optional()?;
            let Ok(case) = username_case_from_meta(case) else {
                report.push("meta: the username_case is neither 'insensitive' nor 'sensitive'".to_owned());
                return Ok(());
            };
            let mut statement = tx.prepare(&format!(
                "SELECT rowid, email_normalized, username_normalized, {USER_COLUMNS} FROM users"
            ))?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                let rowid: i64 = row.get(0)?;
                match user_from_row_at(row, 3) {
                    Err(e) => report.push(format!("users row {rowid} cannot be read: {e}")),
                    Ok(user) => {
                        let (email_normalized, username_normalized): (String, Option<String>) =
                            (row.get(1)?, row.get(2)?);
                        if email_normalized != normalize(&user.email)
                            || username_normalized != user.username.as_deref().map(|name| case.key(name))
                        {
                            report.push(format!(
                                "users row {rowid}: the stored normalised email or username does not match"
                            ));
                        }
                    }
                }
            }
            Ok(())
        });
        report.run("the sessions check", |report| {
            let mut statement = tx.prepare(&format!("SELECT {SESSION_COLUMNS}, rowid FROM sessions"))?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                let rowid: i64 = row.get(column_count(SESSION_COLUMNS))?;
                if let Err(e) = session_from_row(row) {
                    report.push(format!("sessions row {rowid} cannot be read: {e}"));
                }
            }
            Ok(())
        });
        report.run("the tokens check", |report| {
            let mut statement = tx.prepare(&format!("SELECT {TOKEN_COLUMNS}, rowid FROM tokens"))?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                let rowid: i64 = row.get(column_count(TOKEN_COLUMNS))?;
                match token_from_row(row) {
                    Err(e) => report.push(format!("tokens row {rowid} cannot be read: {e}")),
                    Ok(token) if (token.purpose == TokenPurpose::EmailChange) != token.new_email.is_some() => {
                        report.push(format!(
                            "tokens row {rowid}: a new address must come with an email-change token and only with one"
                        ));
                    }
                    Ok(_) => {}
                }
            }
            Ok(())
        });
        report.run("the audit check", |report| {
            let mut statement = tx.prepare("SELECT DISTINCT event FROM audit")?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                let event: String = row.get(0)?;
                if AuditEvent::from_name(&event).is_none() {
                    report.push(format!("audit: unknown event '{}'", shown(&event)));
                }
            }
            Ok(())
        });
        Ok(report)
    }
}

/// How many columns a `*_COLUMNS` list names: the index of a column selected after them.
fn column_count(columns: &str) -> usize {
    columns.split(',').count()
}

/// Whether `meta` describes the file at `path`.
fn is_same_file(meta: &fs::Metadata, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).is_ok_and(|other| other.dev() == meta.dev() && other.ino() == meta.ino())
}
