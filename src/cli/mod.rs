//! The command line: clap definitions, one module per command group, and the entry point that
//! owns the exit code.

mod account;
mod admin;
mod config;
mod confirm;
mod docs;
mod email;
mod input;
mod progress;
mod reset;
mod session;
mod user;
mod user_list;
mod user_transfer;

use std::cell::RefCell;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::domain::accounts::{Accounts, Policy};
use crate::domain::app::AppMapping;
use crate::domain::error::{Error, Result};
use crate::domain::hashes::AppScheme;
use crate::domain::lockout::LockoutPolicy;
use crate::domain::password::Hasher;
use crate::domain::policy::PasswordPolicy;
use crate::domain::session::SessionDurations;
use crate::domain::store::check_username_case;
use crate::domain::token::TokenLifetimes;
use crate::mail::Mailer;
use crate::output::Printer;
use crate::settings::{Database, Flags, Settings};
use crate::storage::postgres::PostgresStore;
use crate::storage::sqlite::SqliteStore;
use crate::storage::sqlite::adopted::{self, AdoptedStore};
use crate::storage::{Engine, SchemaCheck};
use crate::syslog::Syslog;

/// The exit codes, as shown at the end of `--help` and in every man page.
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  authentication failed (wrong credentials, locked or inactive account, invalid token)
  2  invalid usage or input (bad arguments, unreadable input, malformed email, password rejected by policy, invalid setting)
  3  not logged in (no session, expired, revoked, refused session file, session of another database)
  4  no such user (or session)
  5  conflict (email or username already registered, changed meanwhile by another command, or refused by an adopted application's constraints)
  6  mail could not be delivered
  7  database or file error (unreadable, corrupt, locked past the busy timeout, schema too new)
  8  user import --rejects: the valid rows were imported, the rejected ones written to the rejects file";

/// Administer the accounts of a Flask-Login application from the command line.
#[derive(Debug, Parser)]
#[command(
    name = "authctl",
    version,
    after_help = EXIT_CODES,
    long_about = "Administer the accounts of a Flask-Login application from the command line: \
create users, log in and out with a \"remember me\" session, change and reset passwords, \
confirm accounts. Works directly on the user database (SQLite, or PostgreSQL for applications \
that outgrow one host); the login session is kept in a \
local file.\n\nSettings come from flags, then AUTHCTL_* environment variables, then the config \
file (TOML), then defaults."
)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options accepted by every command.
#[derive(Debug, Args)]
struct GlobalArgs {
    /// The user database: an SQLite file (PATH or sqlite:PATH; `authctl init` makes it)
    /// or a PostgreSQL URL (postgres://USER@HOST[:PORT]/DATABASE; put a password in AUTHCTL_DB or
    /// the config file, never on the command line). Also AUTHCTL_DB, or `db` in the config file.
    #[arg(long, global = true, value_name = "PATH|URL")]
    db: Option<PathBuf>,
    /// Where the login session is kept. Also AUTHCTL_SESSION_FILE, or `session_file` in the
    /// config file.
    #[arg(long, global = true, value_name = "PATH")]
    session_file: Option<PathBuf>,
    /// A TOML file of settings (default: $XDG_CONFIG_HOME/authctl/config.toml). Also
    /// AUTHCTL_CONFIG.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Print exactly one JSON value on stdout (errors as JSON on stderr).
    #[arg(long, global = true)]
    json: bool,
    /// No remarks on stderr (where a mail went, warnings, progress): only the result and errors.
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create and migrate the database, recording the setting username_case_sensitive
    /// (idempotent).
    #[command(after_long_help = "Example:\n  authctl --db /srv/app/users.db init")]
    Init,
    /// Inspect, migrate, back up or check the database.
    #[command(subcommand)]
    Db(admin::DbCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Log in and keep a session.
    #[command(after_long_help = "Examples:\n  authctl login ada@example.com --remember\n  \
printf '%s\\n' \"$PASSWORD\" | authctl login ada@example.com --password-stdin")]
    Login(account::LoginArgs),
    /// End the current session.
    #[command(after_long_help = "Example:\n  authctl logout")]
    Logout,
    /// Show who is logged in (exit 3 when nobody is).
    #[command(after_long_help = "Example:\n  authctl whoami --json")]
    Whoami,
    /// Change your password (asks for the current one).
    #[command(after_long_help = "Examples:\n  authctl passwd\n  \
