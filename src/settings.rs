//! Settings: each has a TOML key in the config file and an environment variable
//! `AUTHCTL_<KEY>`; precedence is flag > environment > config file > default.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::fs;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use directories::BaseDirs;

use crate::domain::hashes::{DEFAULT_MAX_FOREIGN_HASH_COST, MAX_FOREIGN_HASH_COST};
use crate::domain::password::{ARGON2_ITERATIONS, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, HashParams};
use crate::domain::policy::MIN_PASSWORD_SCORE;
use crate::error::{Error, Result};
use crate::mail::{Mailer, Transport};

/// Every setting key, as written in the config file.
pub const KEYS: &[&str] = &[
    "db",
    "session_file",
    "session_duration",
    "remember_duration",
    "argon2_memory_kib",
    "argon2_iterations",
    "argon2_parallelism",
    "max_foreign_hash_cost",
    "min_password_score",
    "busy_timeout",
    "mail",
    "mail_from",
    "link_base",
    "smtp_timeout",
    "confirm_token_ttl",
    "reset_token_ttl",
    "email_token_ttl",
    "require_confirmation",
    "jobs",
];

/// The resolved settings of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The SQLite database.
    pub db: PathBuf,
    /// Where the login session is kept.
    pub session_files: SessionFiles,
    /// Lifetime of a session made without `--remember`.
    pub session_duration: Duration,
    /// Lifetime of a session made with `--remember`.
    pub remember_duration: Duration,
    /// argon2id parameters for new hashes.
    pub hash_params: HashParams,
    /// The most time verifying one stored hash may take (by the cost model of
    /// [`crate::domain::hashes`]); costlier hashes are refused at import and never computed.
    pub max_foreign_hash_cost: Duration,
    /// The zxcvbn score (0 to 4) a new password needs; 0 turns the check off.
    pub min_password_score: u8,
    /// How long to wait for another process's write lock.
    pub busy_timeout: Duration,
    /// How mail is sent.
    pub mailer: Mailer,
    /// Lifetime of a confirmation token.
    pub confirm_token_ttl: Duration,
    /// Lifetime of a password-reset token.
    pub reset_token_ttl: Duration,
    /// Lifetime of an email-change token.
    pub email_token_ttl: Duration,
    /// Whether unconfirmed accounts are refused at login.
    pub require_confirmation: bool,
    /// Threads that hash passwords during `user import`; `None` means every core (counted only
    /// when an import runs: it costs file reads that other commands should not pay).
    pub jobs: Option<usize>,
}

/// The session file locations: one chosen explicitly, or the XDG defaults.
#[derive(Debug, Clone)]
pub enum SessionFiles {
    /// `--session-file`, `AUTHCTL_SESSION_FILE` or `session_file`: used for every session.
    Explicit(PathBuf),
    /// No choice made: short sessions live under `$XDG_RUNTIME_DIR` when it is set (so they end
    /// with the user's login session), remembered ones under the XDG state directory.
    Default {
        /// `$XDG_RUNTIME_DIR/authctl/session`, when that directory is set.
        runtime: Option<PathBuf>,
        /// `$XDG_STATE_HOME/authctl/session`.
        persistent: PathBuf,
    },
}

impl SessionFiles {
    /// Where a new session is written.
    pub fn for_login(&self, remember: bool) -> &Path {
        match self {
            SessionFiles::Explicit(path) => path,
            SessionFiles::Default { runtime, persistent } => match runtime {
                Some(runtime) if !remember => runtime,
                _ => persistent,
            },
        }
    }

    /// Every place a session may be, in the order they are looked at.
    pub fn candidates(&self) -> Vec<&Path> {
        match self {
            SessionFiles::Explicit(path) => vec![path.as_path()],
            SessionFiles::Default { runtime, persistent } => runtime
                .iter()
                .map(PathBuf::as_path)
                .chain([persistent.as_path()])
                .collect(),
        }
    }
}

/// Values given as command-line flags (clap also fills them from their environment variables).
#[derive(Debug, Default, Clone)]
pub struct Flags {
    /// `--db`.
    pub db: Option<PathBuf>,
    /// `--session-file`.
    pub session_file: Option<PathBuf>,
    /// `--config`.
    pub config: Option<PathBuf>,
}

/// Where raw setting values come from, highest precedence first.
struct Sources<'a> {
    flags: &'a Flags,
    env: &'a dyn Fn(&str) -> Option<String>,
    file: BTreeMap<String, String>,
}

impl Sources<'_> {
    fn get(&self, key: &str) -> Option<String> {
        let flag = match key {
            "db" => self.flags.db.as_ref(),
            "session_file" => self.flags.session_file.as_ref(),
            _ => None,
        };
        flag.map(|path| path.to_string_lossy().into_owned())
            .or_else(|| (self.env)(&env_var(key)))
            .or_else(|| self.file.get(key).cloned())
    }
}

