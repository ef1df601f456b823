//! Files that hold secrets or hashes (the session file, exports): written beside their
//! destination with mode 0600, synced, and renamed into place, so a reader never sees half a file.

use std::fs;
use std::io::{BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `path` (creating its directory) with what `write` produces, atomically and privately.
pub fn write<T>(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    let cannot = |e: &dyn std::fmt::Display| Error::Storage(format!("Cannot write {}: {e}", path.display()));
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| cannot(&e))?;
    let file = tempfile::NamedTempFile::new_in(dir).map_err(|e| cannot(&e))?;
    file.as_file()
        .set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(|e| cannot(&e))?;
    let mut out = BufWriter::new(file);
    let value = write(&mut out)?;
    let file = out.into_inner().map_err(|e| cannot(e.error()))?;
    file.as_file().sync_all().map_err(|e| cannot(&e))?;
    file.persist(path).map_err(|e| cannot(&e.error))?;
    Ok(value)
}
