//! `user import` and `user export`: accounts in bulk, as CSV or JSON Lines.

use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use serde_json::json;

use crate::cli::Context;
use crate::cli::progress::ImportProgress;
use crate::domain::error::{Error, Result};
use crate::domain::import::{self, OnConflict, Problems};
use crate::domain::user::UserQuery;
use crate::output::DataOut;
use crate::private_file;
use crate::settings;
use crate::transfer::{self, Format};

/// Arguments of `authctl user import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to read; `-` or nothing for stdin.
    #[arg(value_name = "FILE|-")]
    input: Option<PathBuf>,
    /// The file format (guessed from the extension: .csv, .jsonl, .ndjson).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// What to do with a row whose email is already registered.
    #[arg(long, value_enum, default_value = "fail")]
    on_conflict: ConflictArg,
    /// Validate and report without writing anything.
    #[arg(long)]
    dry_run: bool,
    /// Import every valid row and write each rejected row, as it was, with its line number and
    /// reason, to FILE (same format as the input, created 0600); exit 8 when any row was
    /// rejected. Without it, any rejected row refuses the whole import.
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Threads hashing passwords [default: all cores; setting: jobs, AUTHCTL_JOBS].
    #[arg(long, value_name = "N", value_parser = |raw: &str| settings::JOBS.parse(raw, Some(&settings::Origin::Flag("--jobs"))))]
    jobs: Option<u32>,
}

/// `--format` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Self {
        match arg {
            FormatArg::Csv => Format::Csv,
            FormatArg::Jsonl => Format::Jsonl,
        }
    }
}

/// `--on-conflict` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ConflictArg {
    /// Refuse the whole import (exit 5).
    Fail,
    /// Leave the existing account as it is.
    Skip,
    /// Update the existing account with the row's non-empty values.
    Update,
}

impl From<ConflictArg> for OnConflict {
    fn from(arg: ConflictArg) -> Self {
        match arg {
            ConflictArg::Fail => OnConflict::Fail,
            ConflictArg::Skip => OnConflict::Skip,
            ConflictArg::Update => OnConflict::Update,
        }
    }
}

/// Arguments of `authctl user export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file format [default: from the --output extension, else csv].
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Write to this file (created 0600, replaced only once complete; `-` for stdout) instead
    /// of stdout.
    #[arg(long, short, value_name = "FILE|-")]
    output: Option<PathBuf>,
}

