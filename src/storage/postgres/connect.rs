//! Reaching the server: the URL (with authctl's own TLS parameter), TLS through rustls, and the
//! URL as messages show it (without its password).

use std::path::PathBuf;
use std::sync::Arc;

use postgres::config::{Host, SslMode};

use crate::domain::error::{Error, Result};

/// A parsed database URL: the driver's configuration and authctl's own TLS parameter.
pub(super) struct Target {
    pub(super) config: postgres::Config,
    /// `sslrootcert=FILE`: trust the certificates of this PEM file instead of the built-in roots.
    pub(super) root_cert: Option<PathBuf>,
}

impl Target {
    /// Parses a `postgres://` URL. `sslrootcert` is taken out (the driver does not know it); with
    /// no `sslmode`, TLS is required unless every host is the loopback or a Unix socket.
    pub(super) fn parse(url: &str) -> Result<Self> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut root_cert = None;
        let mut sslmode_given = false;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            match pair.split_once('=') {
                Some(("sslrootcert", path)) => root_cert = Some(PathBuf::from(path)),
                Some(("sslmode", _)) => {
                    sslmode_given = true;
                    kept.push(pair);
                }
                _ => kept.push(pair),
            }
        }
        let driver_url = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        let mut config: postgres::Config = driver_url.parse().map_err(|e| {
            Error::Usage(format!(
                "Invalid value for setting db: '{}' ({e}; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require]).",
                crate::text::shown(&redact_url(url))
            ))
        })?;
        let local = config.get_hosts().iter().all(|host| match host {
            Host::Tcp(name) => matches!(name.as_str(), "localhost" | "127.0.0.1" | "::1" | "[::1]"),
            Host::Unix(_) => true,
        });
        if !sslmode_given && !local {
            config.ssl_mode(SslMode::Require);
        }
        Ok(Target { config, root_cert })
    }

    /// `postgres://user@host:port/database`, never the password.
    pub(super) fn shown(&self) -> String {
        let config = &self.config;
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
            .map(|(host, port)| match host {
                Host::Tcp(name) => format!("{name}:{port}"),
                Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        let user = config.get_user().map(|user| format!("{user}@")).unwrap_or_default();
        let database = config.get_dbname().unwrap_or_default();
        format!("postgres://{user}{}/{database}", hosts.join(","))
    }
}

/// `url` with any password replaced by `***`, for an error about the URL itself. A password
/// typed without percent-encoding may hold `/`, `?` or `@`: everything before the last `@` is
/// masked but the user name, which masks too much when an `@` is in the query, never too little.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split([':', '/', '?']).next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

/// rustls with the Mozilla roots, or only the certificates of `root_cert`.
pub(super) fn tls_config(root_cert: Option<&PathBuf>, shown: &str) -> Result<rustls::ClientConfig> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let mut roots = rustls::RootCertStore::empty();
    match root_cert {
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(path) => {
            let unreadable = |e: &dyn std::fmt::Display| {
                Error::Usage(format!(
                    "Cannot read the sslrootcert file {} of {shown}: {e}",
                    path.display()
                ))
            };
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
                roots
                    .add(cert.map_err(|e| unreadable(&e))?)
                    .map_err(|e| unreadable(&e))?;
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::storage_from("Cannot set up TLS", e))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_never_show_the_password() {
        let target = Target::parse("postgres://ada:s3cret@db.example.com:6543/accounts").unwrap();
        assert_eq!(target.shown(), "postgres://ada@db.example.com:6543/accounts");
        assert_eq!(
            redact_url("postgresql://ada:s3cret@db.example.com/accounts?sslmode=require"),
            "postgresql://ada:***@db.example.com/accounts?sslmode=require"
        );
        let error = Target::parse("postgres://ada:s3cret@db.example.com/accounts?sslmode=sometimes")
            .err()
            .unwrap();
        assert_eq!(error.exit_code(), 2);
        assert!(!error.message().contains("s3cret"), "{error}");
        // Unencoded '/', '?' and '@' in a password: none of it shows.
        for url in [
            "postgres://bob:pa/ss@127.0.0.1:99999/x",
            "postgres://bob:pa?ss@127.0.0.1:99999/x",
            "postgres://bob:p@ss@127.0.0.1:99999/x",
        ] {
            let error = Target::parse(url).err().unwrap();
            assert!(!error.message().contains("ss@"), "{error}");
            assert!(error.message().contains("bob:***@127.0.0.1:99999/x"), "{error}");
        }
        let error = Target::parse("postgres://x@h\u{1b}[31mRED:99999/x").err().unwrap();
        assert!(!error.message().contains('\u{1b}'), "{error}");
    }

    #[test]
    fn tls_is_required_off_the_loopback_unless_the_url_says_otherwise() {
        let mode = |url: &str| Target::parse(url).unwrap().config.get_ssl_mode();
        assert_eq!(mode("postgres://ada@db.example.com/accounts"), SslMode::Require);
        assert_eq!(
            mode("postgres://ada@db.example.com/accounts?sslmode=disable"),
            SslMode::Disable
        );
        assert_eq!(mode("postgres://ada@127.0.0.1:5433/accounts"), SslMode::Prefer);
        let target = Target::parse("postgres://ada@db.example.com/a?sslrootcert=/etc/ca.pem&sslmode=require").unwrap();
        assert_eq!(target.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(target.config.get_ssl_mode(), SslMode::Require);
    }
}
