//! `init`, `db status|migrate|backup|check` and `audit`: looking after the database itself.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::cli::Context;
use crate::cli::input::confirm;
use crate::domain::app::Role;
use crate::domain::audit::{AuditEntry, AuditEvent, AuditFilter, AuditRecord, parse_moment};
use crate::domain::error::{Error, Result};
use crate::domain::store::{Store, Transaction, check_username_case, set_username_case};
use crate::domain::user::UserKey;
use crate::output::{DataOut, output_failed};
use crate::settings::Database;
use crate::storage::SchemaCheck;
use crate::storage::sqlite::SqliteStore;
use crate::storage::sqlite::adopted;
use crate::text::{format_time, shown};

/// `authctl db ...`
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Show the database path, its schema version, how many users it has and how it compares
    /// usernames.
    #[command(after_long_help = "Example:\n  authctl db status --json")]
    Status,
    /// Bring the schema up to this authctl's version, and the username comparison to the
    /// setting username_case_sensitive.
    #[command(after_long_help = "Example:\n  authctl --db /srv/app/users.db db migrate")]
    Migrate,
    /// Copy the database into a new file (0600), consistently, while other processes use it.
    #[command(after_long_help = "Example:\n  authctl db backup /var/backups/users-$(date +%F).db")]
    Backup(BackupArgs),
    /// Check integrity, foreign keys and authctl's own invariants (exit 7 listing any problem).
    #[command(after_long_help = "Example:\n  authctl db check --json")]
    Check,
    /// Manage a Flask-Login or Django application's own SQLite database in place: find its users
    /// table, the columns and the password-hash format, and record them. authctl's own state
    /// (sessions, tokens, audit) goes to a side database, FILE.authctl; the application's schema
    /// is never changed. The config file's [app] section says what cannot be guessed.
    #[command(
        after_long_help = "Examples:\n  authctl --db /srv/flasky/data.sqlite db adopt --dry-run\n  \
authctl --db /srv/flasky/data.sqlite db adopt\n\n\
The [app] section (every key optional):\n  [app]\n  table = \"users\"\n  email_column = \"email\"\n  \
password_column = \"password_hash\"\n  password_scheme = \"werkzeug-scrypt\"\n  [app.defaults]\n  role_id = 1"
    )]
    Adopt(AdoptArgs),
}

/// Arguments of `authctl db adopt`.
#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// Print the mapping found without recording it.
    #[arg(long)]
    dry_run: bool,
    /// Adopt a mapping of another table or id column than the recorded one, forgetting
    /// authctl's sessions, tokens and lockouts of the recorded table's accounts.
    #[arg(long)]
    yes: bool,
}

/// Arguments of `authctl db backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new file; an existing one is refused (exit 2) unless --force.
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// Replace PATH if it is an existing regular file.
    #[arg(long)]
    force: bool,
}

/// Arguments of `authctl audit`: the filters of the listing, or a subcommand.
#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,
    /// Only the events of this account: its email (current, or one it had when an event was
    /// recorded), its username, or its id. A removed account is found by its id or its email.
    #[arg(long, value_name = "USER")]
    user: Option<String>,
    /// Only events at or after WHEN: a date (2026-11-30, midnight UTC), an RFC 3339 date-time
    /// (2026-11-30T08:00:00Z), or a duration back from now (90m, 1d, 2weeks).
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// Only events before WHEN (same forms as --since).
    #[arg(long, value_name = "WHEN")]
    until: Option<String>,
    /// Only events of this kind; repeat it or separate kinds with commas.
    #[arg(long = "event", value_name = "KIND", value_delimiter = ',')]
    events: Vec<EventKind>,
    /// Only the N most recent matching events (still printed oldest first).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    limit: Option<u64>,
    /// After the matching events, keep printing new ones as they are recorded (checked every
    /// second), one line each (with --json, one JSON object per line), until interrupted or
    /// until stdout is closed.
    #[arg(long, short = 'f', conflicts_with = "until")]
    follow: bool,
}

/// `authctl audit ...`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Delete the events older than a moment, in one transaction, and record that it was done
    /// (an audit_pruned event, which is kept).
    #[command(
        after_long_help = "Asks for confirmation on a terminal; elsewhere (cron) --yes is required.\n\n\
Examples:\n  authctl audit prune --before 90d --yes\n  authctl audit prune --before 2026-01-01 --json --yes"
    )]
    Prune(PruneArgs),
}

