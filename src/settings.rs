//! Settings: each has a TOML key in the config file and an environment variable
//! `AUTHCTL_<KEY>`; precedence is flag > environment > config file > default.

mod sources;

use std::path::{Path, PathBuf};
use std::time::Duration;

use directories::BaseDirs;
use lettre::message::Mailbox;
use zeroize::Zeroizing;

use crate::domain::app::AppHints;
use crate::domain::error::{Error, Result};
use crate::domain::hashes::MAX_FOREIGN_HASH_COST;
use crate::domain::password::{self, ForeignHashes, HashParams};
use crate::domain::policy::MIN_PASSWORD_SCORE;
use crate::domain::user::UsernameCase;
use crate::text::parse_bool;
use crate::text::shown;
use sources::Sources;
pub use sources::{Origin, SYSTEM_CONFIG};

/// What a setting accepts: how its text is parsed, and the range the value must be in.
pub trait Kind {
    /// The parsed value.
    type Value;
    /// The value `raw` stands for, or `None` when it is malformed or out of range.
    fn parse(&self, raw: &str) -> Option<Self::Value>;
    /// What is accepted, as error messages and the documentation say it.
    fn expected(&self) -> String;
}

/// Any text.
pub struct Text;

/// A file path (not empty).
pub struct FilePath;

/// A mail address with an optional display name.
pub struct Address;

/// A database: a PostgreSQL URL, `sqlite:PATH`, or a path (an SQLite file).
pub struct DatabaseName;

/// `true`/`false`, `1`/`0` or `yes`/`no`, in any case.
pub struct Boolean;

/// A whole number in `min..=max`.
pub struct Count {
    pub min: u32,
    pub max: u32,
}

/// A humantime duration (`90s`, `12h`, `365d`) in `min..=max`.
pub struct Span {
    pub min: Duration,
    pub max: Duration,
}

impl Count {
    /// Whole numbers from `min` to `max`, both included.
    pub const fn within(min: u32, max: u32) -> Self {
        Count { min, max }
    }
}

impl Span {
    /// Durations from `min` to `max`, both included.
    pub const fn within(min: Duration, max: Duration) -> Self {
        Span { min, max }
    }
}

impl Kind for Text {
    type Value = String;
    fn parse(&self, raw: &str) -> Option<String> {
        Some(raw.to_owned())
    }
    fn expected(&self) -> String {
        "text".to_owned()
    }
}

impl Kind for FilePath {
    type Value = PathBuf;
    fn parse(&self, raw: &str) -> Option<PathBuf> {
        (!raw.is_empty()).then(|| PathBuf::from(raw))
    }
    fn expected(&self) -> String {
        "a file path".to_owned()
    }
}

impl Kind for DatabaseName {
    type Value = Database;
    // Never `None` for a URL: the refusal message shows the value, and a URL may hold a password.
    fn parse(&self, raw: &str) -> Option<Database> {
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Some(Database::Postgres(raw.to_owned()));
        }
        let path = raw.strip_prefix("sqlite:").unwrap_or(raw);
        (!path.is_empty()).then(|| Database::Sqlite(PathBuf::from(path)))
    }
    fn expected(&self) -> String {
        "a file path, sqlite:PATH or postgres://USER@HOST/DATABASE".to_owned()
    }
}

impl Kind for Address {
    type Value = Mailbox;
    fn parse(&self, raw: &str) -> Option<Mailbox> {
        raw.parse().ok()
    }
    fn expected(&self) -> String {
        "an address such as 'App <noreply@example.com>'".to_owned()
    }
}

impl Kind for Boolean {
    type Value = bool;
    fn parse(&self, raw: &str) -> Option<bool> {
        parse_bool(raw)
    }
    fn expected(&self) -> String {
        "true or false, 1 or 0, yes or no".to_owned()
    }
}

impl Kind for Count {
    type Value = u32;
    fn parse(&self, raw: &str) -> Option<u32> {
        raw.parse().ok().filter(|n| (self.min..=self.max).contains(n))
    }
    fn expected(&self) -> String {
        format!("a whole number from {} to {}", self.min, self.max)
    }
}

