//! Reading secrets and confirmations: from a terminal with hidden prompts, or from stdin with
//! `--password-stdin`, and never hanging when neither is possible.

use std::io::{self, IsTerminal, Write};

use zeroize::Zeroizing;

use crate::domain::accounts::invalid_token;
use crate::domain::error::{Error, Result};
use crate::domain::password::{MAX_PASSWORD_CHARS, Password};
use crate::domain::token::SecretToken;
use crate::text::{self, LineError};

/// Where passwords come from for one command.
pub struct Secrets {
    from_stdin: bool,
    line: usize,
}

impl Secrets {
    /// Passwords from the first lines of stdin (`--password-stdin`) or from terminal prompts;
    /// fails at once when stdin is not a terminal and `--password-stdin` was not given.
    pub fn new(password_stdin: bool) -> Result<Self> {
        if !password_stdin && !io::stdin().is_terminal() {
            return Err(Error::Usage(
                "A password is needed but stdin is not a terminal: pass it on stdin with --password-stdin.".to_owned(),
            ));
        }
        Ok(Secrets {
            from_stdin: password_stdin,
            line: 0,
        })
    }

    /// For commands that read only a token: from stdin whenever it is not a terminal.
    pub fn for_tokens() -> Self {
        Secrets {
            from_stdin: !io::stdin().is_terminal(),
            line: 0,
        }
    }

    /// The token given as an argument or, when none was, read privately (so that it does not show
    /// in the process list): a hidden prompt on a terminal, otherwise the next line of stdin.
    pub fn token(&mut self, given: Option<String>) -> Result<SecretToken> {
        let text = match given {
            Some(text) => Zeroizing::new(text),
            None => self.read("Token: ", "token")?,
        };
        SecretToken::parse(&text).ok_or_else(invalid_token)
    }

    /// An existing password (for logging in or re-authenticating), not judged by the policy.
    pub fn existing(&mut self, prompt: &str) -> Result<Password> {
        Ok(Password::new(&self.read(prompt, "password")?))
    }

    /// A new password, checked against the policy and by `check` (the rules that relate it to
    /// its account): one line on stdin; on a terminal, asked and checked, then repeated, as
    /// passwd does, asking again after a rejected or mistyped password, [`NEW_PASSWORD_TRIES`]
    /// times at most.
    pub fn new_password(&mut self, prompt: &str, check: impl Fn(&Password) -> Result<()>) -> Result<Password> {
        let accepted =
            |typed: &str| Password::new_checked(typed).and_then(|password| check(&password).map(|()| password));
        if self.from_stdin {
            return accepted(&self.read(prompt, "password")?);
        }
        let mut tries = 1;
        loop {
            let first = self.read(prompt, "password")?;
            let refusal = match accepted(&first) {
                Ok(password) if *self.read("Repeat the password: ", "password")? == *first => return Ok(password),
                Ok(_) => Error::Usage("The passwords do not match.".to_owned()),
                Err(refusal) => refusal,
            };
            if tries == NEW_PASSWORD_TRIES {
                return Err(refusal);
            }
            eprintln!("authctl: {}", refusal.message());
            tries += 1;
        }
    }

    fn read(&mut self, prompt: &str, what: &str) -> Result<Zeroizing<String>> {
        if !self.from_stdin {
            let typed = rpassword::prompt_password(prompt)
                .map(Zeroizing::new)
                .map_err(|e| Error::Usage(format!("Cannot read a {what} from the terminal: {e}")))?;
            if typed.len() > MAX_SECRET_BYTES {
                return Err(too_long(what, "from the terminal"));
            }
            return Ok(typed);
        }
        self.line += 1;
        // Allocated once at its largest, so that no copy of the secret is left in freed memory.
        let mut line = Zeroizing::new(Vec::with_capacity(MAX_SECRET_BYTES + 2));
        match text::read_line(&mut io::stdin().lock(), MAX_SECRET_BYTES, &mut line) {
            Ok(true) => {}
            Ok(false) => {
                return Err(Error::Usage(format!(
                    "Expected a {what} on line {} of stdin.",
                    self.line
                )));
            }
            Err(LineError::TooLong) => return Err(too_long(what, &format!("on line {} of stdin", self.line))),
            Err(LineError::Io(e)) => return Err(Error::Usage(format!("Cannot read a {what} from stdin: {e}"))),
        }
        let text = std::str::from_utf8(&line)
            .map_err(|_| Error::Usage(format!("The {what} on line {} of stdin is not UTF-8.", self.line)))?;
        Ok(Zeroizing::new(text.to_owned()))
    }
}

/// How many times a new password is asked for on a terminal before the command gives up.
pub const NEW_PASSWORD_TRIES: usize = 3;

/// The longest password or token read, in bytes: room for the longest password the policy
/// accepts (1024 characters of up to 4 bytes). Checked before NFKC, which can expand a
/// character eighteen-fold.
pub const MAX_SECRET_BYTES: usize = 4 * MAX_PASSWORD_CHARS;

fn too_long(what: &str, place: &str) -> Error {
    Error::Usage(format!(
        "The {what} {place} is longer than the limit of {MAX_SECRET_BYTES} bytes."
    ))
}

/// Asks a yes/no question on the terminal; without a terminal, refuses unless `assume_yes`.
pub fn confirm(question: &str, assume_yes: bool, refusal: &str) -> Result<bool> {
    if assume_yes {
        return Ok(true);
    }
    let answer = ask(&format!("{question} [y/N] "), refusal)?;
    Ok(matches!(answer.to_lowercase().as_str(), "y" | "yes"))
}

/// Asks for a line of text on the terminal (an email address); without a terminal, `missing`.
pub fn ask(prompt: &str, missing: &str) -> Result<String> {
    if !io::stdin().is_terminal() {
        return Err(Error::Usage(missing.to_owned()));
    }
    eprint!("{prompt}");
    io::stderr()
        .flush()
        .map_err(|e| Error::storage_from("Cannot write the prompt", e))?;
    let mut answer = Vec::new();
    match text::read_line(&mut io::stdin().lock(), MAX_ANSWER_BYTES, &mut answer) {
        Ok(_) => Ok(String::from_utf8_lossy(&answer).trim().to_owned()),
        Err(LineError::TooLong) => Err(Error::Usage(format!(
            "The answer is longer than the limit of {MAX_ANSWER_BYTES} bytes."
        ))),
        Err(LineError::Io(source)) => Err(Error::Unreadable {
            what: "Cannot read the answer from stdin".to_owned(),
            source,
        }),
    }
}

/// The longest answer to a question (an email address, yes or no), in bytes.
const MAX_ANSWER_BYTES: usize = 1024;
