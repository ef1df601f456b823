//! `user add|list|show|edit|remove|lock|unlock|set-password`; `import` and `export` are in
//! `user_transfer`.

use clap::{Args, Subcommand};
use serde_json::json;

use crate::cli::input::{Secrets, confirm};
use crate::cli::user_list::ListArgs;
use crate::cli::user_transfer::{ExportArgs, ImportArgs};
use crate::cli::{Context, report_delivery};
use crate::domain::accounts::{AccountEdit, FirstMail, NewAccount};
use crate::domain::email::Email;
use crate::domain::error::{Error, Result};
use crate::domain::mail::Outbox;
use crate::domain::user::{User, UserKey, Username};
use crate::output::yes_no;
use crate::text::format_time;

/// `authctl user ...`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account and print its id.
    #[command(after_long_help = "Examples:\n  authctl user add ada@example.com --username ada\n  \
printf '%s\\n' \"$PASSWORD\" | authctl user add ci@example.com --confirmed --password-stdin\n  \
authctl user add bob@example.com --send-reset")]
    Add(AddArgs),
    /// List accounts: every one, or those the filters select.
    #[command(after_long_help = "Examples:\n  authctl user list --json | jq -r '.[].email'\n  \
authctl user list --locked --fields email,locked_out_until\n  \
authctl user list --search example.org --sort email --limit 50 --offset 100")]
    List(ListArgs),
    /// Show one account, with its failed logins and any lockout.
    #[command(after_long_help = "Example:\n  authctl user show ada@example.com")]
    Show(UserArg),
    /// Change an account's email, username, confirmed or active flag.
    #[command(
        after_long_help = "Examples:\n  authctl user edit ada --email ada@new.example.com\n  \
authctl user edit ada@example.com --username ada --confirmed true\n  authctl user edit bob --active false"
    )]
    Edit(EditArgs),
    /// Delete an account and its sessions (asks first on a terminal).
    #[command(after_long_help = "Example:\n  authctl user remove ada@example.com --yes")]
    Remove(RemoveArgs),
    /// Lock an account: it cannot log in and its sessions end.
    #[command(after_long_help = "Example:\n  authctl user lock ada@example.com")]
    Lock(UserArg),
    /// Unlock an account: lift the lock and any lockout by failed logins.
    #[command(after_long_help = "Example:\n  authctl user unlock ada@example.com")]
    Unlock(UserArg),
    /// Check a password without logging in: exit 0 when it matches, 1 when not.
    #[command(
        after_long_help = "Example:\n  printf '%s\\n' \"$PASSWORD\" | authctl user verify ada@example.com --password-stdin && echo valid"
    )]
    Verify(VerifyArgs),
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
    /// Create the account without a password: it cannot log in until a reset sets one.
    #[arg(long, conflicts_with = "password_stdin")]
    no_password: bool,
    /// Mail the first confirmation token; if it cannot be delivered, no account is created.
    #[arg(long, conflicts_with = "confirmed")]
    send_confirmation: bool,
    /// Invite the user: create the account without a password (--no-password is implied) and
    /// mail a reset token with which they set their own; if it cannot be delivered, no account
    /// is created.
    #[arg(long, conflicts_with_all = ["password_stdin", "send_confirmation", "inactive"])]
    send_reset: bool,
}

/// One user, by email, username or id.
#[derive(Debug, Args)]
pub struct UserArg {
    /// The user's email address, username or id (text with an `@` is an address).
    #[arg(value_name = "EMAIL|USERNAME|ID")]
    user: String,
}

/// Arguments of `authctl user edit`: at least one change.
#[derive(Debug, Args)]
pub struct EditArgs {
    #[command(flatten)]
    user: UserArg,
    /// A new email address: it is unconfirmed (unless --confirmed true) and the account's unused
    /// emailed tokens end.
    #[arg(long, value_name = "EMAIL")]
    email: Option<String>,
    /// A new unique username.
    #[arg(long, value_name = "NAME", conflicts_with = "no_username")]
    username: Option<String>,
    /// Remove the username.
    #[arg(long)]
    no_username: bool,
    /// Whether the address counts as confirmed.
    #[arg(long, value_name = "true|false")]
    confirmed: Option<bool>,
    /// Whether the account may log in; false ends its sessions and unused emailed tokens.
    #[arg(long, value_name = "true|false")]
    active: Option<bool>,
}