impl Kind for Span {
    type Value = Duration;
    fn parse(&self, raw: &str) -> Option<Duration> {
        humantime::parse_duration(raw)
            .ok()
            .filter(|d| (self.min..=self.max).contains(d))
    }
    fn expected(&self) -> String {
        format!(
            "a duration from {} to {}",
            humantime::format_duration(self.min),
            humantime::format_duration(self.max)
        )
    }
}

/// What a setting is when it is not given.
pub enum Fallback {
    /// This text, parsed like a given value.
    Value(&'static str),
    /// No value: the setting is worked out as described here.
    Derived(&'static str),
}

/// One setting: its key in the config file (the environment variable is [`env_var`] of it), the
/// flag that also sets it, its default, what it accepts, and a one-line description.
pub struct Setting<K> {
    pub key: &'static str,
    pub flag: Option<&'static str>,
    pub default: Fallback,
    pub kind: K,
    pub doc: &'static str,
}

impl<K: Kind> Setting<K> {
    /// Parses a value given for this setting (by `origin`, when not the default); an invalid one
    /// is refused naming the setting, the value, where it was given and what is accepted.
    pub fn parse(&self, raw: &str, origin: Option<&Origin>) -> Result<K::Value> {
        self.kind.parse(raw).ok_or_else(|| {
            let given = origin.map(|origin| format!(", given by {origin}")).unwrap_or_default();
            Error::Usage(format!(
                "Invalid value for setting {}: '{}'{given} (expected {}).",
                self.key,
                shown(raw),
                self.kind.expected()
            ))
        })
    }
}

/// A setting as the documentation shows it.
#[derive(Debug)]
pub struct About {
    pub key: &'static str,
    pub variable: String,
    pub flag: Option<&'static str>,
    pub default: &'static str,
    pub accepts: String,
    pub doc: &'static str,
}

/// The part of a setting that the table of every setting needs, whatever its kind.
pub trait Entry: Sync {
    /// Its key.
    fn key(&self) -> &'static str;
    /// Its documentation.
    fn about(&self) -> About;
    /// Whether its default (when it has one as text) parses and is in range.
    fn default_is_valid(&self) -> bool;
    /// Whether `raw` is a value it accepts.
    fn accepts(&self, raw: &str) -> bool;
}

impl<K: Kind + Sync> Entry for Setting<K> {
    fn key(&self) -> &'static str {
        self.key
    }
    fn about(&self) -> About {
        About {
            key: self.key,
            variable: env_var(self.key),
            flag: self.flag,
            default: match self.default {
                Fallback::Value(text) | Fallback::Derived(text) => text,
            },
            accepts: self.kind.expected(),
            doc: self.doc,
        }
    }
    fn accepts(&self, raw: &str) -> bool {
        self.kind.parse(raw).is_some()
    }
    fn default_is_valid(&self) -> bool {
        match self.default {
            Fallback::Value(text) => self.kind.parse(text).is_some(),
            Fallback::Derived(_) => true,
        }
    }
}

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
/// humantime's year (365.25 days), so that ranges print as whole years.
const YEAR: u64 = 31_557_600;

pub const DB: Setting<DatabaseName> = Setting {
    key: "db",
    flag: Some("--db"),
    default: Fallback::Derived("$XDG_DATA_HOME/authctl/authctl.db"),
    kind: DatabaseName,
    doc: "the database: an SQLite file, or a PostgreSQL URL; made by `authctl init` only",
};
pub const SESSION_FILE: Setting<FilePath> = Setting {
    key: "session_file",
    flag: Some("--session-file"),
    default: Fallback::Derived(
        "$XDG_RUNTIME_DIR/authctl/session (short sessions, when set), else $XDG_STATE_HOME/authctl/session",
    ),
    kind: FilePath,
    doc: "where the login session is kept",
};
pub const SESSION_DURATION: Setting<Span> = Setting {
    key: "session_duration",
    flag: None,
    default: Fallback::Value("12h"),
    kind: Span::within(secs(1), secs(10 * YEAR)),
    doc: "lifetime of a session without --remember",
};
pub const REMEMBER_DURATION: Setting<Span> = Setting {
    key: "remember_duration",
    flag: None,
    default: Fallback::Value("365d"),
    kind: Span::within(secs(1), secs(10 * YEAR)),
    doc: "lifetime of a session with --remember",
};
// Provisional ranges: the domain's argon2 limits are the final word (issue 8, H2).
pub const ARGON2_MEMORY_KIB: Setting<Count> = Setting {
    key: "argon2_memory_kib",
    flag: None,
    default: Fallback::Value("19456"),
    kind: Count::within(*password::ARGON2_MEMORY_KIB.start(), *password::ARGON2_MEMORY_KIB.end()),
    doc: "argon2id memory cost of new hashes, in KiB",
};
pub const ARGON2_ITERATIONS: Setting<Count> = Setting {
    key: "argon2_iterations",
    flag: None,
    default: Fallback::Value("2"),
    kind: Count::within(*password::ARGON2_ITERATIONS.start(), *password::ARGON2_ITERATIONS.end()),
    doc: "argon2id passes of new hashes",
};
pub const ARGON2_PARALLELISM: Setting<Count> = Setting {
    key: "argon2_parallelism",
    flag: None,
    default: Fallback::Value("1"),
    kind: Count::within(
        *password::ARGON2_PARALLELISM.start(),
        *password::ARGON2_PARALLELISM.end(),
    ),
    doc: "argon2id lanes of new hashes",
};
pub const MAX_FOREIGN_HASH_COST_SETTING: Setting<Span> = Setting {
    key: "max_foreign_hash_cost",
    flag: None,
    default: Fallback::Value("1s"),
    kind: Span::within(*MAX_FOREIGN_HASH_COST.start(), *MAX_FOREIGN_HASH_COST.end()),
    doc: "the longest estimated verification of a stored hash (and 256 MiB of memory); costlier hashes are refused at import and never computed, and the argon2 settings must fit it",
};
pub const ACCEPT_PLAINTEXT_HASHES: Setting<Boolean> = Setting {
    key: "accept_plaintext_hashes",
    flag: None,
    default: Fallback::Value("false"),
    kind: Boolean,
    doc: "take over Werkzeug's plain$$PASSWORD rows (the password itself, not a hash) at import and login, upgrading them to argon2id",
};
pub const USERNAME_CASE_SENSITIVE: Setting<Boolean> = Setting {
    key: "username_case_sensitive",
    flag: None,
    default: Fallback::Value("false"),
    kind: Boolean,
    doc: "whether Alice and alice are two accounts: recorded in the database by init, changed by db migrate (which refuses when names would meet); other commands refuse a database that differs",
};
pub const PASSLIB_HMAC_SALT: Setting<Text> = Setting {
    key: "passlib_hmac_salt",
    flag: None,
    default: Fallback::Derived("none"),
    kind: Text,
    doc: "Flask-Security-Too's SECURITY_PASSWORD_SALT: passlib, bcrypt and argon2 hashes are also tried with its HMAC-SHA512 pre-hash",
};
pub const MIN_PASSWORD_SCORE_SETTING: Setting<Count> = Setting {
    key: "min_password_score",
    flag: None,
    default: Fallback::Value("0"),
    kind: Count::within(*MIN_PASSWORD_SCORE.start() as u32, *MIN_PASSWORD_SCORE.end() as u32),
    doc: "the zxcvbn score (0 to 4) a new password needs; 0 is off",
};
pub const BUSY_TIMEOUT: Setting<Span> = Setting {
    key: "busy_timeout",
    flag: None,
    default: Fallback::Value("5s"),
    kind: Span::within(Duration::from_millis(1), secs(HOUR)),
    doc: "how long to wait for another process's write lock",
};
pub const MAIL: Setting<Text> = Setting {
    key: "mail",
    flag: None,
    default: Fallback::Value("file:"),
    kind: Text,
    doc: "mail transport: file:DIR (file: is mail/ beside the database), smtp://, smtps:// or sendmail[:PATH]",
};
pub const MAIL_FROM: Setting<Address> = Setting {
    key: "mail_from",
    flag: None,
    default: Fallback::Value("authctl <authctl@localhost>"),
    kind: Address,
    doc: "sender of every message",
};
pub const LINK_BASE: Setting<Text> = Setting {
    key: "link_base",
    flag: None,
    default: Fallback::Derived("none"),
    kind: Text,
    doc: "when set, messages also carry LINK_BASE/reset/TOKEN and so on",
};
pub const SMTP_TIMEOUT: Setting<Span> = Setting {
    key: "smtp_timeout",
    flag: None,
    default: Fallback::Value("10s"),
    kind: Span::within(secs(1), secs(10 * MINUTE)),
    doc: "the longest a whole SMTP conversation may take, connection included",
};
pub const CONFIRM_TOKEN_TTL: Setting<Span> = Setting {
    key: "confirm_token_ttl",
    flag: None,
    default: Fallback::Value("24h"),
    kind: Span::within(secs(1), secs(30 * DAY)),
    doc: "lifetime of a confirmation token",
};
pub const RESET_TOKEN_TTL: Setting<Span> = Setting {
    key: "reset_token_ttl",
    flag: None,
    default: Fallback::Value("1h"),
    kind: Span::within(secs(1), secs(30 * DAY)),
    doc: "lifetime of a password-reset token",
};
pub const EMAIL_TOKEN_TTL: Setting<Span> = Setting {
    key: "email_token_ttl",
    flag: None,
    default: Fallback::Value("24h"),
    kind: Span::within(secs(1), secs(30 * DAY)),
    doc: "lifetime of an email-change token",
};
pub const RESET_REQUESTS_PER_HOUR: Setting<Count> = Setting {
    key: "reset_requests_per_hour",
    flag: None,
    default: Fallback::Value("3"),
    kind: Count::within(1, 1000),
    doc: "password-reset requests mailed per address (registered or not) in any hour; more are answered alike but not sent",
};
pub const MAX_FAILED_LOGINS: Setting<Count> = Setting {
    key: "max_failed_logins",
    flag: None,
    default: Fallback::Value("5"),
    kind: Count::within(1, 1000),
    doc: "consecutive failed logins that lock an account out",
};
pub const LOCKOUT_DURATION: Setting<Span> = Setting {
    key: "lockout_duration",
    flag: None,
    default: Fallback::Value("15m"),
    kind: Span::within(secs(1), secs(DAY)),
    doc: "the first lockout; it doubles with each further failure, up to 24h",
};
pub const LOGIN_FAILURE_DELAY: Setting<Span> = Setting {
    key: "login_failure_delay",
    flag: None,
    default: Fallback::Value("1s"),
    kind: Span::within(secs(0), secs(60)),
    doc: "the least time a failed login or password check takes (like pam_faildelay)",
};
pub const REQUIRE_CONFIRMATION: Setting<Boolean> = Setting {
    key: "require_confirmation",
    flag: None,
    default: Fallback::Value("false"),
    kind: Boolean,
    doc: "refuse unconfirmed accounts at login",
};
pub const AUDIT_SYSLOG: Setting<Boolean> = Setting {
    key: "audit_syslog",
    flag: None,
    default: Fallback::Value("false"),
    kind: Boolean,
    doc: "also send each audit event to syslog (facility authpriv; journald reads it too) through audit_syslog_socket; a failure to send is a warning, never a failed command",
};
pub const AUDIT_SYSLOG_SOCKET: Setting<FilePath> = Setting {
    key: "audit_syslog_socket",
    flag: None,
    default: Fallback::Value("/dev/log"),
    kind: FilePath,
    doc: "the local syslog socket (Unix datagrams) that audit_syslog sends to",
};
pub const JOBS: Setting<Count> = Setting {
    key: "jobs",
    flag: Some("--jobs"),
    default: Fallback::Derived("every core"),
    // Each thread holds argon2 memory (19 MiB by default): more threads than this is a mistake.
    kind: Count::within(1, 256),
    doc: "threads hashing passwords during user import",
};

/// Every setting, in the order the documentation lists them.
pub const SETTINGS: &[&dyn Entry] = &[
    &DB,
    &SESSION_FILE,
    &SESSION_DURATION,
    &REMEMBER_DURATION,
    &ARGON2_MEMORY_KIB,
    &ARGON2_ITERATIONS,
    &ARGON2_PARALLELISM,
    &MAX_FOREIGN_HASH_COST_SETTING,
    &ACCEPT_PLAINTEXT_HASHES,
    &PASSLIB_HMAC_SALT,
    &MIN_PASSWORD_SCORE_SETTING,
    &USERNAME_CASE_SENSITIVE,
    &BUSY_TIMEOUT,
    &MAIL,
    &MAIL_FROM,
    &LINK_BASE,
    &SMTP_TIMEOUT,
    &CONFIRM_TOKEN_TTL,
    &RESET_TOKEN_TTL,
    &EMAIL_TOKEN_TTL,
    &RESET_REQUESTS_PER_HOUR,
    &MAX_FAILED_LOGINS,
    &LOCKOUT_DURATION,
    &LOGIN_FAILURE_DELAY,
    &REQUIRE_CONFIRMATION,
    &AUDIT_SYSLOG,
    &AUDIT_SYSLOG_SOCKET,
    &JOBS,
];

/// Every setting key, as written in the config file.
pub fn keys() -> impl Iterator<Item = &'static str> {
    SETTINGS.iter().map(|setting| setting.key())
}

