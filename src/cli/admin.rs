//! `init`, `db status|migrate` and `audit`: looking after the database itself.

use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::cli::Context;
use crate::domain::audit::{AuditEntry, AuditFilter};
use crate::domain::email::normalize;
use crate::error::Result;
use crate::output::format_time;
use crate::store::{SchemaCheck, Store, Transaction};

/// `authctl db ...`
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Show the database path, its schema version and how many users it has.
    #[command(after_long_help = "Example:\n  authctl db status --json")]
    Status,
    /// Bring the schema up to this authctl's version.
    #[command(after_long_help = "Example:\n  authctl --db /srv/app/users.db db migrate")]
    Migrate,
}

/// Arguments of `authctl audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only events about this email address.
    #[arg(long, value_name = "EMAIL")]
    user: Option<String>,
    /// Only events of the last DURATION (for example 90m, 1d, 2weeks).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    since: Option<Duration>,
}

/// `authctl init`: creates and migrates the database; running it again changes nothing.
pub fn init(ctx: &Context) -> Result<()> {
    let mut store = ctx.open_store(SchemaCheck::UpToThisBinary)?;
    let (_, version) = store.migrate()?;
    let path = store.location();
    ctx.printer
        .emit(&json!({ "path": path, "schema_version": version }), |w| {
            writeln!(w, "The database {path} is ready (schema version {version}).")
        })
}

impl DbCommand {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Context) -> Result<()> {
        let mut store = ctx.open_store(SchemaCheck::UpToThisBinary)?;
        let path = store.location();
        match self {
            DbCommand::Status => {
                let version = store.schema_version()?;
                let latest = store.latest_schema_version();
                let engine = store.name();
                let users = store.read()?.count_users()?;
                let value = json!({
                    "engine": engine,
                    "path": path,
                    "schema_version": version,
                    "latest_schema_version": latest,
                    "users": users,
                });
                ctx.printer.emit(&value, |w| {
                    writeln!(w, "engine:          {engine}")?;
                    writeln!(w, "path:            {path}")?;
                    writeln!(w, "schema version:  {version} (this authctl: {latest})")?;
                    writeln!(w, "users:           {users}")
                })
            }
            DbCommand::Migrate => {
                let (from, to) = store.migrate()?;
                let value = json!({ "path": path, "from_version": from, "schema_version": to });
                ctx.printer.emit(&value, |w| {
                    if from == to {
                        writeln!(w, "The database {path} is already at schema version {to}.")
                    } else {
                        writeln!(w, "Migrated the database {path} from schema version {from} to {to}.")
                    }
                })
            }
        }
    }
}

impl AuditArgs {
    /// Prints the matching audit rows, oldest first.
    pub fn run(self, ctx: &Context) -> Result<()> {
        let filter = AuditFilter {
            email: self.user.as_deref().map(normalize),
            // Further back than the calendar goes means the whole log.
            since: self.since.map(|since| {
                chrono::Duration::from_std(since)
                    .ok()
                    .and_then(|since| ctx.now.checked_sub_signed(since))
                    .unwrap_or(DateTime::<Utc>::MIN_UTC)
            }),
        };
        ctx.printer.list(
            &["TIME", "EVENT", "EMAIL", "OS USER", "DETAIL"],
            |entry: &AuditEntry| {
                vec![
                    format_time(entry.at),
                    entry.event.as_str().to_owned(),
                    entry.email.clone().unwrap_or_default(),
                    entry.os_user.clone(),
                    entry.detail.clone().unwrap_or_default(),
                ]
            },
            |sink| ctx.accounts(|accounts| accounts.for_each_audit(&filter, sink)),
        )
    }
}