/// Arguments of `authctl audit prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Delete the events before WHEN: a date (2026-11-30, midnight UTC), an RFC 3339 date-time,
    /// or a duration back from now (90d keeps the last 90 days). Not in the future.
    #[arg(long, value_name = "WHEN")]
    before: String,
    /// Do not ask for confirmation (required when stdin is not a terminal).
    #[arg(long)]
    yes: bool,
}

impl PruneArgs {
    fn run(self, ctx: &Context) -> Result<()> {
        let before = parse_moment("--before", &self.before, ctx.now)?;
        if before > ctx.now {
            return Err(Error::Usage(format!(
                "--before '{}' ({}) is in the future, which would delete the events still to come: \
                 give a past moment (0s means now, to delete every event).",
                shown(&self.before),
                format_time(before)
            )));
        }
        let question = format!("Delete every audit event before {}?", format_time(before));
        let refusal = "Not pruning: stdin is not a terminal to confirm on; pass --yes.";
        if !confirm(&question, self.yes, refusal)? {
            return ctx.printer.message("Nothing pruned.");
        }
        let pruned = ctx.accounts(|accounts| accounts.prune_audit(before))?;
        ctx.printer.emit(&json!({ "pruned": pruned }), |w| {
            writeln!(
                w,
                "Deleted {pruned} audit event{} before {}.",
                if pruned == 1 { "" } else { "s" },
                format_time(before)
            )
        })
    }
}

/// An event kind as `--event` takes it: its stored name (offered by completions and `--help`).
#[derive(Debug, Clone, Copy)]
struct EventKind(AuditEvent);

/// Every kind, for clap.
const EVENT_KINDS: [EventKind; AuditEvent::ALL.len()] = {
    let mut kinds = [EventKind(AuditEvent::UserAdded); AuditEvent::ALL.len()];
    let mut index = 0;
    while index < kinds.len() {
        kinds[index] = EventKind(AuditEvent::ALL[index]);
        index += 1;
    }
    kinds
};

impl clap::ValueEnum for EventKind {
    fn value_variants<'a>() -> &'a [Self] {
        &EVENT_KINDS
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.as_str()))
    }
}

/// `authctl init`: creates and migrates the database and records the username comparison of
/// the settings while it holds no account; running it again changes nothing (a setting that
/// disagrees with a database of accounts is refused, as by every command but `db migrate`).
pub fn init(ctx: &Context) -> Result<()> {
    let mut store = ctx.open_store(SchemaCheck::Create)?;
    let (_, version) = store.migrate()?;
    let path = store.location();
    let changed = if store.read()?.count_users()? == 0 {
        set_username_case(&mut store, ctx.settings.username_case)?
    } else {
        check_username_case(&mut store, ctx.settings.username_case, &path)?;
        false
    };
    let case = ctx.settings.username_case.as_str();
    let value =
        json!({ "path": path, "schema_version": version, "username_case": case, "username_case_changed": changed });
    let adopted = store.app_mapping().is_some();
    ctx.printer.emit(&value, |w| {
        if adopted {
            writeln!(
                w,
                "The application database {path} is adopted: authctl manages it in place and adds nothing to it."
            )?;
        } else {
            writeln!(w, "The database {path} is ready (schema version {version}).")?;
        }
        if changed {
            writeln!(
                w,
                "Usernames are now compared case-{case}ly (the setting username_case_sensitive)."
            )?;
        }
        Ok(())
    })
}

impl DbCommand {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Context) -> Result<()> {
        match self {
            DbCommand::Status => status(ctx),
            DbCommand::Migrate => migrate(ctx),
            DbCommand::Backup(args) => args.run(&sqlite_file(ctx, BACKUP_ON_POSTGRES)?, ctx),
            DbCommand::Check => check(&mut sqlite_file(ctx, CHECK_ON_POSTGRES)?, ctx),
            DbCommand::Adopt(args) => adopt(ctx, &args),
        }
    }
}

/// Why `db backup` is refused on PostgreSQL, and what does the job there.
const BACKUP_ON_POSTGRES: &str = "db backup copies an SQLite file; back up a PostgreSQL database with \
     pg_dump (for example `pg_dump --format=custom --file=users.dump DATABASE`).";