impl ImportArgs {
    /// Runs `user import`.
    pub fn run(self, ctx: &Context) -> Result<()> {
        let started = Instant::now();
        let path = self.input.filter(|path| path.as_os_str() != "-");
        let source = path
            .as_ref()
            .map_or("stdin".to_owned(), |path| path.display().to_string());
        let format = self
            .format
            .map(Format::from)
            .or_else(|| path.as_deref().and_then(Format::guess))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "Cannot tell the format of {source}: pass --format csv or --format jsonl."
                ))
            })?;
        let open = |path: &Path| {
            File::open(path).map_err(|source| Error::Unreadable {
                what: format!("Cannot read {}", path.display()),
                source,
            })
        };
        // With --rejects the input is read twice: standard input is kept in a private
        // temporary file (already unlinked) for the second reading.
        let (input, again): (Box<dyn Read>, Option<File>) = match (&path, &self.rejects) {
            (Some(path), Some(rejects)) => {
                refuse_same_file(path, rejects)?;
                (Box::new(open(path)?), Some(open(path)?))
            }
            (Some(path), None) => (Box::new(open(path)?), None),
            (None, Some(_)) => {
                let kept = keep_stdin()?;
                let reading = kept
                    .try_clone()
                    .map_err(|e| Error::storage_from("Cannot keep the input", e))?;
                (Box::new(reading), Some(kept))
            }
            (None, None) => (Box::new(io::stdin().lock()), None),
        };
        let input_len = match &path {
            Some(path) => std::fs::metadata(path)
                .ok()
                .filter(|meta| meta.is_file())
                .map(|meta| meta.len()),
            None => None,
        };
        let progress = ImportProgress::new(ctx.printer.shows_notes(), input_len);
        let rows = transfer::read_rows(progress.reading(input), format)?;
        let jobs = self
            .jobs
            .map(|jobs| jobs as usize)
            .or(ctx.settings.jobs)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build()
            .map_err(|e| Error::storage_from(format!("Cannot start {jobs} hashing threads"), e))?;
        let mut problems = match self.rejects {
            Some(_) => Problems::keeping_all()?,
            None => Problems::default(),
        };
        let hasher = ctx.hasher()?;
        let prepared = import::prepare(rows, &hasher, &ctx.password_policy(), &pool, &mut problems, &|done| {
            progress.prepared(done)
        });
        let spool = prepared.inspect_err(|_| progress.finish())?;
        progress.writing(spool.rows());
        let on_conflict = self.on_conflict.into();
        let result = ctx.accounts(|accounts| {
            accounts.import(spool, on_conflict, self.dry_run, &mut problems, &source, &|done| {
                progress.written(done)
            })
        });
        progress.finish();
        let summary = result?;
        if let (Some(rejects), Some(mut again)) = (&self.rejects, again) {
            again
                .rewind()
                .map_err(|e| Error::storage_from("Cannot read the input again", e))?;
            let rejected = problems.into_rejected()?;
            private_file::write(rejects, |out| transfer::write_rejects(format, again, rejected, out))?;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let mut value =
            serde_json::to_value(&summary).map_err(|e| Error::storage_from("Cannot encode the summary as JSON", e))?;
        value["elapsed_seconds"] = json!(elapsed);
        ctx.printer.emit(&value, |w| {
            let verb = if summary.dry_run {
                "Dry run, nothing written: would have"
            } else {
                "Imported:"
            };
            let rejected = match self.rejects {
                Some(_) => format!(", {} rejected", summary.rejected),
                None => String::new(),
            };
            writeln!(
                w,
                "{verb} {} created, {} skipped, {} updated{rejected} in {elapsed:.2}s.",
                summary.created, summary.skipped, summary.updated
            )
        })?;
        match &self.rejects {
            Some(rejects) if summary.rejected > 0 => Err(Error::RowsRejected {
                count: summary.rejected,
                file: rejects.display().to_string(),
            }),
            _ => Ok(()),
        }
    }
}

/// Refuses a rejects file that is the input itself: writing it would replace the input.
fn refuse_same_file(input: &Path, rejects: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let (Ok(input), Ok(rejects)) = (input.metadata(), rejects.metadata()) else {
        return Ok(());
    };
    if (input.dev(), input.ino()) == (rejects.dev(), rejects.ino()) {
        return Err(Error::Usage(
            "The rejects file is the input file: name another one.".to_owned(),
        ));
    }
    Ok(())
}

/// Standard input copied into a private temporary file (already unlinked), at its start.
fn keep_stdin() -> Result<File> {
    let failed = |e| Error::storage_from("Cannot keep standard input in a temporary file", e);
    let mut kept = tempfile::tempfile().map_err(failed)?;
    io::copy(&mut io::stdin().lock(), &mut kept).map_err(|source| Error::Unreadable {
        what: "Cannot read stdin".to_owned(),
        source,
    })?;
    kept.rewind().map_err(failed)?;
    Ok(kept)
}

impl ExportArgs {
    /// Runs `user export`.
    pub fn run(self, ctx: &Context) -> Result<()> {
        let output = self.output.filter(|path| path.as_os_str() != "-");
        let format = self
            .format
            .map(Format::from)
            .or_else(|| output.as_deref().and_then(Format::guess))
            .unwrap_or(Format::Csv);
        let Some(path) = output else {
            if ctx.printer.is_json() {
                return Err(Error::Usage(
                    "user export writes the accounts to stdout: with --json, pass --output FILE.".to_owned(),
                ));
            }
            let mut out = DataOut::stdout();
            return ctx
                .accounts(|accounts| {
                    transfer::export(format, &mut out, |sink| {
                        accounts.for_each_user(UserQuery::default(), sink)
                    })
                })
                .map(drop);
        };
        let count = private_file::write(&path, |out| {
            ctx.accounts(|accounts| {
                transfer::export(format, out, |sink| accounts.for_each_user(UserQuery::default(), sink))
            })
        })?;
        let shown = path.display().to_string();
        ctx.printer.emit(&json!({ "exported": count, "path": shown }), |w| {
            writeln!(w, "Exported {count} accounts to {shown}.")
        })
    }
}
