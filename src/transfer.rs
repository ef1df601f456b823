//! Import and export file formats: CSV with a header row, and JSON Lines, both streamed.

use std::borrow::Cow;
use std::cell::Cell;
use std::io::{self, BufReader, Read, Write};
use std::path::Path;
use std::rc::Rc;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::domain::error::RowProblem;
use crate::domain::error::{Error, Result};
use crate::domain::import::{COLUMNS, RawRow, ReadRow};
use crate::domain::password::MAX_PASSWORD_CHARS;
use crate::domain::user::User;
use crate::text::{self, LineError, shown};

/// A file format for `user import` and `user export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// The format a file name suggests (`.csv`, `.jsonl`, `.ndjson`).
    pub fn guess(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// The longest CSV record (header included) or JSON line an import reads: longer ones end it.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

/// The longest value of one field: room for the longest password the policy accepts (1024
/// characters of up to 4 bytes), far more than any email, username or hash needs. Checked
/// before anything (such as NFKC, which can expand a password eighteen-fold) looks at it.
pub const MAX_FIELD_BYTES: usize = 4 * MAX_PASSWORD_CHARS;

/// The buffer the CSV reader reads ahead into.
const CSV_BUFFER: usize = 8 * 1024;

/// What starts a spreadsheet formula in a CSV cell (OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The rows of an import file, streamed. A header naming an unknown column, or lacking `email`,
/// is refused at once; a bad row is a [`RowProblem`] for its line. An `Err` item means that the
/// input cannot be read any further (a read error, a record longer than [`MAX_RECORD_BYTES`]):
/// it is the last item.
pub fn read_rows<'a>(reader: impl Read + 'a, format: Format) -> Result<Box<dyn Iterator<Item = Result<ReadRow>> + 'a>> {
    match format {
        Format::Csv => read_csv(reader),
        Format::Jsonl => Ok(Box::new(read_jsonl(reader))),
    }
}

fn read_csv<'a>(reader: impl Read + 'a) -> Result<Box<dyn Iterator<Item = Result<ReadRow>> + 'a>> {
    let record_start = Rc::new(Cell::new(0));
    let bounded = RecordBound {
        inner: reader,
        pulled: 0,
        record_start: Rc::clone(&record_start),
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(CSV_BUFFER)
        .from_reader(bounded);
    let header = csv
        .headers()
        .map_err(|e| Error::Usage(format!("Cannot read the CSV header: {e}")))?
        .clone();
    if header.is_empty() {
        return Err(Error::Usage(format!(
            "The input is empty: a CSV import starts with a header row naming its columns (email, and any of: {}).",
            COLUMNS[1..].join(", ")
        )));
    }
    let mut columns: Vec<&'static str> = Vec::with_capacity(header.len());
    for name in header.iter() {
        let name = name.trim_start_matches('\u{feff}').trim();
        let Some(&name) = COLUMNS.iter().find(|column| **column == name) else {
            return Err(Error::Usage(format!(
                "Unknown column '{}' in the CSV header (accepted: {}).",
                shown(name),
                COLUMNS.join(", ")
            )));
        };
        if columns.contains(&name) {
            return Err(Error::Usage(format!(
                "The column '{name}' appears twice in the CSV header."
            )));
        }
        columns.push(name);
    }
    if !columns.contains(&"email") {
        return Err(Error::Usage("The CSV header has no 'email' column.".to_owned()));
    }
    record_start.set(csv.position().byte());
    let mut record = csv::StringRecord::new();
    let mut ended = false;
    Ok(Box::new(std::iter::from_fn(move || {
        if ended {
            return None;
        }
        let line = csv.position().line();
        let item = match csv.read_record(&mut record) {
            Ok(false) => return None,
            Ok(true) if csv.position().byte().saturating_sub(record_start.get()) > MAX_RECORD_BYTES as u64 => {
                Err(unreadable(line, &record_too_long()))
            }
            Ok(true) => {
                let mut row = RawRow {
                    line,
                    ..RawRow::default()
                };
                Ok(columns
                    .iter()
                    .zip(record.iter())
                    .try_for_each(|(name, value)| {
                        // Passwords are never exported, so never escaped: taken exactly as given.
                        let value = match *name {
                            "password" => value.to_owned(),
                            _ => from_spreadsheet(value),
                        };
                        set(&mut row, name, value)
                    })
                    .map(|()| row))
            }
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => Err(unreadable(line, &e)),
            Err(e) => Ok(Err(RowProblem::invalid(line, format!("unreadable CSV: {e}")))),
        };
        record_start.set(csv.position().byte());
        ended = item.is_err();
        Some(item)
    })))
}

