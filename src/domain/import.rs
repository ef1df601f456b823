//! Bulk import: rows are validated and their passwords hashed in parallel first (no lock held),
//! spooled to an anonymous temporary file, then written in one transaction in which the unique
//! indexes find in-file duplicates and existing accounts. Any problem, and nothing is written;
//! unless every rejected row is kept ([`Problems::keeping_all`]): then the valid rows are
//! written and the rejected ones handed back.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};

use rayon::prelude::*;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::domain::email::Email;
use crate::domain::error::{Error, Result, RowProblem};
use crate::domain::password::{Hasher, Password};
use crate::domain::policy::PasswordPolicy;
use crate::domain::rejects::RejectLog;
use crate::domain::user::Username;
use crate::text::parse_bool;
use crate::text::shown;

/// The columns (CSV) or keys (JSON Lines) an import accepts.
pub const COLUMNS: [&str; 6] = ["email", "username", "password", "password_hash", "confirmed", "active"];

/// Problems reported in full; past this many only their number is given.
pub const MAX_REPORTED: usize = 100;

/// Rows hashed together on the worker threads.
const CHUNK: usize = 256;

/// One row as read from the file, before validation. Empty values are `None`.
#[derive(Default)]
pub struct RawRow {
    /// Line number in the file (1-based).
    pub line: u64,
    /// `email`.
    pub email: Option<String>,
    /// `username`.
    pub username: Option<String>,
    /// `password` (plaintext, zeroed on drop).
    pub password: Option<Zeroizing<String>>,
    /// `password_hash`.
    pub password_hash: Option<String>,
    /// `confirmed`.
    pub confirmed: Option<String>,
    /// `active`.
    pub active: Option<String>,
}

/// One row as read from an import file, or what is wrong with it.
pub type ReadRow = Result<RawRow, RowProblem>;

/// What to do with a row whose email is already registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// Refuse the whole import.
    Fail,
    /// Leave the existing account as it is.
    Skip,
    /// Update the existing account with the row's non-empty values.
    Update,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    /// Accounts created.
    pub created: u64,
    /// Rows skipped because the email was registered.
    pub skipped: u64,
    /// Existing accounts updated.
    pub updated: u64,
    /// Rows rejected while the valid ones were written (only when every rejected row is kept).
    pub rejected: u64,
    /// Whether nothing was written on purpose.
    pub dry_run: bool,
}

/// A validated row whose password, if any, is hashed: what the write phase stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedRow {
    /// Line number in the file.
    pub line: u64,
    /// The address as typed.
    pub email: String,
    /// The username, if given.
    pub username: Option<String>,
    /// The hash (made here from a plaintext password, or taken as given).
    pub password_hash: Option<String>,
    /// `confirmed`, if given.
    pub confirmed: Option<bool>,
    /// `active`, if given.
    pub active: Option<bool>,
}

/// Problems found so far: the first [`MAX_REPORTED`] in full, and how many in all.
#[derive(Debug, Default)]
pub struct Problems {
    /// The problems reported.
    pub reported: Vec<RowProblem>,
    /// How many there were.
    pub total: usize,
    /// Whether every one was a conflict with an existing account.
    pub conflicts_only: bool,
    /// Every problem, when the rejected rows are kept rather than refusing the import.
    log: Option<RejectLog>,
}

impl Problems {
    /// Problems of an import that writes its valid rows and keeps every rejected one.
    pub fn keeping_all() -> Result<Self> {
        Ok(Problems {
            log: Some(RejectLog::new()?),
            ..Problems::default()
        })
    }

    /// Whether the rejected rows are kept (and the valid ones written).
    pub fn keeps_all(&self) -> bool {
        self.log.is_some()
    }

    /// Records a problem.
    pub fn push(&mut self, problem: RowProblem) {
        self.conflicts_only = (self.total == 0 || self.conflicts_only) && problem.conflict;
        self.total += 1;
        if let Some(log) = &mut self.log {
            log.record(&problem);
        }
        if self.reported.len() < MAX_REPORTED {
            self.reported.push(problem);
        }
    }

    /// Marks the start of the write phase, whose problems can come before the first phase's.
    pub fn next_phase(&mut self) -> Result<()> {
        self.log.as_mut().map_or(Ok(()), RejectLog::next_run)
    }

