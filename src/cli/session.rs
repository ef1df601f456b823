//! `session list` and `session revoke`: your own sessions, or with `--user` an administrator's
//! view of anyone's.

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::cli::Context;
use crate::domain::error::Result;
use crate::domain::session::{RevokeTarget, Session};
use crate::domain::user::UserKey;
use crate::output::yes_no;
use crate::session_file;
use crate::text::format_time;

/// `authctl session ...`
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// List your live sessions (the current one is marked), or with --user a user's.
    #[command(
        after_long_help = "Examples:\n  authctl session list --json\n  authctl session list --user ada@example.com"
    )]
    List(ListArgs),
    /// Revoke one of your sessions, or all but the current one; or with --user --all every
    /// session of a user.
    #[command(
        after_long_help = "Examples:\n  authctl session revoke 1b4e28ba-2fa1-11d2-883f-0016d3cca427\n  \
authctl session revoke --all-others\n  authctl session revoke --user ada@example.com --all"
    )]
    Revoke(RevokeArgs),
}

/// Arguments of `authctl session list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// List this user's live sessions instead of yours (an administrator's view: no login
    /// needed, no session marked current).
    #[arg(long, value_name = "EMAIL|USERNAME|ID")]
    user: Option<String>,
}

/// Arguments of `authctl session revoke`.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The session to revoke (from `session list`).
    #[arg(
        required_unless_present_any = ["all_others", "all"],
        conflicts_with_all = ["all_others", "all"],
        value_parser = session_id
    )]
    id: Option<Uuid>,
    /// Revoke every session except the current one.
    #[arg(long, conflicts_with = "user")]
    all_others: bool,
    /// With --user: revoke every session of that user.
    #[arg(long, requires = "user")]
    all: bool,
    /// Revoke this user's sessions (with --all) instead of yours: no login needed.
    #[arg(long, value_name = "EMAIL|USERNAME|ID", requires = "all")]
    user: Option<String>,
}

/// A session id as given on the command line: a UUID, or a message that says so.
fn session_id(raw: &str) -> std::result::Result<Uuid, String> {
    Uuid::parse_str(raw).map_err(|_| {
        "not a session id: give the ID column of `authctl session list` (a UUID such as \
         01a2320d-3806-7623-8bb9-1f4da2728dfc)"
            .to_owned()
    })
}

/// A session as listed: the session and whether it is the one in use.
#[derive(Serialize)]
struct ListedSession {
    #[serde(flatten)]
    session: Session,
    current: bool,
}

impl SessionCommand {
    /// Runs the subcommand.
    pub fn run(self, ctx: &Context) -> Result<()> {
        match self {
            SessionCommand::List(ListArgs { user: Some(user) }) => {
                let key = UserKey::parse(&user);
                let (_, sessions) = ctx.accounts(|accounts| accounts.user_sessions(&key))?;
                list(ctx, sessions, None)
            }
            SessionCommand::List(ListArgs { user: None }) => {
                let found = session_file::load(&ctx.settings.session_files)?;
                let (current, sessions) = ctx.accounts(|accounts| accounts.sessions(&found.claim))?;
                list(ctx, sessions, Some(current))
            }
            SessionCommand::Revoke(RevokeArgs { user: Some(user), .. }) => {
                let key = UserKey::parse(&user);
                let (user, revoked) = ctx.accounts(|accounts| accounts.revoke_user_sessions(&key))?;
                report_revoked(ctx, &revoked, &format!(" of {}", user.email))
            }
            SessionCommand::Revoke(args) => {
                let found = session_file::load(&ctx.settings.session_files)?;
                let target = match args.id {
                    Some(id) => RevokeTarget::One(id),
                    None => RevokeTarget::AllOthers,
                };
                let revoked = ctx.accounts(|accounts| accounts.revoke(&found.claim, target))?;
                if revoked.current {
                    session_file::remove(&found.path)?;
                }
                report_revoked(ctx, &revoked.sessions, "")
            }
        }
    }
}

/// Prints sessions, marking `current` when there is one.
fn list(ctx: &Context, sessions: Vec<Session>, current: Option<Uuid>) -> Result<()> {
    ctx.printer.list(
        &["ID", "CURRENT", "REMEMBER", "CREATED", "EXPIRES"],
        |listed: &ListedSession| {
            vec![
                listed.session.id.to_string(),
                if listed.current { "*" } else { "" }.to_owned(),
                yes_no(listed.session.remember),
                format_time(listed.session.created_at),
                format_time(listed.session.expires_at),
            ]
        },
        |sink| {
            sessions.into_iter().try_for_each(|session| {
                sink(ListedSession {
                    current: Some(session.id) == current,
                    session,
                })
            })
        },
    )
}

fn report_revoked(ctx: &Context, revoked: &[Uuid], whose: &str) -> Result<()> {
    let count = revoked.len();
    let plural = if count == 1 { "" } else { "s" };
    ctx.printer.emit(&json!({ "revoked": revoked }), |w| {
        writeln!(w, "Revoked {count} session{plural}{whose}.")
    })
}
