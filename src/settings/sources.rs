//! Where raw setting values come from, highest precedence first: the flags, the environment,
//! then the config files, from the user's down to the system's, then the defaults.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use directories::BaseDirs;

use super::{DB, Fallback, Flags, Kind, SESSION_FILE, Setting, env_var, keys};
use crate::domain::app::{AppHints, FillValue, Role};
use crate::domain::error::{Error, Result};
use crate::text::shown;

/// The system-wide config file, below every other.
pub const SYSTEM_CONFIG: &str = "/etc/authctl/config.toml";

/// Where the value of a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag (`--db`, `--session-file`).
    Flag(&'static str),
    /// Its environment variable.
    Environment(String),
    /// A config file.
    File(PathBuf),
    /// Not given anywhere: the default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "flag {flag}"),
            Origin::Environment(variable) => write!(f, "environment {variable}"),
            Origin::File(path) => write!(f, "file {}", path.display()),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// One config file that was read.
struct ConfigFile {
    path: PathBuf,
    values: BTreeMap<String, String>,
    /// The `[app]` section, if the file has one.
    app: Option<AppHints>,
}

/// The flags, the environment (through a function, so that tests can give their own) and the
/// config files read, highest precedence first.
pub(super) struct Sources<'a> {
    flags: &'a Flags,
    env: &'a dyn Fn(&str) -> Option<String>,
    files: Vec<ConfigFile>,
}

impl<'a> Sources<'a> {
    /// Reads the config files: the user's (`--config`, `AUTHCTL_CONFIG`, else
    /// `$XDG_CONFIG_HOME/authctl/config.toml`), then `authctl/config.toml` in each directory of
    /// `XDG_CONFIG_DIRS` (default `/etc/xdg`, the first listed winning), then [`SYSTEM_CONFIG`].
    /// Only a file named by `--config` or `AUTHCTL_CONFIG` must exist.
    pub(super) fn new(
        flags: &'a Flags,
        env: &'a dyn Fn(&str) -> Option<String>,
        dirs: Option<&BaseDirs>,
    ) -> Result<Self> {
        let mut files = Vec::new();
        let chosen = flags
            .config
            .clone()
            .or_else(|| env(&env_var("config")).map(PathBuf::from));
        match (chosen, dirs) {
            (Some(path), _) => files.push((path, true)),
            (None, Some(dirs)) => files.push((dirs.config_dir().join("authctl/config.toml"), false)),
            (None, None) => {}
        }
        let system_dirs = env("XDG_CONFIG_DIRS").filter(|dirs| !dirs.is_empty());
        for dir in system_dirs.as_deref().unwrap_or("/etc/xdg").split(':') {
            if Path::new(dir).is_absolute() {
                files.push((Path::new(dir).join("authctl/config.toml"), false));
            }
        }
        files.push((PathBuf::from(SYSTEM_CONFIG), false));
        let files = files
            .into_iter()
            .map(|(path, required)| read_config(&path, required))
            .filter_map(Result::transpose)
            .collect::<Result<_>>()?;
        Ok(Sources { flags, env, files })
    }

    /// The value given for `key` and where it came from.
    pub(super) fn raw(&self, key: &str) -> Option<(String, Origin)> {
        let flag = if key == DB.key {
            self.flags.db.as_ref().map(|path| (path, "--db"))
        } else if key == SESSION_FILE.key {
            self.flags.session_file.as_ref().map(|path| (path, "--session-file"))
        } else {
            None
        };
        if let Some((path, name)) = flag {
            return Some((path.to_string_lossy().into_owned(), Origin::Flag(name)));
        }
        let variable = env_var(key);
        if let Some(value) = (self.env)(&variable) {
            return Some((value, Origin::Environment(variable)));
        }
        self.files.iter().find_map(|file| {
            file.values
                .get(key)
                .map(|value| (value.clone(), Origin::File(file.path.clone())))
        })
    }

    /// The `[app]` section of the first config file that has one (`db adopt`'s hints).
    pub(super) fn app_hints(&self) -> AppHints {
        self.files.iter().find_map(|file| file.app.clone()).unwrap_or_default()
    }

    /// The value of `setting` as given, else its default; `None` when neither is there.
    pub(super) fn get<K: Kind>(&self, setting: &Setting<K>) -> Result<Option<K::Value>> {
        let (raw, origin) = match (self.raw(setting.key), &setting.default) {
            (Some((raw, origin)), _) => (raw, Some(origin)),
            (None, Fallback::Value(text)) => ((*text).to_owned(), None),
            (None, Fallback::Derived(_)) => return Ok(None),
        };
        setting.parse(&raw, origin.as_ref()).map(Some)
    }

    /// The value of a setting that has a default.
    pub(super) fn value<K: Kind>(&self, setting: &Setting<K>) -> Result<K::Value> {
        self.get(setting)?
            .ok_or_else(|| Error::Usage(format!("The setting {} has no default: set it.", setting.key)))
    }
}

/// The largest config file read: a config file is a few lines, and reading is bounded.
const CONFIG_LIMIT: u64 = 1024 * 1024;