/// Arguments of `authctl user verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    user: UserArg,
    /// Read the password from the first line of stdin instead of prompting.
    #[arg(long)]
    password_stdin: bool,
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
            UserCommand::Add(args) => args.run(ctx),
            UserCommand::List(args) => args.run(ctx),
            UserCommand::Show(arg) => {
                let user = ctx.accounts(|accounts| accounts.user(&UserKey::parse(&arg.user)))?;
                show(ctx, &user)
            }
            UserCommand::Edit(args) => args.run(ctx),
            UserCommand::Verify(args) => {
                let password = Secrets::new(args.password_stdin)?.existing("Password: ")?;
                let key = UserKey::parse(&args.user.user);
                let user = ctx.accounts(|accounts| accounts.verify_password(&key, &password))?;
                ctx.printer.emit(&json!({ "verified": true, "user": user }), |w| {
                    writeln!(w, "The password of {} is correct.", user.email)
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

impl AddArgs {
    fn run(self, ctx: &Context) -> Result<()> {
        let email = Email::parse(&self.email)?;
        let username = self.username.as_deref().map(Username::parse).transpose()?;
        let password = if self.no_password || self.send_reset {
            None
        } else {
            let check = ctx.password_check(email.as_str(), self.username.as_deref());
            Some(Secrets::new(self.password_stdin)?.new_password("Password: ", check)?)
        };
        let account = NewAccount {
            email,
            username,
            password,
            confirmed: self.confirmed,
            active: !self.inactive,
        };
        // The first mail, and the key of its delivery in the JSON answer.
        let first = if self.send_confirmation {
            Some((FirstMail::Confirmation, "confirmation_mail"))
        } else if self.send_reset {
            Some((FirstMail::Reset, "reset_mail"))
        } else {
            None
        };
        let outbox: &dyn Outbox = &ctx.mailer;
        let mail = first.map(|(first, _)| (outbox, first));
        let (user, delivery) = ctx.accounts(|accounts| accounts.add_user(account, mail))?;
        let mut value =
            serde_json::to_value(&user).map_err(|e| Error::storage_from("Cannot encode the user as JSON", e))?;
        if let (Some(delivery), Some((_, key))) = (delivery, first) {
            report_delivery(ctx.printer, &delivery);
            value[key] = json!(delivery);
        }
        ctx.printer.emit(&value, |w| writeln!(w, "{}", user.id))
    }
}

/// Prints an account as `user show` does.
fn show(ctx: &Context, user: &User) -> Result<()> {
    ctx.printer.emit(user, |w| {
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
        let password = if user.password_hash.is_some() { "set" } else { "none" };
        writeln!(w, "password:   {password}")?;
        writeln!(w, "created:    {}", format_time(user.created_at))
    })
}

impl EditArgs {
    fn run(self, ctx: &Context) -> Result<()> {
        let edit = AccountEdit {
            email: self.email.as_deref().map(Email::parse).transpose()?,
            username: match (self.username, self.no_username) {
                (Some(name), _) => Some(Some(Username::parse(&name)?)),
                (None, true) => Some(None),
                (None, false) => None,
            },
            confirmed: self.confirmed,
            active: self.active,
        };
        if edit.is_empty() {
            return Err(Error::Usage(
                "Nothing to change: give --email, --username, --no-username, --confirmed or --active.".to_owned(),
            ));
        }
        let key = UserKey::parse(&self.user.user);
        let (user, changed) = ctx.accounts(|accounts| accounts.edit_user(&key, edit))?;
        if !changed {
            ctx.printer
                .note(&format!("nothing changed: {} already has those values", user.email));
        }
        show(ctx, &user)
    }
}

fn set_locked(ctx: &Context, arg: &UserArg, locked: bool) -> Result<()> {
    let user = ctx.accounts(|accounts| accounts.set_locked(&UserKey::parse(&arg.user), locked))?;
    let verb = if locked { "Locked" } else { "Unlocked" };
    ctx.printer
        .emit(&user, |w| writeln!(w, "{verb} the user {}.", user.email))
}