    /// Every rejected row, in line order (none when they were not kept).
    pub fn into_rejected(self) -> Result<Box<dyn Iterator<Item = Result<RowProblem>>>> {
        match self.log {
            Some(log) => Ok(Box::new(log.into_sorted()?)),
            None => Ok(Box::new(std::iter::empty())),
        }
    }

    /// The refusal of the whole import, if there was any problem.
    pub fn into_error(mut self) -> Option<Error> {
        if self.total == 0 {
            return None;
        }
        self.reported.sort_by_key(|problem| problem.line);
        let more = self.total - self.reported.len();
        let summary = format!(
            "Import refused: {} row{} rejected{}; nothing was written.",
            self.total,
            if self.total == 1 { "" } else { "s" },
            if more > 0 {
                format!(" ({more} not listed)")
            } else {
                String::new()
            }
        );
        Some(Error::Rows {
            summary,
            rows: self.reported,
            conflict: self.conflicts_only,
        })
    }
}

/// Phase one: validates every row and hashes plaintext passwords (which must pass `policy`) on
/// `pool`, writing the prepared rows to an anonymous temporary file (0600, already unlinked).
/// `progress` gets the rows done. An `Err` from `rows` (the input cannot be read any further)
/// ends the import with that error.
pub fn prepare(
    rows: impl Iterator<Item = Result<ReadRow>>,
    hasher: &Hasher,
    policy: &PasswordPolicy,
    pool: &rayon::ThreadPool,
    problems: &mut Problems,
    progress: &dyn Fn(u64),
) -> Result<Spool> {
    let mut spool = Spool::new()?;
    let mut rows = rows.peekable();
    let mut done = 0u64;
    while rows.peek().is_some() {
        let chunk: Vec<ReadRow> = rows.by_ref().take(CHUNK).collect::<Result<_>>()?;
        done += chunk.len() as u64;
        let prepared: Vec<Result<PreparedRow, RowProblem>> = pool.install(|| {
            chunk
                .into_par_iter()
                .map(|row| validate(row?, hasher, policy))
                .collect()
        });
        for row in prepared {
            match row {
                Ok(row) => spool.push(&row)?,
                Err(problem) => problems.push(problem),
            }
        }
        progress(done);
    }
    Ok(spool)
}

/// Validates one row and hashes its plaintext password.
fn validate(row: RawRow, hasher: &Hasher, policy: &PasswordPolicy) -> Result<PreparedRow, RowProblem> {
    let line = row.line;
    let invalid = |message: String| RowProblem::invalid(line, message);
    let typed = row.email.ok_or_else(|| invalid("no email".to_owned()))?;
    let email = Email::parse(&typed).map_err(|e| invalid(e.to_string()))?;
    let username = row
        .username
        .map(|name| Username::parse(&name).map(Username::into_string))
        .transpose()
        .map_err(|e| invalid(e.to_string()))?;
    let password_hash = match (row.password, row.password_hash) {
        (Some(_), Some(_)) => return Err(invalid("give either password or password_hash, not both".to_owned())),
        (Some(plain), None) => {
            let password = Password::new_checked(&plain).map_err(|e| invalid(e.to_string()))?;
            policy
                .check(&password, email.as_str(), username.as_deref())
                .map_err(|e| invalid(e.to_string()))?;
            Some(hasher.hash(&password).map_err(|e| invalid(e.to_string()))?)
        }
        (None, Some(hash)) => {
            if !hash.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(invalid("password_hash holds spaces or control characters".to_owned()));
            }
            hasher
                .check_importable(&hash)
                .map_err(|e| invalid(format!("password_hash: {e}")))?;
            Some(hash)
        }
        (None, None) => None,
    };
    let flag = |name: &str, value: Option<String>| match value.as_deref().map(parse_bool) {
        None => Ok(None),
        Some(Some(flag)) => Ok(Some(flag)),
        Some(None) => Err(invalid(format!(
            "{name} must be true/false, 1/0 or yes/no, not '{}'",
            shown(&value.unwrap_or_default())
        ))),
    };
    Ok(PreparedRow {
        line,
        email: email.as_str().to_owned(),
        username,
        password_hash,
        confirmed: flag("confirmed", row.confirmed)?,
        active: flag("active", row.active)?,
    })
}