/// The database named by the `db` setting.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A path, or `sqlite:PATH`: an SQLite file.
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL (it may hold a password: never shown).
    Postgres(String),
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Database::Postgres(_) => f.write_str("Postgres(<the URL may hold a password>)"),
        }
    }
}

/// The resolved settings of one run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The database.
    pub db: Database,
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
    /// The foreign formats that need a setting: `accept_plaintext_hashes` and
    /// `passlib_hmac_salt` (a secret: zeroed on drop, never shown by `Debug`).
    pub foreign_hashes: ForeignHashes,
    /// The zxcvbn score (0 to 4) a new password needs; 0 turns the check off.
    pub min_password_score: u8,
    /// How usernames should be compared (`username_case_sensitive`): what `init` and
    /// `db migrate` record in the database, and what every other command checks it records.
    pub username_case: UsernameCase,
    /// How long to wait for another process's write lock.
    pub busy_timeout: Duration,
    /// How mail is sent: the `mail` setting, not yet parsed (the command line builds the
    /// transport from it).
    pub mail: MailUrl,
    /// Where `mail = "file:"` puts messages: `mail/` beside an SQLite file, or under the data
    /// directory for PostgreSQL.
    pub mail_dir: PathBuf,
    /// The sender of every message.
    pub mail_from: Mailbox,
    /// When set, messages also carry links under it.
    pub link_base: Option<String>,
    /// The longest a whole SMTP conversation may take.
    pub smtp_timeout: Duration,
    /// Lifetime of a confirmation token.
    pub confirm_token_ttl: Duration,
    /// Lifetime of a password-reset token.
    pub reset_token_ttl: Duration,
    /// Lifetime of an email-change token.
    pub email_token_ttl: Duration,
    /// Password-reset requests mailed per address in any hour; more are answered the same but
    /// send nothing.
    pub reset_requests_per_hour: u32,
    /// Whether unconfirmed accounts are refused at login.
    pub require_confirmation: bool,
    /// Threads that hash passwords during `user import`; `None` means every core (counted only
    /// when an import runs: it costs file reads that other commands should not pay).
    pub jobs: Option<usize>,
    /// Consecutive failed logins that lock an account out.
    pub max_failed_logins: u32,
    /// How long the first lockout lasts (doubled with each further failure, at most 24 hours).
    pub lockout_duration: Duration,
    /// The least time a failed login or re-authentication takes.
    pub login_failure_delay: Duration,
    /// Where audit events are sent besides the database: the syslog socket, when
    /// `audit_syslog` is on.
    pub audit_syslog: Option<PathBuf>,
    /// The config file's `[app]` section: what `db adopt` is told of an application's table.
    pub app: AppHints,
}

