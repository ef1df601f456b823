//! The local session file: a database identity and a secret token, readable by its owner only.

use std::fs::{self, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::OFlag;

use crate::domain::accounts::SessionClaim;
use crate::domain::error::{Error, Result};
use crate::domain::token::SecretToken;
use crate::private_file;
use crate::settings::SessionFiles;

/// First line of every session file.
const HEADER: &str = "authctl-session 1";

/// A session file found on disk, with the claim it makes.
#[derive(Debug)]
pub struct FoundSession {
    /// Where it was found.
    pub path: PathBuf,
    /// What it claims.
    pub claim: SessionClaim,
}

/// Finds and reads the session file; no file at all is [`Error::NotLoggedIn`].
///
/// A file with permissions wider than 0600, owned by someone else, or not in our format is
/// refused, which also counts as not logged in.
pub fn load(files: &SessionFiles) -> Result<FoundSession> {
    for path in files.candidates() {
        // Without O_NONBLOCK, opening a FIFO planted at the path would wait for a writer for
        // ever; O_NOFOLLOW refuses a symbolic link instead of reading what it points to. The
        // type is then checked on the opened file (fstat), so it cannot change in between.
        let opened = OpenOptions::new()
            .read(true)
            .custom_flags((OFlag::O_NONBLOCK | OFlag::O_NOFOLLOW).bits())
            .open(path);
        let file = match opened {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) if e.raw_os_error() == Some(Errno::ELOOP as i32) => {
                return Err(refused(path, "it is a symbolic link"));
            }
            Err(e) => return Err(refused(path, &e.to_string())),
        };
        let meta = file.metadata().map_err(|e| refused(path, &e.to_string()))?;
        if !meta.is_file() {
            return Err(refused(path, "it is not a regular file"));
        }
        if meta.uid() != nix::unistd::geteuid().as_raw() {
            return Err(refused(
                path,
                &format!("it is owned by another user (uid {})", meta.uid()),
            ));
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(refused(
                path,
                &format!("it is accessible by other users (mode {mode:04o}, expected 0600)"),
            ));
        }
        let mut text = String::new();
        file.take(4096)
            .read_to_string(&mut text)
            .map_err(|_| refused(path, "its content is not a session"))?;
        let claim = parse(&text).ok_or_else(|| refused(path, "its content is not a session"))?;
        return Ok(FoundSession {
            path: path.to_owned(),
            claim,
        });
    }
    Err(Error::NotLoggedIn("Not logged in.".to_owned()))
}

/// Writes a session file atomically with mode 0600. Its directory is created (0700, by the
/// umask) only when `create_directory`: for the default locations under the XDG directories,
/// never for a file the user named.
pub fn save(path: &Path, claim: &SessionClaim, create_directory: bool) -> Result<()> {
    if let Some(dir) = path
        .parent()
        .filter(|dir| create_directory && !dir.as_os_str().is_empty())
    {
        fs::create_dir_all(dir)
            .map_err(|e| Error::storage_from(format!("Cannot create the session directory {}", dir.display()), e))?;
    }
    private_file::write(path, |out| {
        write!(out, "{HEADER}\n{}\n{}\n", claim.database_id, claim.token.expose())
            .map_err(|e| Error::storage_from(format!("Cannot write the session file {}", path.display()), e))
    })
}

/// Removes a session file; one already gone is fine.
pub fn remove(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::storage_from(
            format!("Cannot remove the session file {}", path.display()),
            e,
        )),
        _ => Ok(()),
    }
}

/// The claim of a session file's text, or `None` when it is not exactly our format (public for
/// the fuzz target).
pub fn parse(text: &str) -> Option<SessionClaim> {
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let database_id = lines.next()?;
    let token = SecretToken::parse(lines.next()?)?;
    let well_formed_id = database_id.len() == 32 && database_id.bytes().all(|b| b.is_ascii_hexdigit());
    (well_formed_id && lines.next().is_none()).then(|| SessionClaim {
        database_id: database_id.to_owned(),
        token,
    })
}

fn refused(path: &Path, why: &str) -> Error {
    Error::NotLoggedIn(format!(
        "Not logged in: refusing the session file {}: {why}. Log in again.",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim() -> SessionClaim {
        SessionClaim {
            database_id: "0123456789abcdef0123456789abcdef".to_owned(),
            token: SecretToken::generate().unwrap(),
        }
    }

    #[test]
    fn round_trip_with_private_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/session");
        let written = claim();
        assert!(
            save(&path, &written, false).is_err(),
            "a directory not asked for is not made"
        );
        save(&path, &written, true).unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let found = load(&SessionFiles::Explicit(path.clone())).unwrap();
        assert_eq!(found.claim.database_id, written.database_id);
        assert_eq!(found.claim.token, written.token);
    }

    #[test]
    fn refuses_loose_permissions_and_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session");
        save(&path, &claim(), false).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let error = load(&SessionFiles::Explicit(path.clone())).unwrap_err();
        assert!(error.to_string().contains("mode 0644"), "{error}");
        assert_eq!(error.exit_code(), 3);

        fs::write(&path, "authctl-session 1\nnot-an-id\nnot-a-token\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(
            load(&SessionFiles::Explicit(path))
                .unwrap_err()
                .to_string()
                .contains("not a session")
        );
    }
}
