//! `reset request EMAIL` and `reset confirm TOKEN`.

use clap::{Args, Subcommand};
use serde_json::json;

use crate::cli::Context;
use crate::cli::input::Secrets;
use crate::domain::email::Email;
use crate::domain::error::Result;

/// `authctl reset ...`
#[derive(Debug, Subcommand)]
pub enum ResetCommand {
    /// Mail a password-reset token (the answer is the same whether or not the address is known).
    #[command(after_long_help = "Example:\n  authctl reset request ada@example.com")]
    Request(RequestArgs),
    /// Set a new password with the emailed token; every session of the account ends.
    #[command(after_long_help = "Examples:\n  authctl reset confirm TOKEN\n  \
printf '%s\\n' \"$NEW_PASSWORD\" | authctl reset confirm TOKEN --password-stdin")]
    Confirm(ConfirmArgs),
}

/// Arguments of `authctl reset request`.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The address of the account.
    email: String,
}

/// Arguments of `authctl reset confirm`.
#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// The token from the "Reset Your Password" message (read privately from the terminal or
    /// the first line of stdin when left out).
    token: Option<String>,
    /// Read the new password from stdin (the line after the token, if the token is read too).
    #[arg(long)]
    password_stdin: bool,
}

impl ResetCommand {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Context) -> Result<()> {
        match self {
            ResetCommand::Request(args) => {
                let email = Email::parse(&args.email)?;
                let (mailer, per_hour) = (&ctx.mailer, ctx.settings.reset_requests_per_hour);
                ctx.accounts(|accounts| accounts.request_reset(&email, mailer, per_hour))?;
                // Said the same way for every address: the transport, never the message itself.
                ctx.printer
                    .note(&format!("mail goes through {}", mailer.transport.describe()));
                ctx.printer
                    .message("An email with instructions to reset your password has been sent to you.")
            }
            ResetCommand::Confirm(args) => {
                let mut secrets = Secrets::new(args.password_stdin)?;
                let token = secrets.token(args.token)?;
                ctx.accounts(|accounts| accounts.check_reset_token(&token))?;
                // The account is not known before the token is used: its own rules are checked then.
                let password = secrets.new_password("New password: ", |_| Ok(()))?;
                let user = ctx.accounts(|accounts| accounts.reset_password(&token, &password))?;
                let message = "Your password has been updated.";
                ctx.printer.emit(&json!({ "message": message, "user": user }), |w| {
                    writeln!(w, "{message}")
                })
            }
        }
    }
}
