//! `config show`: every setting in effect and where it came from.

use clap::Subcommand;

use crate::domain::error::Result;
use crate::output::Printer;
use crate::settings::{self, Flags};

/// `authctl config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Show every setting in effect, where it came from (flag, environment, which config file, or
    /// default) and whether it is valid; passwords in URLs are masked.
    #[command(after_long_help = "Examples:\n  authctl config show\n  authctl config show --json")]
    Show,
}

impl ConfigCommand {
    /// Runs the subcommand. It needs no valid settings: it is how an invalid one is found.
    pub fn run(self, printer: Printer, flags: &Flags) -> Result<()> {
        match self {
            ConfigCommand::Show => {
                let effective = settings::effective(flags, &|name| std::env::var(name).ok())?;
                printer.emit(&effective, |w| {
                    for setting in &effective {
                        let invalid = if setting.valid { "" } else { "  (invalid)" };
                        writeln!(w, "{} = {}  # {}{invalid}", setting.key, setting.value, setting.origin)?;
                    }
                    Ok(())
                })
            }
        }
    }
}