/// Why `db check` is refused on PostgreSQL, and what does the job there.
const CHECK_ON_POSTGRES: &str = "db check checks an SQLite file; check a PostgreSQL database with its \
     own tools (for example pg_amcheck, or pg_dump to /dev/null to read every row).";

/// `authctl db adopt`.
fn adopt(ctx: &Context, args: &AdoptArgs) -> Result<()> {
    let path = match &ctx.settings.db {
        Database::Sqlite(path) => path,
        Database::Postgres(_) => {
            return Err(Error::Usage(
                "db adopt manages an application's SQLite database in place; a PostgreSQL database cannot be adopted \
                 (yet): keep authctl's accounts in a database of their own."
                    .to_owned(),
            ));
        }
    };
    let settings = &ctx.settings;
    let found = adopted::adopt(
        path,
        &settings.app,
        settings.username_case,
        settings.busy_timeout,
        args.dry_run,
        args.yes,
        ctx.now,
    )?;
    let mapping = &found.mapping;
    let columns: serde_json::Map<String, serde_json::Value> = Role::ALL
        .iter()
        .map(|role| (role.name().to_owned(), json!(mapping.column(*role))))
        .collect();
    let value = json!({
        "path": found.path,
        "side_database": found.side,
        "table": mapping.table,
        "columns": columns,
        "password_scheme": mapping.password_scheme,
        "password_scheme_source": found.scheme_source,
        "lowercase_emails": mapping.lowercase_emails,
        "defaults": mapping.defaults,
        "users": found.users,
        "recorded": found.recorded,
        "replaced": found.replaced,
        "state_forgotten": found.state_forgotten,
    });
    ctx.printer.emit(&value, |w| {
        let path = found.path.display();
        let plural = if found.users == 1 { "" } else { "s" };
        let what = format!(
            "the table {} of {path} ({} account{plural})",
            mapping.table, found.users
        );
        match (found.recorded, found.replaced) {
            (false, _) => writeln!(w, "Would adopt {what}; a dry run, nothing recorded:")?,
            (true, false) => writeln!(w, "Adopted {what}:")?,
            (true, true) => writeln!(w, "Adopted {what} again, replacing the recorded mapping:")?,
        }
        for role in Role::ALL {
            let column = mapping.column(role).unwrap_or("(none)");
            writeln!(w, "  {:<10} {column}", role.name())?;
        }
        let source = match found.scheme_source {
            "config" => "from the config file",
            "rows" => "the format of the stored hashes",
            _ => "no stored hash: the library's default",
        };
        writeln!(w, "  {:<10} {} ({source})", "hashes", mapping.password_scheme)?;
        for (column, value) in &mapping.defaults {
            writeln!(w, "  {:<10} {column} = {value}", "default")?;
        }
        if mapping.lowercase_emails {
            writeln!(w, "  {:<10} stored in lower case, as the application does", "addresses")?;
        }
        if found.state_forgotten {
            let forgotten = if found.recorded { "were" } else { "would be" };
            writeln!(
                w,
                "The mapping names another table or id column: authctl's sessions, tokens and lockouts of the \
                 recorded one {forgotten} forgotten."
            )?;
        }
        let side = found.side.display();
        if found.recorded {
            writeln!(w, "authctl's own state: {side}")
        } else {
            writeln!(w, "authctl's own state would go to: {side}")
        }
    })
}