/// The environment variable of a setting: `AUTHCTL_` + the key in upper case.
pub fn env_var(key: &str) -> String {
    format!("AUTHCTL_{}", key.to_uppercase())
}

impl Settings {
    /// Resolves every setting from the flags, the environment (through `env`) and the config file.
    pub fn load(flags: &Flags, env: &dyn Fn(&str) -> Option<String>) -> Result<Self> {
        let dirs = BaseDirs::new();
        let config = flags
            .config
            .clone()
            .or_else(|| env(&env_var("config")).map(PathBuf::from));
        let file = match config {
            Some(path) => read_config(&path, true)?,
            None => match &dirs {
                Some(dirs) => read_config(&dirs.config_dir().join("authctl/config.toml"), false)?,
                None => BTreeMap::new(),
            },
        };
        let sources = Sources { flags, env, file };
        let default_dirs = || {
            dirs.as_ref().ok_or_else(|| {
                Error::Usage("Cannot find the home directory: set --db and --session-file explicitly.".to_owned())
            })
        };

        let db = match sources.get("db") {
            Some(path) => non_empty_path("db", path)?,
            None => default_dirs()?.data_dir().join("authctl/authctl.db"),
        };
        let session_files = match sources.get("session_file") {
            Some(path) => SessionFiles::Explicit(non_empty_path("session_file", path)?),
            None => {
                let dirs = default_dirs()?;
                let state = dirs.state_dir().unwrap_or(dirs.data_local_dir());
                SessionFiles::Default {
                    runtime: dirs.runtime_dir().map(|dir| dir.join("authctl/session")),
                    persistent: state.join("authctl/session"),
                }
            }
        };
        let defaults = HashParams::default();
        let mail_dir = db.parent().unwrap_or(Path::new(".")).join("mail");
        let mail = sources.get("mail").unwrap_or_else(|| "file:".to_owned());
        let from = sources
            .get("mail_from")
            .unwrap_or_else(|| "authctl <authctl@localhost>".to_owned());
        let mailer = Mailer {
            transport: Transport::parse(&mail, &mail_dir)?,
            from: from.parse().map_err(|_| {
                invalid(
                    "mail_from",
                    &from,
                    "expected an address such as 'App <noreply@example.com>'",
                )
            })?,
            link_base: sources.get("link_base").filter(|base| !base.is_empty()),
            smtp_timeout: duration(&sources, "smtp_timeout", "10s")?,
        };
        Ok(Settings {
            mailer,
            confirm_token_ttl: duration(&sources, "confirm_token_ttl", "24h")?,
            reset_token_ttl: duration(&sources, "reset_token_ttl", "1h")?,
            email_token_ttl: duration(&sources, "email_token_ttl", "24h")?,
            require_confirmation: boolean(&sources, "require_confirmation")?,
            jobs: match sources.get("jobs") {
                None => None,
                Some(_) => Some(number(&sources, "jobs", 1)? as usize),
            },
            db,
            session_files,
            session_duration: duration(&sources, "session_duration", "12h")?,
            remember_duration: duration(&sources, "remember_duration", "365d")?,
            hash_params: HashParams {
                memory_kib: number_in(&sources, "argon2_memory_kib", defaults.memory_kib, ARGON2_MEMORY_KIB)?,
                iterations: number_in(&sources, "argon2_iterations", defaults.iterations, ARGON2_ITERATIONS)?,
                parallelism: number_in(&sources, "argon2_parallelism", defaults.parallelism, ARGON2_PARALLELISM)?,
            },
            max_foreign_hash_cost: duration_in(
                &sources,
                "max_foreign_hash_cost",
                DEFAULT_MAX_FOREIGN_HASH_COST,
                MAX_FOREIGN_HASH_COST,
            )?,
            min_password_score: number_in(&sources, "min_password_score", 0, MIN_PASSWORD_SCORE)?,
            busy_timeout: duration(&sources, "busy_timeout", "5s")?,
        })
    }
}

/// Reads the config file into raw strings; an unknown key or a value that is not a string or
/// number is refused by name.
fn read_config(path: &Path, required: bool) -> Result<BTreeMap<String, String>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => {
            return Err(Error::Usage(format!(
                "Cannot read the config file {}: {e}",
                path.display()
            )));
        }
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e| Error::Usage(format!("The config file {} is not valid TOML: {e}", path.display())))?;
    table
        .into_iter()
        .map(|(key, value)| {
            if !KEYS.contains(&key.as_str()) {
                return Err(Error::Usage(format!(
                    "Unknown setting '{key}' in the config file {}. Known settings: {}.",
                    path.display(),
                    KEYS.join(", ")
                )));
            }
            let raw = match value {
                toml::Value::String(text) => text,
                toml::Value::Integer(number) => number.to_string(),
                toml::Value::Boolean(flag) => flag.to_string(),
                other => {
                    return Err(Error::Usage(format!(
                        "Invalid value for setting {key}: {other} (expected a string, a number or a boolean)."
                    )));
                }
            };
            Ok((key, raw))
        })
        .collect()
}

