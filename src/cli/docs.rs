//! `completions` and `man`: generated from the same clap definitions as the parser.

use std::io;

use clap::Args;
use clap_complete::Shell;

use crate::error::Result;

/// Arguments of `authctl completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    shell: Shell,
}

impl CompletionsArgs {
    /// Prints the completion script for the shell.
    pub fn run(self) -> Result<()> {
        clap_complete::generate(self.shell, &mut super::command(), "authctl", &mut io::stdout());
        Ok(())
    }
}

/// Prints the man page.
pub fn man() -> Result<()> {
    clap_mangen::Man::new(super::command()).render(&mut io::stdout())?;
    Ok(())
}
