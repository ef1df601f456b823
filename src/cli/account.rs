//! `login`, `logout` and `whoami`.

use clap::Args;
use serde_json::json;

use crate::cli::input::{Secrets, ask};
use crate::cli::{Context, report_notice};
use crate::domain::email::Email;
use crate::domain::error::{Error, Result};
use crate::session_file;
use crate::settings::SessionFiles;

/// Arguments of `authctl login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The account's email address (asked for on a terminal when left out).
    email: Option<String>,
    /// Keep the session for remember_duration (default 365 days) instead of session_duration
    /// (default 12 hours, and only until the desktop login session ends).
    #[arg(long)]
    remember: bool,
    /// Read the password from the first line of stdin instead of a terminal prompt.
    #[arg(long)]
    password_stdin: bool,
}

impl LoginArgs {
    /// Verifies the password, records a session and writes the session file.
    pub fn run(self, ctx: &Context) -> Result<()> {
        let typed = match self.email {
            Some(email) => email,
            None if self.password_stdin => {
                return Err(Error::Usage("EMAIL is required with --password-stdin.".to_owned()));
            }
            None => ask("Email: ", "EMAIL is required when stdin is not a terminal.")?,
        };
        let email = Email::parse(&typed)?;
        let password = Secrets::new(self.password_stdin)?.existing("Password: ")?;
        let files = &ctx.settings.session_files;
        let previous = session_file::load(files).ok();
        let login = ctx.accounts(|accounts| accounts.login(&email, &password, self.remember))?;
        let path = files.for_login(self.remember);
        let default_location = matches!(files, SessionFiles::Default { .. });
        if let Err(error) = session_file::save(path, &login.claim, default_location) {
            // No session file means nobody can use the session: do not leave it live.
            let _ = ctx.accounts(|accounts| accounts.logout(&login.claim));
            return Err(error);
        }
        if let Some(previous) = previous {
            // The new session replaces the old one, wherever it was kept.
            if previous.path != path {
                session_file::remove(&previous.path)?;
            }
            let _ = ctx.accounts(|accounts| accounts.logout(&previous.claim));
        }
        let value = json!({ "user": login.user, "session": login.session, "session_file": path });
        ctx.printer
            .emit(&value, |w| writeln!(w, "Logged in as {}.", login.user.email))
    }
}

/// Arguments of `authctl passwd`.
#[derive(Debug, Args)]
pub struct PasswdArgs {
    /// Read the current password, then the new one, from the first two lines of stdin.
    #[arg(long)]
    password_stdin: bool,
}

impl PasswdArgs {
    /// Changes the logged-in user's password; other sessions and reset tokens end.
    pub fn run(self, ctx: &Context) -> Result<()> {
        let found = session_file::load(&ctx.settings.session_files)?;
        // Not logged in is said before any password is asked for.
        let (user, _) = ctx.accounts(|accounts| accounts.current(&found.claim))?;
        let mut secrets = Secrets::new(self.password_stdin)?;
        let current = secrets.existing("Current password: ")?;
        let new = secrets.new_password(
            "New password: ",
            ctx.password_check(&user.email, user.username.as_deref()),
        )?;
        let mailer = &ctx.mailer;
        let changed = ctx.accounts(|accounts| accounts.change_password(&found.claim, &current, &new, mailer))?;
        let notice = report_notice(ctx.printer, &changed.notice);
        let message = "Your password has been updated.";
        let value = json!({ "message": message, "user": changed.value, "notice": notice });
        ctx.printer.emit(&value, |w| writeln!(w, "{message}"))
    }
}

/// `authctl logout`: revokes the current session and removes the session file.
pub fn logout(ctx: &Context) -> Result<()> {
    let found = session_file::load(&ctx.settings.session_files)?;
    let user = ctx.accounts(|accounts| accounts.logout(&found.claim))?;
    session_file::remove(&found.path)?;
    let message = "You have been logged out.";
    ctx.printer.emit(&json!({ "message": message, "user": user }), |w| {
        writeln!(w, "{message}")
    })
}

/// `authctl whoami`: the logged-in user's email, or exit 3.
pub fn whoami(ctx: &Context) -> Result<()> {
    let found = session_file::load(&ctx.settings.session_files)?;
    let (user, session) = ctx.accounts(|accounts| accounts.current(&found.claim))?;
    if !user.confirmed {
        ctx.printer.note(
            "your account is unconfirmed: use the emailed token with `authctl confirm TOKEN`, or `authctl confirm resend`.",
        );
    }
    ctx.printer.emit(&json!({ "user": user, "session": session }), |w| {
        writeln!(w, "{}", user.email)
    })
}