printf '%s\\n%s\\n' \"$OLD\" \"$NEW\" | authctl passwd --password-stdin")]
    Passwd(account::PasswdArgs),
    /// Confirm your account with the emailed token, or have a new one sent.
    #[command(
        args_conflicts_with_subcommands = true,
        after_long_help = "Examples:\n  authctl confirm TOKEN\n  authctl confirm resend"
    )]
    Confirm(confirm::ConfirmArgs),
    /// Reset a forgotten password by an emailed token.
    #[command(subcommand)]
    Reset(reset::ResetCommand),
    /// Change your email address after proving the new one.
    #[command(subcommand)]
    Email(email::EmailCommand),
    /// List or revoke your sessions.
    #[command(subcommand)]
    Session(session::SessionCommand),
    /// Show the audit log.
    #[command(
        after_long_help = "Events are printed oldest first (--limit keeps the most recent ones). --since and \
--until take a date (midnight UTC), an RFC 3339 date-time or a duration back from now.\n\nExamples:\n  \
authctl audit --since 1d\n  authctl audit --user ada@example.com --json\n  \
authctl audit --since 2026-11-01 --until 2026-12-01 --event login_failed,token_rejected\n  \
authctl audit --event user_removed --limit 20\n  authctl audit prune --before 90d --yes"
    )]
    #[command(args_conflicts_with_subcommands = true)]
    Audit(admin::AuditArgs),
    /// Show the settings in effect and where each came from.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Print a shell completion script.
    #[command(after_long_help = "Example:\n  authctl completions bash > /etc/bash_completion.d/authctl")]
    Completions(docs::CompletionsArgs),
    /// Print a man page (roff), or write them all.
    #[command(
        after_long_help = "Examples:\n  authctl man | man -l -\n  authctl man user add | man -l -\n  \
authctl man --dir /usr/local/share/man/man1"
    )]
    Man(docs::ManArgs),
}

/// What every command handler gets: the settings, the printer and the moment of the command.
pub struct Context {
    settings: Settings,
    printer: Printer,
    hasher: Hasher,
    mailer: Mailer,
    now: DateTime<Utc>,
    /// The database, opened on first use and kept for the rest of the command.
    store: RefCell<Option<Engine>>,
    /// Where audit events go besides the database (the setting `audit_syslog`).
    audit_sink: Option<Syslog>,
}

impl Context {
    /// The rules relating a new password to its account, from the settings.
    fn password_policy(&self) -> PasswordPolicy {
        PasswordPolicy {
            min_score: self.settings.min_password_score,
        }
    }

