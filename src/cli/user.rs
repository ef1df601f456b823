//! `user add|list|show|remove|lock|unlock|set-password`.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Seek};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::cli::input::{Secrets, confirm};
use crate::cli::{Context, report_delivery};
use crate::domain::accounts::NewAccount;
use crate::domain::email::Email;
use crate::domain::error::{Error, Result};
use crate::domain::import::{self, OnConflict, Problems};
use crate::domain::mail::Outbox;
use crate::domain::user::{User, UserKey, Username};
use crate::output::{DataOut, yes_no};
use crate::private_file;
use crate::settings;
use crate::text::format_time;
use crate::transfer::{self, Format};

/// `authctl user ...`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account and print its id.
    #[command(after_long_help = "Examples:\n  authctl user add ada@example.com --username ada\n  \
printf '%s\\n' \"$PASSWORD\" | authctl user add ci@example.com --confirmed --password-stdin")]
    Add(AddArgs),
    /// List every account.
    #[command(after_long_help = "Example:\n  authctl user list --json | jq -r '.[].email'")]
    List,
    /// Show one account, with its failed logins and any lockout.
    #[command(after_long_help = "Example:\n  authctl user show ada@example.com")]
    Show(UserArg),
    /// Delete an account and its sessions (asks first on a terminal).
    #[command(after_long_help = "Example:\n  authctl user remove ada@example.com --yes")]
    Remove(RemoveArgs),
    /// Lock an account: it cannot log in and its sessions end.
    #[command(after_long_help = "Example:\n  authctl user lock ada@example.com")]
    Lock(UserArg),
    /// Unlock an account: lift the lock and any lockout by failed logins.
    #[command(after_long_help = "Example:\n  authctl user unlock ada@example.com")]
    Unlock(UserArg),
    /// Create (or update) accounts in bulk from CSV or JSON Lines, hashing on every core.
    #[command(after_long_help = "Examples:\n  authctl user import users.csv\n  \
sqlite3 -header -csv app.sqlite 'select email, username, password_hash, confirmed from users' \\\n    \
| authctl user import --format csv -\n  authctl user import users.jsonl --on-conflict skip --dry-run")]
    Import(ImportArgs),
    /// Write every account with its password hash, as CSV or JSON Lines.
    #[command(after_long_help = "Examples:\n  authctl user export --output users.csv\n  \
authctl --db old.db user export | authctl --db new.db user import --format csv -")]
    Export(ExportArgs),
    /// Set a user's password without knowing the old one; their sessions end.
    #[command(
        after_long_help = "Example:\n  printf '%s\\n' \"$NEW_PASSWORD\" | authctl user set-password ada@example.com --password-stdin"
    )]
    SetPassword(SetPasswordArgs),
}

/// Arguments of `authctl user add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The new account's email address.
    email: String,
    /// An optional unique username.
    #[arg(long, value_name = "NAME")]
    username: Option<String>,
    /// Mark the address as already confirmed.
    #[arg(long)]
    confirmed: bool,
    /// Create the account inactive: it cannot log in.
    #[arg(long)]
    inactive: bool,
    /// Read the password from the first line of stdin instead of prompting twice.
    #[arg(long)]
    password_stdin: bool,
    /// Mail the first confirmation token; if it cannot be delivered, no account is created.
    #[arg(long, conflicts_with = "confirmed")]
    send_confirmation: bool,
}

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
    #[arg(long, value_name = "N", value_parser = |raw: &str| settings::JOBS.parse(raw))]
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

/// One user, by email, username or id.
#[derive(Debug, Args)]
pub struct UserArg {
    /// The user's email address, username or id (text with an `@` is an address).
    #[arg(value_name = "EMAIL|USERNAME|ID")]
    user: String,
}

/// Arguments of `authctl user remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    user: UserArg,
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long, short)]
    yes: bool,
}

/// Arguments of `authctl user set-password`.
#[derive(Debug, Args)]
pub struct SetPasswordArgs {
    #[command(flatten)]
    user: UserArg,
    /// Read the password from the first line of stdin instead of prompting twice.
    #[arg(long)]
    password_stdin: bool,
}