fn invalid(key: &str, value: &str, expected: &str) -> Error {
    Error::Usage(format!("Invalid value for setting {key}: '{value}' ({expected})."))
}

fn non_empty_path(key: &str, value: String) -> Result<PathBuf> {
    if value.is_empty() {
        return Err(invalid(key, &value, "expected a file path"));
    }
    Ok(PathBuf::from(value))
}

fn duration(sources: &Sources<'_>, key: &str, default: &str) -> Result<Duration> {
    let value = sources.get(key).unwrap_or_else(|| default.to_owned());
    match humantime::parse_duration(&value) {
        Ok(parsed) if !parsed.is_zero() => Ok(parsed),
        _ => Err(invalid(
            key,
            &value,
            "expected a positive duration such as 90s, 12h or 365d",
        )),
    }
}

fn boolean(sources: &Sources<'_>, key: &str) -> Result<bool> {
    match sources.get(key) {
        None => Ok(false),
        Some(value) => match value.to_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(invalid(key, &value, "expected true or false")),
        },
    }
}

fn number(sources: &Sources<'_>, key: &str, default: u32) -> Result<u32> {
    match sources.get(key) {
        None => Ok(default),
        Some(value) => value
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| invalid(key, &value, "expected a positive whole number")),
    }
}

/// A whole number within `range`.
fn number_in<T: std::str::FromStr + PartialOrd + Display>(
    sources: &Sources<'_>,
    key: &str,
    default: T,
    range: RangeInclusive<T>,
) -> Result<T> {
    match sources.get(key) {
        None => Ok(default),
        Some(value) => value.parse::<T>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
            invalid(
                key,
                &value,
                &format!("expected a whole number from {} to {}", range.start(), range.end()),
            )
        }),
    }
}

/// A duration within `range`.
fn duration_in(
    sources: &Sources<'_>,
    key: &str,
    default: Duration,
    range: RangeInclusive<Duration>,
) -> Result<Duration> {
    match sources.get(key) {
        None => Ok(default),
        Some(value) => humantime::parse_duration(&value)
            .ok()
            .filter(|parsed| range.contains(parsed))
            .ok_or_else(|| {
                invalid(
                    key,
                    &value,
                    &format!(
                        "expected a duration from {} to {}",
                        humantime::format_duration(*range.start()),
                        humantime::format_duration(*range.end())
                    ),
                )
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(flags: &Flags, env: &[(&str, &str)]) -> Result<Settings> {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::load(flags, &|name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn precedence_is_flag_env_file_default() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        fs::write(
            &config,
            "db = \"/from/file\"\nsession_duration = \"1h\"\nargon2_iterations = 3\n",
        )
        .unwrap();
        let flags = Flags {
            config: Some(config),
            ..Flags::default()
        };
        let settings = load(
            &flags,
            &[("AUTHCTL_SESSION_DURATION", "2h"), ("AUTHCTL_SESSION_FILE", "/s")],
        )
        .unwrap();
        assert_eq!(settings.db, PathBuf::from("/from/file"));
        assert_eq!(settings.session_duration, Duration::from_secs(7200));
        assert_eq!(settings.remember_duration, Duration::from_secs(365 * 86400));
        assert_eq!(settings.hash_params.iterations, 3);
        assert_eq!(settings.busy_timeout, Duration::from_secs(5));

        let flags = Flags {
            db: Some("/from/flag".into()),
            ..flags
        };
        let settings = load(&flags, &[("AUTHCTL_DB", "/from/env")]).unwrap();
        assert_eq!(settings.db, PathBuf::from("/from/flag"));
    }

    #[test]
    fn invalid_values_name_the_setting_and_value() {
        let error = load(&Flags::default(), &[("AUTHCTL_BUSY_TIMEOUT", "soon")]).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("busy_timeout") && error.to_string().contains("'soon'"));
        let error = load(&Flags::default(), &[("AUTHCTL_ARGON2_MEMORY_KIB", "-1")]).unwrap_err();
        assert!(error.to_string().contains("argon2_memory_kib"));
    }

    #[test]
    fn unknown_config_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        fs::write(&config, "sesion_duration = \"1h\"\n").unwrap();
        let flags = Flags {
            config: Some(config),
            ..Flags::default()
        };
        assert!(load(&flags, &[]).unwrap_err().to_string().contains("sesion_duration"));
    }
}