/// Reads a config file into raw strings (`None` when it is missing and not `required`); an unknown key or a value that is not a string,
/// number or boolean is refused by name. Only a regular file of at most [`CONFIG_LIMIT`] bytes is
/// read, and no error echoes a value from it (the `mail` URL can hold a password).
fn read_config(path: &Path, required: bool) -> Result<Option<ConfigFile>> {
    let refuse =
        |why: &dyn std::fmt::Display| Error::Usage(format!("Cannot read the config file {}: {why}.", path.display()));
    // Without blocking: opening a FIFO would otherwise wait for a writer before the type check.
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(path)
    {
        Ok(file) => file,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(refuse(&e)),
    };
    if !file.metadata().map_err(|e| refuse(&e))?.is_file() {
        return Err(refuse(&"it is not a regular file"));
    }
    let mut text = String::new();
    file.take(CONFIG_LIMIT + 1)
        .read_to_string(&mut text)
        .map_err(|e| refuse(&e))?;
    if text.len() as u64 > CONFIG_LIMIT {
        return Err(refuse(&"it is larger than 1 MiB"));
    }
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        // Only the position and the parser's message: its Display quotes the offending line.
        let at = e.span().map_or(0, |span| span.start);
        let before = text.get(..at).unwrap_or(&text);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |last| last.chars().count()) + 1;
        Error::Usage(format!(
            "The config file {} is not valid TOML: line {line}, column {column}: {}",
            path.display(),
            e.message().trim()
        ))
    })?;
    let mut app = None;
    table
        .into_iter()
        .filter_map(|(key, value)| match value {
            toml::Value::Table(section) if key == "app" => match app_hints(section, path) {
                Ok(hints) => {
                    app = Some(hints);
                    None
                }
                Err(e) => Some(Err(e)),
            },
            value => Some(Ok((key, value))),
        })
        .map(|entry| {
            let (key, value) = entry?;
            if !keys().any(|known| known == key) {
                return Err(Error::Usage(format!(
                    "Unknown setting '{}' in the config file {}. Known settings: {}.",
                    shown(&key),
                    path.display(),
                    keys().collect::<Vec<_>>().join(", ")
                )));
            }
            let raw = match value {
                toml::Value::String(text) => text,
                toml::Value::Integer(number) => number.to_string(),
                toml::Value::Boolean(flag) => flag.to_string(),
                other => {
                    return Err(Error::Usage(format!(
                        "Invalid value for setting {key} in the config file {}: a TOML {} (expected a string, a number or a boolean).",
                        path.display(),
                        other.type_str()
                    )));
                }
            };
            Ok((key, raw))
        })
        .collect::<Result<_>>()
        .map(|values| {
            Some(ConfigFile {
                path: path.to_owned(),
                values,
                app,
            })
        })
}

/// The keys of the `[app]` section besides the columns' (`email_column`, …).
const APP_KEYS: [&str; 4] = ["table", "password_scheme", "lowercase_emails", "defaults"];

/// Reads the `[app]` section: names as strings, `[app.defaults]` as strings, numbers or booleans.
fn app_hints(section: toml::Table, path: &Path) -> Result<AppHints> {
    let invalid = |key: &str, what: &str| {
        Error::Usage(format!(
            "Invalid value for {key} in the [app] section of the config file {}: {what}.",
            path.display()
        ))
    };
    let text = |key: &str, value: toml::Value| match value {
        toml::Value::String(text) if !text.is_empty() => Ok(text),
        _ => Err(invalid(key, "expected a name (a non-empty string)")),
    };
    let mut hints = AppHints::default();
    for (key, value) in section {
        if let Some(role) = Role::ALL.into_iter().find(|role| role.key() == key) {
            hints.columns.insert(role, text(&key, value)?);
            continue;
        }
        match (key.as_str(), value) {
            ("table", value) => hints.table = Some(text(&key, value)?),
            ("password_scheme", value) => hints.password_scheme = Some(text(&key, value)?),
            ("lowercase_emails", toml::Value::Boolean(flag)) => hints.lowercase_emails = Some(flag),
            ("lowercase_emails", _) => return Err(invalid("lowercase_emails", "expected true or false")),
            ("defaults", toml::Value::Table(defaults)) => {
                for (column, value) in defaults {
                    let value = match value {
                        toml::Value::String(text) => FillValue::Text(text),
                        toml::Value::Integer(number) => FillValue::Integer(number),
                        toml::Value::Float(number) => FillValue::Real(number),
                        toml::Value::Boolean(flag) => FillValue::Boolean(flag),
                        other => {
                            return Err(invalid(
                                &format!("defaults.{column}"),
                                &format!("a TOML {} (expected a string, a number or a boolean)", other.type_str()),
                            ));
                        }
                    };
                    hints.defaults.insert(column, value);
                }
            }
            ("defaults", _) => return Err(invalid("defaults", "expected a table ([app.defaults])")),
            (unknown, _) => {
                return Err(Error::Usage(format!(
                    "Unknown key '{}' in the [app] section of the config file {}. Known keys: {}, {}.",
                    shown(unknown),
                    path.display(),
                    APP_KEYS.join(", "),
                    Role::ALL.map(Role::key).join(", ")
                )));
            }
        }
    }
    Ok(hints)
}