/// A reader that fails once more than [`MAX_RECORD_BYTES`] (plus what the CSV reader buffers
/// ahead) have been read since the start of the current record, so that an endless record
/// (`/dev/zero`, a quoted field that never closes) cannot fill memory.
struct RecordBound<R> {
    inner: R,
    pulled: u64,
    /// Where the record being read starts, set by the reader of records.
    record_start: Rc<Cell<u64>>,
}

impl<R: Read> Read for RecordBound<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let allowed = (MAX_RECORD_BYTES + CSV_BUFFER) as u64;
        let left = allowed.saturating_sub(self.pulled.saturating_sub(self.record_start.get()));
        if left == 0 && !buf.is_empty() {
            return Err(record_too_long());
        }
        let most = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..most])?;
        self.pulled += read as u64;
        Ok(read)
    }
}

fn record_too_long() -> io::Error {
    io::Error::other(format!(
        "the record is longer than the limit of {} KiB",
        MAX_RECORD_BYTES / 1024
    ))
}

/// The input cannot be read any further: the import ends (exit 2).
fn unreadable(line: u64, error: &dyn std::fmt::Display) -> Error {
    Error::Usage(format!(
        "Cannot read the input at line {line}: {error}; nothing was written."
    ))
}

fn read_jsonl<'a>(reader: impl Read + 'a) -> impl Iterator<Item = Result<ReadRow>> + 'a {
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    let mut number = 0u64;
    let mut ended = false;
    std::iter::from_fn(move || {
        while !ended {
            number += 1;
            match text::read_line(&mut reader, MAX_RECORD_BYTES, &mut line) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(error) => {
                    ended = true;
                    let error = match error {
                        LineError::TooLong => record_too_long(),
                        LineError::Io(error) => error,
                    };
                    return Some(Err(unreadable(number, &error)));
                }
            }
            let text = match number {
                1 => line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&line),
                _ => &line,
            };
            if !text.trim_ascii().is_empty() {
                return Some(Ok(jsonl_row(number, text)));
            }
        }
        None
    })
}

fn jsonl_row(line: u64, text: &[u8]) -> ReadRow {
    let problem = |message: String| RowProblem::invalid(line, message);
    let Entries(entries) = serde_json::from_slice(text).map_err(|e| problem(format!("not a JSON object: {e}")))?;
    let mut row = RawRow {
        line,
        ..RawRow::default()
    };
    let mut seen: Vec<&str> = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let Some(&name) = COLUMNS.iter().find(|column| **column == key) else {
            return Err(problem(format!(
                "unknown key '{}' (accepted: {})",
                shown(&key),
                COLUMNS.join(", ")
            )));
        };
        if seen.contains(&name) {
            return Err(problem(format!("the key '{name}' appears twice")));
        }
        seen.push(name);
        let text = match value {
            Value::Null => continue,
            Value::String(text) => text,
            Value::Bool(flag) => flag.to_string(),
            Value::Number(number) => number.to_string(),
            _ => return Err(problem(format!("'{name}' must be a string"))),
        };
        set(&mut row, name, text)?;
    }
    Ok(row)
}