/// The `mail` setting as given. An SMTP URL may hold credentials: it is zeroed on drop and its
/// `Debug` never shows it.
#[derive(Clone)]
pub struct MailUrl(Zeroizing<String>);

impl MailUrl {
    /// The value, for the one place that parses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for MailUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MailUrl(<redacted>)")
    }
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

/// Values given as command-line flags (only what was typed: the environment is read as settings).
#[derive(Debug, Default, Clone)]
pub struct Flags {
    /// `--db`.
    pub db: Option<PathBuf>,
    /// `--session-file`.
    pub session_file: Option<PathBuf>,
    /// `--config`.
    pub config: Option<PathBuf>,
}

/// A setting as it is in effect, for `authctl config show`.
#[derive(Debug, serde::Serialize)]
pub struct Effective {
    /// The key in the config file.
    pub key: &'static str,
    /// The environment variable.
    pub variable: String,
    /// The value as given, any password in it masked; for a default, the default.
    pub value: String,
    /// Where it came from: `flag --db`, `environment AUTHCTL_DB`, `file PATH` or `default`.
    pub origin: String,
    /// Whether the value is accepted (every other command refuses to run while one is not).
    pub valid: bool,
}

/// Every setting as the flags, the environment and the config files make it, and where each
/// value came from. Unlike [`Settings::load`], an invalid value is shown, not refused.
pub fn effective(flags: &Flags, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Effective>> {
    let dirs = BaseDirs::new();
    let sources = Sources::new(flags, env, dirs.as_ref())?;
    Ok(SETTINGS
        .iter()
        .map(|setting| {
            let about = setting.about();
            let (value, origin, valid) = match sources.raw(about.key) {
                Some((raw, origin)) => (masked(&raw), origin.to_string(), setting.accepts(&raw)),
                None => (about.default.to_owned(), Origin::Default.to_string(), true),
            };
            Effective {
                key: about.key,
                variable: about.variable,
                value,
                origin,
                valid,
            }
        })
        .collect())
}

/// `raw` with the password of a URL (`smtp://user:pass@host`, `postgres://…`) masked.
fn masked(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => match url.set_password(Some("***")) {
            Ok(()) => url.to_string(),
            Err(()) => "***".to_owned(),
        },
        _ => raw.to_owned(),
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
        let sources = Sources::new(flags, env, dirs.as_ref())?;
        let default_dirs = || {
            dirs.as_ref().ok_or_else(|| {
                Error::Usage("Cannot find the home directory: set --db and --session-file explicitly.".to_owned())
            })
        };

        let db = match sources.get(&DB)? {
            Some(db) => db,
            None => Database::Sqlite(default_dirs()?.data_dir().join("authctl/authctl.db")),
        };
        let session_files = match sources.get(&SESSION_FILE)? {
            Some(path) => SessionFiles::Explicit(path),
            None => {
                let dirs = default_dirs()?;
                let state = dirs.state_dir().unwrap_or(dirs.data_local_dir());
                SessionFiles::Default {
                    // Only a runtime directory that exists: authctl never creates it.
                    runtime: dirs
                        .runtime_dir()
                        .filter(|dir| dir.is_dir())
                        .map(|dir| dir.join("authctl/session")),
                    persistent: state.join("authctl/session"),
                }
            }
        };
        // `file:` mail goes beside an SQLite file; a PostgreSQL database has no directory of its
        // own, so its mail goes to the data directory (where the default SQLite file would be).
        let mail_dir = match &db {
            Database::Sqlite(path) => path.parent().unwrap_or(Path::new(".")).join("mail"),
            Database::Postgres(_) => match &dirs {
                Some(dirs) => dirs.data_dir().join("authctl/mail"),
                None => PathBuf::from("mail"),
            },
        };
        Ok(Settings {
            mail: MailUrl(Zeroizing::new(sources.value(&MAIL)?)),
            mail_dir,
            mail_from: sources.value(&MAIL_FROM)?,
            link_base: sources.get(&LINK_BASE)?.filter(|base| !base.is_empty()),
            smtp_timeout: sources.value(&SMTP_TIMEOUT)?,
            confirm_token_ttl: sources.value(&CONFIRM_TOKEN_TTL)?,
            reset_token_ttl: sources.value(&RESET_TOKEN_TTL)?,
            email_token_ttl: sources.value(&EMAIL_TOKEN_TTL)?,
            reset_requests_per_hour: sources.value(&RESET_REQUESTS_PER_HOUR)?,
            require_confirmation: sources.value(&REQUIRE_CONFIRMATION)?,
            jobs: sources.get(&JOBS)?.map(|jobs| jobs as usize),
            db,
            session_files,
            session_duration: sources.value(&SESSION_DURATION)?,
            remember_duration: sources.value(&REMEMBER_DURATION)?,
            hash_params: HashParams {
                memory_kib: sources.value(&ARGON2_MEMORY_KIB)?,
                iterations: sources.value(&ARGON2_ITERATIONS)?,
                parallelism: sources.value(&ARGON2_PARALLELISM)?,
            },
            busy_timeout: sources.value(&BUSY_TIMEOUT)?,
            max_failed_logins: sources.value(&MAX_FAILED_LOGINS)?,
            lockout_duration: sources.value(&LOCKOUT_DURATION)?,
            login_failure_delay: sources.value(&LOGIN_FAILURE_DELAY)?,
            audit_syslog: {
                let socket = sources.value(&AUDIT_SYSLOG_SOCKET)?;
                sources.value(&AUDIT_SYSLOG)?.then_some(socket)
            },
            max_foreign_hash_cost: sources.value(&MAX_FOREIGN_HASH_COST_SETTING)?,
            foreign_hashes: ForeignHashes {
                accept_plaintext: sources.value(&ACCEPT_PLAINTEXT_HASHES)?,
                passlib_hmac_salt: sources
                    .get(&PASSLIB_HMAC_SALT)?
                    .filter(|salt| !salt.is_empty())
                    .map(Zeroizing::new),
            },
            min_password_score: sources.value(&MIN_PASSWORD_SCORE_SETTING)? as u8,
            username_case: UsernameCase::from_setting(sources.value(&USERNAME_CASE_SENSITIVE)?),
            app: sources.app_hints(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::domain::hashes::DEFAULT_MAX_FOREIGN_HASH_COST;

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
        assert_eq!(settings.db, Database::Sqlite("/from/file".into()));
        assert_eq!(settings.session_duration, Duration::from_secs(7200));
        assert_eq!(settings.remember_duration, Duration::from_secs(365 * 86400));
        assert_eq!(settings.hash_params.iterations, 3);
        assert_eq!(settings.busy_timeout, Duration::from_secs(5));

        let flags = Flags {
            db: Some("/from/flag".into()),
            ..flags
        };
        let settings = load(&flags, &[("AUTHCTL_DB", "/from/env")]).unwrap();
        assert_eq!(settings.db, Database::Sqlite("/from/flag".into()));
    }

    #[test]
    fn db_selects_the_engine_by_its_form() {
        let db = |value: &str| load(&Flags::default(), &[("AUTHCTL_DB", value)]).map(|s| s.db);
        assert_eq!(db("/srv/users.db").unwrap(), Database::Sqlite("/srv/users.db".into()));
        assert_eq!(db("sqlite:users.db").unwrap(), Database::Sqlite("users.db".into()));
        let url = "postgresql://ada:s3cret@db.example.com/accounts";
        assert_eq!(db(url).unwrap(), Database::Postgres(url.to_owned()));
        assert!(!format!("{:?}", db(url).unwrap()).contains("s3cret"));
        assert_eq!(db("sqlite:").unwrap_err().exit_code(), 2);
    }

    #[test]
    fn postgres_mail_goes_to_the_data_directory() {
        let settings = load(
            &Flags::default(),
            &[("AUTHCTL_DB", "postgres://ada@127.0.0.1/accounts")],
        )
        .unwrap();
        assert_eq!(settings.mail.expose(), "file:");
        assert_eq!(
            settings.mail_dir,
            BaseDirs::new().unwrap().data_dir().join("authctl/mail")
        );
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

    #[test]
    fn the_table_is_consistent() {
        let mut keys: Vec<_> = keys().collect();
        let count = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), count, "a key is in the table twice");
        for setting in SETTINGS {
            let about = setting.about();
            assert!(setting.default_is_valid(), "{about:?}: the default is refused");
            assert!(
                !about.doc.is_empty()
                    && about
                        .key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
        }
        // The argon2 defaults are the domain's.
        let settings = load(&Flags::default(), &[]).unwrap();
        let defaults = HashParams::default();
        assert_eq!(
            (
                settings.hash_params.memory_kib,
                settings.hash_params.iterations,
                settings.hash_params.parallelism
            ),
            (defaults.memory_kib, defaults.iterations, defaults.parallelism)
        );
        assert_eq!(settings.max_foreign_hash_cost, DEFAULT_MAX_FOREIGN_HASH_COST);
    }

    #[test]
    fn ranges_are_inclusive_and_checked() {
        assert_eq!(JOBS.parse("1", None).unwrap(), 1);
        assert_eq!(JOBS.parse("256", None).unwrap(), 256);
        for refused in ["0", "257", "-1", "4294967296", " 2", ""] {
            let error = JOBS.parse(refused, None).unwrap_err();
            assert_eq!(error.exit_code(), 2);
            assert!(error.to_string().contains("from 1 to 256"), "{error}");
        }
        assert_eq!(BUSY_TIMEOUT.parse("1ms", None).unwrap(), Duration::from_millis(1));
        assert_eq!(BUSY_TIMEOUT.parse("1h", None).unwrap(), Duration::from_secs(3600));
        for refused in ["0s", "1h 1ms", "30d", "300000y", "99999999999999999999y"] {
            assert!(BUSY_TIMEOUT.parse(refused, None).is_err(), "{refused}");
        }
        assert!(SESSION_DURATION.parse("0s", None).is_err());
        assert!(SESSION_DURATION.parse("10years", None).is_ok() && SESSION_DURATION.parse("11y", None).is_err());
    }

    #[test]
    fn one_boolean_syntax() {
        for (text, value) in [
            ("TRUE", true),
            ("1", true),
            ("Yes", true),
            ("false", false),
            ("0", false),
            ("NO", false),
        ] {
            assert_eq!(REQUIRE_CONFIRMATION.parse(text, None).unwrap(), value);
        }
        for refused in ["on", "off", "", "2", "y"] {
            assert!(REQUIRE_CONFIRMATION.parse(refused, None).is_err(), "{refused}");
        }
    }

    #[test]
    fn echoed_values_are_escaped_and_truncated() {
        let error = BUSY_TIMEOUT
            .parse(&format!("\x1b[31m{}", "x".repeat(500)), None)
            .unwrap_err()
            .to_string();
        assert!(!error.contains('\x1b') && error.contains("\\x1b[31m"), "{error}");
        assert!(error.len() < 300, "{error}");
    }

    /// The README's settings table documents every setting of the table, with its variable,
    /// default and range. (Failing lists what to add, as rows to paste.)
    #[test]
    fn the_readme_documents_every_setting() {
        let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let missing: Vec<String> = SETTINGS
            .iter()
            .map(|setting| setting.about())
            .filter(|about| {
                let row = readme
                    .lines()
                    .find(|line| line.starts_with(&format!("| `{}` |", about.key)));
                !row.is_some_and(|row| {
                    row.contains(&about.variable) && row.contains(about.default) && row.contains(&about.accepts)
                })
            })
            .map(|about| {
                let names = about.flag.map_or(format!("`{}`", about.variable), |flag| {
                    format!("`{flag}`, `{}`", about.variable)
                });
                format!(
                    "| `{}` | {names} | {} | {} | {} |",
                    about.key, about.default, about.accepts, about.doc
                )
            })
            .collect();
        assert!(
            missing.is_empty(),
            "README.md's settings table lacks (or has stale rows for) these settings:\n{}",
            missing.join("\n")
        );
    }
}
