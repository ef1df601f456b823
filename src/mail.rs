//! Mail delivery through lettre: SMTP (STARTTLS when offered, or required, or implicit TLS; rustls
//! only), sendmail, or one `.eml` file a message. Also the text of every message.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::{FileTransport, Message, SendmailTransport, SmtpTransport, Transport as _};

use crate::domain::mail::{Delivery, Mail, Outbox};
use crate::domain::token::SecretToken;
use crate::error::{Error, Result};

/// The transport chosen by the `mail` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// `smtp://[user:pass@]host[:port][?tls=required]` or `smtps://...`, as a lettre URL.
    Smtp {
        /// The URL handed to lettre (it may hold credentials: never shown).
        url: String,
        /// The URL without credentials, for messages.
        shown: String,
    },
    /// `sendmail[:PATH]`.
    Sendmail(Option<PathBuf>),
    /// `file:DIR`: one `.eml` file a message.
    File(PathBuf),
}

impl Transport {
    /// Reads the `mail` setting; `file:` alone means `default_dir`.
    pub fn parse(value: &str, default_dir: &Path) -> Result<Self> {
        let invalid = |why: &str| {
            Error::Usage(format!(
                "Invalid value for setting mail: '{}' ({why}; expected smtp://host[:port], smtps://host[:port], sendmail[:PATH] or file:DIR).",
                redact(value)
            ))
        };
        if let Some(dir) = value.strip_prefix("file:") {
            let dir = if dir.is_empty() {
                default_dir.to_owned()
            } else {
                PathBuf::from(dir)
            };
            return Ok(Transport::File(dir));
        }
        if value == "sendmail" {
            return Ok(Transport::Sendmail(None));
        }
        if let Some(path) = value.strip_prefix("sendmail:") {
            return Ok(Transport::Sendmail(Some(PathBuf::from(path))));
        }
        let (scheme, rest) = value.split_once("://").ok_or_else(|| invalid("unknown transport"))?;
        let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
        if host_port.is_empty() || host_port.contains('/') {
            return Err(invalid("no host"));
        }
        let has_port = host_port
            .rsplit_once(':')
            .is_some_and(|(_, port)| port.parse::<u16>().is_ok());
        let url = match (scheme, query) {
            // STARTTLS when the server offers it; lettre's default port for that is 587, keep 25.
            ("smtp", "") => {
                let port = if has_port { "" } else { ":25" };
                format!("smtp://{authority}{port}?tls=opportunistic")
            }
            ("smtp", "tls=required") | ("smtps", "") => value.to_owned(),
            ("smtp" | "smtps", _) => return Err(invalid("the only query accepted is ?tls=required on smtp://")),
            _ => return Err(invalid("unknown transport")),
        };
        // Build once now so that a malformed URL is a settings error, not a mail error later.
        SmtpTransport::from_url(&url).map_err(|e| invalid(&e.to_string()))?;
        Ok(Transport::Smtp {
            url,
            shown: format!("{scheme}://{host_port}"),
        })
    }

    /// The transport as shown to users: without credentials.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp { shown, .. } => shown.clone(),
            Transport::Sendmail(None) => "sendmail".to_owned(),
            Transport::Sendmail(Some(path)) => format!("sendmail:{}", path.display()),
            Transport::File(dir) => format!("file:{}", dir.display()),
        }
    }
}

/// Hides the password of an SMTP URL.
fn redact(value: &str) -> String {
    match value.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => value.to_owned(),
        },
        None => value.to_owned(),
    }
}

/// Sends the account messages with one transport and sender.
#[derive(Debug, Clone)]
pub struct Mailer {
    /// How messages leave.
    pub transport: Transport,
    /// The sender (`mail_from`).
    pub from: Mailbox,
    /// When set, messages also carry a link `LINK_BASE/reset/TOKEN` (and so on).
    pub link_base: Option<String>,
    /// Connection and command timeout for SMTP.
    pub smtp_timeout: Duration,
}

impl Mailer {
    fn smtp(&self, url: &str) -> Result<SmtpTransport> {
        Ok(SmtpTransport::from_url(url)
            .map_err(|e| Error::Mail(format!("Cannot use the SMTP server: {e}")))?
            .timeout(Some(self.smtp_timeout))
            .build())
    }

