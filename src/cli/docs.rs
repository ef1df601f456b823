//! `completions` and `man`: generated from the same clap definitions as the parser.

use std::io::Write;

use clap::Args;
use clap_complete::Shell;

use crate::domain::error::{Error, Result};
use crate::output::{DataOut, output_failed};

/// Arguments of `authctl completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    shell: Shell,
}

impl CompletionsArgs {
    /// Prints the completion script for the shell.
    pub fn run(self) -> Result<()> {
        // Rendered in memory first: clap_complete panics when its writer fails.
        let mut script = Vec::new();
        clap_complete::generate(self.shell, &mut super::command(), "authctl", &mut script);
        print_document(&script)
    }
}

/// Prints the man page.
pub fn man() -> Result<()> {
    let mut page = Vec::new();
    clap_mangen::Man::new(super::command())
        .render(&mut page)
        .map_err(|e| Error::storage_from("Cannot render the man page", e))?;
    print_document(&page)
}

/// Writes a generated document to stdout: a reader that stops early (`| head`) is not an error, a
/// full disk is.
fn print_document(document: &[u8]) -> Result<()> {
    let mut out = DataOut::stdout();
    out.write_all(document)
        .and_then(|()| out.flush())
        .map_err(output_failed)
}