    /// The policy's check of a new password for the account with `email` and `username`, for
    /// the prompt to ask again before anything is written.
    fn password_check<'a>(
        &self,
        email: &'a str,
        username: Option<&'a str>,
    ) -> impl Fn(&crate::domain::password::Password) -> Result<()> + 'a {
        let policy = self.password_policy();
        move |password| policy.check(password, email, username)
    }

    /// Opens the database of the `db` setting with the engine its form names: an SQLite file
    /// that `db adopt` adopted is an application's, managed in place.
    fn open_store(&self, check: SchemaCheck) -> Result<Engine> {
        let timeout = self.settings.busy_timeout;
        Ok(match &self.settings.db {
            Database::Sqlite(path) if adopted::is_adopted(path) => {
                Engine::Adopted(Box::new(AdoptedStore::open(path, timeout)?))
            }
            Database::Sqlite(path) => Engine::Sqlite(SqliteStore::open(path, timeout, check)?),
            Database::Postgres(url) => Engine::Postgres(Box::new(PostgresStore::connect(url, timeout, check)?)),
        })
    }

    /// Runs `operation` on the database of the command, opened (and its username comparison
    /// checked) on first use.
    fn with_store<T>(&self, operation: impl FnOnce(&mut Engine) -> Result<T>) -> Result<T> {
        let mut opened = self.store.borrow_mut();
        let store = match &mut *opened {
            Some(store) => store,
            empty => {
                let mut store = self.open_store(SchemaCheck::Current)?;
                let location = store.location();
                check_username_case(&mut store, self.settings.username_case, &location)?;
                empty.insert(store)
            }
        };
        operation(store)
    }

    /// The hasher of the command's database: new hashes in the format an adopted application
    /// verifies, argon2id in authctl's own database (which is not opened for it: an import
    /// hashes for minutes before it needs the database).
    fn hasher(&self) -> Result<Hasher> {
        if !matches!(&self.settings.db, Database::Sqlite(path) if adopted::is_adopted(path)) {
            return Ok(self.hasher.clone());
        }
        self.with_store(|store| {
            Ok(match store.app_mapping() {
                Some(mapping) => self
                    .hasher
                    .clone()
                    .with_scheme(app_scheme(mapping)?)?
                    .with_decoy(mapping.decoy.as_deref()),
                None => self.hasher.clone(),
            })
        })
    }

    /// Runs `operation` on the account service over the current database.
    fn accounts<T>(&self, operation: impl FnOnce(&mut Accounts<'_, Engine>) -> Result<T>) -> Result<T> {
        let hasher = self.hasher()?;
        self.with_store(|store| self.run_accounts(store, &hasher, operation))
    }

    fn run_accounts<T>(
        &self,
        store: &mut Engine,
        hasher: &Hasher,
        operation: impl FnOnce(&mut Accounts<'_, Engine>) -> Result<T>,
    ) -> Result<T> {
        let settings = &self.settings;
        let policy = Policy {
            sessions: SessionDurations {
                session: to_chrono(settings.session_duration),
                remember: to_chrono(settings.remember_duration),
            },
            tokens: TokenLifetimes {
                confirm: to_chrono(settings.confirm_token_ttl),
                reset: to_chrono(settings.reset_token_ttl),
                email_change: to_chrono(settings.email_token_ttl),
            },
            require_confirmation: settings.require_confirmation,
            lockout: LockoutPolicy {
                max_failures: settings.max_failed_logins,
                duration: to_chrono(settings.lockout_duration),
            },
            failure_delay: settings.login_failure_delay,
            passwords: self.password_policy(),
        };
        let mut accounts = Accounts::new(store, hasher, policy, self.now, os_user);
        if let Some(sink) = &self.audit_sink {
            accounts = accounts.with_audit_sink(sink);
        }
        operation(&mut accounts)
    }
}

/// The scheme an adopted application's hashes are written in, as `db adopt` recorded it.
fn app_scheme(mapping: &AppMapping) -> Result<AppScheme> {
    AppScheme::from_name(&mapping.password_scheme).ok_or_else(|| {
        Error::storage(format!(
            "The adoption records an unknown password scheme '{}': run `authctl db adopt` again.",
            mapping.password_scheme
        ))
    })
}

/// Prints where a message went: on stderr, so that stdout keeps the command's own answer.
fn report_delivery(printer: Printer, delivery: &crate::domain::mail::Delivery) {
    printer.note(&match &delivery.file {
        Some(file) => format!("mail to {} written to {}", delivery.to, file.display()),
        None => format!("mail to {} sent through {}", delivery.to, delivery.transport),
    });
}

/// Reports a security notice: where it went, or a warning that it could not be mailed (the change
/// it reports stands). Returns its JSON form.
fn report_notice(printer: Printer, notice: &Result<crate::domain::mail::Delivery>) -> serde_json::Value {
    match notice {
        Ok(delivery) => {
            report_delivery(printer, delivery);
            serde_json::json!(delivery)
        }
        Err(error) => {
            printer.note(&format!("warning: the notice could not be mailed: {error}"));
            serde_json::json!({ "error": error.message() })
        }
    }
}

fn to_chrono(duration: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

/// The name of the operating-system user running the command, for the audit log.
fn os_user() -> String {
    let uid = nix::unistd::geteuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => user.name,
        _ => format!("uid {uid}"),
    }
}

/// Runs authctl with the process's arguments and environment; returns the exit code.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.len() <= 1 {
        // No arguments at all: the help, whatever AUTHCTL_* variables are set.
        let _ = Cli::command().print_help();
        return ExitCode::SUCCESS;
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(clap_error) => {
            if clap_error.use_stderr() && args.iter().any(|arg| arg == "--json") {
                let rendered = clap_error.render().to_string();
                let message = rendered.trim().trim_start_matches("error: ");
                Printer::new(true, false).error(&Error::Usage(message.to_owned()));
            } else {
                let _ = clap_error.print();
            }
            return ExitCode::from(clap_error.exit_code() as u8);
        }
    };
    let printer = Printer::new(cli.global.json, cli.global.quiet);
    match run(cli, printer) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            printer.error(&error);
            ExitCode::from(error.exit_code())
        }
    }
}