/// `authctl db status`.
fn status(ctx: &Context) -> Result<()> {
    let mut store = ctx.open_store(SchemaCheck::UpToThisBinary)?;
    let path = store.location();
    let app = store.app_mapping().map(|mapping| {
        let side = adopted::side_path(std::path::Path::new(&path)).display().to_string();
        (mapping.table.clone(), mapping.password_scheme.clone(), side)
    });
    let version = store.schema_version()?;
    let latest = store.latest_schema_version();
    let engine = store.name();
    let (users, case) = {
        let tx = store.read()?;
        (tx.count_users()?, tx.username_case()?)
    };
    let wanted = ctx.settings.username_case;
    let value = json!({
        "engine": engine,
        "path": path,
        "schema_version": version,
        "latest_schema_version": latest,
        "users": users,
        "username_case": case.as_str(),
        "username_case_setting": wanted.as_str(),
        "app": app.as_ref().map(|(table, scheme, side)| {
            json!({ "table": table, "password_scheme": scheme, "side_database": side })
        }),
    });
    ctx.printer.emit(&value, |w| {
        writeln!(w, "engine:          {engine}")?;
        writeln!(w, "path:            {path}")?;
        let whose = if app.is_some() { "the side database's; " } else { "" };
        writeln!(w, "schema version:  {version} ({whose}this authctl: {latest})")?;
        if let Some((table, scheme, side)) = &app {
            writeln!(w, "adopted table:   {table} (hashes {scheme})")?;
            writeln!(w, "side database:   {side}")?;
        }
        writeln!(w, "users:           {users}")?;
        write!(w, "usernames:       case-{}", case.as_str())?;
        if case == wanted {
            writeln!(w)
        } else {
            writeln!(
                w,
                " (the setting username_case_sensitive asks for case-{}: run `authctl db migrate`)",
                wanted.as_str()
            )
        }
    })
}

/// `authctl db migrate`: the schema, then the username comparison of the settings.
fn migrate(ctx: &Context) -> Result<()> {
    let mut store = ctx.open_store(SchemaCheck::UpToThisBinary)?;
    let path = store.location();
    let (from, to) = store.migrate()?;
    let changed = set_username_case(&mut store, ctx.settings.username_case)?;
    let case = ctx.settings.username_case.as_str();
    let value = json!({
        "path": path,
        "from_version": from,
        "schema_version": to,
        "username_case": case,
        "username_case_changed": changed,
    });
    ctx.printer.emit(&value, |w| {
        if from == to {
            writeln!(w, "The database {path} is already at schema version {to}.")?;
        } else {
            writeln!(w, "Migrated the database {path} from schema version {from} to {to}.")?;
        }
        if changed {
            writeln!(
                w,
                "Usernames are now compared case-{case}ly (the setting username_case_sensitive)."
            )?;
        }
        Ok(())
    })
}

/// The SQLite file of the `db` setting, for the commands that work on the file itself; on
/// PostgreSQL they are refused (exit 2, before connecting) with `on_postgres`, which names the
/// PostgreSQL tool that does the job.
fn sqlite_file(ctx: &Context, on_postgres: &str) -> Result<SqliteStore> {
    match &ctx.settings.db {
        Database::Sqlite(path) if adopted::is_adopted(path) => Err(Error::Usage(format!(
            "{} is an application's database, adopted: back it up and check it with the application's own \
             tools or sqlite3 (for example `sqlite3 {} \".backup copy.sqlite\"`), and authctl's side database {} \
             the same way.",
            path.display(),
            path.display(),
            adopted::side_path(path).display()
        ))),
        Database::Sqlite(path) => SqliteStore::open(path, ctx.settings.busy_timeout, SchemaCheck::UpToThisBinary),
        Database::Postgres(_) => Err(Error::Usage(on_postgres.to_owned())),
    }
}

impl BackupArgs {
    fn run(self, store: &SqliteStore, ctx: &Context) -> Result<()> {
        let summary = store.backup_to(&self.path, self.force, ctx.settings.busy_timeout)?;
        let source = store.path().display().to_string();
        ctx.printer.emit(
            &json!({
                "path": summary.path,
                "source": source,
                "schema_version": summary.schema_version,
                "users": summary.users,
                "bytes": summary.bytes,
            }),
            |w| {
                writeln!(
                    w,
                    "Backed up {source} to {} ({} users, {} bytes).",
                    summary.path.display(),
                    summary.users,
                    summary.bytes
                )
            },
        )
    }
}

/// `authctl db check`: prints the report; any problem is exit 7.
fn check(store: &mut SqliteStore, ctx: &Context) -> Result<()> {
    let report = store.check()?;
    let path = store.path().display().to_string();
    let value = json!({
        "path": path,
        "ok": report.total == 0,
        "problems": report.problems,
        "problem_count": report.total,
    });
    ctx.printer.emit(&value, |w| {
        if report.total == 0 {
            return writeln!(w, "The database {path} passed every check.");
        }
        for problem in &report.problems {
            writeln!(w, "problem: {problem}")?;
        }
        let unlisted = report.total - report.problems.len() as u64;
        if unlisted > 0 {
            writeln!(w, "({unlisted} more problems not listed)")?;
        }
        Ok(())
    })?;
    if report.total == 0 {
        return Ok(());
    }
    Err(Error::storage(format!(
        "The database {path} failed its check: {} problem{}.",
        report.total,
        if report.total == 1 { "" } else { "s" }
    )))
}

