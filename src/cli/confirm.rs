//! `confirm TOKEN` and `confirm resend`.

use clap::{Args, Subcommand};
use serde_json::json;

use crate::cli::input::Secrets;
use crate::cli::{Context, report_delivery};
use crate::domain::error::Result;
use crate::session_file;

/// Arguments of `authctl confirm`.
#[derive(Debug, Args)]
pub struct ConfirmArgs {
    #[command(subcommand)]
    resend: Option<ConfirmCommand>,
    /// The token from the "Confirm Your Account" message (read privately from the terminal or
    /// stdin when left out).
    token: Option<String>,
}

#[derive(Debug, Subcommand)]
enum ConfirmCommand {
    /// Mail a fresh confirmation token to the logged-in user.
    #[command(after_long_help = "Example:\n  authctl confirm resend")]
    Resend,
}

impl ConfirmArgs {
    /// Confirms the account of the token, or resends a token.
    pub fn run(self, ctx: &Context) -> Result<()> {
        if let Some(ConfirmCommand::Resend) = self.resend {
            let found = session_file::load(&ctx.settings.session_files)?;
            let mailer = &ctx.mailer;
            let sent = ctx.accounts(|accounts| accounts.resend_confirmation(&found.claim, mailer))?;
            return match sent {
                None => ctx.printer.message("Your account is already confirmed."),
                Some(delivery) => {
                    report_delivery(ctx.printer, &delivery);
                    let message = "A new confirmation email has been sent to you.";
                    ctx.printer.emit(&json!({ "message": message, "mail": delivery }), |w| {
                        writeln!(w, "{message}")
                    })
                }
            };
        }
        let token = Secrets::for_tokens().token(self.token)?;
        let user = ctx.accounts(|accounts| accounts.confirm(&token))?;
        let message = "You have confirmed your account. Thanks!";
        ctx.printer.emit(&json!({ "message": message, "user": user }), |w| {
            writeln!(w, "{message}")
        })
    }
}
