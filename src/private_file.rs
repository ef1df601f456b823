//! Files that hold secrets or hashes (the session file, exports): written with mode 0600,
//! synced, and only then given their name, so that a reader never sees half a file and a killed
//! process leaves no copy behind.
//!
//! The content goes to an unnamed file (`O_TMPFILE`) that is linked into place once complete:
//! even SIGKILL leaves nothing, since an unnamed file vanishes with its process. Where the file
//! system cannot make unnamed files, a named temporary file beside the destination is used
//! instead, with SIGINT, SIGTERM and SIGHUP held back until it has been renamed or removed.

use std::fs::{self, File};
use std::io::{BufWriter, ErrorKind, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{AT_FDCWD, AtFlags, OFlag};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use nix::sys::stat::Mode;

use crate::domain::error::{Error, Result};

/// Writes `path` with what `write` produces, atomically and privately; its directory must exist.
/// Anything at `path` that is not a regular file (a symbolic link such as `/dev/stdout`, a
/// device, a FIFO, a directory) is refused, not replaced (exit 2).
pub fn write<T>(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    refuse_other_than_file(path)?;
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let value = match unnamed_file(dir) {
        Some(file) => write_unnamed(file.map_err(|e| cannot(path, &e))?, dir, path, write)?,
        None => write_named(dir, path, write)?,
    };
    // The new name lasts through a crash only once the directory is synced.
    File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| cannot(path, &e))?;
    Ok(value)
}

/// An unnamed file in `dir`, or `None` where the file system (or the lack of `/proc`, through
/// which it is linked) does not allow one.
fn unnamed_file(dir: &Path) -> Option<std::io::Result<File>> {
    if !Path::new("/proc/self/fd").is_dir() {
        return None;
    }
    let flags = OFlag::O_TMPFILE | OFlag::O_WRONLY | OFlag::O_CLOEXEC;
    match nix::fcntl::open(dir, flags, Mode::from_bits_truncate(0o600)) {
        Ok(fd) => Some(Ok(File::from(fd))),
        Err(Errno::EOPNOTSUPP | Errno::EISDIR | Errno::EINVAL) => None,
        Err(errno) => Some(Err(errno.into())),
    }
}

fn write_unnamed<T>(file: File, dir: &Path, path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    let (value, file) = fill(file, path, write)?;
    let proc_path = format!("/proc/self/fd/{}", file.as_raw_fd());
    let link = |to: &Path| nix::unistd::linkat(AT_FDCWD, proc_path.as_str(), AT_FDCWD, to, AtFlags::AT_SYMLINK_FOLLOW);
    match link(path) {
        Ok(()) => return Ok(value),
        Err(Errno::EEXIST) => {}
        Err(errno) => return Err(cannot(path, &errno)),
    }
    // A link cannot replace a file: link under a temporary name, then rename over the old file.
    // Only SIGKILL between these two calls could leave the temporary name behind.
    let temporary = temporary_name(dir, path)?;
    with_signals_held(|| {
        link(&temporary).map_err(|errno| cannot(path, &errno))?;
        fs::rename(&temporary, path).map_err(|e| {
            let _ = fs::remove_file(&temporary);
            cannot(path, &e)
        })
    })?;
    Ok(value)
}

fn write_named<T>(dir: &Path, path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    with_signals_held(|| {
        let temporary = tempfile::NamedTempFile::new_in(dir).map_err(|e| cannot(path, &e))?;
        let (file, temporary_path) = temporary.into_parts();
        let (value, _file) = fill(file, path, write)?;
        // Dropping `temporary_path` on an error above removes the file.
        temporary_path.persist(path).map_err(|e| cannot(path, &e.error))?;
        Ok(value)
    })
}

/// Writes the content with mode 0600 and syncs it.
fn fill<T>(file: File, path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<(T, File)> {
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(|e| cannot(path, &e))?;
    let mut out = BufWriter::new(file);
    let value = write(&mut out)?;
    let file = out.into_inner().map_err(|e| cannot(path, e.error()))?;
    file.sync_all().map_err(|e| cannot(path, &e))?;
    Ok((value, file))
}

/// A name beside `path` that nothing has.
fn temporary_name(dir: &Path, path: &Path) -> Result<PathBuf> {
    let random: [u8; 8] = crate::domain::token::random_bytes()?;
    let suffix: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
    let name = path
        .file_name()
        .map_or_else(Default::default, |name| name.to_string_lossy());
    Ok(dir.join(format!(".{name}.{suffix}.tmp")))
}

/// Runs `work` with SIGINT, SIGTERM and SIGHUP held back: one that arrives meanwhile takes
/// effect after it, once no temporary name is left.
fn with_signals_held<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    let mut held = SigSet::empty();
    for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        held.add(signal);
    }
    let mut before = SigSet::empty();
    pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&held), Some(&mut before))
        .map_err(|e| Error::storage_from("Cannot hold back signals", e))?;
    let result = work();
    pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&before), None)
        .map_err(|e| Error::storage_from("Cannot restore signals", e))?;
    result
}

/// Refuses a destination that exists and is not a regular file.
fn refuse_other_than_file(path: &Path) -> Result<()> {
    let kind = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(cannot(path, &e)),
        Ok(meta) => meta.file_type(),
    };
    let what = if kind.is_file() {
        return Ok(());
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a device"
    };
    Err(Error::Usage(format!(
        "Refusing to replace {}: it is {what}, not a regular file.",
        path.display()
    )))
}

fn cannot(path: &Path, error: &dyn std::fmt::Display) -> Error {
    Error::storage_from(format!("Cannot write {}", path.display()), error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn both_ways_write_replace_and_leave_nothing_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        for (round, named) in [(1, false), (2, false), (3, true), (4, true)] {
            let text = format!("round {round}\n");
            let produce = |out: &mut dyn Write| {
                out.write_all(text.as_bytes())
                    .map_err(|e| Error::storage_from("write", e))
            };
            if named {
                write_named(dir.path(), &path, produce).unwrap();
            } else {
                write(&path, produce).unwrap();
            }
            assert_eq!(fs::read_to_string(&path).unwrap(), text);
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(names(dir.path()), ["out"]);
        }
        let failing = |out: &mut dyn Write| -> Result<()> {
            out.write_all(b"half").map_err(|e| Error::storage_from("write", e))?;
            Err(Error::storage("disk full"))
        };
        assert!(write(&path, failing).is_err());
        assert!(write_named(dir.path(), &path, failing).is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "round 4\n");
        assert_eq!(names(dir.path()), ["out"]);
    }
}