impl AuditArgs {
    /// Runs the subcommand, or prints the matching audit rows, oldest first.
    pub fn run(self, ctx: &Context) -> Result<()> {
        if let Some(AuditCommand::Prune(args)) = self.command {
            return args.run(ctx);
        }
        let moment = |flag: &str, text: &Option<String>| {
            text.as_deref()
                .map(|text| parse_moment(flag, text, ctx.now))
                .transpose()
        };
        let (since, until) = (moment("--since", &self.since)?, moment("--until", &self.until)?);
        if let (Some(since), Some(until)) = (since, until)
            && since >= until
        {
            return Err(Error::Usage(format!(
                "--since ({}) is not before --until ({}): no event could match.",
                format_time(since),
                format_time(until)
            )));
        }
        let subject = match &self.user {
            Some(user) => Some(ctx.accounts(|accounts| accounts.audit_subject(&UserKey::parse(user)))?),
            None => None,
        };
        let filter = AuditFilter {
            subject,
            since,
            until,
            events: self.events.iter().map(|kind| kind.0).collect(),
            limit: self.limit,
            after: None,
        };
        if self.follow {
            return follow(ctx, &filter);
        }
        ctx.printer.list(
            &["TIME", "EVENT", "EMAIL", "OS USER", "DETAIL"],
            |record: &AuditRecord| cells(&record.entry).to_vec(),
            |sink| ctx.accounts(|accounts| accounts.for_each_audit(&filter, sink)),
        )
    }
}

/// How often `audit --follow` looks for new events.
const FOLLOW_POLL: Duration = Duration::from_secs(1);

/// The cells of an audit row in human output: time, event, email, OS user, detail.
fn cells(entry: &AuditEntry) -> [String; 5] {
    [
        format_time(entry.at),
        entry.event.as_str().to_owned(),
        entry.email.clone().unwrap_or_default(),
        entry.os_user.clone(),
        entry.detail.clone().unwrap_or_default(),
    ]
}

/// `audit --follow`: the matching events, then the new ones as they are recorded, one line each
/// and flushed at once, until stdout is closed (or the process is interrupted).
fn follow(ctx: &Context, filter: &AuditFilter) -> Result<()> {
    let json = ctx.printer.is_json();
    let mut out = DataOut::stdout();
    let print = |out: &mut DataOut, record: AuditRecord| -> Result<()> {
        let written = if json {
            serde_json::to_writer(&mut *out, &record)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
        } else {
            let mut cells = cells(&record.entry);
            // Columns are separated by two spaces: an empty email would shift the others.
            if cells[2].is_empty() {
                cells[2] = "-".to_owned();
            }
            writeln!(out, "{}", cells.join("  ").trim_end())
        };
        written.and_then(|()| out.flush()).map_err(output_failed)
    };
    let mut cursor = ctx.accounts(|accounts| accounts.follow_audit(filter, &mut |record| print(&mut out, record)))?;
    while !out.is_closed() && !wait_unless_stdout_closed(FOLLOW_POLL) {
        ctx.accounts(|accounts| {
            accounts.follow_audit_more(filter, &mut cursor, &mut |record| print(&mut out, record))
        })?;
    }
    Ok(())
}

/// Waits `timeout`, or less when stdout is a pipe or socket whose reader went away; returns
/// whether it did.
fn wait_unless_stdout_closed(timeout: Duration) -> bool {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;
    let stdout = io::stdout();
    // No event asked for: only an error or a hang-up (the reader closed) ends the wait early.
    let mut fds = [PollFd::new(stdout.as_fd(), PollFlags::empty())];
    let millis = u16::try_from(timeout.as_millis()).unwrap_or(u16::MAX);
    match poll(&mut fds, PollTimeout::from(millis)) {
        Ok(0) => false,
        Ok(_) => fds[0]
            .revents()
            .is_some_and(|events| events.intersects(PollFlags::POLLERR | PollFlags::POLLHUP)),
        // Interrupted by a signal that did not end the process: look again.
        Err(_) => false,
    }
}
