//! `email change NEW_EMAIL` and `email confirm TOKEN`.

use clap::{Args, Subcommand};
use serde_json::json;

use crate::cli::input::Secrets;
use crate::cli::{Context, report_delivery, report_notice};
use crate::domain::email::Email;
use crate::domain::error::Result;
use crate::session_file;

/// `authctl email ...`
#[derive(Debug, Subcommand)]
pub enum EmailCommand {
    /// Ask to change your address: a token goes to the new one, a notice to the old one.
    #[command(after_long_help = "Examples:\n  authctl email change ada@new.example.com\n  \
printf '%s\\n' \"$PASSWORD\" | authctl email change ada@new.example.com --password-stdin")]
    Change(ChangeArgs),
    /// Switch to the new address with the token mailed to it.
    #[command(after_long_help = "Example:\n  authctl email confirm TOKEN")]
    Confirm(ConfirmArgs),
}

/// Arguments of `authctl email change`.
#[derive(Debug, Args)]
pub struct ChangeArgs {
    /// The new address.
    new_email: String,
    /// Read the current password from the first line of stdin.
    #[arg(long)]
    password_stdin: bool,
}

/// Arguments of `authctl email confirm`.
#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// The token from the "Confirm your email address" message (read privately from the terminal
    /// or stdin when left out).
    token: Option<String>,
}

impl EmailCommand {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Context) -> Result<()> {
        match self {
            EmailCommand::Change(args) => {
                let new_email = Email::parse(&args.new_email)?;
                let found = session_file::load(&ctx.settings.session_files)?;
                ctx.accounts(|accounts| accounts.current(&found.claim))?;
                let password = Secrets::new(args.password_stdin)?.existing("Password: ")?;
                let mailer = &ctx.mailer;
                let sent = ctx
                    .accounts(|accounts| accounts.request_email_change(&found.claim, &password, &new_email, mailer))?;
                report_delivery(ctx.printer, &sent.value);
                let notice = report_notice(ctx.printer, &sent.notice);
                let message = "An email with instructions to confirm your new email address has been sent to you.";
                let value = json!({ "message": message, "mail": sent.value, "notice": notice });
                ctx.printer.emit(&value, |w| writeln!(w, "{message}"))
            }
            EmailCommand::Confirm(args) => {
                let token = Secrets::for_tokens().token(args.token)?;
                let user = ctx.accounts(|accounts| accounts.confirm_email_change(&token))?;
                let message = "Your email address has been updated.";
                ctx.printer.emit(&json!({ "message": message, "user": user }), |w| {
                    writeln!(w, "{message}")
                })
            }
        }
    }
}