/// Prepared rows on disk between the two phases, so that memory does not grow with the file
/// and no lock is held while hashing.
pub struct Spool {
    writer: BufWriter<File>,
    rows: u64,
}

impl Spool {
    fn new() -> Result<Self> {
        let file = tempfile::tempfile().map_err(|e| Error::storage_from("Cannot create a spool file", e))?;
        Ok(Spool {
            writer: BufWriter::with_capacity(1 << 20, file),
            rows: 0,
        })
    }

    /// How many rows it holds.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn push(&mut self, row: &PreparedRow) -> Result<()> {
        let flag = |value: Option<bool>| match value {
            None => "",
            Some(true) => "1",
            Some(false) => "0",
        };
        self.rows += 1;
        // No field can hold a tab or a newline: emails, usernames and hashes were validated.
        writeln!(
            self.writer,
            "{}\t{}\t{}\t{}\t{}\t{}",
            row.line,
            row.email,
            row.username.as_deref().unwrap_or_default(),
            row.password_hash.as_deref().unwrap_or_default(),
            flag(row.confirmed),
            flag(row.active)
        )
        .map_err(|e| Error::storage_from("Cannot write the spool file", e))
    }

    /// Reads the rows back, in order.
    pub fn drain(self) -> Result<impl Iterator<Item = Result<PreparedRow>>> {
        let mut file = self
            .writer
            .into_inner()
            .map_err(|e| Error::storage_from("Cannot write the spool file", e))?;
        let unreadable = |e| Error::storage_from("Cannot read the spool file", e);
        file.rewind().map_err(unreadable)?;
        Ok(BufReader::with_capacity(1 << 20, file).lines().map(move |line| {
            let line = line.map_err(unreadable)?;
            let mut fields = line.split('\t');
            let mut next = || fields.next().unwrap_or_default();
            let (number, email, username, hash, confirmed, active) = (next(), next(), next(), next(), next(), next());
            let optional = |text: &str| (!text.is_empty()).then(|| text.to_owned());
            let flag = |text: &str| match text {
                "1" => Some(true),
                "0" => Some(false),
                _ => None,
            };
            Ok(PreparedRow {
                line: number.parse().unwrap_or_default(),
                email: email.to_owned(),
                username: optional(username),
                password_hash: optional(hash),
                confirmed: flag(confirmed),
                active: flag(active),
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::password::HashParams;

    fn raw(line: u64, email: &str) -> RawRow {
        RawRow {
            line,
            email: Some(email.to_owned()),
            ..RawRow::default()
        }
    }

    #[test]
    fn validates_hashes_and_spools_in_order() {
        let hasher = Hasher::new(HashParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let mut rows = vec![];
        for i in 0..600 {
            let mut row = raw(i + 2, &format!("user{i}@example.com"));
            if i % 3 == 0 {
                row.password = Some(Zeroizing::new("correct horse".to_owned()));
            }
            rows.push(Ok(Ok(row)));
        }
        rows.push(Ok(Ok(RawRow {
            confirmed: Some("perhaps".into()),
            ..raw(700, "x@example.com")
        })));
        rows.push(Ok(Ok(raw(701, "not-an-email"))));
        rows.push(Ok(Ok(RawRow {
            password_hash: Some("md5$x".into()),
            ..raw(702, "y@example.com")
        })));
        rows.push(Ok(Ok(RawRow {
            password: Some(Zeroizing::new("short".into())),
            ..raw(703, "z@example.com")
        })));
        let mut problems = Problems::default();
        let spool = prepare(
            rows.into_iter(),
            &hasher,
            &PasswordPolicy::default(),
            &pool,
            &mut problems,
            &|_| {},
        )
        .unwrap();
        let lines: Vec<u64> = problems.reported.iter().map(|p| p.line).collect();
        assert_eq!(lines, [700, 701, 702, 703]);
        let back: Vec<PreparedRow> = spool.drain().unwrap().map(Result::unwrap).collect();
        assert_eq!(back.len(), 600);
        assert_eq!(back[0].email, "user0@example.com");
        assert!(back[0].password_hash.as_deref().unwrap().starts_with("$argon2id$"));
        assert_eq!(back[1].password_hash, None);
        assert_eq!(back[599].line, 601);
    }
}
