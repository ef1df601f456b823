//! Reading secrets and confirmations: from a terminal with hidden prompts, or from stdin with
//! `--password-stdin`, and never hanging when neither is possible.

use std::io::{self, BufRead, IsTerminal, Write};

use zeroize::Zeroizing;

use crate::domain::accounts::invalid_token;
use crate::domain::password::Password;
use crate::domain::token::SecretToken;
use crate::error::{Error, Result};

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
            None => self.read("Token: ", "a token")?,
        };
        SecretToken::parse(&text).ok_or_else(invalid_token)
    }

    /// An existing password (for logging in or re-authenticating), not judged by the policy.
    pub fn existing(&mut self, prompt: &str) -> Result<Password> {
        Ok(Password::new(&self.read(prompt, "a password")?))
    }

    /// A new password: asked twice on a terminal, one line on stdin; checked against the policy.
    pub fn new_password(&mut self, prompt: &str) -> Result<Password> {
        let first = self.read(prompt, "a password")?;
        if !self.from_stdin {
            let again = self.read("Repeat the password: ", "a password")?;
            if *first != *again {
                return Err(Error::Usage("Passwords must match.".to_owned()));
            }
        }
        Password::new_checked(&first)
    }

    fn read(&mut self, prompt: &str, what: &str) -> Result<Zeroizing<String>> {
        if !self.from_stdin {
            return rpassword::prompt_password(prompt)
                .map(Zeroizing::new)
                .map_err(|e| Error::Usage(format!("Cannot read {what} from the terminal: {e}")));
        }
        self.line += 1;
        let mut line = Zeroizing::new(String::new());
        let read = io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::Usage(format!("Cannot read {what} from stdin: {e}")))?;
        if read == 0 {
            return Err(Error::Usage(format!("Expected {what} on line {} of stdin.", self.line)));
        }
        let trimmed = line.strip_suffix('\n').unwrap_or(&line);
        Ok(Zeroizing::new(trimmed.strip_suffix('\r').unwrap_or(trimmed).to_owned()))
    }
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
    io::stderr().flush()?;
    let mut answer = String::new();
    io::stdin().read_line(&mut answer)?;
    Ok(answer.trim().to_owned())
}
