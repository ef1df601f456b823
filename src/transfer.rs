//! Import and export file formats: CSV with a header row, and JSON Lines, both streamed.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use serde_json::Value;
use zeroize::Zeroizing;

use crate::domain::import::{COLUMNS, RawRow, RowProblem};
use crate::domain::user::User;
use crate::error::{Error, Result};

/// A file format for `user import` and `user export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
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

/// The rows of an import file, streamed. A header naming an unknown column, or lacking `email`,
/// is refused at once; a bad row is a [`RowProblem`] for its line.
pub fn read_rows<'a>(
    reader: impl Read + 'a,
    format: Format,
) -> Result<Box<dyn Iterator<Item = Result<RawRow, RowProblem>> + 'a>> {
    match format {
        Format::Csv => read_csv(reader),
        Format::Jsonl => Ok(Box::new(read_jsonl(reader))),
    }
}

fn read_csv<'a>(reader: impl Read + 'a) -> Result<Box<dyn Iterator<Item = Result<RawRow, RowProblem>> + 'a>> {
    let mut csv = csv::ReaderBuilder::new().has_headers(true).from_reader(reader);
    let header = csv
        .headers()
        .map_err(|e| Error::Usage(format!("Cannot read the CSV header: {e}")))?
        .clone();
    let mut columns: Vec<&'static str> = Vec::with_capacity(header.len());
    for name in header.iter() {
        let name = name.trim_start_matches('\u{feff}').trim();
        let Some(&name) = COLUMNS.iter().find(|column| **column == name) else {
            return Err(Error::Usage(format!(
                "Unknown column '{name}' in the CSV header (accepted: {}).",
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
    Ok(Box::new(csv.into_records().map(move |record| {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            RowProblem::invalid(line, format!("unreadable CSV: {e}"))
        })?;
        let mut row = RawRow {
            line: record.position().map_or(0, |p| p.line()),
            ..RawRow::default()
        };
        for (name, value) in columns.iter().zip(record.iter()) {
            set(&mut row, name, value.to_owned());
        }
        Ok(row)
    })))
}

fn read_jsonl(reader: impl Read) -> impl Iterator<Item = Result<RawRow, RowProblem>> {
    BufReader::new(reader)
        .lines()
        .enumerate()
        .filter(|(_, line)| line.as_ref().map_or(true, |text| !text.trim().is_empty()))
        .map(|(index, line)| {
            let line_number = index as u64 + 1;
            let problem = |message: String| RowProblem::invalid(line_number, message);
            let text = line.map_err(|e| problem(format!("unreadable line: {e}")))?;
            let object: serde_json::Map<String, Value> =
                serde_json::from_str(&text).map_err(|e| problem(format!("not a JSON object: {e}")))?;
            let mut row = RawRow {
                line: line_number,
                ..RawRow::default()
            };
            for (key, value) in object {
                let Some(name) = COLUMNS.iter().find(|column| **column == key) else {
                    return Err(problem(format!(
                        "unknown key '{key}' (accepted: {})",
                        COLUMNS.join(", ")
                    )));
                };
                let text = match value {
                    Value::Null => continue,
                    Value::String(text) => text,
                    Value::Bool(flag) => flag.to_string(),
                    Value::Number(number) => number.to_string(),
                    _ => return Err(problem(format!("'{key}' must be a string"))),
                };
                set(&mut row, name, text);
            }
            Ok(row)
        })
}

/// Stores a non-empty value in the field of `column`.
fn set(row: &mut RawRow, column: &str, value: String) {
    if value.is_empty() {
        return;
    }
    match column {
        "email" => row.email = Some(value),
        "username" => row.username = Some(value),
        "password" => row.password = Some(Zeroizing::new(value)),
        "password_hash" => row.password_hash = Some(value),
        "confirmed" => row.confirmed = Some(value),
        _ => row.active = Some(value),
    }
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
    let failed = |e: csv::Error| Error::Storage(format!("Cannot write the export: {e}"));
    match format {
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(EXPORT_COLUMNS).map_err(failed)?;
            produce(&mut |user| {
                count += 1;
                let flag = |value: bool| if value { "true" } else { "false" };
                csv.write_record([
                    user.email.as_str(),
                    user.username.as_deref().unwrap_or_default(),
                    user.password_hash.as_deref().unwrap_or_default(),
                    flag(user.confirmed),
                    flag(user.active),
                ])
                .map_err(failed)
            })?;
            csv.flush()?;
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
                writeln!(out, "{value}").map_err(Error::from)
            })?;
            out.flush()?;
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
        let rows: Vec<_> = read_rows(input.as_bytes(), Format::Jsonl).unwrap().collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].as_ref().ok().unwrap().confirmed.as_deref(), Some("true"));
        let problem = rows[1].as_ref().err().unwrap();
        assert_eq!(problem.line, 3);
        assert!(problem.message.contains("'colour'"));
        assert_eq!(rows[2].as_ref().err().unwrap().line, 4);
    }
}
