//! Audit events sent to syslog as well (the setting `audit_syslog`): one datagram per event on
//! the local syslog socket (`audit_syslog_socket`, `/dev/log` by default, which journald reads
//! too), in the format of the C library's syslog(3), `<PRI>Mmm dd hh:mm:ss authctl[PID]: MESSAGE`,
//! facility authpriv. The message is `key=value` pairs, values JSON-quoted when they need it:
//!
//! ```text
//! event=login_failed user_id=0190… email=ada@example.com os_user=root detail="wrong password"
//! ```
//!
//! A failure to send never fails the command: it is reported once, through the callback the
//! command line gives, and the event stays in the database.

use std::cell::{Cell, OnceCell};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;

use crate::domain::audit::{AuditEntry, AuditEvent, AuditSink};

/// syslog's authpriv facility (security messages that may name users), as in `<syslog.h>`.
const AUTHPRIV: u8 = 10;
/// The severities used: notice for failures and refusals, info for the rest.
const NOTICE: u8 = 5;
const INFO: u8 = 6;

/// The sender of audit events to one syslog socket.
pub struct Syslog {
    path: PathBuf,
    socket: OnceCell<std::io::Result<UnixDatagram>>,
    reported: Cell<bool>,
    report: Box<dyn Fn(&str)>,
}

impl Syslog {
    /// A sender to the socket at `path`; `report` is told (once) when sending fails.
    pub fn new(path: PathBuf, report: Box<dyn Fn(&str)>) -> Self {
        Syslog {
            path,
            socket: OnceCell::new(),
            reported: Cell::new(false),
            report,
        }
    }

    fn try_send(&self, datagram: &[u8]) -> std::io::Result<()> {
        match self.socket.get_or_init(UnixDatagram::unbound) {
            Ok(socket) => socket.send_to(datagram, &self.path).map(|_| ()),
            Err(error) => Err(std::io::Error::new(error.kind(), error.to_string())),
        }
    }
}

impl AuditSink for Syslog {
    fn send(&self, entry: &AuditEntry) {
        let datagram = datagram(entry, std::process::id());
        if let Err(error) = self.try_send(datagram.as_bytes())
            && !self.reported.replace(true)
        {
            (self.report)(&format!(
                "warning: audit events could not be sent to syslog at {} ({error}); they are in the database",
                self.path.display()
            ));
        }
    }
}

/// The datagram of `entry`, sent by process `pid`.
fn datagram(entry: &AuditEntry, pid: u32) -> String {
    let severity = match entry.event {
        AuditEvent::LoginFailed | AuditEvent::TokenRejected | AuditEvent::MailFailed => NOTICE,
        _ => INFO,
    };
    let mut message = format!("event={}", entry.event.as_str());
    if let Some(id) = entry.user_id {
        message.push_str(&format!(" user_id={id}"));
    }
    if let Some(email) = &entry.email {
        message.push_str(&format!(" email={}", quoted(email)));
    }
    message.push_str(&format!(" os_user={}", quoted(&entry.os_user)));
    if let Some(detail) = &entry.detail {
        message.push_str(&format!(" detail={}", quoted(detail)));
    }
    format!(
        "<{}>{} authctl[{pid}]: {message}",
        AUTHPRIV * 8 + severity,
        entry.at.format("%b %e %H:%M:%S")
    )
}

/// `value` as is when it is one plain word, else as a JSON string (quotes, backslashes and
/// control characters escaped).
fn quoted(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\' && c != '=');
    if plain {
        value.to_owned()
    } else {
        serde_json::Value::from(value).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datagram_is_syslog_3_with_key_value_pairs() {
        let entry = AuditEntry {
            at: chrono::DateTime::parse_from_rfc3339("2026-12-02T08:05:09Z")
                .unwrap()
                .to_utc(),
            event: AuditEvent::LoginFailed,
            user_id: None,
            email: Some("ada@example.com".to_owned()),
            os_user: "root".to_owned(),
            detail: Some("wrong \"password\"\n".to_owned()),
        };
        assert_eq!(
            datagram(&entry, 42),
            "<85>Dec  2 08:05:09 authctl[42]: event=login_failed email=ada@example.com os_user=root \
             detail=\"wrong \\\"password\\\"\\n\""
        );
    }
}