impl UserCommand {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Context) -> Result<()> {
        match self {
            UserCommand::Add(args) => {
                let email = Email::parse(&args.email)?;
                let username = args.username.as_deref().map(Username::parse).transpose()?;
                let check = ctx.password_check(email.as_str(), args.username.as_deref());
                let password = Secrets::new(args.password_stdin)?.new_password("Password: ", check)?;
                let account = NewAccount {
                    email,
                    username,
                    password: Some(password),
                    confirmed: args.confirmed,
                    active: !args.inactive,
                };
                let outbox: Option<&dyn Outbox> = args.send_confirmation.then_some(&ctx.mailer);
                let (user, mail) = ctx.accounts(|accounts| accounts.add_user(account, outbox))?;
                let mut value = serde_json::to_value(&user)
                    .map_err(|e| Error::storage_from("Cannot encode the user as JSON", e))?;
                if let Some(delivery) = mail {
                    report_delivery(ctx.printer, &delivery);
                    value["confirmation_mail"] = json!(delivery);
                }
                ctx.printer.emit(&value, |w| writeln!(w, "{}", user.id))
            }
            UserCommand::List => ctx.printer.list(
                &["ID", "EMAIL", "USERNAME", "CONFIRMED", "ACTIVE", "LOCKED", "CREATED"],
                |user: &User| {
                    vec![
                        user.id.to_string(),
                        user.email.clone(),
                        user.username.clone().unwrap_or_default(),
                        yes_no(user.confirmed),
                        yes_no(user.active),
                        yes_no(user.locked),
                        format_time(user.created_at),
                    ]
                },
                |sink| ctx.accounts(|accounts| accounts.for_each_user(sink)),
            ),
            UserCommand::Show(arg) => {
                let user = ctx.accounts(|accounts| accounts.user(&UserKey::parse(&arg.user)))?;
                ctx.printer.emit(&user, |w| {
                    writeln!(w, "id:         {}", user.id)?;
                    writeln!(w, "email:      {}", user.email)?;
                    writeln!(w, "username:   {}", user.username.as_deref().unwrap_or("-"))?;
                    writeln!(w, "confirmed:  {}", yes_no(user.confirmed))?;
                    writeln!(w, "active:     {}", yes_no(user.active))?;
                    writeln!(w, "locked:     {}", yes_no(user.locked))?;
                    writeln!(w, "failures:   {}", user.lockout.failures)?;
                    match user.lockout.until.filter(|_| user.lockout.is_active(ctx.now)) {
                        Some(end) => writeln!(w, "locked out: until {}", format_time(end))?,
                        None => writeln!(w, "locked out: no")?,
                    }
                    writeln!(
                        w,
                        "password:   {}",
                        if user.password_hash.is_some() { "set" } else { "none" }
                    )?;
                    writeln!(w, "created:    {}", format_time(user.created_at))
                })
            }
            UserCommand::Remove(args) => {
                let key = UserKey::parse(&args.user.user);
                let user = ctx.accounts(|accounts| accounts.user(&key))?;
                let question = format!("Remove the user {} and all their sessions?", user.email);
                let refusal = format!(
                    "Not removing {}: stdin is not a terminal to confirm on; pass --yes.",
                    user.email
                );
                if !confirm(&question, args.yes, &refusal)? {
                    return ctx.printer.message("Nothing removed.");
                }
                let removed = ctx.accounts(|accounts| accounts.remove_user(&UserKey::Id(user.id)))?;
                ctx.printer.emit(&json!({ "removed": removed }), |w| {
                    writeln!(w, "Removed the user {}.", removed.email)
                })
            }
            UserCommand::Import(args) => args.run(ctx),
            UserCommand::Export(args) => args.run(ctx),
            UserCommand::Lock(arg) => set_locked(ctx, &arg, true),
            UserCommand::Unlock(arg) => set_locked(ctx, &arg, false),
            UserCommand::SetPassword(args) => {
                let key = UserKey::parse(&args.user.user);
                let user = ctx.accounts(|accounts| accounts.user(&key))?;
                let check = ctx.password_check(&user.email, user.username.as_deref());
                let password = Secrets::new(args.password_stdin)?.new_password("New password: ", check)?;
                let user = ctx.accounts(|accounts| accounts.set_password(&key, &password))?;
                ctx.printer
                    .emit(&user, |w| writeln!(w, "The password of {} has been set.", user.email))
            }
        }
    }
}

impl ImportArgs {
    fn run(self, ctx: &Context) -> Result<()> {
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
        let rows = transfer::read_rows(input, format)?;
        let jobs = self
            .jobs
            .map(|jobs| jobs as usize)
            .or(ctx.settings.jobs)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build()
            .map_err(|e| Error::storage_from(format!("Cannot start {jobs} hashing threads"), e))?;
        let bar = if io::stderr().is_terminal() && !ctx.printer.is_json() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {pos} rows ({per_sec}, {elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        } else {
            ProgressBar::hidden()
        };
        bar.set_message("validating and hashing");
        let mut problems = match self.rejects {
            Some(_) => Problems::keeping_all()?,
            None => Problems::default(),
        };
        let spool = import::prepare(
            rows,
            &ctx.hasher,
            &ctx.password_policy(),
            &pool,
            &mut problems,
            &|done| bar.set_position(done),
        )?;
        bar.set_message("writing");
        bar.set_position(0);
        let on_conflict = self.on_conflict.into();
        let result = ctx.accounts(|accounts| {
            accounts.import(spool, on_conflict, self.dry_run, &mut problems, &source, &|done| {
                bar.set_position(done)
            })
        });
        bar.finish_and_clear();
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
    fn run(self, ctx: &Context) -> Result<()> {
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
                .accounts(|accounts| transfer::export(format, &mut out, |sink| accounts.for_each_user(sink)))
                .map(drop);
        };
        let count = private_file::write(&path, |out| {
            ctx.accounts(|accounts| transfer::export(format, out, |sink| accounts.for_each_user(sink)))
        })?;
        let shown = path.display().to_string();
        ctx.printer.emit(&json!({ "exported": count, "path": shown }), |w| {
            writeln!(w, "Exported {count} accounts to {shown}.")
        })
    }
}

fn set_locked(ctx: &Context, arg: &UserArg, locked: bool) -> Result<()> {
    let user = ctx.accounts(|accounts| accounts.set_locked(&UserKey::parse(&arg.user), locked))?;
    let verb = if locked { "Locked" } else { "Unlocked" };
    ctx.printer
        .emit(&user, |w| writeln!(w, "{verb} the user {}.", user.email))
}
