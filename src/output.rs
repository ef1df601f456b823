//! Output rendering: the one place that decides between human text and `--json`.

use std::io::{self, IsTerminal, Write};

use serde::Serialize;
use tabled::builder::Builder;
use tabled::settings::peaker::PriorityMax;
use tabled::settings::{Style, Width};

use crate::domain::error::{Error, Result};

/// Prints command results to stdout and errors to stderr, as human text or as JSON.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    json: bool,
    quiet: bool,
    /// The width tables fit when stdout is a terminal; `None` for a pipe or a file, which get
    /// tab-separated columns.
    table_width: Option<usize>,
}

impl Printer {
    /// A printer for `--json` (`json == true`) or human output, without notes on stderr when
    /// `quiet`.
    pub fn new(json: bool, quiet: bool) -> Self {
        Printer {
            json,
            quiet,
            table_width: io::stdout().is_terminal().then(terminal_width),
        }
    }

    /// Whether output is JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Whether remarks for a person go to stderr: not with `--json` or `--quiet`.
    pub fn shows_notes(&self) -> bool {
        !self.json && !self.quiet
    }

    /// Prints one result: `value` as a JSON object, or the text `human` writes.
    pub fn emit<T: Serialize + ?Sized>(
        &self,
        value: &T,
        human: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<()> {
        let mut out = DataOut::stdout();
        let written = if self.json {
            serde_json::to_writer(&mut out, value)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
        } else {
            human(&mut out)
        };
        written.and_then(|()| out.flush()).map_err(output_failed)
    }

    /// A remark for a person on stderr (`authctl: ...`), such as where a message went; left out
    /// with `--json`, where the same facts are in the JSON value, and with `--quiet`.
    pub fn note(&self, text: &str) {
        if self.shows_notes() {
            eprintln!("authctl: {text}");
        }
    }

    /// Prints a one-line message; in JSON, `{"message": ...}`.
    pub fn message(&self, text: &str) -> Result<()> {
        self.emit(&serde_json::json!({ "message": text }), |w| writeln!(w, "{text}"))
    }

    /// Streams a list: a JSON array; on a terminal, tables of at most [`PAGE_ROWS`] rows whose
    /// cells `to_row` makes (the header repeated on each page) fitted to its width; otherwise
    /// tab-separated lines under one header line. Memory does not grow with the list.
    /// `produce` calls the sink it is given once per item.
    pub fn list<T: Serialize>(
        &self,
        header: &[&str],
        to_row: impl Fn(&T) -> Vec<String>,
        produce: impl FnOnce(&mut dyn FnMut(T) -> Result<()>) -> Result<()>,
    ) -> Result<()> {
        let mut out = DataOut::stdout();
        if self.json {
            // Nothing is written before the first item has been read: a list that cannot be
            // read at all leaves stdout empty. An array begun is ended on every path, so that a
            // reader never sees unfinished JSON.
            let mut begun = false;
            let produced = produce(&mut |item| {
                let separator = if std::mem::replace(&mut begun, true) {
                    b","
                } else {
                    b"["
                };
                out.write_all(separator).map_err(output_failed)?;
                serde_json::to_writer(&mut out, &item).map_err(|e| output_failed(e.into()))
            });
            let end: &[u8] = match (begun, &produced) {
                (true, _) => b"]\n",
                (false, Ok(())) => b"[]\n",
                (false, Err(_)) => b"",
            };
            let ended = out.write_all(end).and_then(|()| out.flush()).map_err(output_failed);
            return produced.and(ended);
        }
        let Some(width) = self.table_width else {
            return tab_separated(&mut out, header, to_row, produce);
        };
        let mut page: Vec<Vec<String>> = Vec::new();
        let mut rows = 0usize;
        // Below a few characters a column, cells would wrap away to nothing: a table that narrow
        // is wider than the terminal instead, which wraps its lines without losing a character.
        let width = width.max(header.len() * (NARROWEST_CELL + 3) + 1);
        let print_page = |out: &mut DataOut, page: &mut Vec<Vec<String>>| -> io::Result<()> {
            let mut table = Builder::default();
            table.push_record(header.iter().copied());
            page.drain(..).for_each(|row| table.push_record(row));
            let table = table
                .build()
                .with(Style::sharp())
                .with(Width::wrap(width).priority(PriorityMax::new(true)))
                .to_string();
            writeln!(out, "{table}")
        };
        produce(&mut |item| {
            page.push(to_row(&item));
            rows += 1;
            if page.len() == PAGE_ROWS {
                print_page(&mut out, &mut page).map_err(output_failed)?;
            }
            Ok(())
        })?;
        let written = if !page.is_empty() {
            print_page(&mut out, &mut page)
        } else if rows == 0 {
            writeln!(out, "(none)")
        } else {
            Ok(())
        };
        written.and_then(|()| out.flush()).map_err(output_failed)
    }

    /// Reports a failure on stderr: `{"error":{"kind":...,"message":...}}` (with `"rows"` for a
    /// refused import) or `authctl: message`.
    pub fn error(&self, error: &Error) {
        let mut err = io::stderr().lock();
        let rows = match error {
            Error::Rows { rows, .. } => rows.as_slice(),
            _ => &[],
        };
        let _ = if self.json {
            let mut value = serde_json::json!({ "error": { "kind": error.kind(), "message": error.message() } });
            if !rows.is_empty() {
                value["error"]["rows"] = serde_json::json!(rows);
            }
            writeln!(err, "{value}")
        } else {
            rows.iter()
                .try_for_each(|row| writeln!(err, "authctl: line {}: {}", row.line, row.message))
                .and_then(|()| writeln!(err, "authctl: {}", error.message()))
        };
    }
}

/// A list for a pipe or a file: the header line (once the list could be read), then one line
/// per item, cells separated by one tab (tabs and line breaks in a cell become spaces).
fn tab_separated<T>(
    out: &mut DataOut,
    header: &[&str],
    to_row: impl Fn(&T) -> Vec<String>,
    produce: impl FnOnce(&mut dyn FnMut(T) -> Result<()>) -> Result<()>,
) -> Result<()> {
    fn line<'a>(out: &mut DataOut, cells: impl Iterator<Item = &'a str>) -> io::Result<()> {
        for (index, cell) in cells.enumerate() {
            if index > 0 {
                out.write_all(b"\t")?;
            }
            out.write_all(cell.replace(['\t', '\n', '\r'], " ").as_bytes())?;
        }
        out.write_all(b"\n")
    }
    let mut begun = false;
    produce(&mut |item| {
        if !std::mem::replace(&mut begun, true) {
            line(out, header.iter().copied()).map_err(output_failed)?;
        }
        line(out, to_row(&item).iter().map(String::as_str)).map_err(output_failed)
    })?;
    if !begun {
        line(out, header.iter().copied()).map_err(output_failed)?;
    }
    out.flush().map_err(output_failed)
}

