//! Mail delivery through lettre: SMTP (STARTTLS when offered, or required, or implicit TLS; rustls
//! only), sendmail, or one `.eml` file a message. Also the text of every message.

use std::fmt::{self, Write as _};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::{FileTransport, Message, SendmailTransport, SmtpTransport, Transport as _};
use url::Url;
use zeroize::Zeroizing;

use crate::domain::error::{Error, Result};
use crate::domain::mail::{Delivery, Mail, NoReset, Outbox};
use crate::domain::token::SecretToken;

/// The transport chosen by the `mail` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// `smtp://[user:pass@]host[:port][?tls=required|none]` or `smtps://...`.
    Smtp {
        /// The URL handed to lettre (it may hold credentials: never shown).
        url: SmtpUrl,
        /// The URL without credentials, for messages.
        shown: String,
    },
    /// `sendmail[:PATH]`.
    Sendmail(Option<PathBuf>),
    /// `file:DIR`: one `.eml` file a message.
    File(PathBuf),
}

/// An SMTP URL in lettre's form. It may hold a password, so its `Debug` never shows it and it
/// is zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpUrl(Zeroizing<String>);

impl SmtpUrl {
    /// The URL, for the one place that hands it to lettre.
    fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpUrl(<redacted>)")
    }
}

impl Transport {
    /// Reads the `mail` setting; `file:` alone means `default_dir`.
    ///
    /// Credentials are only ever sent encrypted: with `user:pass@` in an `smtp://` URL, STARTTLS
    /// must succeed (as with `?tls=required`) unless the URL says `?tls=none`.
    pub fn parse(value: &str, default_dir: &Path) -> Result<Self> {
        let invalid = |why: &str| {
            Error::Usage(format!(
                "Invalid value for setting mail: '{}' ({why}; expected smtp://[user:pass@]host[:port][?tls=required|none], smtps://[user:pass@]host[:port], sendmail[:PATH] or file:DIR).",
                crate::text::shown(&redact(value))
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
        // url's errors never quote the input, so they cannot show a password.
        let mut url = Url::parse(value).map_err(|e| invalid(&e.to_string()))?;
        let scheme = url.scheme().to_owned();
        if scheme != "smtp" && scheme != "smtps" {
            return Err(invalid("unknown transport"));
        }
        let host = url
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| invalid("no host"))?;
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(invalid(
                "a path or fragment after the host; percent-encode / ? # in a password",
            ));
        }
        let shown = match url.port() {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        };
        let credentials = !url.username().is_empty() || url.password().is_some();
        let tls = match (scheme.as_str(), url.query()) {
            ("smtps", None) => None,
            ("smtp", Some("tls=required")) => Some("tls=required"),
            ("smtp", Some("tls=none")) => None,
            ("smtp", None) if credentials => Some("tls=required"),
            ("smtp", None) => Some("tls=opportunistic"),
            _ => {
                return Err(invalid(
                    "the only queries accepted are ?tls=required and ?tls=none on smtp://",
                ));
            }
        };
        url.set_query(tls);
        // lettre's default port with STARTTLS is 587; smtp:// without a port means 25 here.
        if scheme == "smtp" && url.port().is_none() {
            url.set_port(Some(25)).map_err(|()| invalid("no host"))?;
        }
        let url = SmtpUrl(Zeroizing::new(String::from(url)));
        // Build once now so that a malformed URL is a settings error, not a mail error later.
        SmtpTransport::from_url(url.expose()).map_err(|e| invalid(&e.to_string()))?;
        Ok(Transport::Smtp { url, shown })
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

/// The `mail` setting as an error may show it. Whatever precedes the last `@` may hold a
/// password in any syntax (no `//`, an unencoded `?` or `#`), so all of it is hidden.
fn redact(value: &str) -> String {
    let Some((_, host)) = value.rsplit_once('@') else {
        return value.to_owned();
    };
    match value.split_once("://") {
        Some((scheme, _)) => format!("{scheme}://***@{host}"),
        None => format!("***@{host}"),
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
    /// The longest a whole SMTP conversation may take, connection included.
    pub smtp_timeout: Duration,
}

impl Mailer {
    /// The mailer the settings describe: `mail` is the `mail` setting (`file:` alone means
    /// `file_dir`); an invalid one is a usage error naming the setting.
    pub fn new(
        mail: &str,
        file_dir: &Path,
        from: Mailbox,
        link_base: Option<String>,
        smtp_timeout: Duration,
    ) -> Result<Self> {
        Ok(Mailer {
            transport: Transport::parse(mail, file_dir)?,
            from,
            link_base,
            smtp_timeout,
        })
    }

    /// Sends `message` over SMTP within `smtp_timeout` in all. lettre's timeout bounds each
    /// connection attempt and each read, so a server that trickles one byte at a time would hold
    /// the conversation for ever: it runs on a thread of its own, which is abandoned when the
    /// deadline passes (its socket closes when the process exits, moments later).
    fn send_smtp(&self, url: &SmtpUrl, message: Message) -> std::result::Result<(), String> {
        let transport = SmtpTransport::from_url(url.expose())
            .map_err(|e| e.to_string())?
            .timeout(Some(self.smtp_timeout))
            .build();
        let (done, outcome) = mpsc::channel();
        thread::Builder::new()
            .name("smtp".to_owned())
            .spawn(move || {
                // The receiver is gone only after the deadline passed: nobody is left to tell.
                let _ = done.send(transport.send(&message).map(drop).map_err(|e| e.to_string()));
            })
            .map_err(|e| e.to_string())?;
        match outcome.recv_timeout(self.smtp_timeout) {
            Ok(sent) => sent,
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "timed out: the conversation did not end within smtp_timeout ({})",
                humantime::format_duration(self.smtp_timeout)
            )),
            Err(RecvTimeoutError::Disconnected) => Err("the SMTP conversation ended abruptly".to_owned()),
        }
    }

    fn compose(&self, mail: &Mail<'_>) -> Result<Message> {
        let to: Mailbox = mail
            .to()
            .parse()
            .map_err(|e| Error::mail_from(format!("Cannot mail {}", mail.to()), e))?;
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
            .map_err(|e| Error::mail_from("Cannot build the message", e))
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
                crate::text::format_time(expires)
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
            Mail::ResetUnavailable { to, why } => {
                let why = match why {
                    NoReset::NoAccount => "no account uses this address",
                    NoReset::AccountDisabled => {
                        "the account that uses it is locked or inactive, so its password\n\
                         cannot be reset. Ask the administrator if you need it back"
                    }
                };
                let _ = writeln!(
                    body,
                    "Dear {to},\n\nA password reset was requested for this email address, but\n\
                     {why}.\n\n\
                     If you did not ask for this, simply ignore this message."
                );
                "Password reset requested"
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
            Error::mail_from(
                format!("Cannot deliver the message through {}", self.transport.describe()),
                e.to_string(),
            )
        };
        let file = match &self.transport {
            Transport::Smtp { url, .. } => {
                self.send_smtp(url, message).map_err(|e| failed(&e))?;
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
        let smtp = |value: &str| match Transport::parse(value, dir).unwrap() {
            Transport::Smtp { url, shown } => (url.expose().to_owned(), shown),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            smtp("smtp://mail.example.com"),
            (
                "smtp://mail.example.com:25?tls=opportunistic".to_owned(),
                "smtp://mail.example.com".to_owned()
            )
        );
        // Credentials make STARTTLS required, unless the URL says tls=none.
        assert_eq!(
            smtp("smtp://bob:s3cret@mail.example.com"),
            (
                "smtp://bob:s3cret@mail.example.com:25?tls=required".to_owned(),
                "smtp://mail.example.com".to_owned()
            )
        );
        assert_eq!(
            smtp("smtp://bob:s3cret@mail.example.com:2525?tls=none").0,
            "smtp://bob:s3cret@mail.example.com:2525"
        );
        assert_eq!(
            smtp("smtps://bob:s3cret@mail.example.com").0,
            "smtps://bob:s3cret@mail.example.com"
        );
        assert!(Transport::parse("smtp://mail.example.com:2525?tls=required", dir).is_ok());
        for bad in [
            "pigeon://x",
            "smtp://",
            "smtp://x?tls=maybe",
            "smtps://x?tls=none",
            "smtp://x/ehlo",
            "mail.example.com",
        ] {
            assert_eq!(Transport::parse(bad, dir).unwrap_err().exit_code(), 2, "{bad}");
        }
        let error = Transport::parse("smtp://bob:s3cret@x?tls=no", dir).unwrap_err();
        assert!(!error.message().contains("s3cret"), "{error}");
    }

    #[test]
    fn debug_and_errors_never_show_the_password() {
        let dir = Path::new("/tmp");
        let transport = Transport::parse("smtp://bob:s3cret@mail.example.com", dir).unwrap();
        let mailer = Mailer {
            transport,
            from: "a@example.com".parse().unwrap(),
            link_base: None,
            smtp_timeout: Duration::from_secs(1),
        };
        let debug = format!("{mailer:?}");
        assert!(!debug.contains("s3cret") && debug.contains("redacted"), "{debug}");
        for bad in [
            "smtp:bob:s3cret@x",
            "smtp//bob:s3cret@x",
            "smtp://bob:s3?cret@x",
            "smtp://bob:s3#cret@x:99999",
            "smtp://bob:s3/cret@x?tls=maybe",
        ] {
            let error = Transport::parse(bad, dir).unwrap_err().to_string();
            assert!(!error.contains("s3") && error.contains("***@x"), "{bad}: {error}");
        }
    }
}
