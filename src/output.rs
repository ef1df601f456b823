//! Output rendering: the one place that decides between human text and `--json`.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tabled::builder::Builder;
use tabled::settings::Style;

use crate::error::{Error, Result};

/// Prints command results to stdout and errors to stderr, as human text or as JSON.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    json: bool,
}

impl Printer {
    /// A printer for `--json` (`json == true`) or human output.
    pub fn new(json: bool) -> Self {
        Printer { json }
    }

    /// Whether output is JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints one result: `value` as a JSON object, or the text `human` writes.
    pub fn emit<T: Serialize + ?Sized>(
        &self,
        value: &T,
        human: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<()> {
        let mut out = io::stdout().lock();
        let written = if self.json {
            serde_json::to_writer(&mut out, value)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
        } else {
            human(&mut out)
        };
        finish(written.and_then(|()| out.flush()))
    }

    /// Prints a one-line message; in JSON, `{"message": ...}`.
    pub fn message(&self, text: &str) -> Result<()> {
        self.emit(&serde_json::json!({ "message": text }), |w| writeln!(w, "{text}"))
    }

    /// Streams a list: a JSON array, or a table whose rows `to_row` makes. `produce` calls the
    /// sink it is given once per item.
    pub fn list<T: Serialize>(
        &self,
        header: &[&str],
        to_row: impl Fn(&T) -> Vec<String>,
        produce: impl FnOnce(&mut dyn FnMut(T) -> Result<()>) -> Result<()>,
    ) -> Result<()> {
        let mut out = io::BufWriter::new(io::stdout().lock());
        if self.json {
            let mut first = true;
            finish(out.write_all(b"["))?;
            produce(&mut |item| {
                let separator: &[u8] = if first { b"" } else { b"," };
                first = false;
                finish(
                    out.write_all(separator)
                        .and_then(|()| serde_json::to_writer(&mut out, &item).map_err(io::Error::from)),
                )
            })?;
            return finish(out.write_all(b"]\n").and_then(|()| out.flush()));
        }
        let mut table = Builder::default();
        table.push_record(header.iter().copied());
        let mut rows = 0usize;
        produce(&mut |item| {
            table.push_record(to_row(&item));
            rows += 1;
            Ok(())
        })?;
        let written = if rows == 0 {
            writeln!(out, "(none)")
        } else {
            writeln!(out, "{}", table.build().with(Style::sharp()))
        };
        finish(written.and_then(|()| out.flush()))
    }

    /// Reports a failure on stderr: `{"error":{"kind":...,"message":...}}` or `authctl: message`.
    pub fn error(&self, error: &Error) {
        let mut err = io::stderr().lock();
        let _ = if self.json {
            let value = serde_json::json!({ "error": { "kind": error.kind(), "message": error.to_string() } });
            writeln!(err, "{value}")
        } else {
            writeln!(err, "authctl: {error}")
        };
    }
}

/// A time as shown in tables: UTC, to the second.
pub fn format_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// "yes" or "no", for table cells.
pub fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

/// A reader that went away (`authctl user list | head`) is not an error.
fn finish(result: io::Result<()>) -> Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