/// The entries of a JSON object in order, duplicates kept (a map would silently keep the last).
struct Entries(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

/// Stores a non-empty value in the field of `column`.
fn set(row: &mut RawRow, column: &str, value: String) -> Result<(), RowProblem> {
    if value.len() > MAX_FIELD_BYTES {
        return Err(RowProblem::invalid(
            row.line,
            format!("{column} is longer than {MAX_FIELD_BYTES} bytes, the limit of a field"),
        ));
    }
    if value.is_empty() {
        return Ok(());
    }
    match column {
        "email" => row.email = Some(value),
        "username" => row.username = Some(value),
        "password" => row.password = Some(Zeroizing::new(value)),
        "password_hash" => row.password_hash = Some(value),
        "confirmed" => row.confirmed = Some(value),
        _ => row.active = Some(value),
    }
    Ok(())
}

/// A CSV cell as written by [`export`]: a value that a spreadsheet would take for a formula
/// (starting with `=`, `+`, `-`, `@`, tab or carriage return) gets a `'` in front, as OWASP
/// advises; so does a value that starts with `'` itself, so that the rule can be undone exactly.
fn to_spreadsheet(value: &str) -> Cow<'_, str> {
    if value.starts_with(FORMULA_STARTS) || value.starts_with('\'') {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// Undoes [`to_spreadsheet`]: a cell of `'` followed by a formula start or another `'` loses
/// its first `'`; any other cell is taken as it is.
fn from_spreadsheet(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) || rest.starts_with('\'') => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

/// Writes the rows of `input` that `rejected` names (in line order), each as it was with its line
/// number and the reason: CSV keeps the input's header and fields and adds the columns
/// `rejected_line` and `rejected_reason`; JSON Lines writes `{"line", "reason", "row"}` per row,
/// `row` being the line's JSON as it was (or its text, when it is not JSON). Returns how many
/// rows were written.
pub fn write_rejects(
    format: Format,
    input: impl Read,
    rejected: impl Iterator<Item = Result<RowProblem>>,
    out: &mut dyn Write,
) -> Result<u64> {
    let failed = |e: &dyn std::fmt::Display| Error::storage_from("Cannot write the rejected rows", e.to_string());
    let mut rejected = rejected;
    let mut written = 0u64;
    match format {
        Format::Csv => {
            let mut csv = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .buffer_capacity(CSV_BUFFER)
                .from_reader(input);
            let mut header = csv.byte_headers().map_err(|e| failed(&e))?.clone();
            header.push_field(b"rejected_line");
            header.push_field(b"rejected_reason");
            let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(out);
            writer.write_byte_record(&header).map_err(|e| failed(&e))?;
            let mut record = csv::ByteRecord::new();
            while let Some(problem) = rejected.next().transpose()? {
                // Records before the problem's line were imported: skip them.
                let mut found = csv::ByteRecord::new();
                loop {
                    let line = csv.position().line();
                    if line > problem.line || !csv.read_byte_record(&mut record).map_err(|e| failed(&e))? {
                        break;
                    }
                    if line == problem.line {
                        found = record.clone();
                        break;
                    }
                }
                found.push_field(problem.line.to_string().as_bytes());
                found.push_field(problem.message.as_bytes());
                writer.write_byte_record(&found).map_err(|e| failed(&e))?;
                written += 1;
            }
            writer.flush().map_err(|e| failed(&e))?;
        }
        Format::Jsonl => {
            let mut reader = BufReader::new(input);
            let mut line = Vec::new();
            let mut number = 0u64;
            while let Some(problem) = rejected.next().transpose()? {
                let mut found = false;
                while number < problem.line {
                    number += 1;
                    found = text::read_line(&mut reader, MAX_RECORD_BYTES, &mut line).map_err(|e| match e {
                        LineError::TooLong => failed(&record_too_long()),
                        LineError::Io(e) => failed(&e),
                    })?;
                    if !found {
                        break;
                    }
                }
                let text = (found && number == problem.line).then_some(line.as_slice());
                let row = match text.map(|text| text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(text)) {
                    Some(text) => match serde_json::from_slice::<&serde_json::value::RawValue>(text) {
                        Ok(json) => serde_json::to_value(json).map_err(|e| failed(&e))?,
                        Err(_) => Value::String(String::from_utf8_lossy(text).into_owned()),
                    },
                    None => Value::Null,
                };
                let entry = serde_json::json!({ "line": problem.line, "reason": problem.message, "row": row });
                writeln!(out, "{entry}").map_err(|e| failed(&e))?;
                written += 1;
            }
            out.flush().map_err(|e| failed(&e))?;
        }
    }
    Ok(written)
}

/// The columns `user export` writes: everything `user import` needs to recreate the accounts.
const EXPORT_COLUMNS: [&str; 5] = ["email", "username", "password_hash", "confirmed", "active"];

/// Streams every user that `produce` hands over to `out`; returns how many were written.
pub fn export(
    format: Format,
    out: &mut dyn Write,
    produce: impl FnOnce(&mut dyn FnMut(User) -> Result<()>) -> Result<()>,
) -> Result<u64> {
    let mut count = 0u64;
    let failed = |e: csv::Error| Error::storage_from("Cannot write the export", e);
    let io_failed = |e: io::Error| Error::storage_from("Cannot write the export", e);
    match format {
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(EXPORT_COLUMNS).map_err(failed)?;
            produce(&mut |user| {
                count += 1;
                let flag = |value: bool| if value { "true" } else { "false" };
                csv.write_record([
                    to_spreadsheet(&user.email).as_bytes(),
                    to_spreadsheet(user.username.as_deref().unwrap_or_default()).as_bytes(),
                    to_spreadsheet(user.password_hash.as_deref().unwrap_or_default()).as_bytes(),
                    flag(user.confirmed).as_bytes(),
                    flag(user.active).as_bytes(),
                ])
                .map_err(failed)
            })?;
            csv.flush().map_err(io_failed)?;
        }
        Format::Jsonl => {
            produce(&mut |user| {
                count += 1;
                let value = serde_json::json!({
                    "email": user.email,
                    "username": user.username,
                    "password_hash": user.password_hash,
                    "confirmed": user.confirmed,
                    "active": user.active,
                });
                writeln!(out, "{value}").map_err(io_failed)
            })?;
            out.flush().map_err(io_failed)?;
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_in_any_order_and_unknown_ones_refused() {
        let rows: Vec<_> = read_rows(
            "active,email,password\nno,ada@example.com,secret pass\n,bob@x.org,\n".as_bytes(),
            Format::Csv,
        )
        .unwrap()
        .map(Result::unwrap)
        .collect();
        let first = rows[0].as_ref().ok().unwrap();
        assert_eq!(
            (first.line, first.email.as_deref(), first.active.as_deref()),
            (2, Some("ada@example.com"), Some("no"))
        );
        assert_eq!(first.password.as_deref().map(String::as_str), Some("secret pass"));
        let second = rows[1].as_ref().ok().unwrap();
        assert_eq!(
            (second.line, second.active.as_deref(), second.password.is_none()),
            (3, None, true)
        );

        let error = read_rows("email,colour\n".as_bytes(), Format::Csv).err().unwrap();
        assert!(error.to_string().contains("'colour'"));
        assert!(read_rows("username\n".as_bytes(), Format::Csv).is_err());
    }

    #[test]
    fn jsonl_rows_and_problems_by_line() {
        let input =
            "{\"email\":\"ada@example.com\",\"confirmed\":true}\n\n{\"email\":\"b@x.org\",\"colour\":1}\nnot json\n";
        let rows: Vec<_> = read_rows(input.as_bytes(), Format::Jsonl)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].as_ref().ok().unwrap().confirmed.as_deref(), Some("true"));
        let problem = rows[1].as_ref().err().unwrap();
        assert_eq!(problem.line, 3);
        assert!(problem.message.contains("'colour'"));
        assert_eq!(rows[2].as_ref().err().unwrap().line, 4);
    }

    #[test]
    fn spreadsheet_escape_round_trips() {
        for value in ["=1+1", "+x", "-x", "@x", "\tx", "\rx", "'x", "''=x", "x", ""] {
            let cell = to_spreadsheet(value);
            assert!(!cell.starts_with(FORMULA_STARTS), "{cell:?}");
            assert_eq!(from_spreadsheet(&cell), value);
        }
        assert_eq!(from_spreadsheet("'plain"), "'plain");
    }

    #[test]
    fn jsonl_duplicate_keys_and_bom() {
        let input = "\u{feff}{\"email\":\"a@x.org\"}\n{\"email\":\"a@x.org\",\"email\":\"b@x.org\"}\n[1]\n";
        let rows: Vec<_> = read_rows(input.as_bytes(), Format::Jsonl)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows[0].as_ref().ok().unwrap().email.as_deref(), Some("a@x.org"));
        assert!(
            rows[1]
                .as_ref()
                .err()
                .unwrap()
                .message
                .contains("'email' appears twice")
        );
        assert!(rows[2].as_ref().err().unwrap().message.contains("a JSON object"));
    }

    #[test]
    fn a_read_error_is_the_last_item() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("broken"))
            }
        }
        let items: Vec<_> = read_rows(Broken, Format::Jsonl).unwrap().collect();
        assert_eq!(items.len(), 1);
        assert!(items[0].as_ref().err().unwrap().to_string().contains("broken"));
        let header = "email\n".as_bytes().chain(Broken);
        let items: Vec<_> = read_rows(header, Format::Csv).unwrap().collect();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].as_ref().err().unwrap().exit_code(), 2);
    }
}
