//! `session list` and `session revoke`.

use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::cli::Context;
use crate::domain::error::Result;
use crate::domain::session::{RevokeTarget, Session};
use crate::output::yes_no;
use crate::session_file;
use crate::text::format_time;

/// `authctl session ...`
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// List your live sessions (the current one is marked).
    #[command(after_long_help = "Example:\n  authctl session list --json")]
    List,
    /// Revoke one of your sessions, or all but the current one.
    #[command(
        after_long_help = "Examples:\n  authctl session revoke 1b4e28ba-2fa1-11d2-883f-0016d3cca427\n  \
authctl session revoke --all-others"
    )]
    Revoke(RevokeArgs),
}

/// Arguments of `authctl session revoke`.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The session to revoke (from `session list`).
    #[arg(required_unless_present = "all_others", conflicts_with = "all_others")]
    id: Option<Uuid>,
    /// Revoke every session except the current one.
    #[arg(long)]
    all_others: bool,
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
        let found = session_file::load(&ctx.settings.session_files)?;
        match self {
            SessionCommand::List => {
                let (current, sessions) = ctx.accounts(|accounts| accounts.sessions(&found.claim))?;
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
                                current: session.id == current,
                                session,
                            })
                        })
                    },
                )
            }
            SessionCommand::Revoke(args) => {
                let target = match args.id {
                    Some(id) => RevokeTarget::One(id),
                    None => RevokeTarget::AllOthers,
                };
                let revoked = ctx.accounts(|accounts| accounts.revoke(&found.claim, target))?;
                if revoked.current {
                    session_file::remove(&found.path)?;
                }
                let count = revoked.sessions.len();
                let plural = if count == 1 { "" } else { "s" };
                ctx.printer.emit(&json!({ "revoked": revoked.sessions }), |w| {
                    writeln!(w, "Revoked {count} session{plural}.")
                })
            }
        }
    }
}