/// The width of the terminal on stdout, else `$COLUMNS`, else 80.
fn terminal_width() -> usize {
    terminal_size::terminal_size_of(io::stdout())
        .map(|(width, _)| usize::from(width.0))
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok().filter(|width| *width > 0))
        .unwrap_or(80)
}

/// The fewest characters a table column keeps, however narrow the terminal: `yes`, a date's
/// year.
const NARROWEST_CELL: usize = 4;

/// Rows per table page in human output.
pub const PAGE_ROWS: usize = 1000;

/// Buffered stdout for streamed data. A reader that went away (`authctl user list | head`) is not
/// an error: the rest of the output is dropped quietly.
pub struct DataOut {
    inner: io::BufWriter<io::StdoutLock<'static>>,
    closed: bool,
}

impl DataOut {
    /// Buffered, locked stdout.
    pub fn stdout() -> Self {
        DataOut {
            inner: io::BufWriter::with_capacity(1 << 16, io::stdout().lock()),
            closed: false,
        }
    }

    /// Whether the reader went away: what is written from now on is dropped.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    fn guard<T>(&mut self, result: io::Result<T>, closed: T) -> io::Result<T> {
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(closed)
            }
            other => other,
        }
    }
}

impl Write for DataOut {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.guard(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.inner.flush();
        self.guard(result, ())
    }
}

/// The error of a failed write to standard output (a full disk behind a redirection, say).
pub fn output_failed(error: io::Error) -> Error {
    Error::storage_from("Cannot write to standard output", error)
}

/// "yes" or "no", for table cells.
pub fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}
