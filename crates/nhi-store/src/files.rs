//! The database on disk is private to its owner: the file and its `-wal`/`-shm` companions have
//! mode 0600, and a directory we create for it has mode 0700. On systems without Unix modes the
//! files are created the ordinary way.

use crate::StoreError;
use std::ffi::OsString;
use std::fs;
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Create the database's parent directory (0700) and an empty database file (0600) when missing,
/// so SQLite never creates the file with the process umask's looser default.
pub(crate) fn prepare(db: &Path) -> Result<(), StoreError> {
    if let Some(dir) = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        builder.mode(0o700);
        builder.create(dir).map_err(|e| io_error(dir, e))?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    match options.open(db) {
        Err(e) if e.kind() != ErrorKind::AlreadyExists => Err(io_error(db, e)),
        _ => Ok(()),
    }
}

/// Tighten the database file and whichever companions exist to 0600. SQLite gives companions the
/// database file's mode, so this mostly matters for a database created by something else.
pub(crate) fn restrict(db: &Path) -> Result<(), StoreError> {
    for file in [
        db.to_path_buf(),
        companion(db, "-wal"),
        companion(db, "-shm"),
    ] {
        restrict_file(&file).map_err(|e| io_error(&file, e))?;
    }
    Ok(())
}

#[cfg(unix)]
fn restrict_file(file: &Path) -> io::Result<()> {
    match fs::metadata(file) {
        Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
            fs::set_permissions(file, fs::Permissions::from_mode(0o600))
        }
        Err(e) if e.kind() != ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(not(unix))]
fn restrict_file(_file: &Path) -> io::Result<()> {
    Ok(())
}

/// The path of one of SQLite's companion files: the database path with `suffix` appended.
pub(crate) fn companion(db: &Path, suffix: &str) -> PathBuf {
    let mut name = OsString::from(db.as_os_str());
    name.push(suffix);
    PathBuf::from(name)
}

fn io_error(path: &Path, source: io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}
