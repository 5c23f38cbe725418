//! Errors of the store. Every public error names the database file, so the CLI can print it as one
//! readable line; inside the crate, code returns a path-less `Fault` that the `Store` turns into a
//! `StoreError` at its door.

use rusqlite::ErrorCode;
use std::io;
use std::path::{Path, PathBuf};

/// What went wrong with the store, and in which database file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file or its directory could not be created or restricted.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// The file exists but is not an SQLite database.
    #[error("{}: not an nhi database (the file is not SQLite, or is encrypted)", path.display())]
    NotADatabase { path: PathBuf },
    /// SQLite found the database damaged.
    #[error("{}: the database is corrupt ({source}); restore it from a backup or move it aside", path.display())]
    Corrupt {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// The database was written by a newer nhi whose schema this one does not know.
    #[error(
        "{}: schema version {found} comes from a newer nhi (this one knows up to {known}); upgrade nhi",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    /// Any other SQLite failure (locked database, full disk, ...).
    #[error("{}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// A stored value could not be read back (hand-edited or damaged row).
    #[error("{}: stored {what} cannot be read: {reason}", path.display())]
    Decode {
        path: PathBuf,
        what: String,
        reason: String,
    },
    /// The system gave no randomness for a new fingerprint key.
    #[error("{}: cannot create a fingerprint key: {source}", path.display())]
    Random {
        path: PathBuf,
        source: getrandom::Error,
    },
}

/// A failure inside the crate, before the database path is attached.
#[derive(Debug)]
pub(crate) enum Fault {
    Sqlite(rusqlite::Error),
    Decode { what: String, reason: String },
    NewerSchema { found: i64, known: i64 },
    Random(getrandom::Error),
}

impl Fault {
    /// A stored value of `what` that does not parse.
    pub(crate) fn decode(what: impl Into<String>, reason: impl ToString) -> Fault {
        Fault::Decode {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    /// The public error for this fault in the database at `path`.
    pub(crate) fn at(self, path: &Path) -> StoreError {
        let path = path.to_path_buf();
        match self {
            Fault::Sqlite(source) => match source.sqlite_error_code() {
                Some(ErrorCode::NotADatabase) => StoreError::NotADatabase { path },
                Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt { path, source },
                _ => StoreError::Sqlite { path, source },
            },
            Fault::Decode { what, reason } => StoreError::Decode { path, what, reason },
            Fault::NewerSchema { found, known } => StoreError::NewerSchema { path, found, known },
            Fault::Random(source) => StoreError::Random { path, source },
        }
    }
}

impl From<rusqlite::Error> for Fault {
    fn from(err: rusqlite::Error) -> Self {
        Fault::Sqlite(err)
    }
}
