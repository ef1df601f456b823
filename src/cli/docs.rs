//! `completions` and `man`: generated from the same clap definitions as the parser, the man
//! pages with the settings table and the exit codes besides.

use std::fs;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Command};
use clap_complete::Shell;
use roff::{Roff, bold, roman};

use crate::domain::error::{Error, Result};
use crate::output::{DataOut, output_failed};
use crate::settings;
use crate::text::shown;

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

/// Arguments of `authctl man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (for example `user add`); none for authctl(1).
    #[arg(value_name = "COMMAND")]
    command: Vec<String>,
    /// Write every page (authctl.1 and one per command, authctl-user-add.1 and so on) into DIR,
    /// which must exist, instead of printing one.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    dir: Option<PathBuf>,
}

impl ManArgs {
    /// Prints one page, or writes them all.
    pub fn run(self) -> Result<()> {
        let mut root = super::command().disable_help_subcommand(true);
        root.build();
        let Some(dir) = self.dir else {
            let mut page = &root;
            for name in &self.command {
                page = page.find_subcommand(name).ok_or_else(|| {
                    Error::Usage(format!(
                        "No command 'authctl {}': see `authctl --help`.",
                        shown(&self.command.join(" "))
                    ))
                })?;
            }
            return print_document(&render(page, self.command.is_empty())?);
        };
        let pages = every_page(&root);
        for (page, is_root) in &pages {
            let path = dir.join(format!("{}.1", page.get_display_name().unwrap_or(page.get_name())));
            fs::write(&path, render(page, *is_root)?)
                .map_err(|e| Error::storage_from(format!("Cannot write {}", path.display()), e))?;
        }
        let mut out = DataOut::stdout();
        writeln!(out, "Wrote {} man pages to {}.", pages.len(), dir.display())
            .and_then(|()| out.flush())
            .map_err(output_failed)
    }
}

/// authctl and every command below it, each with whether it is authctl itself.
fn every_page(root: &Command) -> Vec<(&Command, bool)> {
    let mut pages = vec![(root, true)];
    let mut index = 0;
    while index < pages.len() {
        let below: Vec<(&Command, bool)> = pages[index]
            .0
            .get_subcommands()
            .filter(|command| !command.is_hide_set())
            .map(|command| (command, false))
            .collect();
        pages.extend(below);
        index += 1;
    }
    pages
}

/// The page of `command` in roff: clap's sections, then EXIT STATUS and SEE ALSO, and for
/// authctl(1) itself ENVIRONMENT and FILES.
fn render(command: &Command, is_root: bool) -> Result<Vec<u8>> {
    let failed = |e| Error::storage_from("Cannot render the man page", e);
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .source(format!("authctl {}", env!("CARGO_PKG_VERSION")))
        .manual("authctl manual")
        .render(&mut page)
        .map_err(failed)?;
    let mut more = Roff::default();
    if is_root {
        environment(&mut more);
        files(&mut more);
    }
    more.control("SH", ["EXIT STATUS"]);
    for line in super::EXIT_CODES.lines().skip(1) {
        if let Some((code, meaning)) = line.trim().split_once("  ") {
            more.control("TP", []).text([bold(code)]).text([roman(meaning.trim())]);
        }
    }
    more.control("SH", ["SEE ALSO"]);
    let see_also = if is_root {
        "One page per command: authctl-user(1), authctl-user-add(1) and so on (`authctl man --dir DIR` writes them all; `authctl man user add` prints one). The README has the whole contract."
    } else {
        "authctl(1), for the settings, their environment variables, the files and the exit codes."
    };
    more.text([roman(see_also)]);
    more.to_writer(&mut page).map_err(failed)?;
    Ok(page)
}

/// Every setting's variable, and the other variables authctl reads.
fn environment(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    roff.text([roman(
        "Each setting is read from its variable, below the flag and above the config file.",
    )]);
    for setting in settings::SETTINGS {
        let about = setting.about();
        roff.control("TP", []).text([bold(about.variable)]);
        roff.text([roman(format!(
            "{} (setting {}; {}; default: {}).",
            about.doc, about.key, about.accepts, about.default
        ))]);
    }
    for (variable, meaning) in [
        (
            "AUTHCTL_CONFIG",
            "the config file, instead of $XDG_CONFIG_HOME/authctl/config.toml (as --config).",
        ),
        (
            "XDG_CONFIG_HOME",
            "where the config file is looked for (default ~/.config).",
        ),
        (
            "XDG_DATA_HOME",
            "where the default database and the mail directory of PostgreSQL are (default ~/.local/share).",
        ),
        (
            "XDG_STATE_HOME",
            "where remembered sessions are kept (default ~/.local/state).",
        ),
        (
            "XDG_RUNTIME_DIR",
            "where short sessions are kept, when it exists (they end with the login session).",
        ),
    ] {
        roff.control("TP", []).text([bold(variable)]).text([roman(meaning)]);
    }
}

/// The files authctl reads and writes.
fn files(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    for (file, meaning) in [
        (
            "$XDG_CONFIG_HOME/authctl/config.toml",
            "the settings, as TOML keys (see ENVIRONMENT for each key).",
        ),
        (
            "$XDG_DATA_HOME/authctl/authctl.db",
            "the default database (SQLite), made by `authctl init`.",
        ),
        (
            "$XDG_RUNTIME_DIR/authctl/session",
            "the session of a login without --remember (0600).",
        ),
        (
            "$XDG_STATE_HOME/authctl/session",
            "the session of a login with --remember, or of any login without XDG_RUNTIME_DIR (0600).",
        ),
        (
            "mail/ beside the database",
            "one .eml file per message with mail = \"file:\" (on PostgreSQL: $XDG_DATA_HOME/authctl/mail).",
        ),
    ] {
        roff.control("TP", []).text([bold(file)]).text([roman(meaning)]);
    }
}

/// Writes a generated document to stdout: a reader that stops early (`| head`) is not an error, a
/// full disk is.
fn print_document(document: &[u8]) -> Result<()> {
    let mut out = DataOut::stdout();
    out.write_all(document)
        .and_then(|()| out.flush())
        .map_err(output_failed)
}