fn run(cli: Cli, printer: Printer) -> Result<()> {
    // Most commands hold a password, a token or hashes in memory: no core dump may keep them,
    // and other processes of the same user may not read this one's memory (ptrace, /proc).
    nix::sys::prctl::set_dumpable(false).map_err(|e| Error::storage_from("Cannot make the process non-dumpable", e))?;
    // Every file authctl creates (database, WAL, session file, mail) is private to its owner.
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
    let global = cli.global;
    refuse_password_on_argv(global.db.as_deref())?;
    let flags = Flags {
        db: global.db,
        session_file: global.session_file,
        config: global.config,
    };
    let context = || -> Result<Context> {
        let settings = Settings::load(&flags, &|name| std::env::var(name).ok())?;
        Ok(Context {
            hasher: Hasher::with_max_cost(settings.hash_params, settings.max_foreign_hash_cost)?
                .with_foreign(settings.foreign_hashes.clone()),
            mailer: Mailer::new(
                settings.mail.expose(),
                &settings.mail_dir,
                settings.mail_from.clone(),
                settings.link_base.clone(),
                settings.smtp_timeout,
            )?,
            audit_sink: settings
                .audit_syslog
                .clone()
                .map(|socket| Syslog::new(socket, Box::new(move |warning: &str| printer.note(warning)))),
            settings,
            printer,
            now: Utc::now(),
            store: RefCell::new(None),
        })
    };
    match cli.command {
        Command::Init => admin::init(&context()?),
        Command::Db(command) => command.run(&context()?),
        Command::User(command) => command.run(&context()?),
        Command::Login(args) => args.run(&context()?),
        Command::Logout => account::logout(&context()?),
        Command::Whoami => account::whoami(&context()?),
        Command::Passwd(args) => args.run(&context()?),
        Command::Confirm(args) => args.run(&context()?),
        Command::Reset(command) => command.run(&context()?),
        Command::Email(command) => command.run(&context()?),
        Command::Session(command) => command.run(&context()?),
        Command::Audit(args) => args.run(&context()?),
        Command::Config(command) => command.run(printer, &flags),
        Command::Completions(args) => args.run(),
        Command::Man(args) => args.run(),
    }
}

/// Refuses a `--db` URL with a password typed on the command line, where every local user can
/// read it (`ps`). `--db` holds only what was typed: `AUTHCTL_DB` is read with the settings.
fn refuse_password_on_argv(db: Option<&std::path::Path>) -> Result<()> {
    let Some(db) = db else { return Ok(()) };
    let text = db.to_string_lossy();
    // Up to the first '@': a password typed without percent-encoding may hold '/', '?' or '@'.
    let credentials = text
        .strip_prefix("postgres://")
        .or_else(|| text.strip_prefix("postgresql://"))
        .and_then(|rest| rest.split_once('@'))
        .map(|(credentials, _)| credentials);
    match credentials {
        Some(credentials) if credentials.contains(':') => Err(Error::Usage(
            "A password in --db is visible to every local user: put the URL in AUTHCTL_DB or the config file."
                .to_owned(),
        )),
        _ => Ok(()),
    }
}

/// The clap command, for completions and the man page.
pub fn command() -> clap::Command {
    Cli::command()
}