    fn compose(&self, mail: &Mail<'_>) -> Result<Message> {
        let to: Mailbox = mail
            .to()
            .parse()
            .map_err(|e| Error::Mail(format!("Cannot mail {}: {e}", mail.to())))?;
        let (subject, text) = self.text(mail);
        // Plain 7bit (8bit for non-ASCII addresses), so that a saved .eml reads as it is: no
        // quoted-printable breaks inside a token or a link. Lines stay within RFC 5322's 998.
        let body = if text.lines().all(|line| line.len() <= 998) {
            let encoding = if text.is_ascii() {
                ContentTransferEncoding::SevenBit
            } else {
                ContentTransferEncoding::EightBit
            };
            Body::dangerous_pre_encoded(text.replace('\n', "\r\n").into_bytes(), encoding)
        } else {
            Body::new(text)
        };
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| Error::Mail(format!("Cannot build the message: {e}")))
    }

    /// The subject and plain-text body of a message.
    fn text(&self, mail: &Mail<'_>) -> (&'static str, String) {
        let mut body = String::new();
        let token_part = |body: &mut String, action: &str, command: &str, path: &str, token: &SecretToken, expires| {
            let _ = writeln!(body, "{action}, run:\n\n    authctl {command} {}\n", token.expose());
            if let Some(base) = &self.link_base {
                let _ = writeln!(
                    body,
                    "or open this link:\n\n    {}/{path}/{}\n",
                    base.trim_end_matches('/'),
                    token.expose()
                );
            }
            let _ = writeln!(
                body,
                "This token can be used once, until {}.",
                crate::output::format_time(expires)
            );
        };
        let subject = match mail {
            Mail::ConfirmAccount { to, token, expires_at } => {
                let _ = writeln!(body, "Dear {to},\n\nWelcome!\n");
                token_part(
                    &mut body,
                    "To confirm your account",
                    "confirm",
                    "confirm",
                    token,
                    *expires_at,
                );
                "Confirm Your Account"
            }
            Mail::ResetPassword { to, token, expires_at } => {
                let _ = writeln!(body, "Dear {to},\n");
                token_part(
                    &mut body,
                    "To reset your password",
                    "reset confirm",
                    "reset",
                    token,
                    *expires_at,
                );
                let _ = writeln!(
                    body,
                    "\nIf you have not requested a password reset, simply ignore this message."
                );
                "Reset Your Password"
            }
            Mail::ConfirmNewEmail { to, token, expires_at } => {
                let _ = writeln!(body, "Dear {to},\n");
                token_part(
                    &mut body,
                    "To confirm your new email address",
                    "email confirm",
                    "change_email",
                    token,
                    *expires_at,
                );
                "Confirm your email address"
            }
            Mail::PasswordChanged { to } => {
                let _ = writeln!(
                    body,
                    "Dear {to},\n\nThe password of your account has just been changed,\n\
                     and your other sessions have been logged out.\n\n\
                     If you did not do this, reset your password at once with:\n\n    \
                     authctl reset request {to}"
                );
                "Your password has been changed"
            }
            Mail::EmailChangeRequested { to, new_email } => {
                let _ = writeln!(
                    body,
                    "Dear {to},\n\nA change of your account's email address to\n\n    {new_email}\n\n\
                     has been requested. It takes effect once the new address is confirmed.\n\n\
                     If you did not ask for this, change your password at once."
                );
                "Your email address is being changed"
            }
        };
        (subject, body)
    }
}

impl Outbox for Mailer {
    fn send(&self, mail: &Mail<'_>) -> Result<Delivery> {
        let message = self.compose(mail)?;
        let failed = |e: &dyn std::fmt::Display| {
            Error::Mail(format!(
                "Cannot deliver the message through {}: {e}",
                self.transport.describe()
            ))
        };
        let file = match &self.transport {
            Transport::Smtp { url, .. } => {
                self.smtp(url)?.send(&message).map_err(|e| failed(&e))?;
                None
            }
            Transport::Sendmail(path) => {
                let transport = match path {
                    Some(path) => SendmailTransport::new_with_command(path),
                    None => SendmailTransport::new(),
                };
                transport.send(&message).map_err(|e| failed(&e))?;
                None
            }
            Transport::File(dir) => {
                fs::create_dir_all(dir).map_err(|e| failed(&e))?;
                let id = FileTransport::new(dir).send(&message).map_err(|e| failed(&e))?;
                Some(dir.join(format!("{id}.eml")))
            }
        };
        Ok(Delivery {
            to: mail.to().to_owned(),
            transport: self.transport.describe(),
            file,
        })
    }

    fn check(&self) -> Result<()> {
        let unreachable =
            |e: &dyn std::fmt::Display| Error::Mail(format!("Cannot reach {}: {e}", self.transport.describe()));
        match &self.transport {
            Transport::Smtp { url, .. } => match self.smtp(url)?.test_connection() {
                Ok(true) => Ok(()),
                Ok(false) => Err(unreachable(&"the server did not answer")),
                Err(e) => Err(unreachable(&e)),
            },
            Transport::Sendmail(Some(path)) if !path.exists() => Err(unreachable(&"no such program")),
            Transport::Sendmail(_) => Ok(()),
            Transport::File(dir) => fs::create_dir_all(dir).map_err(|e| unreachable(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_transports() {
        let dir = Path::new("/var/lib/authctl/mail");
        assert_eq!(Transport::parse("file:", dir).unwrap(), Transport::File(dir.to_owned()));
        assert_eq!(
            Transport::parse("file:/tmp/m", dir).unwrap(),
            Transport::File("/tmp/m".into())
        );
        assert_eq!(Transport::parse("sendmail", dir).unwrap(), Transport::Sendmail(None));
        assert_eq!(
            Transport::parse("sendmail:/usr/sbin/sendmail", dir).unwrap(),
            Transport::Sendmail(Some("/usr/sbin/sendmail".into()))
        );
        let Transport::Smtp { url, shown } = Transport::parse("smtp://bob:s3cret@mail.example.com", dir).unwrap()
        else {
            panic!()
        };
        assert_eq!(url, "smtp://bob:s3cret@mail.example.com:25?tls=opportunistic");
        assert_eq!(shown, "smtp://mail.example.com");
        assert!(Transport::parse("smtp://mail.example.com:2525?tls=required", dir).is_ok());
        assert!(Transport::parse("smtps://mail.example.com", dir).is_ok());
        for bad in ["pigeon://x", "smtp://", "smtp://x?tls=maybe", "mail.example.com"] {
            assert_eq!(Transport::parse(bad, dir).unwrap_err().exit_code(), 2, "{bad}");
        }
        let error = Transport::parse("smtp://bob:s3cret@x?tls=no", dir).unwrap_err();
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }
}
