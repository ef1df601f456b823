//! `user list`: which accounts, in which order, with which columns.

use clap::{Args, ValueEnum};
use serde_json::{Map, Value};

use crate::cli::Context;
use crate::domain::error::{Error, Result};
use crate::domain::user::{User, UserOrder, UserQuery};
use crate::output::yes_no;
use crate::text::format_time;

/// Arguments of `authctl user list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only accounts that cannot log in for a lock: locked by an administrator, or locked out
    /// now after failed logins.
    #[arg(long)]
    locked: bool,
    /// Only accounts whose address is not confirmed.
    #[arg(long)]
    unconfirmed: bool,
    /// Only accounts whose email or username contains TEXT, compared as names are (`ADA` finds
    /// ada@example.com).
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
    /// The order.
    #[arg(long, value_enum, value_name = "FIELD", default_value_t = Sort::Added)]
    sort: Sort,
    /// Reverse the order (accounts without a username stay last with --sort username).
    #[arg(long)]
    reverse: bool,
    /// The columns to show, comma-separated, in this order; with --json, the keys of each
    /// object [default: every key with --json; id,email,username,confirmed,active,locked,created_at
    /// otherwise].
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FIELD,...")]
    fields: Vec<Field>,
    /// At most N accounts.
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
    /// Leave out the first N accounts of the order (pages: --limit 50 --offset 100).
    #[arg(long, value_name = "N", default_value_t = 0)]
    offset: u64,
}

/// The orders of `--sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Sort {
    /// The order the accounts were added in.
    Added,
    /// Time of creation (an import keeps the application's), then the order of adding.
    Created,
    /// Email address, as compared for uniqueness (lower case), character by character.
    Email,
    /// Username, the same way; accounts without one last.
    Username,
}

/// A column of `user list`, named as the JSON key it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
enum Field {
    Id,
    Email,
    Username,
    Confirmed,
    Active,
    Locked,
    FailedLogins,
    LockedOutUntil,
    CreatedAt,
}

/// The columns without `--fields`.
const DEFAULT_FIELDS: [Field; 7] = [
    Field::Id,
    Field::Email,
    Field::Username,
    Field::Confirmed,
    Field::Active,
    Field::Locked,
    Field::CreatedAt,
];

impl Field {
    /// The JSON key, which `--fields` takes too.
    fn key(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Email => "email",
            Field::Username => "username",
            Field::Confirmed => "confirmed",
            Field::Active => "active",
            Field::Locked => "locked",
            Field::FailedLogins => "failed_logins",
            Field::LockedOutUntil => "locked_out_until",
            Field::CreatedAt => "created_at",
        }
    }

    /// The cell of `user` in a table.
    fn cell(self, user: &User) -> String {
        match self {
            Field::Id => user.id.to_string(),
            Field::Email => user.email.clone(),
            Field::Username => user.username.clone().unwrap_or_default(),
            Field::Confirmed => yes_no(user.confirmed),
            Field::Active => yes_no(user.active),
            Field::Locked => yes_no(user.locked),
            Field::FailedLogins => user.lockout.failures.to_string(),
            Field::LockedOutUntil => user.lockout.until.map(format_time).unwrap_or_default(),
            Field::CreatedAt => format_time(user.created_at),
        }
    }
}

impl ListArgs {
    /// Prints the selected accounts.
    pub fn run(self, ctx: &Context) -> Result<()> {
        let query = UserQuery {
            locked_at: self.locked.then_some(ctx.now),
            unconfirmed: self.unconfirmed,
            search: self.search,
            order: match self.sort {
                Sort::Added => UserOrder::Added,
                Sort::Created => UserOrder::Created,
                Sort::Email => UserOrder::Email,
                Sort::Username => UserOrder::Username,
            },
            descending: self.reverse,
            limit: self.limit,
            offset: self.offset,
        };
        let fields = self.fields;
        if let Some(twice) = fields
            .iter()
            .enumerate()
            .find_map(|(at, field)| fields[..at].contains(field).then_some(field))
        {
            return Err(Error::Usage(format!(
                "--fields names {} twice: give each field once.",
                twice.key()
            )));
        }
        if ctx.printer.is_json() && !fields.is_empty() {
            return ctx.printer.list(
                &[],
                |_: &Map<String, Value>| Vec::new(),
                |sink| {
                    ctx.accounts(|accounts| accounts.for_each_user(query, &mut |user| sink(picked(&user, &fields)?)))
                },
            );
        }
        let columns = if fields.is_empty() {
            &DEFAULT_FIELDS[..]
        } else {
            &fields
        };
        let headers: Vec<String> = columns
            .iter()
            .map(|field| field.key().replace('_', " ").to_uppercase())
            .collect();
        ctx.printer.list(
            &headers.iter().map(String::as_str).collect::<Vec<_>>(),
            |user: &User| columns.iter().map(|field| field.cell(user)).collect(),
            |sink| ctx.accounts(|accounts| accounts.for_each_user(query, sink)),
        )
    }
}

/// The keys `fields` of `user`'s JSON object, in that order.
fn picked(user: &User, fields: &[Field]) -> Result<Map<String, Value>> {
    let mut all = match serde_json::to_value(user) {
        Ok(Value::Object(all)) => all,
        Ok(_) => Map::new(),
        Err(e) => return Err(Error::storage_from("Cannot render a user as JSON", e)),
    };
    Ok(fields
        .iter()
        .map(|field| (field.key().to_owned(), all.remove(field.key()).unwrap_or(Value::Null)))
        .collect())
}
